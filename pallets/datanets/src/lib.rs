//! # Datanets
//!
//! Domain data networks: contributors upload and license data through extrinsics, curators
//! accept or reject it, and every accepted contribution is on chain with its hash and
//! contributor. The bytes themselves travel in the extrinsics and are written into every node's
//! offchain database through offchain indexing (DESIGN.md §4); state keeps only metadata.
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
//!   reason code: [`RejectSlash`] (a share set by governance) of its deposit goes to
//!   [`Config::SlashBeneficiary`], the rest returns. Slashes go to the treasury rather than to
//!   the datanet owner, so an owner gains nothing by rejecting good data.
//! - **Records**: accepted and rejected counts per contributor and datanet.
//!
//! ## Content hash
//!
//! A file is cut into chunks of exactly [`Config::ChunkSize`] bytes (the last one shorter);
//! its hash is `blake2_256("openledger/datanets/v1" ‖ size as u64 LE ‖ blake2_256(chunk₀) ‖ …)`.
//! Anyone can recompute it from the bytes, and it is the same whichever way the file was sent.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod merkle;
pub mod types;
pub mod validate;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use polkadot_sdk::polkadot_sdk_frame as frame;

use alloc::vec::Vec;
use frame::{
	hashing::blake2_256,
	prelude::*,
	token::fungible::MutateHold as _,
};

/// Domain tag of [`content_hash`].
pub const CONTENT_HASH_DOMAIN: &[u8] = b"openledger/datanets/v1";

/// The content hash of a file of `size` bytes whose chunks hash to `chunk_hashes`.
pub fn content_hash(size: u32, chunk_hashes: &[[u8; 32]]) -> ContentHash {
	let mut pre = Vec::with_capacity(
		CONTENT_HASH_DOMAIN.len().saturating_add(8).saturating_add(chunk_hashes.len().saturating_mul(32)),
	);
	pre.extend_from_slice(CONTENT_HASH_DOMAIN);
	pre.extend_from_slice(&u64::from(size).to_le_bytes());
	for h in chunk_hashes {
		pre.extend_from_slice(h);
	}
	blake2_256(&pre)
}

/// Offchain-database key of chunk `index` of a file.
pub fn chunk_key(hash: &ContentHash, index: u32) -> Vec<u8> {
	let mut k = b"datanets:chunk:".to_vec();
	k.extend_from_slice(hash);
	k.extend_from_slice(&index.to_be_bytes());
	k
}

/// Offchain-database key of a file's manifest (`(size: u32, chunks: u32)`, SCALE).
pub fn file_key(hash: &ContentHash) -> Vec<u8> {
	let mut k = b"datanets:file:".to_vec();
	k.extend_from_slice(hash);
	k
}

// The pallet macros generate `expect`s with "qed" proofs; our own code has none.
#[allow(clippy::expect_used)]
#[frame::pallet]
pub mod pallet {
	use super::*;
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
	pub type DatanetOf<T> = Datanet<
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
		/// Origin that may set [`RejectSlash`] (governance).
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
	pub type RejectSlash<T> = StorageValue<_, Perbill, ValueQuery, DefaultRejectSlash>;

	/// Default slash share: 10 %.
	#[pallet::type_value]
	pub fn DefaultRejectSlash() -> Perbill {
		Perbill::from_percent(10)
	}

	/// Datanets. Sequential ids chosen by the chain: `Twox64Concat` is safe and iterable.
	#[pallet::storage]
	pub type Datanets<T: Config> = StorageMap<_, Twox64Concat, DatanetId, DatanetOf<T>>;

	/// Accounts allowed to contribute to allow-list datanets. Account ids are user-chosen:
	/// `Blake2_128Concat`.
	#[pallet::storage]
	pub type Allowed<T: Config> =
		StorageDoubleMap<_, Twox64Concat, DatanetId, Blake2_128Concat, T::AccountId, ()>;

	/// Contributions. Sequential ids: `Twox64Concat`.
	#[pallet::storage]
	pub type Contributions<T: Config> = StorageMap<_, Twox64Concat, ContributionId, ContributionOf<T>>;

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
	pub type Pending<T: Config> =
		StorageMap<_, Twox64Concat, DatanetId, BoundedVec<ContributionId, T::MaxPending>, ValueQuery>;

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
	pub type Usage<T: Config> =
		StorageDoubleMap<_, Twox64Concat, DatanetId, Blake2_128Concat, T::AccountId, DailyUsage, ValueQuery>;

