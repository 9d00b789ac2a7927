//! OpenLedger's own pallets: datanets, tokenomics and the model registry (with the
//! offchain-transaction plumbing its serving announcements use).

use super::*;

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
	type GovernanceOrigin = EconomicParametersOrigin;
	/// Slashed deposits go to the treasury.
	type SlashBeneficiary = TreasuryAccount;
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
	/// The fixed supply of OPEN.
	pub const MaxSupply: Balance = TOTAL_SUPPLY;
	/// The Datanets pallet's slash share, as the Tokenomics pallet reports it.
	pub ContributionSlash: Perbill = pallet_datanets::ContributionSlash::<Runtime>::get();
}

impl pallet_tokenomics::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	/// Root or the economic-parameters track.
	type ParamsOrigin = EconomicParametersOrigin;
	type ContributionSlash = ContributionSlash;
	type MaxSupply = MaxSupply;
	type WeightInfo = pallet_tokenomics::weights::SubstrateWeight<Runtime>;
}

/// Whether an Aura key is one of the current block authors' (the validators').
pub struct IsAuraAuthority;
impl polkadot_sdk::frame_support::traits::Contains<AuraId> for IsAuraAuthority {
	fn contains(key: &AuraId) -> bool {
		pallet_aura::Authorities::<Runtime>::get().contains(key)
	}
}

impl pallet_models::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	/// Root or the model-registrar track.
	type RegistrarOrigin = super::governance::ModelRegistrarOrigin;
	/// Validators sign serving announcements with their Aura session key.
	type AuthorityId = AuraId;
	type IsAuthority = IsAuraAuthority;
	/// Every 10 minutes (100 blocks of 6 s); a `--dev` chain's one-second blocks make it
	/// every 100 seconds.
	type AnnouncePeriod = ConstU32<100>;
	type UnsignedPriority = ConstU64<{ 1 << 20 }>;
	type MaxBaseModels = ConstU32<16>;
	type MaxNameLen = ConstU32<64>;
	type MaxSpdxLen = ConstU32<64>;
	type MaxContextLength = ConstU32<{ 1 << 20 }>;
	type MaxLineageDatanets = ConstU32<16>;
	type WeightInfo = pallet_models::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ModelsBenchmarkHelper;
}

/// Makes a fresh Aura key the only authority, for the models benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct ModelsBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_models::BenchmarkHelper<AuraId> for ModelsBenchmarkHelper {
	fn authority() -> AuraId {
		use polkadot_sdk::sp_runtime::RuntimeAppPublic;
		let key = AuraId::generate_pair(None);
		let keys = polkadot_sdk::sp_runtime::BoundedVec::truncate_from(alloc::vec![key.clone()]);
		pallet_aura::Authorities::<Runtime>::put(keys);
		key
	}
}

impl<C> polkadot_sdk::frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = crate::UncheckedExtrinsic;
}

/// Offchain workers' unsigned transactions (serving announcements).
impl<C> polkadot_sdk::frame_system::offchain::CreateBare<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_bare(call: RuntimeCall) -> crate::UncheckedExtrinsic {
		polkadot_sdk::sp_runtime::generic::UncheckedExtrinsic::new_bare(call).into()
	}
}
