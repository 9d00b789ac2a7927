//! # Datanets
//!
//! Domain data networks: contributors upload and license data through extrinsics, curators
//! accept or reject it, and every accepted contribution is on chain with its hash and
//! contributor. The bytes themselves travel in the extrinsics and are written into every node's
//! offchain database through offchain indexing (see `docs/architecture.md`); state keeps only
//! metadata.
//!
//! ## Overview
//!
//! - A **datanet** has an owner, curators, metadata (name, summary, tags), a [`DataKind`], a
//!   license (SPDX identifier + terms hash), [`Rules`] (open or allow-list contribution, a
//!   per-contribution deposit, a size limit, per-contributor daily quotas in bytes and count, a
//!   price per training use) and a status (open, frozen, archived). Creating one holds
//!   [`Config::DatanetDeposit`] from the owner until it is archived.
//! - **Contributing**: [`Pallet::contribute`] sends up to [`Config::ChunkSize`] bytes in one
//!   extrinsic; larger files go through [`Pallet::begin_upload`], [`Pallet::upload_chunk`] (in
//!   order) and [`Pallet::finish_upload`], which checks the whole-file [`content_hash`]. An
//!   abandoned upload expires after [`Config::UploadLifetime`] blocks; anyone may then reap it
//!   and the deposit returns to the uploader. Identical content in the same datanet is refused.
//!   Submissions are validated: size, declared kind against the datanet's, UTF-8 for text and
//!   tables, known magic bytes for images and audio.
//! - **Curation**: curators (and the owner) [`Pallet::accept`] a batch — deposits return, the
//!   datanet's version advances and its commitment (a Merkle root over all accepted content
//!   hashes in acceptance order, see [`merkle`]) is recorded — or [`Pallet::reject`] one with a
//!   [`RejectReason`]: [`ContributionSlash`] (a share set by governance) of its deposit goes to
//!   [`Config::SlashBeneficiary`], the rest returns. Slashes go to the treasury rather than to
//!   the datanet owner, so an owner gains nothing by rejecting good data.
//! - **Records**: accepted and rejected counts per contributor and datanet.
//!
//! ## Code layout
//!
//! This file declares the pallet and keeps every call thin; the logic lives in `do_*`
//! functions in `features/` (`datanet`, `contribute`, `upload`, `curation`), read-only views
//! for the runtime API in `views.rs`, and the invariants in `try_state.rs`.
//!
//! ## Content hash
//!
//! A file is cut into chunks of exactly [`Config::ChunkSize`] bytes (the last one shorter);
//! its hash is [`content_hash`] from `openledger-primitives`:
//! `blake2_256("openledger/datanets/v1" ‖ size as u64 LE ‖ blake2_256(chunk₀) ‖ …)`.
//! Anyone can recompute it from the bytes, and it is the same whichever way the file was sent.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod features;
pub mod merkle;
mod try_state;
pub mod types;
pub mod validate;
mod views;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use openledger_primitives::{
	chunk_hash, chunk_key, content_hash, file_key, FileManifest, CONTENT_HASH_DOMAIN,
};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use polkadot_sdk::polkadot_sdk_frame as frame;

/// The storage version: 0, the layout this pallet launched with.
const STORAGE_VERSION: frame::prelude::StorageVersion = frame::prelude::StorageVersion::new(0);