	/// Versions of each datanet and their commitments.
	#[pallet::storage]
	pub type Versions<T: Config> =
		StorageDoubleMap<_, Twox64Concat, DatanetId, Twox64Concat, Version, VersionInfo<BlockNumberFor<T>>>;

	/// Frontier of each datanet's incremental Merkle tree of accepted content.
	#[pallet::storage]
	pub type Frontier<T: Config> =
		StorageMap<_, Twox64Concat, DatanetId, BoundedVec<[u8; 32], ConstU32<{ merkle::DEPTH }>>, ValueQuery>;

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
		Accepted { datanet: DatanetId, contributions: Vec<ContributionId>, version: Version, commitment: [u8; 32] },
		/// A contribution was rejected and part of its deposit slashed.
		Rejected { datanet: DatanetId, contribution: ContributionId, reason: u8, slashed: BalanceOf<T> },
		/// Governance changed the slash share.
		RejectSlashSet { share: Perbill },
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
			assert!(T::MaxAcceptBatch::get() > 0 && T::MaxPending::get() > 0, "batch limits must be positive");
			assert!(!T::BlocksPerDay::get().is_zero(), "BlocksPerDay must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	// ---- calls ----

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Creates a datanet owned by the caller, holding [`Config::DatanetDeposit`].
		///
		/// Errors: `BadMetadata`, `BadRules`, `Overflow`, or a balance error when the deposit
		/// cannot be held. Emits `DatanetCreated`.
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
			Self::check_metadata(&metadata, &license)?;
			Self::mutate_owned(datanet, &who, |d| {
				d.metadata = metadata;
				d.license = license;
				Ok(())
			})?;
			Self::deposit_event(Event::MetadataUpdated { datanet });
			Ok(())
		}

		/// Replaces the contribution rules (policy, deposit, size, quotas, price); pending
		/// contributions keep the deposit they were made with. Origin: the owner. Errors:
		/// `UnknownDatanet`, `NotOwner`, `Archived`, `BadRules`. Emits `RulesUpdated`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_rules())]
		pub fn set_rules(origin: OriginFor<T>, datanet: DatanetId, rules: Rules<BalanceOf<T>>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::check_rules(&rules)?;
			Self::mutate_owned(datanet, &who, |d| {
				d.rules = rules;
				Ok(())
			})?;
			Self::deposit_event(Event::RulesUpdated { datanet });
			Ok(())
		}

		/// Adds a curator. Origin: the owner. Errors: `UnknownDatanet`, `NotOwner`, `Archived`,
		/// `AlreadyCurator`, `TooManyCurators`. Emits `CuratorAdded`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::add_curator())]
		pub fn add_curator(origin: OriginFor<T>, datanet: DatanetId, curator: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::mutate_owned(datanet, &who, |d| {
				ensure!(!d.curators.contains(&curator), Error::<T>::AlreadyCurator);
				d.curators.try_push(curator.clone()).map_err(|_| Error::<T>::TooManyCurators)?;
				Ok(())
			})?;
			Self::deposit_event(Event::CuratorAdded { datanet, curator });
			Ok(())
		}

		/// Removes a curator. Origin: the owner. Errors: `UnknownDatanet`, `NotOwner`,
		/// `Archived`, `NoSuchCurator`. Emits `CuratorRemoved`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::remove_curator())]
		pub fn remove_curator(origin: OriginFor<T>, datanet: DatanetId, curator: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::mutate_owned(datanet, &who, |d| {
				let pos = d.curators.iter().position(|c| *c == curator).ok_or(Error::<T>::NoSuchCurator)?;
				d.curators.remove(pos);
				Ok(())
			})?;
			Self::deposit_event(Event::CuratorRemoved { datanet, curator });
			Ok(())
		}

