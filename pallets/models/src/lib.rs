//! # Models
//!
//! The chain's model registry: the base models nodes may load, the LoRA adapters derived from
//! them, and which validators' nodes serve which base model.
//!
//! ## Overview
//!
//! - **Base models** are registered and retired only by governance ([`Config::RegistrarOrigin`]:
//!   Root, or a referendum on the `model_registrar` track). A registration fixes the SHA-256 of
//!   the weights file, its format and tokenizer, the context window, the SPDX license and a
//!   name. A node loads a file only if it hashes to a registered, active entry. Retiring keeps
//!   the record (lineage points at it) but stops new use.
//! - **Adapters** (models derived from a base) are stored by the SHA-256 of their canonical
//!   bytes, with the base, the owner, the lineage (datanet versions, the fine-tune job, the
//!   parent adapter), a price per 1,000 tokens and a status. ModelFactory adds the calls that
//!   create them; the storage is laid out now so that it only adds calls.
//! - **Serving**: each validator's offchain worker asks the node's AI service (through the
//!   `openledger-ai-primitives` host functions) which base models it has loaded, and sends
//!   [`Pallet::announce_serving`], an unsigned transaction signed with its authority key, when
//!   the list changed or the last one is [`Config::AnnouncePeriod`] blocks old. A node without
//!   the AI service (or with `--ai off`) gets `Unavailable` and sends nothing.
//! - **Fine-tune jobs** (ModelFactory, `fine_tune.rs`): paid requests, trainers drawn among
//!   the bonded agents, accept and deliver deadlines with strikes and redraws. A trainer's node
//!   runs its part in the offchain worker (`trainer.rs`): it accepts the jobs assigned to an
//!   agent key in its keystore, trains them through the AI service and delivers the signed
//!   commitment.
//!
//! ## Code layout
//!
//! This file declares the pallet and keeps calls thin; `registry.rs`, `serving.rs` and
//! `fine_tune.rs` hold the `do_*` logic, `trainer.rs` the trainer's offchain worker, `views.rs`
//! the runtime API reads and `try_state.rs` the invariants.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod fine_tune;
pub mod payment;
mod registry;
mod serving;
mod trainer;
mod try_state;
pub mod types;
mod verifier;
pub mod verify;
mod views;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_fine_tune;

pub use fine_tune::HasOpenJob;
pub use pallet::*;
pub use types::*;
pub use verify::ValidatorSet;
pub use views::MAX_LINEAGE_DEPTH;
pub use weights::WeightInfo;

use polkadot_sdk::polkadot_sdk_frame as frame;

/// The storage version: 0, the layout this pallet launched with.
const STORAGE_VERSION: frame::prelude::StorageVersion = frame::prelude::StorageVersion::new(0);

/// What the benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AuthorityId, AccountId, AgentKey> {
	/// A key in the keystore that `IsAuthority` accepts.
	fn authority() -> AuthorityId;
	/// Makes `n` trainer agents of base model `model` eligible, returning their accounts.
	fn trainers(model: ModelId, n: u32) -> alloc::vec::Vec<AccountId>;
	/// Makes `agent` a trainer of `model` whose key (in the keystore) is returned.
	fn trainer_key(model: ModelId, agent: &AccountId) -> AgentKey;
	/// Makes a datanet whose latest version has accepted data and a licence that allows paid
	/// training.
	fn datanet_version(n: u32) -> (DatanetId, Version);
}

/// Log target of the offchain worker.
pub const LOG_TARGET: &str = "runtime::models";

// The pallet macros generate `expect`s with "qed" proofs; this module holds only declarations
// and thin calls, so the allowance covers macro code (which also binds a unit value in the
// `validate_unsigned` expansion). `ValidateUnsigned` is deprecated upstream
// (removal after April 2027) in favour of `#[pallet::authorize]` with `frame_system::AuthorizeCall`
// in the runtime's transaction extensions; moving to it changes the extrinsic format, which is
// planned with the other pre-mainnet format changes (docs/architecture.md).
#[allow(clippy::expect_used, clippy::let_unit_value, deprecated)]
#[frame::pallet]
pub mod pallet {
	use super::*;
	use frame::deps::sp_runtime::RuntimeAppPublic;
	use frame::prelude::*;
	use frame::token::fungible::{Inspect, Mutate, MutateHold};
	use openledger_primitives::{AgentKeys, AgentRegistry, HyperParams, TrainingData};

