//! SCALE types of the model registry.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::polkadot_sdk_frame::prelude::*;
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

pub use openledger_ai_primitives::{AdapterHash, WeightsHash};
pub use openledger_primitives::{DatanetId, ModelId, Version};

/// The file format of a base model's weights.
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
	Serialize,
	Deserialize,
)]
pub enum ModelFormat {
	/// A GGUF file (llama.cpp's format), quantized or not.
	Gguf,
}

/// Where a base model's tokenizer comes from.
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
	Serialize,
	Deserialize,
)]
pub enum TokenizerSource {
	/// Carried in the weights file's own metadata (GGUF `tokenizer.ggml.*`), so the weights
	/// hash covers it too.
	Embedded,
}

/// Whether a model may be used for new work.
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
)]
pub enum ModelStatus {
	/// Usable: nodes load it, fine-tunes may start from it, inference may be bought.
	Active,
	/// Retired by governance: kept as a record (lineage points at it), used for nothing new.
	Retired,
}

/// What governance registers: a base model's identity and terms.
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
	Serialize,
	Deserialize,
)]
#[scale_info(skip_type_params(MaxName, MaxSpdx))]
#[serde(bound = "")]
pub struct BaseModelSpec<MaxName: Get<u32>, MaxSpdx: Get<u32>> {
	/// SHA-256 of the weights file; a node loads a file only if it hashes to this.
	pub weights_hash: WeightsHash,
	/// Human-readable name, e.g. `SmolLM2-135M-Instruct Q4_1` (UTF-8).
	pub name: BoundedVec<u8, MaxName>,
	/// File format.
	pub format: ModelFormat,
	/// Tokenizer.
	pub tokenizer: TokenizerSource,
	/// Context window in tokens.
	pub context_length: u32,
	/// SPDX license identifier of the weights, e.g. `Apache-2.0`.
	pub license: BoundedVec<u8, MaxSpdx>,
}

impl<MaxName: Get<u32>, MaxSpdx: Get<u32>> BaseModelSpec<MaxName, MaxSpdx> {
	/// Whether `license` looks like an SPDX license expression: non-empty, letters, digits and
	/// `.`, `-`, `+`, with ` AND `/` OR `/` WITH ` combinations allowed as spaces and brackets.
	pub fn license_is_spdx(&self) -> bool {
		!self.license.is_empty()
			&& self.license.first() != Some(&b' ')
			&& self.license.last() != Some(&b' ')
			&& self.license.iter().all(|c| {
				c.is_ascii_alphanumeric() || matches!(*c, b'.' | b'-' | b'+' | b' ' | b'(' | b')')
			})
	}
}

/// A registered base model (`Spec` is the runtime's bounded [`BaseModelSpec`]).
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct BaseModel<BlockNumber, Spec> {
	/// Identity and terms, as registered.
	pub spec: Spec,
	/// Active or retired.
	pub status: ModelStatus,
	/// Block of registration.
	pub registered_at: BlockNumber,
}

/// Where a derived model came from: filled by ModelFactory when a fine-tune finishes.
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
#[scale_info(skip_type_params(MaxDatanets))]
pub struct Lineage<MaxDatanets: Get<u32>> {
	/// The datanet versions the adapter was trained on.
	pub datanets: BoundedVec<(DatanetId, Version), MaxDatanets>,
	/// The fine-tune job that produced it, if any (an adapter may also be registered whole).
	pub job: Option<u64>,
	/// The adapter it continued from, if it was not trained from the bare base.
	pub parent: Option<AdapterHash>,
}

/// Where a derived model stands.
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
)]
pub enum AdapterStatus {
	/// Produced, waiting for its training to be verified.
	Verifying,
	/// Verified: servable and billable.
	Active,
	/// Failed verification or withdrawn by its owner.
	Retired,
}

/// A model derived from a base: a LoRA adapter, identified by the SHA-256 of its canonical
/// safetensors bytes (`Lin` is the runtime's bounded [`Lineage`]).
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Adapter<AccountId, Balance, BlockNumber, Lin> {
	/// The base model it adapts.
	pub base: ModelId,
	/// Who is paid the model owner's share.
	pub owner: AccountId,
	/// Where it came from.
	pub lineage: Lin,
	/// Price of 1,000 generated tokens, in planck.
	pub price_per_1k_tokens: Balance,
	/// Verifying, active or retired.
	pub status: AdapterStatus,
	/// Block it was recorded.
	pub created_at: BlockNumber,
}

/// A validator's signed statement that its node serves these base models, sent by its offchain
/// worker from what the node's AI service reports (`Models` is a bounded list of ids).
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct ServingAnnouncement<AuthorityId, BlockNumber, Models> {
	/// The validator's authority key (the one that signs).
	pub authority: AuthorityId,
	/// The registered, active base models the node has loaded, sorted, no repeats.
	pub models: Models,
	/// The block whose offchain worker made the statement.
	pub block: BlockNumber,
}

/// What the chain records of an announcement.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Serving<BlockNumber, Models> {
	/// The base models served.
	pub models: Models,
	/// The block of the statement.
	pub block: BlockNumber,
}

/// A base model as the runtime API returns it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct BaseModelView<BlockNumber> {
	/// Id.
	pub id: ModelId,
	/// SHA-256 of the weights.
	pub weights_hash: WeightsHash,
	/// Name (UTF-8).
	pub name: alloc::vec::Vec<u8>,
	/// Format.
	pub format: ModelFormat,
	/// Tokenizer.
	pub tokenizer: TokenizerSource,
	/// Context window.
	pub context_length: u32,
	/// SPDX license.
	pub license: alloc::vec::Vec<u8>,
	/// Status.
	pub status: ModelStatus,
	/// Registration block.
	pub registered_at: BlockNumber,
}