		/// Allows or disallows an account to contribute (used by allow-list datanets). Origin:
		/// the owner or a curator. Errors: `UnknownDatanet`, `NotCurator`, `Archived`,
		/// `NoChange`. Emits `AllowListChanged`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_allowed())]
		pub fn set_allowed(origin: OriginFor<T>, datanet: DatanetId, who: T::AccountId, allowed: bool) -> DispatchResult {
			let caller = ensure_signed(origin)?;
			let d = Datanets::<T>::get(datanet).ok_or(Error::<T>::UnknownDatanet)?;
			ensure!(Self::is_curator(&d, &caller), Error::<T>::NotCurator);
			ensure!(d.status != DatanetStatus::Archived, Error::<T>::Archived);
			ensure!(Allowed::<T>::contains_key(datanet, &who) != allowed, Error::<T>::NoChange);
			if allowed {
				Allowed::<T>::insert(datanet, &who, ());
			} else {
				Allowed::<T>::remove(datanet, &who);
			}
			Self::deposit_event(Event::AllowListChanged { datanet, who, allowed });
			Ok(())
		}

		/// Transfers ownership; the datanet deposit moves from the old to the new owner.
		/// Origin: the owner. Errors: `UnknownDatanet`, `NotOwner`, `Archived`, `NoChange`, or a
		/// balance error when the new owner cannot cover the deposit. Emits
		/// `OwnershipTransferred`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::transfer_ownership())]
		pub fn transfer_ownership(origin: OriginFor<T>, datanet: DatanetId, new_owner: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(who != new_owner, Error::<T>::NoChange);
			Self::mutate_owned(datanet, &who, |d| {
				let reason = HoldReason::DatanetDeposit.into();
				T::Currency::hold(&reason, &new_owner, d.deposit)?;
				T::Currency::release(&reason, &who, d.deposit, Precision::Exact)?;
				d.owner = new_owner.clone();
				Ok(())
			})?;
			Self::deposit_event(Event::OwnershipTransferred { datanet, from: who, to: new_owner });
			Ok(())
		}

