//! The SCALE types the AI host functions speak. Fixed-point only: the node's AI service is the
//! one place where floats become these integers.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use openledger_primitives::{HyperParams, Perbill, TrainingItem};

/// SHA-256 of a base model's weights file: what the registry records and what the node checks
/// a file on disk against before it loads it.
pub type WeightsHash = [u8; 32];

/// SHA-256 of an adapter's canonical safetensors bytes: the adapter's identity.
pub type AdapterHash = [u8; 32];

/// Prefix of the offchain-database keys that hold adapter files.
pub const ADAPTER_OFFCHAIN_PREFIX: &[u8] = b"openledger/ai/adapter/";

/// The offchain-database key (in the persistent storage that offchain indexing writes) under
/// which the runtime indexes where adapter `hash`'s uploaded file is: an [`AdapterFile`]
/// (SCALE), whose chunks are in the datanets' layout (`openledger_primitives::chunk_key`). The
/// node's AI service reads the file from there and copies it into its adapter store after
/// checking that the bytes hash to `hash`.
pub fn adapter_offchain_key(hash: &AdapterHash) -> Vec<u8> {
	let mut key = ADAPTER_OFFCHAIN_PREFIX.to_vec();
	key.extend_from_slice(hash);
	key
}

/// Where an uploaded adapter's bytes are: the file's content hash and size.
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
pub struct AdapterFile {
	/// Content hash (`openledger_primitives::content_hash`) of the file.
	pub content: openledger_primitives::ContentHash,
	/// Its size in bytes.
	pub size: u32,
}

/// One chunk of a file the AI service keeps (a checkpoint or an adapter), for the offchain
/// worker that uploads it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct FileChunk {
	/// The whole file's size in bytes.
	pub size: u32,
	/// The whole file's content hash at the asked chunk size.
	pub content: openledger_primitives::ContentHash,
	/// The asked chunk's bytes.
	pub data: Vec<u8>,
}

/// One answered request of paid inference, as the node's endpoint metered it (the on-chain
/// `pallet-inference` usage record, with an unbounded completion).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Usage {
	/// The endpoint's id for the request: increasing within a voucher.
	pub request: u64,
	/// The model that answered.
	pub model: openledger_primitives::ServedModel,
	/// Prompt tokens (the chat template's included).
	pub prompt_tokens: u32,
	/// Generated tokens.
	pub completion_tokens: u32,
	/// SHA-256 of the prompt as received.
	pub prompt_hash: [u8; 32],
	/// The generated token ids.
	pub completion: Vec<u32>,
}

/// A voucher's served usage that is due for settlement: the records the chain has not yet
/// settled, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct DueSettlement {
	/// The voucher and the user's signature, SCALE-encoded as the API key carries them
	/// ([`openledger_primitives::inference::SignedVoucher`]).
	pub voucher: Vec<u8>,
	/// The unsettled records, in increasing request order.
	pub records: Vec<Usage>,
}

/// Why a host function did not do what was asked.
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
pub enum AiError {
	/// This node has no AI service (block import, `--ai off`) or lacks the model: skip the work.
	Unavailable,
	/// The request is malformed or names something the node does not know (a ticket, a model).
	Invalid,
	/// The work was attempted and failed (a corrupt file, an engine error).
	Failed,
	/// The job queue is full; try again on a later block.
	Busy,
}

/// A handle on a job started with `start_job`, polled on later blocks.
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
pub struct Ticket(pub u64);

/// Sampling, in fixed point. `temperature_milli == 0` is greedy decoding.
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
pub struct Sampling {
	/// Temperature × 1000 (0 = greedy; at most 2000).
	pub temperature_milli: u32,
	/// Nucleus mass (`Perbill::one()` = off).
	pub top_p: Perbill,
	/// Seed of the sampler (ignored when greedy).
	pub seed: u64,
	/// Most tokens to generate.
	pub max_tokens: u32,
}

