//! EVM precompiles of the OpenLedger runtime.
//!
//! **Datanets** at `0x00000000000000000000000000000000044E0000` (`AddressMatcher::Fixed(0x044E)`):
//! Solidity contracts and Ethereum accounts read datanets, contributions and version
//! commitments, and submit small contributions (up to one chunk) as the calling account.
//! Interface: `contracts/IDatanets.sol` in the end-to-end tests.
//!
//! **Tokenomics** at `0x0000000000000000000000000000000007050000` (`AddressMatcher::Fixed(0x0705)`):
//! the fee split, contribution slash, reward release, fixed supply and total issuance, read-only.

use crate::{AccountId, Runtime, RuntimeOrigin};
use alloc::vec::Vec;
use alloy_core::{
	sol,
	sol_types::{Revert, SolValue},
};
use core::{marker::PhantomData, num::NonZero};
use pallet_datanets::{ContributionStatus, DataKind, DatanetStatus};
use polkadot_sdk::pallet_revive::precompiles::{AddressMatcher, Error, Ext, Precompile};
use polkadot_sdk::{
	frame_support::{weights::Weight, BoundedVec},
	sp_runtime::traits::Dispatchable,
};

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

/// Weight charged for a read (a few storage reads).
fn read_weight() -> Weight {
	<Runtime as polkadot_sdk::frame_system::Config>::DbWeight::get().reads(2)
}

fn kind_of(k: u8) -> Result<DataKind, Error> {
	Ok(match k {
		0 => DataKind::Text,
		1 => DataKind::Image,
		2 => DataKind::Audio,
		3 => DataKind::Tabular,
		_ => return Err(Error::Revert(Revert { reason: "unknown data kind".into() })),
	})
}

/// The ABI word of a `uint8` is that of any unsigned integer below 256.
fn kind_code(k: DataKind) -> u32 {
	match k {
		DataKind::Text => 0,
		DataKind::Image => 1,
		DataKind::Audio => 2,
		DataKind::Tabular => 3,
	}
}

fn account_bytes(a: &AccountId) -> [u8; 32] {
	*AsRef::<[u8; 32]>::as_ref(a)
}

impl Precompile for DatanetsPrecompile<Runtime> {
	type T = Runtime;
	type Interface = IDatanets::IDatanetsCalls;
	const MATCHER: AddressMatcher = match NonZero::new(0x044E) {
		Some(n) => AddressMatcher::Fixed(n),
		None => panic!("non-zero constant; qed"),
	};
	const HAS_CONTRACT_INFO: bool = false;

