//! SCALE types of the model registry.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::polkadot_sdk_frame::prelude::*;
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

pub use openledger_ai_primitives::{AdapterHash, WeightsHash};
pub use openledger_primitives::{ContentHash, DatanetId, HyperParams, ModelId, Version};

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
	/// Price of 1,000 tokens (prompt and completion alike, see `pallet-inference`), in planck.
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

/// One datanet version a model learned from, with the exact contributions it covers.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct DataUsed {
	/// The datanet.
	pub datanet: DatanetId,
	/// Its version (a snapshot: a Merkle commitment over these contributions).
	pub version: Version,
	/// The accepted contributions the version covers, in acceptance order.
	pub contributions: alloc::vec::Vec<openledger_primitives::ContributionId>,
}

/// One generation of a model's lineage: an adapter and the data its own training used.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct Generation {
	/// The adapter (its hash is the model's id).
	pub adapter: AdapterHash,
	/// The fine-tune job that produced it, if any.
	pub job: Option<JobId>,
	/// The datanet versions that job trained on.
	pub data: alloc::vec::Vec<DataUsed>,
}

/// A derived model's whole lineage, as the runtime API returns it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct LineageView {
	/// The base model at the root.
	pub base: ModelId,
	/// The model first, then its parent, and so on up to the adapter trained from the bare
	/// base.
	pub generations: alloc::vec::Vec<Generation>,
	/// Every contribution the model learned from, through its parents too: sorted, each once
	/// (contribution ids are unique across datanets).
	pub contributions: alloc::vec::Vec<openledger_primitives::ContributionId>,
	/// Whether the walk stopped at `MAX_LINEAGE_DEPTH` generations before the bare base.
	pub truncated: bool,
}

/// A fine-tune job's id (sequential).
pub type JobId = u64;

/// What a fine-tune starts from.
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
pub enum ModelRef {
	/// A registered, active base model.
	Base(ModelId),
	/// An active adapter: the job continues its training (the new model's parent).
	Adapter(AdapterHash),
}

/// The governance-set terms of fine-tunes (the `economic_parameters` track).
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
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FineTuneParams<Balance, BlockNumber> {
	/// Fixed part of every job's compute price.
	pub base_fee: Balance,
	/// Compute price per KiB of training data per epoch (the data rounded up to whole KiB).
	pub price_per_kib_epoch: Balance,
	/// Blocks between a request and the draw of its trainer (at least 2, so the seed, the
	/// parent hash of the draw block, is fixed only after the request is on chain).
	pub draw_delay: BlockNumber,
	/// Blocks an assigned trainer has to accept the job.
	pub accept_period: BlockNumber,
	/// Blocks an accepted trainer has to deliver, fixed part.
	pub delivery_base: BlockNumber,
	/// Blocks an accepted trainer has to deliver, per MiB of data per epoch (rounded up).
	pub delivery_per_mib_epoch: BlockNumber,
	/// Trainers one job is assigned to before it fails and is refunded (1 to
	/// [`MAX_ATTEMPTS`]).
	pub max_attempts: u8,
	/// Open jobs (assigned, training or delivered) one agent may hold (1 to
	/// [`MAX_JOBS_PER_AGENT`]); busier agents are left out of draws.
	pub max_jobs_per_agent: u32,
	/// Furthest a requester's deadline may lie ahead (bounds how long a fee is held).
	pub max_deadline: BlockNumber,
	/// Steps between two committed checkpoints (K); the trainer commits one every K steps and
	/// one after the last step.
	pub checkpoint_every: u32,
	/// Verifiers drawn for a delivered job (V, 1 to [`MAX_VERIFIERS`]); a dispute draws
	/// 2V + 1.
	pub verifiers: u8,
	/// Blocks a verification round lasts: the trainer uploads the picked checkpoints and the
	/// adapters, the verifiers replay and answer.
	pub verify_period: BlockNumber,
	/// Largest replay distance that passes, in parts per billion (the engine's relative L2
	/// distance × 10⁹; `docs/model-factory.md` has the measured distances).
	pub tolerance_ppb: u32,
}

/// Most verifiers governance may have drawn per job.
pub const MAX_VERIFIERS: u8 = 16;

/// Most seats in one verification round: a dispute's 2V + 1.
pub const MAX_SEATS: u32 = 2 * MAX_VERIFIERS as u32 + 1;

