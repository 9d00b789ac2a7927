//! SCALE types of the Tokenomics pallet.

use polkadot_sdk::polkadot_sdk_frame as frame;

use codec::DecodeWithMemTracking;
use frame::prelude::*;

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

	/// Whether the shares sum to exactly 100 %.
	pub fn is_whole(&self) -> bool {
		let parts = [self.treasury, self.model_owner, self.stakers, self.contributors];
		let sum = parts.iter().fold(0u64, |acc, p| acc.saturating_add(u64::from(p.deconstruct())));
		sum == u64::from(Perbill::one().deconstruct())
	}

	/// Divides `amount` into (treasury, model owner, stakers, contributors); the parts sum to
	/// `amount` exactly (the model owner receives the rounding remainder).
	pub fn divide<B: frame::arithmetic::AtLeast32BitUnsigned + Copy>(&self, amount: B) -> [B; 4] {
		let treasury = self.treasury.mul_floor(amount);
		let stakers = self.stakers.mul_floor(amount);
		let contributors = self.contributors.mul_floor(amount);
		let owner = amount.saturating_sub(treasury).saturating_sub(stakers).saturating_sub(contributors);
		[treasury, owner, stakers, contributors]
	}
}

impl Default for FeeSplit {
	fn default() -> Self {
		Self::DEFAULT
	}
}

/// Every tokenomics parameter at once, as the runtime API and the precompile return them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct Parameters<Balance> {
	/// Fee split of training and inference payments.
	pub fee_split: FeeSplit,
	/// Slashed share of a rejected contribution's deposit (kept by the Datanets pallet, set by
	/// the same governance track).
	pub contribution_slash: Perbill,
	/// Share of the community reward pool released per day.
	pub reward_release: Perbill,
	/// The fixed supply.
	pub max_supply: Balance,
	/// Total issuance now, including deactivated funds (contract accounts' existential deposits).
	pub total_issuance: Balance,
	/// Active issuance now: what can be spent or voted with; never above `max_supply`.
	pub active_issuance: Balance,
}
