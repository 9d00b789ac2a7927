//! OpenLedger's own pallets: datanets, tokenomics, the model registry (with the
//! offchain-transaction plumbing its serving announcements use) and the AI agents registry.

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

/// The agents' minimum bond until governance sets another: 1,000 OPEN.
#[allow(clippy::arithmetic_side_effects, reason = "compile-time constant")]
pub const AGENT_MIN_BOND: Balance = 1_000 * OPEN;
/// The agents' unbonding period until governance sets another: seven days.
#[allow(clippy::arithmetic_side_effects, reason = "compile-time constant")]
pub const AGENT_UNBONDING_PERIOD: crate::BlockNumber = 7 * crate::time::DAYS;

parameter_types! {
	/// The agents registry's parameters until governance sets others: a 1,000 OPEN minimum bond,
	/// seven days of unbonding (longer than any job and its verification, so a fault found late
	/// is still paid for), 1 % for a missed deadline, 20 % for failed verification, suspension
	/// at the third strike.
	pub AgentParams: pallet_agents::Params<Balance, crate::BlockNumber> = pallet_agents::Params {
		min_bond: AGENT_MIN_BOND,
		unbonding_period: AGENT_UNBONDING_PERIOD,
		missed_slash: Perbill::from_percent(1),
		fraud_slash: Perbill::from_percent(20),
		strikes_before_suspension: 3,
	};
}

/// Whether a base model is registered and active (what agents may declare).
pub struct ActiveBaseModels;
impl polkadot_sdk::frame_support::traits::Contains<pallet_models::ModelId> for ActiveBaseModels {
	fn contains(id: &pallet_models::ModelId) -> bool {
		pallet_models::BaseModels::<Runtime>::get(id)
			.is_some_and(|m| m.status == pallet_models::ModelStatus::Active)
	}
}

impl pallet_agents::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Root or the economic-parameters track.
	type ParamsOrigin = EconomicParametersOrigin;
	/// Slashed bonds go to the treasury.
	type SlashBeneficiary = TreasuryAccount;
	/// sr25519 under key type `agnt`, in the agent node's keystore.
	type AgentKey = pallet_agents::crypto::AgentId;
	type BaseModels = ActiveBaseModels;
	/// No pallet assigns agent work yet (ModelFactory jobs will): nobody has open work.
	type Workload = polkadot_sdk::frame_support::traits::Nothing;
	type DefaultParams = AgentParams;
	type MaxAgents = ConstU32<1024>;
	/// Half the registry's base models.
	type MaxModelsPerAgent = ConstU32<8>;
	type MaxEndpointLen = ConstU32<256>;
	type MaxUnbondingChunks = ConstU32<16>;
	type MaxProviders = ConstU32<256>;
	type WeightInfo = pallet_agents::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = AgentsBenchmarkHelper;
}

/// Registers base models for the agents benchmarks (the dev genesis has one).
#[cfg(feature = "runtime-benchmarks")]
pub struct AgentsBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_agents::BenchmarkHelper for AgentsBenchmarkHelper {
	fn base_model(n: u32) -> pallet_models::ModelId {
		let hash = polkadot_sdk::sp_io::hashing::sha2_256(&n.to_le_bytes());
		if let Some(id) = pallet_models::ModelByHash::<Runtime>::get(hash) {
			return id;
		}
		let id = pallet_models::NextModelId::<Runtime>::get();
		let spec = pallet_models::BaseModelSpec {
			weights_hash: hash,
			name: polkadot_sdk::sp_runtime::BoundedVec::truncate_from(b"bench".to_vec()),
			format: pallet_models::ModelFormat::Gguf,
			tokenizer: pallet_models::TokenizerSource::Embedded,
			context_length: 2048,
			license: polkadot_sdk::sp_runtime::BoundedVec::truncate_from(b"MIT".to_vec()),
		};
		let root = RuntimeOrigin::from(polkadot_sdk::frame_system::RawOrigin::Root);
		let _ = crate::Models::register_base_model(root, spec);
		id
	}
}