impl Sampling {
	/// Greedy decoding of at most `max_tokens` tokens.
	pub fn greedy(max_tokens: u32) -> Self {
		Self { temperature_milli: 0, top_p: Perbill::one(), seed: 0, max_tokens }
	}
}

/// A text generation on a registered base model, optionally through an adapter.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct GenerateSpec {
	/// The base model, by the hash of its weights.
	pub model: WeightsHash,
	/// A LoRA adapter on that base, by its hash; `None` for the bare base model.
	pub adapter: Option<AdapterHash>,
	/// The prompt, UTF-8, given to the model as one user message of its chat template.
	pub prompt: Vec<u8>,
	/// Sampling.
	pub sampling: Sampling,
}

/// A LoRA fine-tune (a ModelFactory job) on a registered base model.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct FineTuneSpec {
	/// The chain's job id: progress and logs are labelled with it; the training never reads
	/// it (a replay of the same data and parameters is the same whatever the label).
	pub job: u64,
	/// The base model, by the hash of its weights.
	pub model: WeightsHash,
	/// The registered adapter this run continues (`None`: a fresh LoRA from the seed): `id`
	/// is its hash (the model id), `content` and `size` where its uploaded file is in the
	/// offchain database. The run starts from its weights with fresh optimiser moments; its
	/// shape (rank, alpha, target modules) is the job's, which the chain checked.
	pub parent: Option<CheckpointRef>,
	/// The training set in order: the pinned datanet versions' accepted contributions, each
	/// read from the node's offchain database and checked against its content hash. A UTF-8
	/// contribution that is one JSON object `{"prompt", "response"}` is an instruction example
	/// (loss on the response), any other UTF-8 text a plain-text example.
	pub data: Vec<TrainingItem>,
	/// The hyper-parameters (already checked by the chain).
	pub params: HyperParams,
	/// The job's checkpoint interval K and the chain's most checkpoints per job: the service
	/// checkpoints every `checkpoint_interval(steps, every, max)` steps and after the last.
	pub checkpoint_every: u32,
	/// See `checkpoint_every`.
	pub max_checkpoints: u32,
}

/// What a fine-tune produced: everything a trainer commits on chain. Losses are in micro-nats
/// (× 10⁶, rounded down).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct FineTuneOutput {
	/// The final adapter's id (SHA-256 of its canonical bytes); the service keeps the file in
	/// its adapter store.
	pub adapter: AdapterHash,
	/// Optimiser steps taken.
	pub steps: u32,
	/// Checkpoint hashes, one per interval and the last after the final step.
	pub checkpoints: Vec<[u8; 32]>,
	/// The mean training loss of each interval (one per checkpoint).
	pub losses: Vec<u32>,
	/// The adapter's id after each epoch (the last is `adapter`).
	pub epoch_adapters: Vec<AdapterHash>,
	/// Held-out loss before and after training (0 without a held-out split).
	pub eval_loss_before: u32,
	/// See `eval_loss_before`.
	pub eval_loss_after: u32,
	/// Loss-bearing tokens trained on, all epochs.
	pub tokens: u64,
}

/// A training checkpoint a verifier reads from its node's offchain database: the SHA-256 the
/// trainer committed on chain, and where the uploaded bytes are (a file in the datanets' layout:
/// a manifest under `file_key(content)` and chunks under `chunk_key(content, i)`).
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
pub struct CheckpointRef {
	/// SHA-256 of the checkpoint's canonical bytes, as committed.
	pub id: [u8; 32],
	/// Content hash of the uploaded file.
	pub content: openledger_primitives::ContentHash,
	/// Its size in bytes.
	pub size: u32,
}