// The pallet macros generate `expect`s with "qed" proofs; this module holds only declarations
// and thin calls, so the allowance covers macro code.
#[allow(clippy::expect_used)]
#[frame::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame::prelude::*;
	use frame::token::fungible::{Inspect, InspectHold, Mutate, MutateHold};

	/// Balance of the runtime's currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// Metadata bounded by the runtime's limits.
	pub type MetadataOf<T> = Metadata<
		<T as Config>::MaxNameLen,
		<T as Config>::MaxSummaryLen,
		<T as Config>::MaxTags,
		<T as Config>::MaxTagLen,
	>;
	/// License bounded by the runtime's limits.
	pub type LicenseOf<T> = License<<T as Config>::MaxSpdxLen>;
	/// Curators bounded by the runtime's limit.
	pub type CuratorsOf<T> =
		BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxCurators>;
	/// A datanet as stored.
	pub type DatanetOf<T> = DatanetInfo<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		BlockNumberFor<T>,
		CuratorsOf<T>,
		MetadataOf<T>,
		LicenseOf<T>,
	>;
	/// A contribution as stored.
	pub type ContributionOf<T> =
		Contribution<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
	/// An upload as stored.
	pub type UploadOf<T> = Upload<T>;

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why funds are held.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a datanet, held from its owner until archived.
		DatanetDeposit,
		/// The deposit of a contribution, held from its contributor until curated.
		ContributionDeposit,
	}

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>>
			+ IsType<<Self as polkadot_sdk::frame_system::Config>::RuntimeEvent>;
		/// The currency deposits are held in.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ InspectHold<Self::AccountId>;
		/// The runtime's hold reasons.
		type RuntimeHoldReason: From<HoldReason>;
		/// Origin that may set [`ContributionSlash`] (governance).
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Receives the slashed share of rejected contributions' deposits (the treasury).
		type SlashBeneficiary: Get<Self::AccountId>;
		/// Deposit for creating a datanet.
		#[pallet::constant]
		type DatanetDeposit: Get<BalanceOf<Self>>;
		/// Smallest per-contribution deposit an owner may set.
		#[pallet::constant]
		type MinContributionDeposit: Get<BalanceOf<Self>>;
		/// Bytes per chunk; also the largest single-extrinsic contribution.
		#[pallet::constant]
		type ChunkSize: Get<u32>;
		/// Chunks per file (so the largest file is `ChunkSize · MaxChunks`).
		#[pallet::constant]
		type MaxChunks: Get<u32>;
		/// Blocks an upload may stay unfinished before anyone may reap it.
		#[pallet::constant]
		type UploadLifetime: Get<BlockNumberFor<Self>>;
		/// Blocks per quota day.
		#[pallet::constant]
		type BlocksPerDay: Get<BlockNumberFor<Self>>;
		/// Contributions waiting for curation per datanet.
		#[pallet::constant]
		type MaxPending: Get<u32>;
		/// Contributions accepted in one call.
		#[pallet::constant]
		type MaxAcceptBatch: Get<u32>;
		/// Curators per datanet.
		#[pallet::constant]
		type MaxCurators: Get<u32>;
		/// Name length.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;
		/// Summary length.
		#[pallet::constant]
		type MaxSummaryLen: Get<u32>;
		/// Tags per datanet.
		#[pallet::constant]
		type MaxTags: Get<u32>;
		/// Tag length.
		#[pallet::constant]
		type MaxTagLen: Get<u32>;
		/// SPDX identifier length.
		#[pallet::constant]
		type MaxSpdxLen: Get<u32>;
		/// Weights of the calls.
		type WeightInfo: WeightInfo;
	}

	// ---- storage ----

	/// Next datanet id.
	#[pallet::storage]
	pub type NextDatanetId<T> = StorageValue<_, DatanetId, ValueQuery>;

	/// Next contribution id.
	#[pallet::storage]
	pub type NextContributionId<T> = StorageValue<_, ContributionId, ValueQuery>;

	/// Next upload id.
	#[pallet::storage]
	pub type NextUploadId<T> = StorageValue<_, UploadId, ValueQuery>;

	/// Share of a rejected contribution's deposit that is slashed (set by governance).
	#[pallet::storage]
	pub type ContributionSlash<T> = StorageValue<_, Perbill, ValueQuery, DefaultContributionSlash>;

	/// Default slash share: 10 %.
	#[pallet::type_value]
	pub fn DefaultContributionSlash() -> Perbill {
		Perbill::from_percent(10)
	}

	/// Datanets. Sequential ids chosen by the chain: `Twox64Concat` is safe and iterable.
	#[pallet::storage]
	pub type Datanet<T: Config> = StorageMap<_, Twox64Concat, DatanetId, DatanetOf<T>>;

	/// Accounts allowed to contribute to allow-list datanets. Account ids are user-chosen:
	/// `Blake2_128Concat`.
	#[pallet::storage]
	pub type Allowed<T: Config> =
		StorageDoubleMap<_, Twox64Concat, DatanetId, Blake2_128Concat, T::AccountId, ()>;

	/// Contributions. Sequential ids: `Twox64Concat`.
	#[pallet::storage]
	pub type Contributions<T: Config> =
		StorageMap<_, Twox64Concat, ContributionId, ContributionOf<T>>;

	/// Content already in a datanet (any status), for deduplication. Hashes are user-supplied:
	/// `Blake2_128Concat`.
	#[pallet::storage]
	pub type ByHash<T: Config> =
		StorageDoubleMap<_, Twox64Concat, DatanetId, Blake2_128Concat, ContentHash, ContributionId>;

	/// Content being uploaded to a datanet, so two uploads of the same file cannot race.
	#[pallet::storage]
	pub type UploadByHash<T: Config> =
		StorageDoubleMap<_, Twox64Concat, DatanetId, Blake2_128Concat, ContentHash, UploadId>;

	/// Pending contributions of each datanet, in submission order.
	#[pallet::storage]
	pub type Pending<T: Config> = StorageMap<
		_,
		Twox64Concat,
		DatanetId,
		BoundedVec<ContributionId, T::MaxPending>,
		ValueQuery,
	>;

	/// Uploads in progress. Sequential ids: `Twox64Concat`.
	#[pallet::storage]
	pub type Uploads<T: Config> = StorageMap<_, Twox64Concat, UploadId, UploadOf<T>>;

	/// Contributor records per datanet.
	#[pallet::storage]
	pub type Records<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		DatanetId,
		Blake2_128Concat,
		T::AccountId,
		ContributorRecord,
		ValueQuery,
	>;

	/// Quota use per datanet and contributor (today only).
	#[pallet::storage]
	pub type Usage<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		DatanetId,
		Blake2_128Concat,
		T::AccountId,
		DailyUsage,
		ValueQuery,
	>;

	/// Versions of each datanet and their commitments.
	#[pallet::storage]
	pub type Versions<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		DatanetId,
		Twox64Concat,
		Version,
		VersionInfo<BlockNumberFor<T>>,
	>;

	/// Accepted contributions of each datanet by position in acceptance order (`0..accepted`):
	/// the leaves of its Merkle tree, so the first `n` are exactly what a version with `n`
	/// accepted commits to, and a trainer can read a version's data in order.
	#[pallet::storage]
	pub type AcceptedAt<T: Config> =
		StorageDoubleMap<_, Twox64Concat, DatanetId, Twox64Concat, u32, ContributionId>;

	/// Frontier of each datanet's incremental Merkle tree of accepted content.
	#[pallet::storage]
	pub type Frontier<T: Config> = StorageMap<
		_,
		Twox64Concat,
		DatanetId,
		BoundedVec<[u8; 32], ConstU32<{ merkle::DEPTH }>>,
		ValueQuery,
	>;

	// ---- events ----

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A datanet was created.
		DatanetCreated { datanet: DatanetId, owner: T::AccountId, kind: DataKind },
		/// Metadata or license was updated.
		MetadataUpdated { datanet: DatanetId },
		/// Contribution rules were changed.
		RulesUpdated { datanet: DatanetId },
		/// A curator was added.
		CuratorAdded { datanet: DatanetId, curator: T::AccountId },
		/// A curator was removed.
		CuratorRemoved { datanet: DatanetId, curator: T::AccountId },
		/// An account was allowed or disallowed to contribute.
		AllowListChanged { datanet: DatanetId, who: T::AccountId, allowed: bool },
		/// Ownership moved (and the datanet deposit with it).
		OwnershipTransferred { datanet: DatanetId, from: T::AccountId, to: T::AccountId },
		/// Status changed.
		StatusChanged { datanet: DatanetId, status: DatanetStatus },
		/// A chunked upload started.
		UploadStarted { upload: UploadId, datanet: DatanetId, contributor: T::AccountId, size: u32 },
		/// A chunk arrived.
		ChunkReceived { upload: UploadId, index: u32, received: u32 },
		/// An upload was cancelled or reaped after expiry; its deposit returned.
		UploadAbandoned { upload: UploadId, expired: bool },
		/// A contribution is complete and waits for curation.
		Contributed {
			datanet: DatanetId,
			contribution: ContributionId,
			contributor: T::AccountId,
			hash: ContentHash,
			size: u32,
		},
		/// Contributions were accepted; the datanet moved to a new version.
		Accepted {
			datanet: DatanetId,
			contributions: Vec<ContributionId>,
			version: Version,
			commitment: [u8; 32],
		},
		/// A contribution was rejected and part of its deposit slashed.
		Rejected {
			datanet: DatanetId,
			contribution: ContributionId,
			reason: RejectReason,
			slashed: BalanceOf<T>,
		},
		/// Governance changed the slash share.
		ContributionSlashSet { share: Perbill },
	}

	// ---- errors ----

	#[pallet::error]
	pub enum Error<T> {
		/// No datanet with this id.
		UnknownDatanet,
		/// No contribution with this id (in this datanet).
		UnknownContribution,
		/// No upload with this id.
		UnknownUpload,
		/// Only the datanet's owner may do this.
		NotOwner,
		/// Only the owner or a curator may do this.
		NotCurator,
		/// Only the uploader may do this.
		NotUploader,
		/// The datanet is frozen or archived: it takes no contributions.
		NotOpen,
		/// The datanet is archived: nothing can change any more.
		Archived,
		/// Archiving needs every pending contribution curated and every upload finished first.
		HasPending,
		/// The datanet takes contributions only from allowed accounts.
		NotAllowed,
		/// The contribution is empty.
		Empty,
		/// Larger than the datanet's `max_size` (or than one chunk for `contribute`).
		TooLarge,
		/// The declared kind is not the datanet's kind.
		WrongKind,
		/// Text or tabular data that is not valid UTF-8.
		InvalidUtf8,
		/// Image or audio data whose first bytes match no known format.
		UnknownFormat,
		/// The same content is already in this datanet (or being uploaded to it).
		Duplicate,
		/// Today's byte or count quota for this datanet is used up; try again tomorrow.
		QuotaExceeded,
		/// The datanet has as many pending contributions as it can hold; wait for curation.
		TooManyPending,
		/// The chunk is not the next one expected.
		WrongChunk,
		/// A chunk before the last is not exactly `ChunkSize` bytes, or the chunks exceed the
		/// declared size.
		WrongChunkSize,
		/// Not all bytes have arrived yet.
		Incomplete,
		/// The uploaded bytes do not hash to the declared content hash.
		HashMismatch,
		/// The upload has expired; reap it to recover the deposit.
		Expired,
		/// The upload has not expired yet.
		NotExpired,
		/// The contribution has already been curated.
		NotPending,
		/// Too many curators.
		TooManyCurators,
		/// Already a curator.
		AlreadyCurator,
		/// Not a curator.
		NoSuchCurator,
		/// Rules out of range: deposit below the minimum, max size zero or above the runtime's
		/// limit, or a zero quota.
		BadRules,
		/// A name, tag or SPDX id is empty.
		BadMetadata,
		/// The change would not change anything (same status, same owner).
		NoChange,
		/// An id counter is exhausted.
		Overflow,
		/// The Merkle tree of the datanet is full.
		TreeFull,
	}

	// ---- hooks ----

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::ChunkSize::get() > 0, "ChunkSize must be positive");
			assert!(T::MaxChunks::get() > 0, "MaxChunks must be positive");
			assert!(
				T::MaxAcceptBatch::get() > 0 && T::MaxPending::get() > 0,
				"batch limits must be positive"
			);
			assert!(!T::BlocksPerDay::get().is_zero(), "BlocksPerDay must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(
			_n: BlockNumberFor<T>,
		) -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
	// ---- calls ----

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Creates a datanet owned by the caller, holding [`Config::DatanetDeposit`].
		///
		/// Origin: signed. Errors: `BadMetadata`, `BadRules`, `Overflow`, or a balance error when
		/// the deposit cannot be held. Emits `DatanetCreated`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create_datanet())]
		pub fn create_datanet(
			origin: OriginFor<T>,
			metadata: MetadataOf<T>,
			kind: DataKind,
			license: LicenseOf<T>,
			rules: Rules<BalanceOf<T>>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_create(owner, metadata, kind, license, rules)
		}

		/// Replaces metadata and license. Origin: the owner. Errors: `UnknownDatanet`,
		/// `NotOwner`, `Archived`, `BadMetadata`. Emits `MetadataUpdated`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update_metadata())]
		pub fn update_metadata(
			origin: OriginFor<T>,
			datanet: DatanetId,
			metadata: MetadataOf<T>,
			license: LicenseOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_metadata(who, datanet, metadata, license)
		}

		/// Replaces the contribution rules (policy, deposit, size, quotas, price); pending
		/// contributions keep the deposit they were made with. Origin: the owner. Errors:
		/// `UnknownDatanet`, `NotOwner`, `Archived`, `BadRules`. Emits `RulesUpdated`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_rules())]
		pub fn set_rules(
			origin: OriginFor<T>,
			datanet: DatanetId,
			rules: Rules<BalanceOf<T>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_rules(who, datanet, rules)
		}

		/// Adds a curator. Origin: the owner. Errors: `UnknownDatanet`, `NotOwner`, `Archived`,
		/// `AlreadyCurator`, `TooManyCurators`. Emits `CuratorAdded`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::add_curator())]
		pub fn add_curator(
			origin: OriginFor<T>,
			datanet: DatanetId,
			curator: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_add_curator(who, datanet, curator)
		}

		/// Removes a curator. Origin: the owner. Errors: `UnknownDatanet`, `NotOwner`,
		/// `Archived`, `NoSuchCurator`. Emits `CuratorRemoved`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::remove_curator())]
		pub fn remove_curator(
			origin: OriginFor<T>,
			datanet: DatanetId,
			curator: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_remove_curator(who, datanet, curator)
		}

		/// Allows or disallows an account to contribute (used by allow-list datanets). Origin:
		/// the owner or a curator. Errors: `UnknownDatanet`, `NotCurator`, `Archived`,
		/// `NoChange`. Emits `AllowListChanged`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_allowed())]
		pub fn set_allowed(
			origin: OriginFor<T>,
			datanet: DatanetId,
			who: T::AccountId,
			allowed: bool,
		) -> DispatchResult {
			let caller = ensure_signed(origin)?;
			Self::do_set_allowed(caller, datanet, who, allowed)
		}

		/// Transfers ownership; the datanet deposit moves from the old to the new owner.
		/// Origin: the owner. Errors: `UnknownDatanet`, `NotOwner`, `Archived`, `NoChange`, or a
		/// balance error when the new owner cannot cover the deposit. Emits
		/// `OwnershipTransferred`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::transfer_ownership())]
		pub fn transfer_ownership(
			origin: OriginFor<T>,
			datanet: DatanetId,
			new_owner: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_transfer_ownership(who, datanet, new_owner)
		}

		/// Freezes (no new contributions), reopens, or archives (for good; the datanet deposit
		/// returns) a datanet. Origin: the owner. Errors: `UnknownDatanet`, `NotOwner`,
		/// `Archived`, `NoChange`, `HasPending` (archiving with pending contributions or
		/// uploads). Emits `StatusChanged`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_status())]
		pub fn set_status(
			origin: OriginFor<T>,
			datanet: DatanetId,
			status: DatanetStatus,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_status(who, datanet, status)
		}

		/// Contributes up to [`Config::ChunkSize`] bytes in one extrinsic, holding the
		/// datanet's deposit. The bytes go to every node's offchain database.
		///
		/// Origin: signed. Errors: `UnknownDatanet`, `NotOpen`, `NotAllowed`, `Empty`,
		/// `TooLarge`, `WrongKind`, `InvalidUtf8`, `UnknownFormat`, `Duplicate`,
		/// `QuotaExceeded`, `TooManyPending`, `Overflow`, or a balance error for the deposit.
		/// Emits `Contributed`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::contribute(data.len() as u32))]
		pub fn contribute(
			origin: OriginFor<T>,
			datanet: DatanetId,
			kind: DataKind,
			data: BoundedVec<u8, T::ChunkSize>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_contribute(who, datanet, kind, data)
		}

		/// Starts a chunked upload of a file of `size` bytes whose [`content_hash`] is `hash`,
		/// holding the datanet's deposit and charging the daily quota.
		///
		/// Origin: signed. Errors: as `contribute`, plus `Overflow`. Emits `UploadStarted`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::begin_upload())]
		pub fn begin_upload(
			origin: OriginFor<T>,
			datanet: DatanetId,
			kind: DataKind,
			size: u32,
			hash: ContentHash,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_begin_upload(who, datanet, kind, size, hash)
		}

		/// Sends chunk `index` (chunks must come in order, each exactly
		/// [`Config::ChunkSize`] bytes except the last). Origin: the uploader.
		///
		/// Errors: `UnknownUpload`, `NotUploader`, `Expired`, `WrongChunk`, `WrongChunkSize`,
		/// `InvalidUtf8`, `UnknownFormat`. Emits `ChunkReceived`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::upload_chunk(data.len() as u32))]
		pub fn upload_chunk(
			origin: OriginFor<T>,
			upload: UploadId,
			index: u32,
			data: BoundedVec<u8, T::ChunkSize>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_upload_chunk(who, upload, index, data)
		}

		/// Completes an upload: checks the whole-file hash and queues the contribution for
		/// curation. Origin: the uploader. Errors: `UnknownUpload`, `NotUploader`, `Expired`,
		/// `Incomplete`, `HashMismatch`, `TooManyPending`, `Overflow`. Emits `Contributed`.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::finish_upload())]
		pub fn finish_upload(origin: OriginFor<T>, upload: UploadId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_finish_upload(who, upload)
		}

		/// Abandons an upload: the uploader at any time, anyone after it expired. The deposit
		/// returns to the uploader and the chunks are dropped from the offchain database.
		///
		/// Errors: `UnknownUpload`, `NotExpired` (someone else, before expiry). Emits
		/// `UploadAbandoned`.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::abandon_upload(T::MaxChunks::get()))]
		pub fn abandon_upload(origin: OriginFor<T>, upload: UploadId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_abandon_upload(who, upload)
		}

		/// Accepts pending contributions in the given order: deposits return, records count
		/// them, the datanet's version advances and its commitment is recorded. Origin: the
		/// owner or a curator. Errors: `UnknownDatanet`, `NotCurator`, `Archived`,
		/// `UnknownContribution`, `NotPending`, `Empty`, `TreeFull`. Emits `Accepted`.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::accept(contributions.len() as u32))]
		pub fn accept(
			origin: OriginFor<T>,
			datanet: DatanetId,
			contributions: BoundedVec<ContributionId, T::MaxAcceptBatch>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!contributions.is_empty(), Error::<T>::Empty);
			Self::do_accept(datanet, &who, contributions.into_inner())
		}

		/// Rejects a pending contribution for a [`RejectReason`]: [`ContributionSlash`] of its
		/// deposit goes to [`Config::SlashBeneficiary`], the rest returns, and its bytes are
		/// dropped from the offchain database. Origin: the owner or a curator. Errors:
		/// `UnknownDatanet`, `NotCurator`, `Archived`, `UnknownContribution`, `NotPending`.
		/// Emits `Rejected`.
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::reject())]
		pub fn reject(
			origin: OriginFor<T>,
			datanet: DatanetId,
			contribution: ContributionId,
			reason: RejectReason,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reject(datanet, &who, contribution, reason)
		}

		/// Sets the share of a rejected contribution's deposit that is slashed. Origin:
		/// [`Config::GovernanceOrigin`]. Emits `ContributionSlashSet`.
		#[pallet::call_index(15)]
		#[pallet::weight(T::WeightInfo::set_contribution_slash())]
		pub fn set_contribution_slash(origin: OriginFor<T>, share: Perbill) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Self::do_set_contribution_slash(share);
			Ok(())
		}
	}
}

impl<T: Config> From<validate::Invalid> for Error<T> {
	fn from(e: validate::Invalid) -> Self {
		match e {
			validate::Invalid::Utf8 => Error::<T>::InvalidUtf8,
			validate::Invalid::Format => Error::<T>::UnknownFormat,
		}
	}
}
