//! Pallet configurations of the OpenLedger runtime.

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
			ConstBool, ConstU32, ConstU64, ConstU8, Imbalance, OnUnbalanced,
			VariantCountOf,
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

parameter_types! {
	/// The most validators Aura and GRANDPA track: the most candidates plus invulnerables of
	/// `validators`.
	pub const MaxAuthorities: u32 = 100;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = MaxAuthorities;
	/// Validators author one block per slot (the slot worker never claims a slot twice), but the
	/// runtime accepts several blocks in one slot so that `--dev` mode can seal a block every
	/// second on wall-clock time while the production slot stays 6 s. Safety comes from GRANDPA;
	/// an author that fills its own slot with extra blocks only spends its own slot.
	type AllowMultipleBlocksPerSlot = ConstBool<true>;
	type SlotDuration = ConstU64<SLOT_DURATION>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = polkadot_sdk::sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	/// A lower bound between two blocks' timestamps; `--dev` seals a block per second.
	type MinimumPeriod = ConstU64<250>;
	type WeightInfo = pallet_timestamp::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const ExistentialDeposit: Balance = EXISTENTIAL_DEPOSIT;
}

impl pallet_balances::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type Balance = Balance;
	/// Dust below the existential deposit is burned (it reduces the supply, never raises it).
	type DustRemoval = ();
	type ExistentialDeposit = ExistentialDeposit;
	type AccountStore = System;
	type ReserveIdentifier = [u8; 8];
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ConstU32<50>;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type DoneSlashHandler = ();
}

/// Transaction fees and tips go to the author of the block that includes them.
///
/// Nothing is minted: the credit is the fee withdrawn from the payer. When no author can be
/// found (never on a live chain, possible in tests), the credit is dropped, which burns it.
pub struct FeesToAuthor;

impl OnUnbalanced<Credit<AccountId, Balances>> for FeesToAuthor {
	fn on_unbalanceds(mut fees_then_tips: impl Iterator<Item = Credit<AccountId, Balances>>) {
		if let Some(mut fees) = fees_then_tips.next() {
			if let Some(tips) = fees_then_tips.next() {
				tips.merge_into(&mut fees);
			}
			Self::on_unbalanced(fees);
		}
	}

	fn on_nonzero_unbalanced(amount: Credit<AccountId, Balances>) {
		if let Some(author) = pallet_authorship::Pallet::<Runtime>::author() {
			// If the author cannot receive it (below the existential deposit), it is burned.
			let _ = Balances::resolve(&author, amount);
		}
	}
}