		/// Freezes (no new contributions), reopens, or archives (for good; the datanet deposit
		/// returns) a datanet. Origin: the owner. Errors: `UnknownDatanet`, `NotOwner`,
		/// `Archived`, `NoChange`, `HasPending` (archiving with pending contributions or
		/// uploads). Emits `StatusChanged`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_status())]
		pub fn set_status(origin: OriginFor<T>, datanet: DatanetId, status: DatanetStatus) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::mutate_owned(datanet, &who, |d| {
				ensure!(d.status != status, Error::<T>::NoChange);
				if status == DatanetStatus::Archived {
					ensure!(d.pending == 0, Error::<T>::HasPending);
					ensure!(UploadByHash::<T>::iter_prefix(datanet).next().is_none(), Error::<T>::HasPending);
					T::Currency::release(&HoldReason::DatanetDeposit.into(), &d.owner, d.deposit, Precision::BestEffort)?;
					d.deposit = Zero::zero();
				}
				d.status = status;
				Ok(())
			})?;
			Self::deposit_event(Event::StatusChanged { datanet, status });
			Ok(())
		}

		/// Contributes up to [`Config::ChunkSize`] bytes in one extrinsic, holding the
		/// datanet's deposit. The bytes go to every node's offchain database.
		///
		/// Errors: `UnknownDatanet`, `NotOpen`, `NotAllowed`, `Empty`, `TooLarge`, `WrongKind`,
		/// `InvalidUtf8`, `UnknownFormat`, `Duplicate`, `QuotaExceeded`, `TooManyPending`,
		/// `Overflow`, or a balance error for the deposit. Emits `Contributed`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::contribute(data.len() as u32))]
		pub fn contribute(
			origin: OriginFor<T>,
			datanet: DatanetId,
			kind: DataKind,
			data: BoundedVec<u8, T::ChunkSize>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let size = data.len() as u32;
			let d = Self::check_can_contribute(datanet, &who, kind, size)?;
			validate::first_bytes(kind, &data).map_err(Error::<T>::from)?;
			validate::utf8_chunk(kind, &[], &data, true).map_err(Error::<T>::from)?;
			let hash = content_hash(size, &[blake2_256(&data)]);
			ensure!(!ByHash::<T>::contains_key(datanet, hash), Error::<T>::Duplicate);
			ensure!(!UploadByHash::<T>::contains_key(datanet, hash), Error::<T>::Duplicate);
			Self::charge_quota(datanet, &who, &d, size)?;
			T::Currency::hold(&HoldReason::ContributionDeposit.into(), &who, d.rules.deposit)?;
			frame::deps::sp_io::offchain_index::set(&chunk_key(&hash, 0), &data);
			Self::complete(datanet, who, hash, size, kind, d.rules.deposit, 1)
		}

		/// Starts a chunked upload of a file of `size` bytes whose [`content_hash`] is `hash`,
		/// holding the datanet's deposit and charging the daily quota.
		///
		/// Errors: as `contribute`, plus `Overflow`. Emits `UploadStarted`.
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
			let d = Self::check_can_contribute(datanet, &who, kind, size)?;
			let max_file = T::ChunkSize::get().saturating_mul(T::MaxChunks::get());
			ensure!(size <= max_file, Error::<T>::TooLarge);
			ensure!(!ByHash::<T>::contains_key(datanet, hash), Error::<T>::Duplicate);
			ensure!(!UploadByHash::<T>::contains_key(datanet, hash), Error::<T>::Duplicate);
			Self::charge_quota(datanet, &who, &d, size)?;
			T::Currency::hold(&HoldReason::ContributionDeposit.into(), &who, d.rules.deposit)?;
			let id = NextUploadId::<T>::get();
			NextUploadId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
			let now = frame_system::Pallet::<T>::block_number();
			Uploads::<T>::insert(
				id,
				Upload {
					contributor: who.clone(),
					datanet,
					kind,
					size,
					hash,
					chunk_hashes: BoundedVec::new(),
					received: 0,
					utf8_carry: BoundedVec::new(),
					deposit: d.rules.deposit,
					expires: now.saturating_add(T::UploadLifetime::get()),
				},
			);
			UploadByHash::<T>::insert(datanet, hash, id);
			Self::deposit_event(Event::UploadStarted { upload: id, datanet, contributor: who, size });
			Ok(())
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
			let received = Uploads::<T>::try_mutate(upload, |u| -> Result<u32, DispatchError> {
				let u = u.as_mut().ok_or(Error::<T>::UnknownUpload)?;
				ensure!(u.contributor == who, Error::<T>::NotUploader);
				ensure!(frame_system::Pallet::<T>::block_number() <= u.expires, Error::<T>::Expired);
				ensure!(index as usize == u.chunk_hashes.len(), Error::<T>::WrongChunk);
				let len = data.len() as u32;
				let received = u.received.checked_add(len).ok_or(Error::<T>::WrongChunkSize)?;
				let last = received == u.size;
				ensure!(len > 0 && received <= u.size, Error::<T>::WrongChunkSize);
				ensure!(last || len == T::ChunkSize::get(), Error::<T>::WrongChunkSize);
				if index == 0 {
					validate::first_bytes(u.kind, &data).map_err(Error::<T>::from)?;
				}
				let carry = validate::utf8_chunk(u.kind, &u.utf8_carry, &data, last).map_err(Error::<T>::from)?;
				u.utf8_carry = BoundedVec::truncate_from(carry);
				u.chunk_hashes.try_push(blake2_256(&data)).map_err(|_| Error::<T>::WrongChunkSize)?;
				u.received = received;
				frame::deps::sp_io::offchain_index::set(&chunk_key(&u.hash, index), &data);
				Ok(received)
			})?;
			Self::deposit_event(Event::ChunkReceived { upload, index, received });
			Ok(())
		}

		/// Completes an upload: checks the whole-file hash and queues the contribution for
		/// curation. Origin: the uploader. Errors: `UnknownUpload`, `NotUploader`, `Expired`,
		/// `Incomplete`, `HashMismatch`, `TooManyPending`, `Overflow`. Emits `Contributed`.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::finish_upload())]
		pub fn finish_upload(origin: OriginFor<T>, upload: UploadId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let u = Uploads::<T>::get(upload).ok_or(Error::<T>::UnknownUpload)?;
			ensure!(u.contributor == who, Error::<T>::NotUploader);
			ensure!(frame_system::Pallet::<T>::block_number() <= u.expires, Error::<T>::Expired);
			ensure!(u.received == u.size && u.utf8_carry.is_empty(), Error::<T>::Incomplete);
			ensure!(content_hash(u.size, &u.chunk_hashes) == u.hash, Error::<T>::HashMismatch);
			Uploads::<T>::remove(upload);
			UploadByHash::<T>::remove(u.datanet, u.hash);
			Self::complete(u.datanet, who, u.hash, u.size, u.kind, u.deposit, u.chunk_hashes.len() as u32)
		}

		/// Abandons an upload: the uploader at any time, anyone after it expired. The deposit
		/// returns to the uploader and the chunks are dropped from the offchain database.
		/// Errors: `UnknownUpload`, `NotExpired` (someone else, before expiry). Emits
		/// `UploadAbandoned`.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::abandon_upload(T::MaxChunks::get()))]
		pub fn abandon_upload(origin: OriginFor<T>, upload: UploadId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let u = Uploads::<T>::get(upload).ok_or(Error::<T>::UnknownUpload)?;
			let expired = frame_system::Pallet::<T>::block_number() > u.expires;
			ensure!(who == u.contributor || expired, Error::<T>::NotExpired);
			T::Currency::release(&HoldReason::ContributionDeposit.into(), &u.contributor, u.deposit, Precision::BestEffort)?;
			for i in 0..u.chunk_hashes.len() as u32 {
				frame::deps::sp_io::offchain_index::clear(&chunk_key(&u.hash, i));
			}
			Uploads::<T>::remove(upload);
			UploadByHash::<T>::remove(u.datanet, u.hash);
			Self::deposit_event(Event::UploadAbandoned { upload, expired });
			Ok(())
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

		/// Rejects a pending contribution with a reason code: [`RejectSlash`] of its deposit goes
		/// to [`Config::SlashBeneficiary`], the rest returns, and its bytes are dropped from the
		/// offchain database. Origin: the owner or a curator. Errors: `UnknownDatanet`,
		/// `NotCurator`, `Archived`, `UnknownContribution`, `NotPending`. Emits `Rejected`.
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::reject())]
		pub fn reject(origin: OriginFor<T>, datanet: DatanetId, contribution: ContributionId, reason: u8) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reject(datanet, &who, contribution, reason)
		}

		/// Sets the share of a rejected contribution's deposit that is slashed. Origin:
		/// [`Config::GovernanceOrigin`]. Emits `RejectSlashSet`.
		#[pallet::call_index(15)]
		#[pallet::weight(T::WeightInfo::set_reject_slash())]
		pub fn set_reject_slash(origin: OriginFor<T>, share: Perbill) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			RejectSlash::<T>::put(share);
			Self::deposit_event(Event::RejectSlashSet { share });
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

