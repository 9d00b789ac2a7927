//! SCALE types of the Datanets pallet.

use polkadot_sdk::polkadot_sdk_frame as frame;

use crate::{BalanceOf, Config};
use codec::DecodeWithMemTracking;
use frame::prelude::*;

pub use openledger_primitives::{ContentHash, ContributionId, DatanetId, UploadId, Version};

/// `TryFrom<u8>` and `code()` for a field-less SCALE enum: its one-byte encoding is its code, so
/// the precompile and the client tools speak the same numbers as the chain's storage.
macro_rules! u8_codes {
	($($t:ty),*) => {$(
		impl TryFrom<u8> for $t {
			type Error = codec::Error;
			fn try_from(code: u8) -> Result<Self, Self::Error> {
				Self::decode(&mut &[code][..])
			}
		}
		impl $t {
			/// The one-byte code of this value (its SCALE encoding).
			pub fn code(self) -> u8 {
				self as u8
			}
		}
	)*};
}
u8_codes!(DataKind, DatanetStatus, RejectReason);

/// What a datanet holds; contributions must declare the same kind.
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
pub enum DataKind {
	/// UTF-8 text.
	Text,
	/// PNG, JPEG, GIF or WebP images.
	Image,
	/// WAV, FLAC, MP3 or Ogg audio.
	Audio,
	/// UTF-8 tables (CSV, TSV, JSON Lines).
	Tabular,
}

impl DataKind {
	/// Whether contributions of this kind are UTF-8 text, what a language-model fine-tune
	/// trains on.
	pub fn is_text(self) -> bool {
		matches!(self, DataKind::Text | DataKind::Tabular)
	}
}

/// Who may contribute.
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
pub enum ContributionPolicy {
	/// Anyone who places the deposit.
	Open,
	/// Only accounts the owner or a curator allowed.
	AllowList,
}

/// Lifecycle of a datanet.
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
pub enum DatanetStatus {
	/// Accepting contributions.
	Open,
	/// Temporarily closed to new contributions; curation goes on.
	Frozen,
	/// Closed for good; kept for lineage. Requires no pending contribution.
	Archived,
}

/// License: an SPDX identifier plus the hash of the full terms.
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
#[scale_info(skip_type_params(MaxSpdx))]
pub struct License<MaxSpdx: Get<u32>> {
	/// SPDX identifier, e.g. `CC-BY-4.0`.
	pub spdx: BoundedVec<u8, MaxSpdx>,
	/// Hash of the license terms document.
	pub terms_hash: [u8; 32],
}

/// Descriptive metadata.
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
#[scale_info(skip_type_params(MaxName, MaxSummary, MaxTags, MaxTag))]
pub struct Metadata<MaxName: Get<u32>, MaxSummary: Get<u32>, MaxTags: Get<u32>, MaxTag: Get<u32>> {
	/// Display name.
	pub name: BoundedVec<u8, MaxName>,
	/// Short description.
	pub summary: BoundedVec<u8, MaxSummary>,
	/// Search tags.
	pub tags: BoundedVec<BoundedVec<u8, MaxTag>, MaxTags>,
}

/// Contribution rules of a datanet.
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
pub struct Rules<Balance> {
	/// Who may contribute.
	pub policy: ContributionPolicy,
	/// Deposit held per contribution until it is curated.
	pub deposit: Balance,
	/// Largest contribution in bytes (at most `ChunkSize · MaxChunks` of the runtime).
	pub max_size: u32,
	/// Bytes one contributor may submit per day.
	pub daily_bytes: u64,
	/// Contributions one contributor may submit per day.
	pub daily_count: u32,
	/// Price per use for training, paid later by fine-tune jobs.
	pub price_per_use: Balance,
}

/// A datanet as stored in [`crate::Datanet`].
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo, MaxEncodedLen)]
#[scale_info(skip_type_params(T))]
pub struct DatanetInfo<AccountId, Balance, BlockNumber, Curators, Meta, Lic> {
	/// Owner: manages curators, rules and status.
	pub owner: AccountId,
	/// Curators: accept and reject contributions.
	pub curators: Curators,
	/// Name, summary, tags.
	pub metadata: Meta,
	/// Kind of data held.
	pub kind: DataKind,
	/// License of the data.
	pub license: Lic,
	/// Contribution rules.
	pub rules: Rules<Balance>,
	/// Lifecycle.
	pub status: DatanetStatus,
	/// Current version (number of accepted batches).
	pub version: Version,
	/// Accepted contributions so far.
	pub accepted: u32,
	/// Their total size in bytes.
	pub accepted_bytes: u64,
	/// Contributions waiting for curation.
	pub pending: u32,
	/// Deposit held from the owner for the datanet itself.
	pub deposit: Balance,
	/// Block of creation.
	pub created: BlockNumber,
}

/// State of a contribution.
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
pub enum ContributionStatus {
	/// Waiting for a curator.
	Pending,
	/// Accepted into this version.
	Accepted(Version),
	/// Rejected for this reason.
	Rejected(RejectReason),
}

