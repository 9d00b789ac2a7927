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

parameter_types! {
	/// The fine-tune terms until governance sets others: 10 OPEN per job plus 0.01 OPEN per KiB
	/// of data per epoch; the trainer drawn 2 blocks after the request, 10 minutes to accept,
	/// an hour plus an hour per MiB·epoch to deliver; three trainers at most; one open job per
	/// agent; deadlines up to 7 days ahead (the agents' unbonding period, so a trainer cannot
	/// leave with a job's fault unpaid); a checkpoint every 16 steps; three verifiers with an
	/// hour to replay, passing within a relative distance of 10⁻³ (`docs/model-factory.md`).
	pub FineTuneDefaults: pallet_models::FineTuneParamsOf<Runtime> = pallet_models::FineTuneParams {
		base_fee: 10 * OPEN,
		price_per_kib_epoch: OPEN / 100,
		draw_delay: 2,
		accept_period: 10 * crate::time::MINUTES,
		delivery_base: crate::time::HOURS,
		delivery_per_mib_epoch: crate::time::HOURS,
		max_attempts: 3,
		max_jobs_per_agent: 1,
		max_deadline: AGENT_UNBONDING_PERIOD,
		checkpoint_every: 16,
		verifiers: 3,
		verify_period: crate::time::HOURS,
		tolerance_ppb: 1_000_000,
	};
}

/// The governance-set training fee split (`pallet-tokenomics`).
pub struct TrainingFeeSplit;
impl polkadot_sdk::frame_support::traits::Get<pallet_tokenomics::FeeSplit> for TrainingFeeSplit {
	fn get() -> pallet_tokenomics::FeeSplit {
		pallet_tokenomics::Pallet::<Runtime>::training_fee_split()
	}
}

/// The validators verifiers are drawn from: the current Aura authorities, with the accounts
/// their session keys belong to (a key without an owner, as in a chain spec that set Aura
/// keys without sessions, is left out).
pub struct AuraValidators;
impl pallet_models::ValidatorSet<AuraId, AccountId> for AuraValidators {
	fn validators() -> alloc::vec::Vec<(AuraId, AccountId)> {
		use polkadot_sdk::sp_core::crypto::ByteArray;
		pallet_aura::Authorities::<Runtime>::get()
			.into_iter()
			.filter_map(|key| {
				let owner = polkadot_sdk::pallet_session::Pallet::<Runtime>::key_owner(
					polkadot_sdk::sp_core::crypto::key_types::AURA,
					key.as_slice(),
				)?;
				Some((key, owner))
			})
			.collect()
	}
}

impl pallet_models::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Root or the economic-parameters track.
	type ParamsOrigin = EconomicParametersOrigin;
	/// Trainers are bonded agents.
	type Agents = crate::Agents;
	type AgentKey = pallet_agents::crypto::AgentId;
	/// Fine-tunes train on datanet versions.
	type TrainingData = crate::Datanets;
	type DefaultFineTuneParams = FineTuneDefaults;
	/// 8: with 256 candidates each, the worst block's scheduler work stays under 7 MiB of proof
	/// (`docs/benchmarking.md`).
	type MaxDuePerBlock = ConstU32<8>;
	type MaxCheckpoints = ConstU32<256>;
	/// The compute fee divides by the tokenomics pallet's training split; the treasury takes
	/// its part (and a base model's owner part).
	type TrainingSplit = TrainingFeeSplit;
	type Treasury = TreasuryAccount;
	/// 0.001 OPEN per 1,000 tokens on a base model, until base-model prices are set by
	/// governance (fine-tuned models have their owner's price).
	type BasePricePer1k = polkadot_sdk::sp_core::ConstU128<{ crate::currency::OPEN / 1_000 }>;
	/// Verifiers are the validators.
	type Validators = AuraValidators;
	/// The datanets' chunks: 1 MiB, 64 per file.
	type ChunkSize = ConstU32<{ 1024 * 1024 }>;
	type MaxFileChunks = ConstU32<64>;
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

/// Registers `who` as an agent of `model` with `capabilities`, the minimum bond, and a fresh
/// agent key in the keystore (returned), for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
fn register_bench_agent(
	who: &AccountId,
	capabilities: pallet_agents::Capabilities,
	model: pallet_models::ModelId,
) -> pallet_agents::crypto::AgentId {
	use polkadot_sdk::frame_support::traits::fungible::Mutate;
	use polkadot_sdk::sp_runtime::{BoundedVec, RuntimeAppPublic};
	let key = pallet_agents::crypto::AgentId::generate_pair(None);
	let proof = key.sign(&pallet_agents::Pallet::<Runtime>::key_proof_message(who));
	let _ = Balances::set_balance(who, 10 * AGENT_MIN_BOND);
	if let Some(proof) = proof {
		let _ = crate::Agents::register(
			RuntimeOrigin::signed(who.clone()),
			key.clone(),
			proof,
			capabilities,
			BoundedVec::truncate_from(alloc::vec![model]),
			BoundedVec::truncate_from(b"https://agent.example".to_vec()),
			AGENT_MIN_BOND,
		);
	}
	key
}