	/// Balance of the runtime's currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A registration, bounded by the runtime's limits.
	pub type BaseModelSpecOf<T> =
		BaseModelSpec<<T as Config>::MaxNameLen, <T as Config>::MaxSpdxLen>;
	/// A base model as stored.
	pub type BaseModelOf<T> = BaseModel<BlockNumberFor<T>, BaseModelSpecOf<T>>;
	/// Lineage, bounded by the runtime's limit.
	pub type LineageOf<T> = Lineage<<T as Config>::MaxLineageDatanets>;
	/// A list of base model ids, at most `MaxBaseModels`.
	pub type ModelListOf<T> = BoundedVec<ModelId, <T as Config>::MaxBaseModels>;
	/// An adapter as stored.
	pub type AdapterOf<T> = Adapter<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		BlockNumberFor<T>,
		LineageOf<T>,
	>;
	/// A serving announcement as signed.
	pub type AnnouncementOf<T> =
		ServingAnnouncement<<T as Config>::AuthorityId, BlockNumberFor<T>, ModelListOf<T>>;
	/// A serving record as stored.
	pub type ServingOf<T> = Serving<BlockNumberFor<T>, ModelListOf<T>>;
	/// An authority's signature.
	pub type SignatureOf<T> = <<T as Config>::AuthorityId as RuntimeAppPublic>::Signature;
	/// An agent key's signature.
	pub type AgentSignatureOf<T> = <<T as Config>::AgentKey as RuntimeAppPublic>::Signature;
	/// The governance-set terms of fine-tunes.
	pub type FineTuneParamsOf<T> = FineTuneParams<BalanceOf<T>, BlockNumberFor<T>>;
	/// The data a job pins.
	pub type PinnedDataOf<T> =
		BoundedVec<PinnedData<BalanceOf<T>>, <T as Config>::MaxLineageDatanets>;
	/// A fine-tune job as stored.
	pub type JobOf<T> = FineTuneJob<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		BlockNumberFor<T>,
		PinnedDataOf<T>,
		BoundedVec<<T as frame_system::Config>::AccountId, ConstU32<MAX_ATTEMPTS>>,
	>;
	/// A trainer's commitment, bounded by the runtime's limit.
	pub type CommitmentOf<T> = TrainingCommitment<<T as Config>::MaxCheckpoints>;
	/// A verifier's seat.
	pub type SeatOf<T> = Seat<<T as Config>::AuthorityId, <T as frame_system::Config>::AccountId>;
	/// A verification round as stored.
	pub type VerificationOf<T> =
		Verification<BoundedVec<SeatOf<T>, ConstU32<MAX_SEATS>>, BlockNumberFor<T>>;
	/// A file upload as stored.
	pub type FileUploadOf<T> = FileUpload<BoundedVec<[u8; 32], <T as Config>::MaxFileChunks>>;
	/// A chunk of an uploaded file.
	pub type ChunkOf<T> = BoundedVec<u8, <T as Config>::ChunkSize>;

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config + CreateBare<Call<Self>> {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>>
			+ IsType<<Self as polkadot_sdk::frame_system::Config>::RuntimeEvent>;
		/// The currency prices are quoted and fine-tune fees held in.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The runtime's hold reasons.
		type RuntimeHoldReason: From<HoldReason>;
		/// Who may set the fine-tune terms (governance, the `economic_parameters` track).
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The bonded agents that train (`pallet-agents`).
		type Agents: AgentRegistry<Self::AccountId, BalanceOf<Self>>
			+ AgentKeys<Self::AccountId, Self::AgentKey>;
		/// The key agents' nodes sign their work with.
		type AgentKey: Member + Parameter + RuntimeAppPublic + MaxEncodedLen;
		/// The datanet versions fine-tunes train on (`pallet-datanets`).
		type TrainingData: TrainingData<Self::AccountId, BalanceOf<Self>>;
		/// The fine-tune terms until governance sets them.
		type DefaultFineTuneParams: Get<FineTuneParamsOf<Self>>;
		/// Most jobs whose deadline falls in one block (a full block's jobs move to the next).
		#[pallet::constant]
		type MaxDuePerBlock: Get<u32>;
		/// Most checkpoints one job commits (the interval widens for long jobs).
		#[pallet::constant]
		type MaxCheckpoints: Get<u32>;
		/// The split of a fine-tune's compute fee (`pallet-tokenomics`' training fee split).
		type TrainingSplit: Get<openledger_primitives::FeeSplit>;
		/// The treasury's account.
		type Treasury: Get<Self::AccountId>;
		/// What paid inference on a base model costs per 1,000 tokens (fine-tuned models have
		/// the price their owner sets); see [`openledger_primitives::ModelPrices`].
		#[pallet::constant]
		type BasePricePer1k: Get<BalanceOf<Self>>;
		/// The validators verifiers are drawn from, with their accounts.
		type Validators: ValidatorSet<Self::AuthorityId, Self::AccountId>;
		/// Bytes per uploaded chunk (the last chunk of a file is shorter); the datanets' chunk
		/// size, so uploads share their offchain layout.
		#[pallet::constant]
		type ChunkSize: Get<u32>;
		/// Most chunks per uploaded file.
		#[pallet::constant]
		type MaxFileChunks: Get<u32>;
		/// Who may register and retire base models (governance).
		type RegistrarOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The key validators sign serving announcements with (their Aura key, so no new key
		/// has to be set up).
		type AuthorityId: Member + Parameter + RuntimeAppPublic + Ord + MaxEncodedLen;
		/// Whether a key belongs to a current validator.
		type IsAuthority: Contains<Self::AuthorityId>;
		/// Blocks between two identical serving announcements of one validator (a changed
		/// list may be announced at once).
		#[pallet::constant]
		type AnnouncePeriod: Get<BlockNumberFor<Self>>;
		/// Priority of announcements in the transaction pool.
		#[pallet::constant]
		type UnsignedPriority: Get<TransactionPriority>;
		/// Most active base models at once (and so in one announcement).
		#[pallet::constant]
		type MaxBaseModels: Get<u32>;
		/// Longest model name, in bytes.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;
		/// Longest SPDX license expression, in bytes.
		#[pallet::constant]
		type MaxSpdxLen: Get<u32>;
		/// Largest context window a registration may declare.
		#[pallet::constant]
		type MaxContextLength: Get<u32>;
		/// Most datanet versions in an adapter's lineage.
		#[pallet::constant]
		type MaxLineageDatanets: Get<u32>;
		/// Weights of the calls.
		type WeightInfo: WeightInfo;
		/// Makes a validator key for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AuthorityId, Self::AccountId, Self::AgentKey>;
	}

	/// The id the next base model gets.
	#[pallet::storage]
	pub type NextModelId<T> = StorageValue<_, ModelId, ValueQuery>;

	/// Base models by id. Twox64Concat: sequential ids, chosen by the chain.
	#[pallet::storage]
	pub type BaseModels<T: Config> = StorageMap<_, Twox64Concat, ModelId, BaseModelOf<T>>;

	/// Base model ids by weights hash (one registration per file). Identity: the key is a
	/// SHA-256 that only governance chooses.
	#[pallet::storage]
	pub type ModelByHash<T: Config> = StorageMap<_, Identity, WeightsHash, ModelId>;

	/// Number of active base models (at most [`Config::MaxBaseModels`]).
	#[pallet::storage]
	pub type ActiveBaseModels<T> = StorageValue<_, u32, ValueQuery>;

	/// Derived models (LoRA adapters) by the hash of their bytes. Blake2_128Concat: the key is
	/// chosen by whoever uploads the adapter.
	#[pallet::storage]
	pub type Adapters<T: Config> = StorageMap<_, Blake2_128Concat, AdapterHash, AdapterOf<T>>;

	/// Adapters of each base model, for listing. Twox64Concat on the chain-chosen base id,
	/// Blake2_128Concat on the user-chosen adapter hash.
	#[pallet::storage]
	pub type AdaptersOf<T: Config> =
		StorageDoubleMap<_, Twox64Concat, ModelId, Blake2_128Concat, AdapterHash, ()>;

	/// What each validator's node last said it serves. Blake2_128Concat: validators choose
	/// their keys.
	#[pallet::storage]
	pub type Servers<T: Config> = StorageMap<_, Blake2_128Concat, T::AuthorityId, ServingOf<T>>;

	/// The fine-tune terms (governance-set).
	#[pallet::storage]
	pub type FineTuneParameters<T: Config> =
		StorageValue<_, FineTuneParamsOf<T>, ValueQuery, T::DefaultFineTuneParams>;

	/// The id the next fine-tune job gets.
	#[pallet::storage]
	pub type NextJobId<T> = StorageValue<_, JobId, ValueQuery>;

	/// Fine-tune jobs by id. Twox64Concat: sequential ids.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOf<T>>;

	/// What each delivered job's trainer committed.
	#[pallet::storage]
	pub type Commitments<T: Config> = StorageMap<_, Twox64Concat, JobId, CommitmentOf<T>>;

	/// The jobs the chain acts on at each block (draws and deadlines).
	#[pallet::storage]
	pub type Due<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<JobId, T::MaxDuePerBlock>,
		ValueQuery,
	>;

	/// The open jobs each agent holds, in the order it got them (absent: none): its load, and
	/// where its node finds its work. Blake2_128Concat: accounts are chosen by users.
	#[pallet::storage]
	pub type AgentLoad<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<JobId, ConstU32<MAX_JOBS_PER_AGENT>>,
	>;

	/// Each verified job's round. Twox64Concat: sequential ids.
	#[pallet::storage]
	pub type Verifications<T: Config> = StorageMap<_, Twox64Concat, JobId, VerificationOf<T>>;

	/// The files a trainer uploaded or is uploading for its job's verification, by job and the
	/// file's SHA-256 (as committed). Twox64Concat on the chain's id, Identity on a committed
	/// hash.
	#[pallet::storage]
	pub type JobFiles<T: Config> =
		StorageDoubleMap<_, Twox64Concat, JobId, Identity, [u8; 32], FileUploadOf<T>>;

	/// Where each registered adapter's uploaded file is (its chunks are in every node's
	/// offchain database). Identity: adapter hashes are checked SHA-256s of verified uploads.
	#[pallet::storage]
	pub type AdapterFiles<T: Config> =
		StorageMap<_, Identity, AdapterHash, openledger_ai_primitives::AdapterFile>;

	/// Each validator's record as a verifier. Blake2_128Concat: validators choose their keys.
	#[pallet::storage]
	pub type VerifierStats<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AuthorityId, VerifierRecord, ValueQuery>;

	/// The contributors' part of each completed job's fee, held from its requester until
	/// Proof of Attribution distributes it. Twox64Concat: sequential ids.
	#[pallet::storage]
	pub type ContributorPots<T: Config> = StorageMap<_, Twox64Concat, JobId, BalanceOf<T>>;

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A fine-tune's fee, from request until the job is paid, refunded or cancelled.
		FineTuneFee,
		/// The contributors' part of a completed job's fee, until attribution pays it out.
		ContributorsPot,
	}

