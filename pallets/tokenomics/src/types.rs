//! SCALE types of the Tokenomics pallet.

use polkadot_sdk::polkadot_sdk_frame as frame;

use frame::prelude::*;
use openledger_primitives::FeeSplit;

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
