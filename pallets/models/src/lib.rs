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
//!
//! ## Code layout
//!
//! This file declares the pallet and keeps calls thin; `registry.rs` and `serving.rs` hold the
//! `do_*` logic, `views.rs` the runtime API reads and `try_state.rs` the invariants.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod registry;
mod serving;
mod try_state;
pub mod types;
mod views;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use polkadot_sdk::polkadot_sdk_frame as frame;

/// The storage version: 0, the layout this pallet launched with.
const STORAGE_VERSION: frame::prelude::StorageVersion = frame::prelude::StorageVersion::new(0);

/// What the benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AuthorityId> {
	/// A key in the keystore that `IsAuthority` accepts.
	fn authority() -> AuthorityId;
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
	use frame::token::fungible::Inspect;

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

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config + CreateBare<Call<Self>> {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>>
			+ IsType<<Self as polkadot_sdk::frame_system::Config>::RuntimeEvent>;
		/// The currency prices are quoted in.
		type Currency: Inspect<Self::AccountId>;
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
		type BenchmarkHelper: BenchmarkHelper<Self::AuthorityId>;
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
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::offchain_announce(now);
		}

		fn integrity_test() {
			assert!(!T::AnnouncePeriod::get().is_zero(), "AnnouncePeriod must be positive");
			assert!(T::MaxBaseModels::get() > 0, "MaxBaseModels must be positive");
			assert!(T::MaxContextLength::get() > 0, "MaxContextLength must be positive");
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
	}

	#[pallet::validate_unsigned]
	impl<T: Config> ValidateUnsigned for Pallet<T> {
		type Call = Call<T>;

		fn validate_unsigned(_source: TransactionSource, call: &Self::Call) -> TransactionValidity {
			let Call::announce_serving { announcement, signature } = call else {
				return InvalidTransaction::Call.into();
			};
			Self::validate_announcement(announcement, signature)
		}
	}
}
