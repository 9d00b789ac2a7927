//! How a training or inference payment is divided.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_arithmetic::{traits::AtLeast32BitUnsigned, PerThing, Perbill};

/// How a training or inference payment is divided. The four shares sum to exactly 100 %
/// ([`FeeSplit::is_whole`]); the model owner's share also takes any rounding remainder when a
/// payment is divided, so a split never creates or loses a planck.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeeSplit {
	/// To the protocol treasury.
	pub treasury: Perbill,
	/// To the owner of the model trained or served.
	pub model_owner: Perbill,
	/// To the stakers (validators and their backers).
	pub stakers: Perbill,
	/// To the data contributors, by attribution score.
	pub contributors: Perbill,
}

impl FeeSplit {
	/// The genesis split: treasury 10 %, model owner 40 %, stakers 10 %, contributors 40 %.
	pub const DEFAULT: FeeSplit = FeeSplit {
		treasury: Perbill::from_percent(10),
		model_owner: Perbill::from_percent(40),
		stakers: Perbill::from_percent(10),
		contributors: Perbill::from_percent(40),
	};

	/// The genesis split of a fine-tune's compute fee: treasury 5 %, the owner of the model
	/// trained from 5 %, the stakers (the trainer and its verifiers, who did the work) 70 %,
	/// contributors 20 %.
	pub const TRAINING: FeeSplit = FeeSplit {
		treasury: Perbill::from_percent(5),
		model_owner: Perbill::from_percent(5),
		stakers: Perbill::from_percent(70),
		contributors: Perbill::from_percent(20),
	};

	/// Whether the shares sum to exactly 100 %.
	pub fn is_whole(&self) -> bool {
		let parts = [self.treasury, self.model_owner, self.stakers, self.contributors];
		let sum = parts.iter().fold(0u64, |acc, p| acc.saturating_add(u64::from(p.deconstruct())));
		sum == u64::from(Perbill::ACCURACY)
	}

	/// Divides `amount` into (treasury, model owner, stakers, contributors); the parts sum to
	/// `amount` exactly (the model owner receives the rounding remainder).
	pub fn divide<B: AtLeast32BitUnsigned + Copy>(&self, amount: B) -> [B; 4] {
		let treasury = self.treasury.mul_floor(amount);
		let stakers = self.stakers.mul_floor(amount);
		let contributors = self.contributors.mul_floor(amount);
		let owner =
			amount.saturating_sub(treasury).saturating_sub(stakers).saturating_sub(contributors);
		[treasury, owner, stakers, contributors]
	}
}

impl Default for FeeSplit {
	fn default() -> Self {
		Self::DEFAULT
	}
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	#[test]
	fn default_divides_exactly() {
		assert!(FeeSplit::DEFAULT.is_whole());
		assert_eq!(FeeSplit::DEFAULT.divide(1_000u128), [100, 400, 100, 400]);
	}

	fn whole_split() -> impl Strategy<Value = FeeSplit> {
		(0u32..=1_000_000_000, 0u32..=1_000_000_000, 0u32..=1_000_000_000).prop_map(|(a, b, c)| {
			// three cut points of [0, 10⁹] give four shares that sum to exactly 10⁹
			let mut cuts = [a, b, c];
			cuts.sort_unstable();
			FeeSplit {
				treasury: Perbill::from_parts(cuts[0]),
				stakers: Perbill::from_parts(cuts[1] - cuts[0]),
				contributors: Perbill::from_parts(cuts[2] - cuts[1]),
				model_owner: Perbill::from_parts(1_000_000_000 - cuts[2]),
			}
		})
	}

	proptest! {
		/// A whole split never creates or loses a planck, for any amount, and every share but
		/// the owner's (which takes the remainder) is its floor.
		#[test]
		fn divide_loses_nothing(split in whole_split(), amount in any::<u128>()) {
			prop_assert!(split.is_whole());
			let [t, o, s, c] = split.divide(amount);
			prop_assert_eq!(t.checked_add(o).and_then(|x| x.checked_add(s)).and_then(|x| x.checked_add(c)), Some(amount));
			prop_assert_eq!(t, split.treasury.mul_floor(amount));
			prop_assert_eq!(s, split.stakers.mul_floor(amount));
			prop_assert_eq!(c, split.contributors.mul_floor(amount));
			prop_assert!(o >= split.model_owner.mul_floor(amount));
		}

		/// The owner's remainder is less than one planck per other share.
		#[test]
		fn remainder_is_small(split in whole_split(), amount in any::<u64>()) {
			let amount = u128::from(amount);
			let [_, o, _, _] = split.divide(amount);
			prop_assert!(o - split.model_owner.mul_floor(amount) <= 3);
		}
	}
}