/// Replay one segment of a fine-tune (a verifier's work): from the checkpoint `start` (or the
/// initial state, which the seed fixes) to the step of `end`, and measure how far the trainer's
/// `end` is from the replay.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct ReplaySpec {
	/// The job as the trainer ran it (model, training set, hyper-parameters).
	pub job: FineTuneSpec,
	/// Where the segment starts (`None`: the initial state).
	pub start: Option<CheckpointRef>,
	/// The claimed state at its end.
	pub end: CheckpointRef,
	/// The steps the chain's checkpoint rule puts `start` (0 for the initial state) and `end`
	/// at; checkpoints labelled otherwise are not this job's.
	pub steps: (u32, u32),
	/// Also check that the uploaded final adapter is exactly the adapter of the last
	/// checkpoint (every verifier does, so a trainer cannot train honestly and deliver other
	/// weights).
	pub adapter: Option<AdapterCheck>,
}

/// The final adapter against the last checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct AdapterCheck {
	/// The job's last checkpoint.
	pub last: CheckpointRef,
	/// The final adapter (`id` is its SHA-256, the model id).
	pub adapter: CheckpointRef,
}

/// A replay's finding.
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
pub enum ReplayVerdict {
	/// The segment was replayed: the distance between the replayed and the claimed end state,
	/// in parts per billion (the engine's relative L2 distance × 10⁹, saturating). The chain
	/// compares it with its tolerance.
	Measured {
		/// Optimiser steps replayed.
		steps: u32,
		/// Distance × 10⁹.
		distance_ppb: u64,
	},
	/// The uploaded bytes do not hash to the committed checkpoint id.
	WrongBytes,
	/// The files are not checkpoints of this job, or the claimed one sits at another place in
	/// the data order than its step implies.
	NotThisJob,
	/// The final adapter is not the adapter of the last checkpoint (or not its committed
	/// bytes).
	WrongAdapter,
}

/// Work an offchain worker can hand to the AI service. Later kinds (fine-tune, replay
/// verification, attribution, generation checks) are added as new variants at the end, so the
/// encoding of these stays the same.
#[allow(
	clippy::large_enum_variant,
	reason = "built once per job and moved into the service's queue; boxing would only add an allocation"
)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum JobSpec {
	/// Generate text.
	Generate(GenerateSpec),
	/// Fine-tune a LoRA adapter.
	FineTune(FineTuneSpec),
	/// Replay a segment of a fine-tune.
	Replay(ReplaySpec),
}

/// What a finished job produced.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum JobOutput {
	/// A generation.
	Generated {
		/// The generated tokens.
		tokens: Vec<u32>,
		/// Their text, UTF-8.
		text: Vec<u8>,
		/// Tokens the prompt took.
		prompt_tokens: u32,
		/// Commitment to the result: `blake2_256((model, adapter, prompt, sampling, tokens))`
		/// SCALE-encoded, which any node can recompute from the pieces.
		commitment: [u8; 32],
	},
	/// A fine-tune.
	FineTuned(FineTuneOutput),
	/// A replayed segment.
	Replayed(ReplayVerdict),
}

/// Where a job stands.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum JobStatus {
	/// Waiting for a worker thread.
	Queued,
	/// Being computed; `progress` of the work is done.
	Running {
		/// Fraction done.
		progress: Perbill,
	},
	/// Finished; the ticket is forgotten once this has been returned.
	Done(JobOutput),
	/// Failed; the ticket is forgotten once this has been returned.
	Failed(AiError),
}

/// The AI service at a glance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct EngineStatus {
	/// Base models loaded and ready, by weights hash, sorted.
	pub models: Vec<WeightsHash>,
	/// Jobs waiting.
	pub queued: u32,
	/// Jobs being computed.
	pub running: u32,
	/// Worker threads.
	pub threads: u32,
}

/// The commitment of a generation (see [`JobOutput::Generated`]).
pub fn generation_commitment(spec: &GenerateSpec, tokens: &[u32]) -> [u8; 32] {
	let mut bytes = spec.encode();
	tokens.encode_to(&mut bytes);
	sp_crypto_hashing::blake2_256(&bytes)
}