impl<T: Config> Pallet<T> {
	fn is_curator(d: &DatanetOf<T>, who: &T::AccountId) -> bool {
		d.owner == *who || d.curators.contains(who)
	}

	fn check_metadata(m: &MetadataOf<T>, l: &LicenseOf<T>) -> DispatchResult {
		ensure!(!m.name.is_empty() && !l.spdx.is_empty(), Error::<T>::BadMetadata);
		ensure!(m.tags.iter().all(|t| !t.is_empty()), Error::<T>::BadMetadata);
		Ok(())
	}

	fn check_rules(r: &Rules<BalanceOf<T>>) -> DispatchResult {
		let max_file = T::ChunkSize::get().saturating_mul(T::MaxChunks::get());
		ensure!(r.deposit >= T::MinContributionDeposit::get(), Error::<T>::BadRules);
		ensure!(r.max_size > 0 && r.max_size <= max_file, Error::<T>::BadRules);
		ensure!(r.daily_bytes > 0 && r.daily_count > 0, Error::<T>::BadRules);
		Ok(())
	}

	pub(crate) fn do_create(
		owner: T::AccountId,
		metadata: MetadataOf<T>,
		kind: DataKind,
		license: LicenseOf<T>,
		rules: Rules<BalanceOf<T>>,
	) -> DispatchResult {
		Self::check_metadata(&metadata, &license)?;
		Self::check_rules(&rules)?;
		let id = NextDatanetId::<T>::get();
		NextDatanetId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		let deposit = T::DatanetDeposit::get();
		T::Currency::hold(&HoldReason::DatanetDeposit.into(), &owner, deposit)?;
		Datanets::<T>::insert(
			id,
			Datanet {
				owner: owner.clone(),
				curators: BoundedVec::new(),
				metadata,
				kind,
				license,
				rules,
				status: DatanetStatus::Open,
				version: 0,
				accepted: 0,
				pending: 0,
				deposit,
				created: frame_system::Pallet::<T>::block_number(),
			},
		);
		Self::deposit_event(Event::DatanetCreated { datanet: id, owner, kind });
		Ok(())
	}