	fn call(_address: &[u8; 20], input: &Self::Interface, env: &mut impl Ext<T = Self::T>) -> Result<Vec<u8>, Error> {
		use IDatanets::IDatanetsCalls as C;
		match input {
			C::datanet(c) => {
				env.charge(read_weight())?;
				Ok(match pallet_datanets::Datanets::<Runtime>::get(c.id) {
					Some(d) => (
						true,
						alloy_core::primitives::FixedBytes::<32>(account_bytes(&d.owner)),
						kind_code(d.kind),
						match d.status {
							DatanetStatus::Open => 0u32,
							DatanetStatus::Frozen => 1,
							DatanetStatus::Archived => 2,
						},
						d.version,
						d.accepted,
						d.pending,
					)
						.abi_encode_params(),
					None => (false, alloy_core::primitives::FixedBytes::<32>::ZERO, 0u32, 0u32, 0u32, 0u32, 0u32)
						.abi_encode_params(),
				})
			},
			C::contribution(c) => {
				env.charge(read_weight())?;
				Ok(match pallet_datanets::Contributions::<Runtime>::get(c.id) {
					Some(r) => {
						let (status, detail) = match r.status {
							ContributionStatus::Pending => (0u32, 0u32),
							ContributionStatus::Accepted(v) => (1, v),
							ContributionStatus::Rejected(reason) => (2, u32::from(reason)),
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
					},
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
			},
			C::versionCommitment(c) => {
				env.charge(read_weight())?;
				let commitment = pallet_datanets::Versions::<Runtime>::get(c.datanet, c.version)
					.map(|v| v.commitment)
					.unwrap_or([0u8; 32]);
				Ok(alloy_core::primitives::FixedBytes::<32>(commitment).abi_encode())
			},
			C::contribute(c) => {
				if env.is_read_only() {
					return Err(Error::Revert(Revert { reason: "contribute cannot be called in a static call".into() }));
				}
				let who = env
					.caller()
					.account_id()
					.map_err(|_| Error::Revert(Revert { reason: "the caller has no account".into() }))?
					.clone();
				let kind = kind_of(c.kind)?;
				let data: BoundedVec<u8, _> = BoundedVec::try_from(c.data.to_vec())
					.map_err(|_| Error::Revert(Revert { reason: "data larger than one chunk".into() }))?;
				let id = pallet_datanets::NextContributionId::<Runtime>::get();
				let call = crate::RuntimeCall::Datanets(pallet_datanets::Call::contribute { datanet: c.datanet, kind, data });
				let weight = polkadot_sdk::frame_support::dispatch::GetDispatchInfo::get_dispatch_info(&call).call_weight;
				env.charge(weight)?;
				call.dispatch(RuntimeOrigin::signed(who)).map_err(|e| {
					// Module errors name the pallet error (`WrongKind`, `Duplicate`...); token
					// errors say why the deposit could not be held (`FundsUnavailable`...).
					let name: &'static str = match e.error {
						polkadot_sdk::sp_runtime::DispatchError::Module(m) => m.message.unwrap_or("module error"),
						polkadot_sdk::sp_runtime::DispatchError::Token(t) => t.into(),
						other => other.into(),
					};
					Error::Revert(Revert { reason: alloc::format!("datanets: {name}") })
				})?;
				Ok(id.abi_encode())
			},
		}
	}
}

sol! {
	/// OpenLedger tokenomics parameters, for Solidity. Shares are in parts per billion
	/// (1_000_000_000 = 100 %); amounts in planck (10^-18 OPEN).
	interface ITokenomics {
		/// The fee split of training and inference payments; the four shares sum to 10^9.
		function feeSplit() external view returns (uint32 treasury, uint32 modelOwner, uint32 stakers, uint32 contributors);
		/// Share of a rejected contribution's deposit that is slashed.
		function contributionSlash() external view returns (uint32);
		/// Share of the community reward pool released per day.
		function rewardRelease() external view returns (uint32);
		/// The fixed supply and the total issuance now.
		function supply() external view returns (uint256 maxSupply, uint256 totalIssuance);
	}
}

/// The tokenomics precompile (read-only) at `0x0000000000000000000000000000000007050000`.
pub struct TokenomicsPrecompile<T>(PhantomData<T>);

impl Precompile for TokenomicsPrecompile<Runtime> {
	type T = Runtime;
	type Interface = ITokenomics::ITokenomicsCalls;
	const MATCHER: AddressMatcher = match NonZero::new(0x0705) {
		Some(n) => AddressMatcher::Fixed(n),
		None => panic!("non-zero constant; qed"),
	};
	const HAS_CONTRACT_INFO: bool = false;

	fn call(_address: &[u8; 20], input: &Self::Interface, env: &mut impl Ext<T = Self::T>) -> Result<Vec<u8>, Error> {
		use alloy_core::primitives::U256;
		use ITokenomics::ITokenomicsCalls as C;
		env.charge(read_weight())?;
		let p = crate::Tokenomics::parameters();
		Ok(match input {
			C::feeSplit(_) => (
				p.fee_split.treasury.deconstruct(),
				p.fee_split.model_owner.deconstruct(),
				p.fee_split.stakers.deconstruct(),
				p.fee_split.contributors.deconstruct(),
			)
				.abi_encode_params(),
			C::contributionSlash(_) => p.contribution_slash.deconstruct().abi_encode(),
			C::rewardRelease(_) => p.reward_release.deconstruct().abi_encode(),
			C::supply(_) => (U256::from(p.max_supply), U256::from(p.total_issuance)).abi_encode_params(),
		})
	}
}