/// Why a curator rejected a contribution (codes 0–5 in the precompile and the tools).
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
pub enum RejectReason {
	/// None of the reasons below; the curator may say more off chain.
	Other,
	/// Outside the datanet's topic.
	OffTopic,
	/// On topic but of too low quality to train on.
	LowQuality,
	/// Corrupt, truncated or in the wrong format for the datanet.
	Malformed,
	/// The contributor may not license it under the datanet's license.
	LicenseViolation,
	/// Spam, abuse or harmful content.
	Harmful,
}

/// A contribution's on-chain record (the bytes live in every node's offchain database).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct Contribution<AccountId, Balance, BlockNumber> {
	/// Datanet it belongs to.
	pub datanet: DatanetId,
	/// Who submitted it.
	pub contributor: AccountId,
	/// Content hash (see [`openledger_primitives::content_hash`]).
	pub hash: ContentHash,
	/// Size in bytes.
	pub size: u32,
	/// Declared (and checked) kind.
	pub kind: DataKind,
	/// Curation state.
	pub status: ContributionStatus,
	/// Deposit held until curation.
	pub deposit: Balance,
	/// Block it was completed in.
	pub block: BlockNumber,
}

/// A chunked upload in progress.
#[derive(
	CloneNoBound, DebugNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Upload<T: Config> {
	/// Uploader.
	pub contributor: T::AccountId,
	/// Target datanet.
	pub datanet: DatanetId,
	/// Declared kind.
	pub kind: DataKind,
	/// Declared total size.
	pub size: u32,
	/// Declared content hash, checked at the end.
	pub hash: ContentHash,
	/// Hashes of the chunks received so far, in order.
	pub chunk_hashes: BoundedVec<[u8; 32], T::MaxChunks>,
	/// Bytes received so far.
	pub received: u32,
	/// Up to 3 bytes of an incomplete UTF-8 character carried to the next chunk (text kinds).
	pub utf8_carry: BoundedVec<u8, ConstU32<3>>,
	/// Deposit held.
	pub deposit: BalanceOf<T>,
	/// After this block anyone may reap the upload and the deposit returns.
	pub expires: BlockNumberFor<T>,
}

/// A contributor's record in one datanet: the basis of reputation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct ContributorRecord {
	/// Contributions accepted.
	pub accepted: u32,
	/// Contributions rejected.
	pub rejected: u32,
}

/// Quota use of one contributor in one datanet on one day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct DailyUsage {
	/// Day number (block / blocks per day).
	pub day: u32,
	/// Bytes started today.
	pub bytes: u64,
	/// Contributions started today.
	pub count: u32,
}

/// A datanet version: what a fine-tune cites as lineage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct VersionInfo<BlockNumber> {
	/// Merkle root over all accepted contribution hashes, in acceptance order.
	pub commitment: [u8; 32],
	/// Accepted contributions covered.
	pub accepted: u32,
	/// Their total size in bytes (what a fine-tune's compute price is reckoned on).
	pub bytes: u64,
	/// Block it was made in.
	pub block: BlockNumber,
}

/// Which contributions a query wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum StatusFilter {
	/// Every contribution.
	All,
	/// Waiting for curation.
	Pending,
	/// Accepted (any version).
	Accepted,
	/// Rejected (any reason).
	Rejected,
}

impl StatusFilter {
	/// Whether `s` passes the filter.
	pub fn matches(self, s: ContributionStatus) -> bool {
		matches!(
			(self, s),
			(StatusFilter::All, _)
				| (StatusFilter::Pending, ContributionStatus::Pending)
				| (StatusFilter::Accepted, ContributionStatus::Accepted(_))
				| (StatusFilter::Rejected, ContributionStatus::Rejected(_))
		)
	}
}

/// A datanet as the runtime API returns it (plain vectors instead of bounded ones).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct DatanetView<AccountId, Balance, BlockNumber> {
	/// Id.
	pub id: DatanetId,
	/// Owner.
	pub owner: AccountId,
	/// Curators.
	pub curators: alloc::vec::Vec<AccountId>,
	/// Name (UTF-8 expected, not enforced).
	pub name: alloc::vec::Vec<u8>,
	/// Summary.
	pub summary: alloc::vec::Vec<u8>,
	/// Tags.
	pub tags: alloc::vec::Vec<alloc::vec::Vec<u8>>,
	/// Kind of data.
	pub kind: DataKind,
	/// SPDX identifier.
	pub spdx: alloc::vec::Vec<u8>,
	/// Hash of the license terms.
	pub terms_hash: [u8; 32],
	/// Contribution rules.
	pub rules: Rules<Balance>,
	/// Lifecycle.
	pub status: DatanetStatus,
	/// Current version.
	pub version: Version,
	/// Accepted contributions.
	pub accepted: u32,
	/// Their total size in bytes.
	pub accepted_bytes: u64,
	/// Pending contributions.
	pub pending: u32,
	/// Block of creation.
	pub created: BlockNumber,
}