	fn mutate_owned(
		datanet: DatanetId,
		who: &T::AccountId,
		f: impl FnOnce(&mut DatanetOf<T>) -> DispatchResult,
	) -> DispatchResult {
		Datanets::<T>::try_mutate(datanet, |d| {
			let d = d.as_mut().ok_or(Error::<T>::UnknownDatanet)?;
			ensure!(d.owner == *who, Error::<T>::NotOwner);
			ensure!(d.status != DatanetStatus::Archived, Error::<T>::Archived);
			f(d)
		})
	}

	fn check_can_contribute(
		datanet: DatanetId,
		who: &T::AccountId,
		kind: DataKind,
		size: u32,
	) -> Result<DatanetOf<T>, DispatchError> {
		let d = Datanets::<T>::get(datanet).ok_or(Error::<T>::UnknownDatanet)?;
		ensure!(d.status == DatanetStatus::Open, Error::<T>::NotOpen);
		if d.rules.policy == ContributionPolicy::AllowList {
			ensure!(Allowed::<T>::contains_key(datanet, who), Error::<T>::NotAllowed);
		}
		ensure!(size > 0, Error::<T>::Empty);
		ensure!(size <= d.rules.max_size, Error::<T>::TooLarge);
		ensure!(kind == d.kind, Error::<T>::WrongKind);
		ensure!((d.pending as usize) < T::MaxPending::get() as usize, Error::<T>::TooManyPending);
		Ok(d)
	}

	/// The current quota day.
	pub fn today() -> u32 {
		let now = frame_system::Pallet::<T>::block_number();
		let day = now.checked_div(&T::BlocksPerDay::get()).unwrap_or_default();
		day.saturated_into::<u32>()
	}

	fn charge_quota(datanet: DatanetId, who: &T::AccountId, d: &DatanetOf<T>, size: u32) -> DispatchResult {
		let today = Self::today();
		Usage::<T>::try_mutate(datanet, who, |u| {
			if u.day != today {
				*u = DailyUsage { day: today, bytes: 0, count: 0 };
			}
			let bytes = u.bytes.saturating_add(u64::from(size));
			let count = u.count.saturating_add(1);
			ensure!(bytes <= d.rules.daily_bytes && count <= d.rules.daily_count, Error::<T>::QuotaExceeded);
			u.bytes = bytes;
			u.count = count;
			Ok(())
		})
	}

	fn complete(
		datanet: DatanetId,
		contributor: T::AccountId,
		hash: ContentHash,
		size: u32,
		kind: DataKind,
		deposit: BalanceOf<T>,
		chunks: u32,
	) -> DispatchResult {
		let id = NextContributionId::<T>::get();
		NextContributionId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		Pending::<T>::try_mutate(datanet, |p| p.try_push(id)).map_err(|_| Error::<T>::TooManyPending)?;
		Datanets::<T>::try_mutate(datanet, |d| -> DispatchResult {
			let d = d.as_mut().ok_or(Error::<T>::UnknownDatanet)?;
			d.pending = d.pending.saturating_add(1);
			Ok(())
		})?;
		Contributions::<T>::insert(
			id,
			Contribution {
				datanet,
				contributor: contributor.clone(),
				hash,
				size,
				kind,
				status: ContributionStatus::Pending,
				deposit,
				block: frame_system::Pallet::<T>::block_number(),
			},
		);
		ByHash::<T>::insert(datanet, hash, id);
		frame::deps::sp_io::offchain_index::set(&file_key(&hash), &(size, chunks).encode());
		Self::deposit_event(Event::Contributed { datanet, contribution: id, contributor, hash, size });
		Ok(())
	}