	#[pallet::genesis_config]
	#[derive(frame::prelude::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Base models registered at genesis.
		pub base_models: alloc::vec::Vec<BaseModelSpecOf<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for spec in &self.base_models {
				if let Err(e) = Pallet::<T>::do_register(spec.clone()) {
					panic!("genesis base model {:?} is invalid: {e:?}", spec.name);
				}
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Governance registered a base model.
		BaseModelRegistered { id: ModelId, weights_hash: WeightsHash },
		/// Governance retired a base model.
		BaseModelRetired { id: ModelId },
		/// A validator's node announced the base models it serves.
		ServingAnnounced { authority: T::AuthorityId, models: alloc::vec::Vec<ModelId> },
		/// A fine-tune was requested and its fee held.
		FineTuneRequested { job: JobId, requester: T::AccountId, base: ModelId, fee: BalanceOf<T> },
		/// A trainer was drawn for a job; it must accept by `accept_by`.
		JobAssigned { job: JobId, agent: T::AccountId, attempt: u8, accept_by: BlockNumberFor<T> },
		/// The trainer accepted; it must deliver by `deliver_by`.
		JobAccepted { job: JobId, agent: T::AccountId, deliver_by: BlockNumberFor<T> },
		/// The trainer committed its adapter, checkpoints and report; verification follows.
		JobDelivered { job: JobId, agent: T::AccountId, adapter: AdapterHash },
		/// The trainer missed its deadline: struck and slashed through the agents registry;
		/// the job is drawn again.
		TrainerMissed { job: JobId, agent: T::AccountId, slashed: BalanceOf<T> },
		/// The requester cancelled the job; the fee returned.
		JobCancelled { job: JobId, refunded: BalanceOf<T> },
		/// The job failed; the fee returned.
		JobFailed { job: JobId, reason: JobFailure, refunded: BalanceOf<T> },
		/// Verifiers were drawn for a delivered job (round 1 is a dispute); the trainer uploads
		/// the picked checkpoints and the adapters and the verifiers answer by `verify_by`.
		/// `self_verified`: the trainer's operator is among them, being the only validator.
		VerifiersDrawn {
			job: JobId,
			round: u8,
			verifiers: alloc::vec::Vec<(T::AuthorityId, u32)>,
			verify_by: BlockNumberFor<T>,
			self_verified: bool,
		},
		/// A file for a job's verification is uploaded whole and matches its declared content
		/// hash.
		FileUploaded { job: JobId, file: [u8; 32], content: ContentHash, size: u32 },
		/// A finished upload did not match its declared content hash; it starts again.
		FileRefused { job: JobId, file: [u8; 32] },
		/// A verifier answered.
		VerdictSubmitted {
			job: JobId,
			round: u8,
			authority: T::AuthorityId,
			verdict: openledger_ai_primitives::ReplayVerdict,
			passed: bool,
		},
		/// The round did not settle the job (a failure or too few answers): a dispute follows.
		Disputed { job: JobId, passed: u32, failed: u32, missing: u32 },
		/// The trainer's work was found wrong (or its files were not uploaded): it is slashed,
		/// and the job is drawn again (or fails and is refunded when no time is left).
		TrainerFaulty { job: JobId, agent: T::AccountId, slashed: BalanceOf<T>, reopened: bool },
		/// The training passed verification: the model is registered under its adapter hash
		/// with its lineage, owned by the requester.
		ModelRegistered { job: JobId, adapter: AdapterHash, owner: T::AccountId, base: ModelId },
		/// A completed job's fee was paid out (see `payment.rs`); `contributors` stays held for
		/// attribution.
		TrainingPaid { job: JobId, payout: payment::Payout<T::AccountId, BalanceOf<T>> },
		/// The owner set its model's price.
		ModelPriceSet { adapter: AdapterHash, price_per_1k_tokens: BalanceOf<T> },
		/// Governance set the fine-tune terms.
		FineTuneParametersSet { params: FineTuneParamsOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// A base model with these weights is already registered; retired ones count too, since
		/// lineage points at them. Register a different file.
		DuplicateWeights,
		/// The name is empty. Give the model a name.
		EmptyName,
		/// The license is not an SPDX expression (letters, digits, `.-+`, spaces and brackets,
		/// not empty). Use an identifier from <https://spdx.org/licenses/>.
		BadLicense,
		/// The context length is zero or above [`Config::MaxContextLength`].
		BadContextLength,
		/// [`Config::MaxBaseModels`] base models are active already. Retire one first.
		TooManyModels,
		/// No base model has this id.
		UnknownModel,
		/// The base model is already retired.
		AlreadyRetired,
		/// The announcing key is not a current validator's.
		NotAnAuthority,
		/// The announcement is from a future block or older than [`Config::AnnouncePeriod`], or
		/// it repeats this validator's last one within the period.
		StaleAnnouncement,
		/// The announcement lists a model that is not a registered, active base model, or lists
		/// one twice or out of order.
		BadModelList,
		/// The base model is retired: nothing new may be trained on it.
		ModelRetired,
		/// No adapter has this hash.
		UnknownAdapter,
		/// The parent adapter is not active (still verifying, or retired).
		AdapterNotActive,
		/// The request names no datanet version.
		NoData,
		/// More datanet versions than `MaxLineageDatanets`.
		TooManyDatanets,
		/// A datanet is named twice; name each once, at the version wanted.
		DuplicateDatanet,
		/// A datanet or version does not exist, or the version has no accepted data.
		UnknownDatanetVersion,
		/// A datanet's licence forbids derivative works (an `ND` term); a model is one.
		LicenceForbidsDerivatives,
		/// A datanet's licence forbids commercial use (an `NC` term); fine-tunes are paid.
		LicenceForbidsCommercialUse,
		/// A datanet holds images or audio: a language-model fine-tune trains on text
		/// (the `Text` and `Tabular` kinds) only.
		NotTextData,
		/// `rank` is 0 or above 256.
		BadRank,
		/// `alpha` is 0 or above 4096.
		BadAlpha,
		/// `targets` is empty or has bits beyond bit 6 (`down_proj`).
		BadTargets,
		/// `learning_rate` (× 10⁹) is 0 or above 100,000,000 (0.1).
		BadLearningRate,
		/// `epochs` is 0 or above 32.
		BadEpochs,
		/// `batch` is 0 or above 128.
		BadBatch,
		/// `max_len` is below 16 or above the base model's context window.
		BadMaxLen,
		/// `eval_percent` is above 50.
		BadEvalSplit,
		/// The fee (the runtime API's quote) is above the request's `max_fee`.
		FeeAboveMax,
		/// The deadline leaves less than the draw delay, the accept period and the delivery
		/// window the job's size needs.
		DeadlineTooSoon,
		/// The deadline lies further ahead than the governance-set maximum.
		DeadlineTooFar,
		/// The deadline buckets ahead are full; try again later.
		ScheduleFull,
		/// An amount overflowed.
		Overflow,
		/// No job has this id.
		UnknownJob,
		/// Only the requester may cancel.
		NotRequester,
		/// The trainer has accepted (or the job ended): it can no longer be cancelled.
		TrainingStarted,
		/// The job is not in the state this call needs, or the attempt number is stale.
		WrongJobState,
		/// The signature is not the assigned agent's key's.
		BadAgentSignature,
		/// The accept or delivery deadline has passed.
		DeadlinePassed,
		/// The commitment's shape does not match the job: one checkpoint hash and one loss per
		/// interval, one adapter per epoch ending in the final adapter, at least one step.
		BadCommitment,
		/// The fine-tune terms are invalid: a draw delay under 2, a zero accept period,
		/// delivery base, checkpoint interval or verify period, a per-agent job limit outside
		/// 1–16, attempts outside 1–8, verifiers outside 1–16, or a maximum deadline too short
		/// for the periods.
		BadParameters,
		/// The file is not one this job's verification needs (the picked segments'
		/// checkpoints, the last checkpoint, the per-epoch adapters).
		FileNotNeeded,
		/// The chunk is out of order, the wrong length, or its file's size or content hash
		/// differ from the first chunk's, or the size is 0 or above `MaxFileChunks` chunks.
		BadChunk,
		/// The file is uploaded already.
		AlreadyUploaded,
		/// The verdict's seat does not exist in this round or its authority did not sign.
		NotAVerifier,
		/// This seat answered already.
		AlreadyAnswered,
		/// Only the model's owner may set its price.
		NotOwner,
		/// A fine-tune that continues an adapter must keep its LoRA shape: the same rank,
		/// alpha and target modules as the job that produced it.
		ParentShapeMismatch,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::process_due(now)
		}

		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::offchain_announce(now);
			Self::offchain_train(now);
			Self::offchain_verify(now);
		}