parameter_types! {
	/// 0.00000001 OPEN per byte of a transaction.
	pub const TransactionByteFee: Balance = MILLICENTS / 1_000;
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

/// Fee per unit of `ref_time` (one picosecond of execution), in 10^-18 OPEN.
///
/// One second of execution costs 0.001 OPEN, which puts a plain transfer at a few millionths of
/// an OPEN. pallet-revive requires [`BlockRatioFee`] so that Ethereum gas maps onto weight and
/// storage deposit.
pub const WEIGHT_FEE_NUMERATOR: u128 = 1_000;

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, FeesToAuthor>;
	type WeightToFee = BlockRatioFee<WEIGHT_FEE_NUMERATOR, 1, Self, Balance>;
	type LengthToFee = ConstantMultiplier<Balance, TransactionByteFee>;
	/// A constant multiplier keeps the Ethereum gas price stable (revive derives it from the
	/// multiplier); congestion pricing can come later through governance.
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
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

/// The transaction extensions applied to Ethereum transactions (`eth_transact`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EthExtraImpl;

impl EthExtra for EthExtraImpl {
	type Config = Runtime;
	type ExtensionV0 = TxExtension;
	type ExtensionOtherVersions = polkadot_sdk::sp_runtime::traits::InvalidVersion;

	fn get_eth_extension(nonce: u32, tip: Balance) -> Self::ExtensionV0 {
		(
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckMortality::from(polkadot_sdk::sp_runtime::generic::Era::Immortal),
			frame_system::CheckNonce::<Runtime>::from(nonce),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(tip),
			pallet_revive::evm::tx_extension::SetOrigin::<Runtime>::new_from_eth_transaction(),
			frame_system::WeightReclaim::<Runtime>::new(),
		)
	}
}

parameter_types! {
	pub const DepositPerItem: Balance = deposit(1, 0);
	pub const DepositPerChildTrieItem: Balance = deposit(1, 0) / 100;
	pub const DepositPerByte: Balance = deposit(0, 1);
	pub CodeHashLockupDepositPercent: Perbill = Perbill::from_percent(30);
	pub MaxEthExtrinsicWeight: FixedU128 = FixedU128::from_rational(9, 10);
}

/// Scales revive's Ethereum gas price up (and gas amounts down) so that gas figures look like
/// Ethereum's: with 18 decimals and a fee multiplier of 1, the unscaled gas price would be 1 wei
/// and a transfer would "cost" billions of gas, beyond what wallets accept (MetaMask sends plain
/// transfers with a hard-coded 21,000 gas; polkadot-sdk issues 9460 and 10751). With this scale
/// the gas price is 1 gwei and a transfer needs well under 21,000 gas.
pub const GAS_SCALE: u32 = 1_000_000_000;

#[derive_impl(pallet_revive::config_preludes::TestDefaultConfig)]
impl pallet_revive::Config for Runtime {
	type Time = Timestamp;
	type Balance = Balance;
	type Currency = Balances;
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeHoldReason = RuntimeHoldReason;
	type WeightInfo = pallet_revive::weights::SubstrateWeight<Self>;
	/// The datanets precompile at 0x…044E0000 (see `precompiles.rs`).
	type Precompiles =
		(crate::precompiles::DatanetsPrecompile<Runtime>, crate::precompiles::TokenomicsPrecompile<Runtime>);
	type FindAuthor = <Runtime as pallet_authorship::Config>::FindAuthor;
	type DepositPerByte = DepositPerByte;
	type DepositPerItem = DepositPerItem;
	type DepositPerChildTrieItem = DepositPerChildTrieItem;
	type CodeHashLockupDepositPercent = CodeHashLockupDepositPercent;
	type AddressMapper = AccountId32Mapper<Self>;
	/// Solidity compiled to EVM bytecode deploys unchanged.
	type AllowEVMBytecode = ConstBool<true>;
	type UploadOrigin = EnsureSigned<Self::AccountId>;
	type InstantiateOrigin = EnsureSigned<Self::AccountId>;
	type ChainId = ConstU64<EVM_CHAIN_ID>;
	/// OPEN has 18 decimals, like ether: one planck is one wei.
	type NativeToEthRatio = ConstU32<1>;
	type FeeInfo = FeeInfo<Address, Signature, EthExtraImpl>;
	type MaxEthExtrinsicWeight = MaxEthExtrinsicWeight;
	type DebugEnabled = ConstBool<false>;
	type AutoMap = ConstBool<true>;
	type GasScale = ConstU32<GAS_SCALE>;
}

parameter_types! {
	/// Creating a datanet holds 10 OPEN until it is archived.
	pub const DatanetDeposit: Balance = 10 * OPEN;
	/// The smallest per-contribution deposit an owner may ask for.
	pub const MinContributionDeposit: Balance = deposit(1, 256);
}

impl pallet_datanets::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Root or the economic-parameters track.
	type GovernanceOrigin = crate::governance::EconomicParametersOrigin;
	/// Slashed deposits go to the treasury.
	type SlashBeneficiary = crate::governance::TreasuryAccount;
	type DatanetDeposit = DatanetDeposit;
	type MinContributionDeposit = MinContributionDeposit;
	/// 1 MiB per chunk: three chunks fit in a block's normal share (3.75 MiB).
	type ChunkSize = ConstU32<{ 1024 * 1024 }>;
	/// Files up to 64 MiB.
	type MaxChunks = ConstU32<64>;
	type UploadLifetime = ConstU32<{ crate::time::HOURS }>;
	type BlocksPerDay = ConstU32<{ crate::time::DAYS }>;
	type MaxPending = ConstU32<1024>;
	type MaxAcceptBatch = ConstU32<64>;
	type MaxCurators = ConstU32<16>;
	type MaxNameLen = ConstU32<64>;
	type MaxSummaryLen = ConstU32<512>;
	type MaxTags = ConstU32<8>;
	type MaxTagLen = ConstU32<32>;
	type MaxSpdxLen = ConstU32<64>;
	type WeightInfo = pallet_datanets::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Vesting transfers below 1 OPEN are refused (each schedule is state on the receiver).
	pub const MinVestedTransfer: Balance = OPEN;
	/// Locked (unvested) funds may still pay transaction fees and tips, never be transferred or
	/// reserved.
	pub UnvestedFundsAllowedWithdrawReasons: polkadot_sdk::frame_support::traits::WithdrawReasons =
		polkadot_sdk::frame_support::traits::WithdrawReasons::except(
			polkadot_sdk::frame_support::traits::WithdrawReasons::TRANSFER |
				polkadot_sdk::frame_support::traits::WithdrawReasons::RESERVE,
		);
}

impl pallet_vesting::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type BlockNumberToBalance = polkadot_sdk::sp_runtime::traits::ConvertInto;
	type MinVestedTransfer = MinVestedTransfer;
	type WeightInfo = pallet_vesting::weights::SubstrateWeight<Runtime>;
	type UnvestedFundsAllowedWithdrawReasons = UnvestedFundsAllowedWithdrawReasons;
	type BlockNumberProvider = System;
	const MAX_VESTING_SCHEDULES: u32 = 28;
}

parameter_types! {
	/// The fixed supply of OPEN.
	pub const MaxSupply: Balance = TOTAL_SUPPLY;
	/// The Datanets pallet's slash share, as the Tokenomics pallet reports it.
	pub DatanetsRejectSlash: Perbill = pallet_datanets::RejectSlash::<Runtime>::get();
}

impl pallet_tokenomics::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	/// Root or the economic-parameters track.
	type ParamsOrigin = crate::governance::EconomicParametersOrigin;
	type ContributionSlash = DatanetsRejectSlash;
	type MaxSupply = MaxSupply;
	type WeightInfo = pallet_tokenomics::weights::SubstrateWeight<Runtime>;
}
