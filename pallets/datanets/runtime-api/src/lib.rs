//! Runtime API of the Datanets pallet: what wallets, explorers and the contributor tool read.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
use pallet_datanets::{
	Contribution, ContributionId, ContributorRecord, DatanetId, DatanetView, StatusFilter, Version,
	VersionInfo,
};

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Read access to datanets.
	pub trait DatanetsApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// Datanets with ids from `start`, at most `limit` (capped at 1024).
		fn datanets(start: DatanetId, limit: u32) -> Vec<DatanetView<AccountId, Balance, BlockNumber>>;
		/// Contributions of a datanet by status, ids from `start`, at most `limit` (capped at 1024).
		fn contributions(
			datanet: DatanetId,
			status: StatusFilter,
			start: ContributionId,
			limit: u32,
		) -> Vec<(ContributionId, Contribution<AccountId, Balance, BlockNumber>)>;
		/// A contributor's accepted and rejected counts in a datanet.
		fn contributor_record(datanet: DatanetId, who: AccountId) -> ContributorRecord;
		/// A version's commitment (what fine-tunes cite as lineage).
		fn version(datanet: DatanetId, version: Version) -> Option<VersionInfo<BlockNumber>>;
		/// The contribution holding `hash` in `datanet`, if any.
		fn contribution_by_hash(datanet: DatanetId, hash: [u8; 32]) -> Option<ContributionId>;
	}
}