		fn integrity_test() {
			assert!(!T::AnnouncePeriod::get().is_zero(), "AnnouncePeriod must be positive");
			assert!(T::MaxBaseModels::get() > 0, "MaxBaseModels must be positive");
			assert!(T::MaxContextLength::get() > 0, "MaxContextLength must be positive");
			assert!(T::MaxDuePerBlock::get() > 0, "MaxDuePerBlock must be positive");
			assert!(T::MaxCheckpoints::get() > 0, "MaxCheckpoints must be positive");
			assert!(T::ChunkSize::get() > 0, "ChunkSize must be positive");
			assert!(T::MaxFileChunks::get() > 0, "MaxFileChunks must be positive");
			assert!(
				Self::params_valid(&T::DefaultFineTuneParams::get()),
				"DefaultFineTuneParams are invalid"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(
			_n: BlockNumberFor<T>,
		) -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers a base model.
		///
		/// - Origin: [`Config::RegistrarOrigin`] (governance).
		/// - Errors: [`Error::DuplicateWeights`], [`Error::EmptyName`], [`Error::BadLicense`],
		///   [`Error::BadContextLength`], [`Error::TooManyModels`].
		/// - Emits [`Event::BaseModelRegistered`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_base_model())]
		pub fn register_base_model(
			origin: OriginFor<T>,
			spec: BaseModelSpecOf<T>,
		) -> DispatchResult {
			T::RegistrarOrigin::ensure_origin(origin)?;
			let (id, weights_hash) = (NextModelId::<T>::get(), spec.weights_hash);
			Self::do_register(spec)?;
			Self::deposit_event(Event::BaseModelRegistered { id, weights_hash });
			Ok(())
		}

		/// Retires a base model: nothing new may use it; its record stays.
		///
		/// - Origin: [`Config::RegistrarOrigin`] (governance).
		/// - Errors: [`Error::UnknownModel`], [`Error::AlreadyRetired`].
		/// - Emits [`Event::BaseModelRetired`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::retire_base_model())]
		pub fn retire_base_model(origin: OriginFor<T>, id: ModelId) -> DispatchResult {
			T::RegistrarOrigin::ensure_origin(origin)?;
			Self::do_retire(id)?;
			Self::deposit_event(Event::BaseModelRetired { id });
			Ok(())
		}

		/// Records which base models a validator's node serves.
		///
		/// - Origin: none (an unsigned transaction from a validator's offchain worker); the
		///   pool admits it only with a valid signature of `announcement` by
		///   `announcement.authority`, and the same checks run again here.
		/// - Errors: [`Error::NotAnAuthority`], [`Error::StaleAnnouncement`],
		///   [`Error::BadModelList`].
		/// - Emits [`Event::ServingAnnounced`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::announce_serving(announcement.models.len() as u32))]
		pub fn announce_serving(
			origin: OriginFor<T>,
			announcement: AnnouncementOf<T>,
			signature: SignatureOf<T>,
		) -> DispatchResult {
			ensure_none(origin)?;
			Self::check_announcement(&announcement, &signature)?;
			Self::do_announce(announcement);
			Ok(())
		}

		/// Requests a paid LoRA fine-tune of `model` (a base model, or an adapter to continue)
		/// on the accepted contributions of `datanets` (each at the version named), with
		/// `params`. The fee (the datanets' prices per use plus the compute price, see the
		/// runtime API's `fine_tune_quote`) is held from the caller; a trainer is drawn
		/// `draw_delay` blocks later and must deliver by `deadline`.
		///
		/// - Origin: signed (the requester, who will own the model).
		/// - Errors: [`Error::UnknownModel`], [`Error::ModelRetired`], [`Error::UnknownAdapter`],
		///   [`Error::AdapterNotActive`], [`Error::ParentShapeMismatch`], [`Error::NoData`], [`Error::TooManyDatanets`],
		///   [`Error::DuplicateDatanet`], [`Error::UnknownDatanetVersion`],
		///   [`Error::LicenceForbidsDerivatives`], [`Error::LicenceForbidsCommercialUse`],
		///   [`Error::NotTextData`], the
		///   `Bad*` hyper-parameter errors, [`Error::FeeAboveMax`], [`Error::DeadlineTooSoon`],
		///   [`Error::DeadlineTooFar`], [`Error::ScheduleFull`], [`Error::Overflow`], and the
		///   currency's error when the fee cannot be held.
		/// - Emits [`Event::FineTuneRequested`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::request_fine_tune(datanets.len() as u32))]
		pub fn request_fine_tune(
			origin: OriginFor<T>,
			model: ModelRef,
			datanets: BoundedVec<(DatanetId, Version), T::MaxLineageDatanets>,
			params: HyperParams,
			max_fee: BalanceOf<T>,
			deadline: BlockNumberFor<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let (job, base, fee) =
				Self::do_request(who.clone(), model, &datanets, params, max_fee, deadline)?;
			Self::deposit_event(Event::FineTuneRequested { job, requester: who, base, fee });
			Ok(())
		}

		/// Cancels a job no trainer has accepted yet; the whole fee returns.
		///
		/// - Origin: signed, the requester.
		/// - Errors: [`Error::UnknownJob`], [`Error::NotRequester`], [`Error::TrainingStarted`].
		/// - Emits [`Event::JobCancelled`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::cancel_fine_tune())]
		pub fn cancel_fine_tune(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let refunded = Self::do_cancel(&who, job)?;
			Self::deposit_event(Event::JobCancelled { job, refunded });
			Ok(())
		}

		/// The assigned trainer accepts attempt `attempt` of `job`.
		///
		/// - Origin: none (an unsigned transaction from the trainer's offchain worker); the
		///   pool admits it only with `signature`, the agent key's over
		///   [`Pallet::accept_message`], and the same checks run again here.
		/// - Errors: [`Error::UnknownJob`], [`Error::WrongJobState`],
		///   [`Error::BadAgentSignature`], [`Error::DeadlinePassed`], [`Error::ScheduleFull`].
		/// - Emits [`Event::JobAccepted`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::accept_job())]
		pub fn accept_job(
			origin: OriginFor<T>,
			job: JobId,
			attempt: u8,
			signature: AgentSignatureOf<T>,
		) -> DispatchResult {
			ensure_none(origin)?;
			let (agent, deliver_by) = Self::do_accept(job, attempt, &signature)?;
			Self::deposit_event(Event::JobAccepted { job, agent, deliver_by });
			Ok(())
		}

		/// The trainer delivers attempt `attempt` of `job`: the final adapter's hash, the hash
		/// of every checkpoint and the report.
		///
		/// - Origin: none (unsigned from the trainer's offchain worker); `signature` is the
		///   agent key's over [`Pallet::deliver_message`].
		/// - Errors: [`Error::UnknownJob`], [`Error::WrongJobState`],
		///   [`Error::BadAgentSignature`], [`Error::DeadlinePassed`], [`Error::BadCommitment`].
		/// - Emits [`Event::JobDelivered`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::deliver_job(commitment.checkpoints.len() as u32))]
		pub fn deliver_job(
			origin: OriginFor<T>,
			job: JobId,
			attempt: u8,
			commitment: CommitmentOf<T>,
			signature: AgentSignatureOf<T>,
		) -> DispatchResult {
			ensure_none(origin)?;
			let adapter = commitment.adapter;
			let agent = Self::do_deliver(job, attempt, commitment, &signature)?;
			Self::deposit_event(Event::JobDelivered { job, agent, adapter });
			Ok(())
		}

		/// Sets the fine-tune terms. Jobs already requested keep their fee and checkpoint
		/// interval; periods apply from their next deadline.
		///
		/// - Origin: [`Config::ParamsOrigin`] (the `economic_parameters` track).
		/// - Errors: [`Error::BadParameters`].
		/// - Emits [`Event::FineTuneParametersSet`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_fine_tune_parameters())]
		pub fn set_fine_tune_parameters(
			origin: OriginFor<T>,
			params: FineTuneParamsOf<T>,
		) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			ensure!(Self::params_valid(&params), Error::<T>::BadParameters);
			FineTuneParameters::<T>::put(params);
			Self::deposit_event(Event::FineTuneParametersSet { params });
			Ok(())
		}

		/// The trainer uploads one chunk of a file its job's verification needs: `chunk.file`
		/// is the file's committed SHA-256, `chunk.content` and `chunk.size` its content hash
		/// and size (the same on every chunk). Chunks go in order; the bytes go to every node's
		/// offchain database in the datanets' layout, and the last chunk checks the content
		/// hash.
		///
		/// - Origin: none (unsigned from the trainer's offchain worker); `signature` is the
		///   agent key's over [`Pallet::chunk_message`].
		/// - Errors: [`Error::UnknownJob`], [`Error::WrongJobState`],
		///   [`Error::BadAgentSignature`], [`Error::DeadlinePassed`], [`Error::FileNotNeeded`],
		///   [`Error::BadChunk`], [`Error::AlreadyUploaded`].
		/// - Emits [`Event::FileUploaded`] or [`Event::FileRefused`] on the last chunk.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::upload_job_file(data.len() as u32))]
		pub fn upload_job_file(
			origin: OriginFor<T>,
			chunk: UploadChunk,
			data: ChunkOf<T>,
			signature: AgentSignatureOf<T>,
		) -> DispatchResult {
			ensure_none(origin)?;
			Self::do_upload(&chunk, &data, &signature)
		}

		/// A verifier's answer for its seat in `job`'s round `round`.
		///
		/// - Origin: none (unsigned from the validator's offchain worker); `signature` is the
		///   seat's authority key's over [`Pallet::verdict_message`].
		/// - Errors: [`Error::UnknownJob`], [`Error::WrongJobState`], [`Error::NotAVerifier`],
		///   [`Error::AlreadyAnswered`], [`Error::DeadlinePassed`].
		/// - Emits [`Event::VerdictSubmitted`], and what settling the round emits when it was
		///   the last answer.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::submit_verdict())]
		pub fn submit_verdict(
			origin: OriginFor<T>,
			job: JobId,
			round: u8,
			seat: u8,
			verdict: openledger_ai_primitives::ReplayVerdict,
			signature: SignatureOf<T>,
		) -> DispatchResult {
			ensure_none(origin)?;
			Self::do_verdict(job, round, seat, verdict, &signature)
		}

		/// The owner sets the price of 1,000 tokens generated with its model.
		///
		/// - Origin: signed, the model's owner.
		/// - Errors: [`Error::UnknownAdapter`], [`Error::NotOwner`].
		/// - Emits [`Event::ModelPriceSet`].
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::set_model_price())]
		pub fn set_model_price(
			origin: OriginFor<T>,
			adapter: AdapterHash,
			price_per_1k_tokens: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Adapters::<T>::try_mutate(adapter, |a| {
				let a = a.as_mut().ok_or(Error::<T>::UnknownAdapter)?;
				ensure!(a.owner == who, Error::<T>::NotOwner);
				a.price_per_1k_tokens = price_per_1k_tokens;
				Ok::<_, DispatchError>(())
			})?;
			Self::deposit_event(Event::ModelPriceSet { adapter, price_per_1k_tokens });
			Ok(())
		}
	}

	#[pallet::validate_unsigned]
	impl<T: Config> ValidateUnsigned for Pallet<T> {
		type Call = Call<T>;

		fn validate_unsigned(_source: TransactionSource, call: &Self::Call) -> TransactionValidity {
			match call {
				Call::announce_serving { announcement, signature } => {
					Self::validate_announcement(announcement, signature)
				}
				Call::accept_job { job, attempt, signature } => {
					Self::validate_accept(*job, *attempt, signature)
				}
				Call::deliver_job { job, attempt, commitment, signature } => {
					Self::validate_deliver(*job, *attempt, commitment, signature)
				}
				Call::upload_job_file { chunk, data, signature } => {
					Self::validate_upload(chunk, data, signature)
				}
				Call::submit_verdict { job, round, seat, verdict, signature } => {
					Self::validate_verdict(*job, *round, *seat, verdict, signature)
				}
				_ => InvalidTransaction::Call.into(),
			}
		}
	}
}