	/// Checks `id` is a pending contribution of `datanet` and removes it from `pending` (the
	/// datanet's pending list, read once and written back once by the caller).
	fn take_pending(
		datanet: DatanetId,
		pending: &mut BoundedVec<ContributionId, T::MaxPending>,
		id: ContributionId,
	) -> Result<ContributionOf<T>, DispatchError> {
		let c = Contributions::<T>::get(id).ok_or(Error::<T>::UnknownContribution)?;
		ensure!(c.datanet == datanet, Error::<T>::UnknownContribution);
		ensure!(c.status == ContributionStatus::Pending, Error::<T>::NotPending);
		pending.retain(|x| *x != id);
		Ok(c)
	}

	pub(crate) fn do_accept(datanet: DatanetId, who: &T::AccountId, ids: Vec<ContributionId>) -> DispatchResult {
		let mut d = Datanets::<T>::get(datanet).ok_or(Error::<T>::UnknownDatanet)?;
		ensure!(Self::is_curator(&d, who), Error::<T>::NotCurator);
		ensure!(d.status != DatanetStatus::Archived, Error::<T>::Archived);
		let version = d.version.checked_add(1).ok_or(Error::<T>::Overflow)?;
		let mut frontier = Frontier::<T>::get(datanet).into_inner();
		let reason = HoldReason::ContributionDeposit.into();
		let mut pending = Pending::<T>::get(datanet);
		for id in &ids {
			let mut c = Self::take_pending(datanet, &mut pending, *id)?;
			merkle::append(&mut frontier, d.accepted, c.hash).map_err(|_| Error::<T>::TreeFull)?;
			d.accepted = d.accepted.saturating_add(1);
			d.pending = d.pending.saturating_sub(1);
			T::Currency::release(&reason, &c.contributor, c.deposit, Precision::BestEffort)?;
			Records::<T>::mutate(datanet, &c.contributor, |r| r.accepted = r.accepted.saturating_add(1));
			c.status = ContributionStatus::Accepted(version);
			Contributions::<T>::insert(id, c);
		}
		let commitment = merkle::commitment(&frontier, d.accepted);
		d.version = version;
		Versions::<T>::insert(
			datanet,
			version,
			VersionInfo { commitment, accepted: d.accepted, block: frame_system::Pallet::<T>::block_number() },
		);
		Frontier::<T>::insert(datanet, BoundedVec::truncate_from(frontier));
		Pending::<T>::insert(datanet, pending);
		Datanets::<T>::insert(datanet, d);
		Self::deposit_event(Event::Accepted { datanet, contributions: ids, version, commitment });
		Ok(())
	}

	pub(crate) fn do_reject(datanet: DatanetId, who: &T::AccountId, id: ContributionId, reason: u8) -> DispatchResult {
		let d = Datanets::<T>::get(datanet).ok_or(Error::<T>::UnknownDatanet)?;
		ensure!(Self::is_curator(&d, who), Error::<T>::NotCurator);
		ensure!(d.status != DatanetStatus::Archived, Error::<T>::Archived);
		let mut pending = Pending::<T>::get(datanet);
		let mut c = Self::take_pending(datanet, &mut pending, id)?;
		Pending::<T>::insert(datanet, pending);
		let hold = HoldReason::ContributionDeposit.into();
		let slash = RejectSlash::<T>::get().mul_floor(c.deposit);
		let slashed = if slash.is_zero() {
			Zero::zero()
		} else {
			T::Currency::transfer_on_hold(
				&hold,
				&c.contributor,
				&T::SlashBeneficiary::get(),
				slash,
				Precision::BestEffort,
				frame::token::tokens::Restriction::Free,
				Fortitude::Force,
			)?
		};
		T::Currency::release(&hold, &c.contributor, c.deposit.saturating_sub(slashed), Precision::BestEffort)?;
		Records::<T>::mutate(datanet, &c.contributor, |r| r.rejected = r.rejected.saturating_add(1));
		Datanets::<T>::mutate(datanet, |d| {
			if let Some(d) = d {
				d.pending = d.pending.saturating_sub(1);
			}
		});
		let chunks = c.size.div_ceil(T::ChunkSize::get().max(1));
		for i in 0..chunks {
			frame::deps::sp_io::offchain_index::clear(&chunk_key(&c.hash, i));
		}
		frame::deps::sp_io::offchain_index::clear(&file_key(&c.hash));
		c.status = ContributionStatus::Rejected(reason);
		Contributions::<T>::insert(id, c);
		Self::deposit_event(Event::Rejected { datanet, contribution: id, reason, slashed });
		Ok(())
	}