/// One verifier's place in a verification round.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Seat<AuthorityId, AccountId> {
	/// The validator's authority key (it signs the verdict).
	pub authority: AuthorityId,
	/// The validator's account.
	pub account: AccountId,
	/// The segment it replays: from checkpoint `segment - 1` (the initial state for 0) to
	/// checkpoint `segment`.
	pub segment: u32,
	/// What it found, once it answered.
	pub verdict: Option<openledger_ai_primitives::ReplayVerdict>,
}

/// A delivered job's verification round.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Verification<Seats, BlockNumber> {
	/// 0 for the first round, 1 for the dispute.
	pub round: u8,
	/// The verifiers and their segments.
	pub seats: Seats,
	/// The last block to upload and answer in.
	pub verify_by: BlockNumber,
	/// Whether the trainer's own operator verifies (only when it is the only validator, as
	/// on a `--dev` chain).
	pub self_verified: bool,
}

/// A file a trainer is uploading for verification (a checkpoint or an adapter).
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct FileUpload<Chunks> {
	/// The content hash the trainer declared; checked when the last chunk arrives.
	pub content: ContentHash,
	/// Its size in bytes.
	pub size: u32,
	/// The hashes of the chunks received, in order.
	pub chunks: Chunks,
	/// Whether every chunk arrived and the content hash matched.
	pub done: bool,
}

/// What an uploaded chunk is part of (the upload call's header; the agent key signs it with
/// the chunk's hash).
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
pub struct UploadChunk {
	/// The job.
	pub job: JobId,
	/// The trainer's attempt.
	pub attempt: u8,
	/// The file's committed SHA-256.
	pub file: [u8; 32],
	/// The file's content hash (the same on every chunk; checked with the last one).
	pub content: ContentHash,
	/// The file's size in bytes (the same on every chunk).
	pub size: u32,
	/// The chunk's index, from 0.
	pub index: u32,
}

/// A validator's record as a verifier.
#[derive(
	Clone,
	Copy,
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
pub struct VerifierRecord {
	/// Seats it was drawn for.
	pub assigned: u32,
	/// Seats it answered in time.
	pub answered: u32,
	/// Seats it left unanswered.
	pub missed: u32,
	/// Answers the round's outcome went against.
	pub overruled: u32,
}

/// Most trainers one job may be assigned to.
pub const MAX_ATTEMPTS: u32 = 8;

/// Most open jobs governance may let one agent hold at once.
pub const MAX_JOBS_PER_AGENT: u32 = 16;

/// A datanet version a job trains on, as pinned at request time.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct PinnedData<Balance> {
	/// The datanet.
	pub datanet: DatanetId,
	/// Its version.
	pub version: Version,
	/// The version's commitment: exactly which contributions.
	pub commitment: [u8; 32],
	/// How many (the first `accepted` in acceptance order).
	pub accepted: u32,
	/// Their total size in bytes.
	pub bytes: u64,
	/// The datanet's price per use at request time, held in the fee.
	pub price: Balance,
}

/// Why a job ended without a model.
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
pub enum JobFailure {
	/// No eligible trainer was found before the deadline left too little time.
	NoTrainer,
	/// Every assigned trainer missed its deadline, [`FineTuneParams::max_attempts`] of them
	/// or as many as the deadline allowed.
	TrainersMissed,
	/// The last trainer's work failed verification and no time was left for another.
	TrainerFaulty,
	/// No verifier answered the dispute; no one was found wrong.
	VerificationStalled,
}

/// Where a job stands.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub enum JobState<AccountId, BlockNumber> {
	/// Waiting for the draw of a trainer at block `draw_at`.
	Queued {
		/// The draw block.
		draw_at: BlockNumber,
	},
	/// Assigned to `agent`, which must accept by `accept_by`.
	Assigned {
		/// The trainer agent (owner account).
		agent: AccountId,
		/// Last block to accept in.
		accept_by: BlockNumber,
	},
	/// Accepted by `agent`, which must deliver by `deliver_by`.
	Training {
		/// The trainer agent.
		agent: AccountId,
		/// Last block to deliver in.
		deliver_by: BlockNumber,
	},
	/// `agent` committed the training at block `at`; the verifiers are drawn at `draw_at`.
	Delivered {
		/// The trainer agent.
		agent: AccountId,
		/// Block of the commitment.
		at: BlockNumber,
		/// The verifiers' draw block.
		draw_at: BlockNumber,
	},
	/// Verifiers replay segments of `agent`'s training (round 0, or the dispute, round 1)
	/// until `verify_by`; see [`Verification`].
	Verifying {
		/// The trainer agent.
		agent: AccountId,
		/// The round.
		round: u8,
		/// Last block to upload and answer in.
		verify_by: BlockNumber,
	},
	/// The training passed verification: `adapter` is registered and the fee paid out.
	Completed {
		/// The new model's id.
		adapter: AdapterHash,
	},
	/// The requester cancelled before training started; the fee was refunded.
	Cancelled,
	/// The job failed; the fee was refunded.
	Failed(JobFailure),
}

