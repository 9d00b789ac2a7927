//! Pallet configurations of the OpenLedger runtime, one file per area:
//!
//! - this file: block limits, `frame_system`, sudo (dev only) and utility;
//! - [`consensus`]: Aura, GRANDPA, timestamp (validators and sessions: `crate::validators`);
//! - [`currency`]: balances, transaction fees, vesting;
//! - [`evm`]: pallet-revive and its Ethereum transaction extension;
//! - [`governance`]: OpenGov (scheduler, preimages, referenda, conviction voting, whitelist,
//!   technical committee, treasury) over the origins and tracks of `crate::governance`;
//! - [`openledger`]: OpenLedger's own pallets (datanets, tokenomics).
//!
//! Imports run one way: `configs` uses `crate::governance` (origins, tracks), never the reverse.

use crate::{
	currency::*, time::SLOT_DURATION, AccountId, Address, Aura, Balance, Balances, Block, Hash,
	Nonce, PalletInfo, Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason,
	RuntimeOrigin, RuntimeTask, Signature, System, Timestamp, TxExtension, EVM_CHAIN_ID,
	SS58_PREFIX, VERSION,
};
use polkadot_sdk::{
	frame_support::{
		derive_impl, parameter_types,
		traits::{
			fungible::{Balanced, Credit},
			ConstBool, ConstU32, ConstU64, ConstU8, Imbalance, OnUnbalanced, VariantCountOf,
		},
		weights::{
			constants::{
				BlockExecutionWeight, ExtrinsicBaseWeight, ParityDbWeight,
				WEIGHT_REF_TIME_PER_SECOND,
			},
			ConstantMultiplier, Weight,
		},
	},
	frame_system::{self, limits::BlockWeights, EnsureSigned},
	pallet_aura, pallet_authorship, pallet_balances, pallet_grandpa,
	pallet_revive::{
		self,
		evm::{
			fees::{BlockRatioFee, Info as FeeInfo},
			runtime::EthExtra,
		},
		AccountId32Mapper,
	},
	pallet_sudo, pallet_timestamp,
	pallet_transaction_payment::{self, ConstFeeMultiplier, FungibleAdapter, Multiplier},
	pallet_utility, pallet_vesting,
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_runtime::{traits::One, FixedU128, Perbill},
	sp_version::RuntimeVersion,
};

/// We assume that ~10% of the block weight is consumed by `on_initialize` handlers.
const AVERAGE_ON_INITIALIZE_RATIO: Perbill = Perbill::from_percent(10);
/// `Normal` extrinsics may fill 75% of a block; the rest is reserved for `Operational` ones.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// Two seconds of compute per 6-second block; a 10 MiB proof-size budget (the same as a
/// Polkadot parachain block, which keeps revive's gas mapping in its tested range).
const MAXIMUM_BLOCK_WEIGHT: Weight =
	Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND.saturating_mul(2), 10 * 1024 * 1024);

/// The largest block, in bytes.
const MAX_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

/// `share` of `weight`, rounded down in both dimensions.
pub fn weight_share(share: Perbill, weight: Weight) -> Weight {
	Weight::from_parts(share.mul_floor(weight.ref_time()), share.mul_floor(weight.proof_size()))
}

parameter_types! {
	pub const Version: RuntimeVersion = VERSION;
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::builder()
		.base_block(BlockExecutionWeight::get())
		.for_class(frame_support::dispatch::DispatchClass::all(), |weights| {
			weights.base_extrinsic = ExtrinsicBaseWeight::get();
		})
		.for_class(frame_support::dispatch::DispatchClass::Normal, |weights| {
			weights.max_total = Some(weight_share(NORMAL_DISPATCH_RATIO, MAXIMUM_BLOCK_WEIGHT));
		})
		.for_class(frame_support::dispatch::DispatchClass::Operational, |weights| {
			weights.max_total = Some(MAXIMUM_BLOCK_WEIGHT);
			weights.reserved = Some(
				MAXIMUM_BLOCK_WEIGHT.saturating_sub(weight_share(NORMAL_DISPATCH_RATIO, MAXIMUM_BLOCK_WEIGHT))
			);
		})
		.avg_block_initialization(AVERAGE_ON_INITIALIZE_RATIO)
		.build_or_panic();
	/// 5 MiB blocks, of which `Normal` extrinsics may use 75%.
	pub RuntimeBlockLength: frame_system::limits::BlockLength =
		frame_system::limits::BlockLength::builder()
			.max_length(MAX_BLOCK_LENGTH)
			.modify_max_length_for_class(frame_support::dispatch::DispatchClass::Normal, |max| {
				*max = NORMAL_DISPATCH_RATIO.mul_floor(MAX_BLOCK_LENGTH)
			})
			.build();
	pub const SS58Prefix: u16 = SS58_PREFIX;
}

use polkadot_sdk::frame_support;

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	/// ParityDB is the node's default database.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	/// Ethereum-style accounts are mapped in revive as soon as they exist.
	type OnNewAccount = pallet_revive::AutoMapper<Runtime>;
	type OnKilledAccount = pallet_revive::AutoMapper<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = crate::OriginCaller;
	type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

pub mod consensus;
pub mod currency;
pub mod evm;
pub mod governance;
pub mod openledger;

pub use consensus::*;
pub use currency::*;
pub use evm::*;
pub use governance::*;
pub use openledger::*;
