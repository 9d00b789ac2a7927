//! Runtime APIs of the OpenLedger runtime: the standard Substrate set, Aura and GRANDPA, and
//! revive's Ethereum API (`ReviveApi`), which `openledger-eth-rpc` calls.

use crate::{
	genesis_config_presets, opaque::SessionKeys, AccountId, Aura, Balance, Block, BlockNumber,
	Executive, Grandpa, Header, InherentDataExt, Nonce, Runtime, RuntimeCall, RuntimeGenesisConfig,
	System, TransactionPayment, VERSION,
};
use alloc::{vec, vec::Vec};
use pallet_transaction_payment::{FeeDetails, RuntimeDispatchInfo};
use polkadot_sdk::{
	polkadot_sdk_frame::{
		deps::sp_genesis_builder,
		runtime::{apis, prelude::*},
		traits::Block as BlockT,
	},
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_consensus_grandpa::{AuthorityList as GrandpaAuthorityList, SetId},
	*,
};

use polkadot_sdk::{frame_support::weights::Weight, sp_runtime::traits::NumberFor};

pallet_revive::impl_runtime_apis_plus_revive_traits!(
	Runtime,
	Revive,
	Executive,
	EthExtraImpl,

	impl pallet_models_runtime_api::ModelsApi<Block, BlockNumber, pallet_models::AdapterOf<Runtime>, AuraId> for Runtime {
		fn base_models() -> Vec<pallet_models::BaseModelView<BlockNumber>> {
			crate::Models::base_models()
		}

		fn base_model(id: pallet_models::ModelId) -> Option<pallet_models::BaseModelView<BlockNumber>> {
			crate::Models::base_model(id)
		}

		fn adapter(hash: pallet_models::AdapterHash) -> Option<pallet_models::AdapterOf<Runtime>> {
			crate::Models::adapter(hash)
		}

		fn adapters(base: pallet_models::ModelId) -> Vec<(pallet_models::AdapterHash, pallet_models::AdapterOf<Runtime>)> {
			crate::Models::adapters_of(base)
		}

		fn lineage(hash: pallet_models::AdapterHash) -> Option<pallet_models::LineageView> {
			crate::Models::lineage(hash)
		}

		fn servers() -> Vec<(AuraId, Vec<pallet_models::ModelId>, BlockNumber)> {
			crate::Models::servers()
				.into_iter()
				.map(|(k, s)| (k, s.models.into_inner(), s.block))
				.collect()
		}
	}

	impl pallet_models_runtime_api::FineTuneApi<
		Block,
		Balance,
		pallet_models::JobOf<Runtime>,
		pallet_models::CommitmentOf<Runtime>,
		pallet_models::FineTuneParamsOf<Runtime>,
	> for Runtime {
		fn quote(
			model: pallet_models::ModelRef,
			datanets: Vec<(pallet_models::DatanetId, pallet_models::Version)>,
			params: pallet_models::HyperParams,
		) -> Result<Balance, polkadot_sdk::sp_runtime::DispatchError> {
			crate::Models::quote(model, &datanets, &params)
		}

		fn job(id: pallet_models::JobId) -> Option<pallet_models::JobOf<Runtime>> {
			crate::Models::job(id)
		}

		fn jobs(start: pallet_models::JobId, limit: u32) -> Vec<(pallet_models::JobId, pallet_models::JobOf<Runtime>)> {
			crate::Models::jobs(start, limit)
		}

		fn commitment(id: pallet_models::JobId) -> Option<pallet_models::CommitmentOf<Runtime>> {
			crate::Models::commitment(id)
		}

		fn parameters() -> pallet_models::FineTuneParamsOf<Runtime> {
			pallet_models::FineTuneParameters::<Runtime>::get()
		}
	}

	impl pallet_agents_runtime_api::AgentsApi<Block, AccountId, pallet_agents::crypto::AgentId, Balance, BlockNumber> for Runtime {
		fn agent(owner: AccountId) -> Option<pallet_agents::AgentViewOf<Runtime>> {
			crate::Agents::agent(owner)
		}

		fn agent_by_key(key: pallet_agents::crypto::AgentId) -> Option<pallet_agents::AgentViewOf<Runtime>> {
			crate::Agents::agent_by_key(key)
		}

		fn agents() -> Vec<pallet_agents::AgentViewOf<Runtime>> {
			crate::Agents::agents()
		}

		fn eligible(capability: pallet_agents::Capability, model: pallet_agents::ModelId) -> Vec<AccountId> {
			crate::Agents::eligible(capability, model)
		}

		fn parameters() -> pallet_agents::ParamsOf<Runtime> {
			pallet_agents::Parameters::<Runtime>::get()
		}
	}

	impl pallet_inference_runtime_api::InferenceApi<Block, AccountId, Balance, BlockNumber> for Runtime {
		fn credit(who: AccountId) -> Option<pallet_inference::CreditOf<Runtime>> {
			pallet_inference::Credits::<Runtime>::get(who)
		}

		fn voucher(user: AccountId, nonce: u64) -> Option<pallet_inference::VoucherStateOf<Runtime>> {
			pallet_inference::Vouchers::<Runtime>::get(user, nonce)
		}

		fn price(model: pallet_inference::ServedModel) -> Option<pallet_inference::ModelPrice<AccountId, Balance>> {
			<crate::Models as pallet_inference::ModelPrices<AccountId, Balance>>::price(&model)
		}

		fn voucher_message(voucher: pallet_inference::VoucherOf<Runtime>) -> Vec<u8> {
			crate::Inference::voucher_message(&voucher)
		}

		fn check_voucher(voucher: pallet_inference::VoucherOf<Runtime>, signature: pallet_inference::VoucherSignature) -> bool {
			crate::Inference::signed_by_user(&voucher, &signature)
		}

		fn limits() -> (u32, u32) {
			(
				<<Runtime as pallet_inference::Config>::MaxRecords as Get<u32>>::get(),
				<<Runtime as pallet_inference::Config>::MaxCompletionTokens as Get<u32>>::get(),
			)
		}
	}

	impl pallet_tokenomics_runtime_api::TokenomicsApi<Block, Balance> for Runtime {
		fn parameters() -> pallet_tokenomics::Parameters<Balance> {
			crate::Tokenomics::parameters()
		}
	}

	impl pallet_datanets_runtime_api::DatanetsApi<Block, AccountId, Balance, BlockNumber> for Runtime {
		fn datanets(
			start: pallet_datanets::DatanetId,
			limit: u32,
		) -> Vec<pallet_datanets::DatanetView<AccountId, Balance, BlockNumber>> {
			crate::Datanets::datanet_views(start, limit)
		}

		fn contributions(
			datanet: pallet_datanets::DatanetId,
			status: pallet_datanets::StatusFilter,
			start: pallet_datanets::ContributionId,
			limit: u32,
		) -> Vec<(pallet_datanets::ContributionId, pallet_datanets::Contribution<AccountId, Balance, BlockNumber>)> {
			crate::Datanets::contributions_of(datanet, status, start, limit)
		}

		fn contributor_record(datanet: pallet_datanets::DatanetId, who: AccountId) -> pallet_datanets::ContributorRecord {
			pallet_datanets::Records::<Runtime>::get(datanet, who)
		}

		fn version(
			datanet: pallet_datanets::DatanetId,
			version: pallet_datanets::Version,
		) -> Option<pallet_datanets::VersionInfo<BlockNumber>> {
			pallet_datanets::Versions::<Runtime>::get(datanet, version)
		}

		fn contribution_by_hash(datanet: pallet_datanets::DatanetId, hash: [u8; 32]) -> Option<pallet_datanets::ContributionId> {
			pallet_datanets::ByHash::<Runtime>::get(datanet, hash)
		}
	}

	impl apis::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block)
		}

		fn initialize_block(header: &Header) -> ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl apis::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl apis::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: ExtrinsicFor<Runtime>) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> HeaderFor<Runtime> {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: InherentData) -> Vec<ExtrinsicFor<Runtime>> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: InherentData,
		) -> CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl apis::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: ExtrinsicFor<Runtime>,
			block_hash: <Runtime as frame_system::Config>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl apis::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &HeaderFor<Runtime>) {
			Executive::offchain_worker(header)
		}
	}

	impl apis::AuraApi<Block, AuraId> for Runtime {
		fn slot_duration() -> apis::SlotDuration {
			apis::SlotDuration::from_millis(Aura::slot_duration())
		}

		fn authorities() -> Vec<AuraId> {
			pallet_aura::Authorities::<Runtime>::get().into_inner()
		}
	}

	impl apis::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> GrandpaAuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> SetId {
			Grandpa::current_set_id()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			_equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			_key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			// Equivocation reports need key-ownership proofs from pallet-session, which the
			// staking issue adds; until then reports are not accepted.
			None
		}

		fn generate_key_ownership_proof(
			_set_id: SetId,
			_authority_id: sp_consensus_grandpa::AuthorityId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			None
		}
	}

	impl apis::SessionKeys<Block> for Runtime {
		fn generate_session_keys(
			owner: Vec<u8>,
			seed: Option<Vec<u8>>,
		) -> apis::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, apis::KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl apis::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance>
		for Runtime
	{
		fn query_info(uxt: ExtrinsicFor<Runtime>, len: u32) -> RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}
		fn query_fee_details(uxt: ExtrinsicFor<Runtime>, len: u32) -> FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<
		Block,
		Balance,
		RuntimeCall,
	> for Runtime {
		fn query_call_info(call: RuntimeCall, len: u32) -> RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}
		fn query_call_fee_details(call: RuntimeCall, len: u32) -> FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl apis::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<PresetId> {
			genesis_config_presets::preset_names()
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			use frame_support::traits::StorageInfoTrait;
			let mut list = Vec::<frame_benchmarking::BenchmarkList>::new();
			list_benchmarks!(list, extra);
			(list, crate::AllPalletsWithSystem::storage_info())
		}

		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig,
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			use frame_support::traits::WhitelistedStorageKeys;
			let whitelist = crate::AllPalletsWithSystem::whitelisted_storage_keys();
			let mut batches = Vec::<frame_benchmarking::BenchmarkBatch>::new();
			let params = (&config, &whitelist);
			add_benchmarks!(params, batches);
			Ok(batches)
		}
	}

	#[cfg(feature = "try-runtime")]
	impl frame_try_runtime::TryRuntime<Block> for Runtime {
		fn on_runtime_upgrade(checks: frame_try_runtime::UpgradeCheckSelect) -> (Weight, Weight) {
			#[allow(clippy::expect_used, reason = "try-runtime tooling: a failed check must abort the run")]
			let weight = Executive::try_runtime_upgrade(checks).expect("runtime upgrade checks failed");
			(weight, crate::configs::RuntimeBlockWeights::get().max_block)
		}

		fn execute_block(
			block: <Block as BlockT>::LazyBlock,
			state_root_check: bool,
			signature_check: bool,
			select: frame_try_runtime::TryStateSelect,
		) -> Weight {
			#[allow(clippy::expect_used, reason = "try-runtime tooling: a failed check must abort the run")]
			Executive::try_execute_block(block, state_root_check, signature_check, select)
				.expect("try-runtime: block execution or a try_state check failed")
		}
	}
);