	/// Datanets with ids from `start`, at most `limit` of them (for the runtime API).
	pub fn datanet_views(
		start: DatanetId,
		limit: u32,
	) -> Vec<DatanetView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		let end = NextDatanetId::<T>::get();
		(start..end)
			.take(limit.min(1024) as usize)
			.filter_map(|id| Datanets::<T>::get(id).map(|d| Self::view(id, d)))
			.collect()
	}

	fn view(id: DatanetId, d: DatanetOf<T>) -> DatanetView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> {
		DatanetView {
			id,
			owner: d.owner,
			curators: d.curators.into_inner(),
			name: d.metadata.name.into_inner(),
			summary: d.metadata.summary.into_inner(),
			tags: d.metadata.tags.into_iter().map(|t| t.into_inner()).collect(),
			kind: d.kind,
			spdx: d.license.spdx.into_inner(),
			terms_hash: d.license.terms_hash,
			rules: d.rules,
			status: d.status,
			version: d.version,
			accepted: d.accepted,
			pending: d.pending,
			created: d.created,
		}
	}

	/// Contributions of `datanet` passing `filter`, with ids from `start`, at most `limit`
	/// (for the runtime API; scans contribution ids in order).
	pub fn contributions_of(
		datanet: DatanetId,
		filter: StatusFilter,
		start: ContributionId,
		limit: u32,
	) -> Vec<(ContributionId, ContributionOf<T>)> {
		let limit = limit.min(1024) as usize;
		if filter == StatusFilter::Pending {
			return Pending::<T>::get(datanet)
				.into_iter()
				.filter(|id| *id >= start)
				.filter_map(|id| Contributions::<T>::get(id).map(|c| (id, c)))
				.take(limit)
				.collect();
		}
		let end = NextContributionId::<T>::get();
		(start..end)
			.filter_map(|id| Contributions::<T>::get(id).map(|c| (id, c)))
			.filter(|(_, c)| c.datanet == datanet && filter.matches(c.status))
			.take(limit)
			.collect()
	}

	/// Invariants: every datanet's pending count matches its pending list and the contributions'
	/// states; the contribution deposits held equal the deposits of pending contributions plus
	/// open uploads; versions are consecutive with the last commitment matching the frontier.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame::token::fungible::InspectHold;
		let mut held: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, d) in Datanets::<T>::iter() {
			let pending = Pending::<T>::get(id);
			ensure!(pending.len() as u32 == d.pending, "pending count differs from the pending list");
			for c in pending.iter() {
				let c = Contributions::<T>::get(c).ok_or("pending contribution missing")?;
				ensure!(c.status == ContributionStatus::Pending && c.datanet == id, "pending list holds a curated contribution");
				let e = held.entry(c.contributor.clone()).or_insert_with(Zero::zero);
				*e = e.saturating_add(c.deposit);
			}
			if d.version > 0 {
				let v = Versions::<T>::get(id, d.version).ok_or("latest version missing")?;
				ensure!(v.accepted == d.accepted, "latest version count differs");
				ensure!(v.commitment == merkle::commitment(&Frontier::<T>::get(id), d.accepted), "commitment differs from frontier");
			}
			ensure!(Versions::<T>::iter_prefix(id).count() as u32 == d.version, "versions are not consecutive");
		}
		for (_, u) in Uploads::<T>::iter() {
			let e = held.entry(u.contributor.clone()).or_insert_with(Zero::zero);
			*e = e.saturating_add(u.deposit);
		}
		for (who, amount) in held {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ContributionDeposit.into(), &who) == amount,
				"contribution deposits held differ from pending contributions and uploads"
			);
		}
		Ok(())
	}
}