/// Makes a fresh Aura key the only authority, for the models benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct ModelsBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_models::BenchmarkHelper<AuraId, AccountId, pallet_agents::crypto::AgentId>
	for ModelsBenchmarkHelper
{
	fn authority() -> AuraId {
		use polkadot_sdk::sp_runtime::RuntimeAppPublic;
		let key = AuraId::generate_pair(None);
		let keys = polkadot_sdk::sp_runtime::BoundedVec::truncate_from(alloc::vec![key.clone()]);
		pallet_aura::Authorities::<Runtime>::put(keys);
		key
	}

	fn trainers(model: pallet_models::ModelId, n: u32) -> alloc::vec::Vec<AccountId> {
		(0..n)
			.map(|i| {
				let who: AccountId = polkadot_sdk::frame_benchmarking::account("trainer", i, 0);
				let _ = Self::trainer_key(model, &who);
				who
			})
			.collect()
	}

	fn trainer_key(
		model: pallet_models::ModelId,
		who: &AccountId,
	) -> pallet_agents::crypto::AgentId {
		register_bench_agent(who, pallet_agents::Capabilities { train: true, serve: false }, model)
	}

	fn datanet_version(n: u32) -> (pallet_models::DatanetId, pallet_models::Version) {
		use polkadot_sdk::frame_support::traits::fungible::Mutate;
		use polkadot_sdk::sp_runtime::BoundedVec;
		let owner: AccountId = polkadot_sdk::frame_benchmarking::account("datanet", n, 0);
		let _ = Balances::set_balance(&owner, 1_000 * OPEN);
		let signed = || RuntimeOrigin::signed(owner.clone());
		let id = pallet_datanets::NextDatanetId::<Runtime>::get();
		let _ = crate::Datanets::create_datanet(
			signed(),
			pallet_datanets::Metadata {
				name: BoundedVec::truncate_from(b"bench".to_vec()),
				summary: BoundedVec::new(),
				tags: BoundedVec::new(),
			},
			pallet_datanets::DataKind::Text,
			pallet_datanets::License {
				spdx: BoundedVec::truncate_from(b"CC-BY-4.0".to_vec()),
				terms_hash: [0; 32],
			},
			pallet_datanets::Rules {
				policy: pallet_datanets::ContributionPolicy::Open,
				deposit: MinContributionDeposit::get(),
				max_size: 1024,
				daily_bytes: 1 << 20,
				daily_count: 16,
				price_per_use: OPEN,
			},
		);
		let contribution = pallet_datanets::NextContributionId::<Runtime>::get();
		let sample = alloc::format!("benchmark sample {n}").into_bytes();
		let _ = crate::Datanets::contribute(
			signed(),
			id,
			pallet_datanets::DataKind::Text,
			BoundedVec::truncate_from(sample),
		);
		let _ = crate::Datanets::accept(
			signed(),
			id,
			BoundedVec::truncate_from(alloc::vec![contribution]),
		);
		(id, 1)
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
	/// An agent holding an open fine-tune job may not leave or withdraw its bond.
	type Workload = pallet_models::HasOpenJob<Runtime>;
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

/// The governance-set inference fee split (`pallet-tokenomics`).
pub struct InferenceFeeSplit;
impl polkadot_sdk::frame_support::traits::Get<pallet_tokenomics::FeeSplit> for InferenceFeeSplit {
	fn get() -> pallet_tokenomics::FeeSplit {
		pallet_tokenomics::Pallet::<Runtime>::fee_split()
	}
}

impl pallet_inference::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Registered models at their on-chain prices.
	type Models = crate::Models;
	/// Serving agents, and the node keys their nodes settle with.
	type Agents = crate::Agents;
	type AgentKey = pallet_agents::crypto::AgentId;
	type UnsignedPriority = ConstU64<{ 1 << 20 }>;
	/// The inference split (treasury, model owner, stakers, contributors).
	type InferenceSplit = InferenceFeeSplit;
	type Treasury = TreasuryAccount;
	/// A day: vouchers in flight have a day to settle after a withdrawal is asked for (an
	/// agent's node settles within minutes, `docs/inference.md`).
	type WithdrawDelay = ConstU32<{ crate::time::DAYS }>;
	/// 64 records per settlement, each with up to 2,048 completion tokens (the endpoint's
	/// `max_tokens` cap): at most 512 KiB of token ids in one settlement.
	type MaxRecords = ConstU32<64>;
	type MaxCompletionTokens = ConstU32<2048>;
	type WeightInfo = pallet_inference::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = InferenceBenchmarkHelper;
}

/// Fine-tuned models with distinct owners on a base model, and a serving agent, for the
/// inference benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct InferenceBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_inference::BenchmarkHelper<AccountId> for InferenceBenchmarkHelper {
	fn served_model(agent: &AccountId, i: u32) -> pallet_inference::ServedModel {
		use pallet_agents::BenchmarkHelper as _;
		use polkadot_sdk::frame_support::traits::fungible::Mutate;
		use polkadot_sdk::sp_runtime::BoundedVec;
		let base = AgentsBenchmarkHelper::base_model(0);
		if !pallet_agents::Agents::<Runtime>::contains_key(agent) {
			let serve = pallet_agents::Capabilities { train: false, serve: true };
			register_bench_agent(agent, serve, base);
		}
		let owner: AccountId = polkadot_sdk::frame_benchmarking::account("owner", i, 0);
		let _ = Balances::set_balance(&owner, OPEN);
		let hash = polkadot_sdk::sp_io::hashing::sha2_256(&i.to_le_bytes());
		pallet_models::Adapters::<Runtime>::insert(
			hash,
			pallet_models::Adapter {
				base,
				owner,
				lineage: pallet_models::Lineage {
					datanets: BoundedVec::new(),
					job: None,
					parent: None,
				},
				price_per_1k_tokens: OPEN,
				status: pallet_models::AdapterStatus::Active,
				created_at: 0,
			},
		);
		pallet_inference::ServedModel::Adapter(hash)
	}
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