impl<AccountId, BlockNumber> JobState<AccountId, BlockNumber> {
	/// The agent holding the job, while it holds one (assigned, training or delivered).
	pub fn agent(&self) -> Option<&AccountId> {
		match self {
			JobState::Assigned { agent, .. }
			| JobState::Training { agent, .. }
			| JobState::Delivered { agent, .. }
			| JobState::Verifying { agent, .. } => Some(agent),
			_ => None,
		}
	}

	/// The block at which the chain acts on the job unless something happens first: the draw
	/// block, or the block after the last one to accept or deliver in.
	pub fn due(&self) -> Option<BlockNumber>
	where
		BlockNumber: Copy + Saturating + One,
	{
		match self {
			JobState::Queued { draw_at } | JobState::Delivered { draw_at, .. } => Some(*draw_at),
			JobState::Assigned { accept_by: by, .. }
			| JobState::Training { deliver_by: by, .. }
			| JobState::Verifying { verify_by: by, .. } => Some(by.saturating_add(One::one())),
			_ => None,
		}
	}

	/// Whether the fee is still held (not cancelled, failed or completed and paid).
	pub fn is_open(&self) -> bool {
		!matches!(self, JobState::Cancelled | JobState::Failed(_) | JobState::Completed { .. })
	}
}

/// A fine-tune job (`Data` and `Tried` are the runtime's bounded lists).
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct FineTuneJob<AccountId, Balance, BlockNumber, Data, Tried> {
	/// Who pays and will own the model.
	pub requester: AccountId,
	/// The base model trained.
	pub base: ModelId,
	/// The adapter training continues from, if any.
	pub parent: Option<AdapterHash>,
	/// The datanet versions trained on, sorted by datanet.
	pub data: Data,
	/// The hyper-parameters.
	pub params: openledger_primitives::HyperParams,
	/// The whole fee, held from the requester: `data_fee + compute_fee`.
	pub fee: Balance,
	/// The part owed to the datanets (their prices per use).
	pub data_fee: Balance,
	/// The requester's deadline: the last block a trainer may deliver in.
	pub deadline: BlockNumber,
	/// Steps between committed checkpoints for this job (the parameter at request time).
	pub checkpoint_every: u32,
	/// Where it stands.
	pub state: JobState<AccountId, BlockNumber>,
	/// Assignments so far (the current one included).
	pub attempts: u8,
	/// Agents that were assigned and missed a deadline (never drawn again for this job).
	pub tried: Tried,
	/// Block of the request.
	pub created: BlockNumber,
}

/// The trainer's report, in fixed point (losses in micro-nats per token).
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
#[scale_info(skip_type_params(MaxPoints))]
pub struct TrainingReport<MaxPoints: Get<u32>> {
	/// Mean loss on the held-out split before training (× 10⁶).
	pub eval_loss_before: u32,
	/// Mean loss on the held-out split after training (× 10⁶).
	pub eval_loss_after: u32,
	/// Tokens trained on (all epochs).
	pub tokens: u64,
	/// Mean training loss over each checkpoint interval (× 10⁶), one per checkpoint.
	pub losses: BoundedVec<u32, MaxPoints>,
}

/// What a trainer commits when it delivers: the adapter, every checkpoint and the report.
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
#[scale_info(skip_type_params(MaxCheckpoints))]
pub struct TrainingCommitment<MaxCheckpoints: Get<u32>> {
	/// SHA-256 of the final adapter's canonical bytes: the new model's id.
	pub adapter: AdapterHash,
	/// Optimiser steps taken.
	pub steps: u32,
	/// Hash of the checkpoint (adapter, AdamW moments, step, data position) after every
	/// interval of steps and after the last step; see [`checkpoint_interval`].
	pub checkpoints: BoundedVec<[u8; 32], MaxCheckpoints>,
	/// SHA-256 of the adapter after each epoch (the last is `adapter`).
	pub epoch_adapters: BoundedVec<
		AdapterHash,
		ConstU32<{ openledger_primitives::fine_tune::limits::MAX_EPOCHS as u32 }>,
	>,
	/// The report.
	pub report: TrainingReport<MaxCheckpoints>,
}

pub use openledger_primitives::{checkpoint_count, checkpoint_interval, checkpoint_step};
