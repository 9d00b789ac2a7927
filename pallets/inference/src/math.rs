//! The settlement arithmetic: what a record costs and how that cost divides. Integers only; the
//! parts of a cost always sum to it (property-tested below).

use openledger_primitives::FeeSplit;
use polkadot_sdk::polkadot_sdk_frame::arithmetic::AtLeast32BitUnsigned;

pub use openledger_primitives::inference::{cost, PRICE_UNIT_TOKENS};

/// How one record's cost divides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parts<B> {
	/// To the model's owner (the treasury's when the model has no owner).
	pub model_owner: B,
	/// To the serving agent: the stakers' share.
	pub agent: B,
	/// Held for the contributors.
	pub contributors: B,
	/// To the treasury.
	pub treasury: B,
}

/// Divides `cost` by `split` ([`FeeSplit::divide`]: the model owner's part takes the rounding
/// remainder). The four parts sum to `cost`.
pub fn parts<B: AtLeast32BitUnsigned + Copy>(cost: B, split: &FeeSplit) -> Parts<B> {
	let [treasury, model_owner, stakers, contributors] = split.divide(cost);
	Parts { model_owner, agent: stakers, contributors, treasury }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::expect_used)]
mod tests {
	use super::*;
	use openledger_primitives::Perbill;
	use proptest::prelude::*;

	#[test]
	fn a_cost_rounds_up_to_the_planck() {
		assert_eq!(cost(1_000u128, 3, 7), Some(10));
		assert_eq!(cost(1_000u128, 0, 0), Some(0));
		assert_eq!(cost(1u128, 1, 0), Some(1), "a token is never free at a non-zero price");
		assert_eq!(cost(1_500u128, 1, 0), Some(2));
		assert_eq!(cost(0u128, 100, 100), Some(0));
		assert_eq!(cost(u128::MAX, 2, 0), None);
		assert_eq!(cost(u32::MAX, u32::MAX, 1), None);
	}

	proptest! {
		#[test]
		fn parts_sum_to_the_cost(
			c in any::<u128>(),
			t in 0u32..=1_000_000_000,
			s in 0u32..=1_000_000_000,
			k in 0u32..=1_000_000_000,
		) {
			// any whole split: three free shares, the owner's the rest
			let (t, s) = (t, s.min(1_000_000_000 - t));
			let k = k.min(1_000_000_000 - t - s);
			let split = FeeSplit {
				treasury: Perbill::from_parts(t),
				stakers: Perbill::from_parts(s),
				contributors: Perbill::from_parts(k),
				model_owner: Perbill::from_parts(1_000_000_000 - t - s - k),
			};
			let p = parts(c, &split);
			let sum = p.model_owner.checked_add(p.agent)
				.and_then(|x| x.checked_add(p.contributors))
				.and_then(|x| x.checked_add(p.treasury));
			prop_assert_eq!(sum, Some(c), "nothing lost, nothing created");
			prop_assert_eq!(p.treasury, split.treasury.mul_floor(c));
		}

		#[test]
		fn a_cost_is_the_exact_price_rounded_up(per in any::<u64>(), a in any::<u32>(), b in any::<u32>()) {
			let exact = u128::from(per) * (u128::from(a) + u128::from(b));
			let got = cost(u128::from(per), a, b).expect("no overflow in u128");
			prop_assert!(got * 1_000 >= exact && got * 1_000 < exact + 1_000);
		}
	}
}
