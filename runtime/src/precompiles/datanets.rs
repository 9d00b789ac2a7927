//! The datanets precompile at `0x00000000000000000000000000000000044E0000`
//! (`AddressMatcher::Fixed(0x044E)`): Solidity contracts and Ethereum accounts read datanets,
//! contributions and version commitments, and submit small contributions (up to one chunk) as
//! the calling account. The Solidity interface is [`IDatanets`] below; the end-to-end tests
//! call it from `tests/e2e/contracts/DatanetClient.sol`.

use super::{account_bytes, reads};
use crate::Runtime;
use alloc::vec::Vec;
use alloy_core::{
	sol,
	sol_types::{Revert, SolValue},
};
use core::marker::PhantomData;
use pallet_datanets::{ContributionStatus, DataKind};
use polkadot_sdk::frame_support::BoundedVec;
use polkadot_sdk::pallet_revive::precompiles::{AddressMatcher, Error, Ext, Precompile};

sol! {
	/// OpenLedger datanets, for Solidity.
	interface IDatanets {
		/// A datanet: whether it exists, owner (32-byte account), kind (0 text, 1 image,
		/// 2 audio, 3 tabular), status (0 open, 1 frozen, 2 archived), version, accepted and
		/// pending counts.
		function datanet(uint32 id) external view returns (bool exists, bytes32 owner, uint8 kind, uint8 status, uint32 version, uint32 accepted, uint32 pending);
		/// A contribution: whether it exists, datanet, contributor, content hash, size, status
		/// (0 pending, 1 accepted, 2 rejected), accepted version or reject reason.
		function contribution(uint64 id) external view returns (bool exists, uint32 datanet, bytes32 contributor, bytes32 contentHash, uint32 size, uint8 status, uint32 detail);
		/// The commitment of a datanet version (zero when there is none).
		function versionCommitment(uint32 datanet, uint32 version) external view returns (bytes32);
		/// Contributes `data` (at most one chunk) as the caller; returns the contribution id.
		function contribute(uint32 datanet, uint8 kind, bytes calldata data) external returns (uint64);
	}
}

/// The datanets precompile.
pub struct DatanetsPrecompile<T>(PhantomData<T>);

impl Precompile for DatanetsPrecompile<Runtime> {
	type T = Runtime;
	type Interface = IDatanets::IDatanetsCalls;
	const MATCHER: AddressMatcher = super::fixed(0x044E);
	const HAS_CONTRACT_INFO: bool = false;

	fn call(
		_address: &[u8; 20],
		input: &Self::Interface,
		env: &mut impl Ext<T = Self::T>,
	) -> Result<Vec<u8>, Error> {
		use IDatanets::IDatanetsCalls as C;
		match input {
			C::datanet(c) => {
				// one read: `Datanets::Datanet`
				env.charge(reads(1))?;
				Ok(match pallet_datanets::Datanet::<Runtime>::get(c.id) {
					Some(d) => (
						true,
						alloy_core::primitives::FixedBytes::<32>(account_bytes(&d.owner)),
						u32::from(d.kind.code()),
						u32::from(d.status.code()),
						d.version,
						d.accepted,
						d.pending,
					)
						.abi_encode_params(),
					None => (
						false,
						alloy_core::primitives::FixedBytes::<32>::ZERO,
						0u32,
						0u32,
						0u32,
						0u32,
						0u32,
					)
						.abi_encode_params(),
				})
			}
			C::contribution(c) => {
				// one read: `Datanets::Contributions`
				env.charge(reads(1))?;
				Ok(match pallet_datanets::Contributions::<Runtime>::get(c.id) {
					Some(r) => {
						let (status, detail) = match r.status {
							ContributionStatus::Pending => (0u32, 0u32),
							ContributionStatus::Accepted(v) => (1, v),
							ContributionStatus::Rejected(reason) => (2, u32::from(reason.code())),
						};
						(
							true,
							r.datanet,
							alloy_core::primitives::FixedBytes::<32>(account_bytes(&r.contributor)),
							alloy_core::primitives::FixedBytes::<32>(r.hash),
							r.size,
							status,
							detail,
						)
							.abi_encode_params()
					}
					None => (
						false,
						0u32,
						alloy_core::primitives::FixedBytes::<32>::ZERO,
						alloy_core::primitives::FixedBytes::<32>::ZERO,
						0u32,
						0u32,
						0u32,
					)
						.abi_encode_params(),
				})
			}
			C::versionCommitment(c) => {
				// one read: `Datanets::Versions`
				env.charge(reads(1))?;
				let commitment = pallet_datanets::Versions::<Runtime>::get(c.datanet, c.version)
					.map(|v| v.commitment)
					.unwrap_or([0u8; 32]);
				Ok(alloy_core::primitives::FixedBytes::<32>(commitment).abi_encode())
			}
			C::contribute(c) => {
				let kind = DataKind::try_from(c.kind)
					.map_err(|_| Error::Revert(Revert { reason: "unknown data kind".into() }))?;
				let data: BoundedVec<u8, _> =
					BoundedVec::try_from(c.data.to_vec()).map_err(|_| {
						Error::Revert(Revert { reason: "data larger than one chunk".into() })
					})?;
				let id = pallet_datanets::NextContributionId::<Runtime>::get();
				let call = crate::RuntimeCall::Datanets(pallet_datanets::Call::contribute {
					datanet: c.datanet,
					kind,
					data,
				});
				super::dispatch_as_caller(env, call, "datanets", "contribute")?;
				Ok(id.abi_encode())
			}
		}
	}
}
