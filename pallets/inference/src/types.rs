//! The pallet's SCALE types: credit, vouchers, usage records and what a settlement moved.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use openledger_primitives::ServedModel;
use polkadot_sdk::polkadot_sdk_frame::prelude::*;
use scale_info::TypeInfo;

pub use openledger_primitives::inference::{SignedVoucher, Voucher, VoucherSignature};

/// A user's inference credit: OPEN held under [`crate::HoldReason::Credit`], and the part asked
/// back, released once its delay has passed.
#[derive(
	Clone,
	Debug,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Credit<Balance, BlockNumber> {
	/// What is held (the same as the currency's hold under the credit reason).
	pub held: Balance,
	/// A withdrawal asked for: the amount and the first block it may be withdrawn in. Until
	/// then the amount stays held and spendable, so vouchers in flight can still settle.
	pub unlocking: Option<(Balance, BlockNumber)>,
}

/// What the chain keeps of a voucher once it has been settled.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct VoucherState<AccountId, Balance, BlockNumber> {
	/// The agent it pays.
	pub agent: AccountId,
	/// Its maximum.
	pub max_spend: Balance,
	/// Its last block.
	pub expiry: BlockNumber,
	/// Taken so far.
	pub spent: Balance,
	/// The highest request id settled, if any (records must come in increasing request order,
	/// so no record is paid twice).
	pub last_request: Option<u64>,
}

/// One answered request, as the serving agent reports it. The prompt itself never goes on
/// chain: only its hash.
#[derive(
	CloneNoBound,
	DebugNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxTokens))]
pub struct UsageRecord<MaxTokens: Get<u32>> {
	/// The agent's id for the request: increasing within a voucher.
	pub request: u64,
	/// The model that answered.
	pub model: ServedModel,
	/// Prompt tokens (the chat template's tokens included).
	pub prompt_tokens: u32,
	/// Generated tokens.
	pub completion_tokens: u32,
	/// SHA-256 of the prompt as the agent received it.
	pub prompt_hash: [u8; 32],
	/// The generated token ids (for attribution; kept in the offchain index, not in state).
	pub completion: BoundedVec<u32, MaxTokens>,
}

/// The contributors' part of one settled record, held from the user until Proof of Attribution
/// pays it out.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct RecordPot<AccountId, Balance> {
	/// The agent that served it.
	pub agent: AccountId,
	/// The model that answered.
	pub model: ServedModel,
	/// Held for the contributors.
	pub amount: Balance,
}

/// What one settlement moved, in total over its records.
#[derive(
	Clone,
	Debug,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Paid<Balance> {
	/// Taken from the user's credit: the sum of the others.
	pub total: Balance,
	/// To the models' owners.
	pub model_owners: Balance,
	/// To the serving agent (the stakers' share).
	pub agent: Balance,
	/// Held for the contributors, per record.
	pub contributors: Balance,
	/// To the treasury (its share, base models' owner share, and anything a recipient could
	/// not take).
	pub treasury: Balance,
}
