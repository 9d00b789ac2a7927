//! The node service: a validator or full node running Aura + GRANDPA, or a single-node `--dev`
//! chain sealing blocks on a timer (or per transaction) with instant finality.
//!
//! - this file: the client, database, transaction pool and import queue every mode shares
//!   ([`new_partial`]), the network, RPC and the choice of block production ([`new_full`]);
//! - [`consensus`]: Aura authoring and the GRANDPA voter;
//! - [`dev`]: the `--dev` manual-seal loop;
//! - [`offchain`]: the offchain workers and the extensions handed to them;
//! - [`ai`]: the AI service (models, jobs, the OpenAI-compatible endpoint).

mod ai;
mod billing;
mod consensus;
mod dev;
mod offchain;

use std::sync::Arc;

use openledger_runtime::{self, opaque::Block, RuntimeApi};
use polkadot_sdk::{
	sc_client_api::{Backend as _, BlockBackend},
	sc_consensus, sc_consensus_aura, sc_consensus_grandpa as grandpa, sc_executor, sc_network,
	sc_service::{self, error::Error as ServiceError, Configuration, TaskManager, WarpSyncConfig},
	sc_telemetry::{Telemetry, TelemetryWorker},
	sc_transaction_pool,
	sp_consensus_aura::sr25519::AuthorityPair as AuraPair,
	sp_io,
};
use sc_consensus_aura::ImportQueueParams;
use sc_service::PartialComponents;

use crate::cli::{AiParams, Sealing};

/// Host functions the runtime may call: the standard Substrate set and OpenLedger's AI
/// functions (answered by the AI service in offchain workers, "unavailable" elsewhere). Every
/// executor of this runtime must register both, or it will not instantiate.
pub type HostFunctions = (sp_io::SubstrateHostFunctions, openledger_ai_primitives::HostFunctions);

pub(crate) type FullClient =
	sc_service::TFullClient<Block, RuntimeApi, sc_executor::WasmExecutor<HostFunctions>>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
type FullGrandpaBlockImport =
	grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>;
type TransactionPool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;

/// The network backend of every OpenLedger node.
type Network = sc_network::Litep2pNetworkBackend;

/// Number of blocks between GRANDPA justifications that are stored for sync.
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

type Service = PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	TransactionPool,
	(
		FullGrandpaBlockImport,
		grandpa::LinkHalf<Block, FullClient, FullSelectChain>,
		Option<Telemetry>,
	),
>;

/// The parts shared by every mode: client, database, transaction pool, import queue.
pub fn new_partial(config: &Configuration) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|x| !x.is_empty())
		.map(|endpoints| -> Result<_, polkadot_sdk::sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor::<HostFunctions>(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			Vec::new(),
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let (grandpa_block_import, grandpa_link) = grandpa::block_import(
		client.clone(),
		GRANDPA_JUSTIFICATION_PERIOD,
		&client,
		select_chain.clone(),
		telemetry.as_ref().map(|x| x.handle()),
	)?;

	let slot_duration = sc_consensus_aura::slot_duration(&*client)?;

	let import_queue =
		sc_consensus_aura::import_queue::<AuraPair, _, _, _, _, _>(ImportQueueParams {
			block_import: grandpa_block_import.clone(),
			justification_import: Some(Box::new(grandpa_block_import.clone())),
			client: client.clone(),
			create_inherent_data_providers: move |_, ()| async move {
				Ok(consensus::slot_and_timestamp(slot_duration))
			},
			spawner: &task_manager.spawn_essential_handle(),
			registry: config.prometheus_registry(),
			check_for_equivocation: Default::default(),
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			compatibility_mode: Default::default(),
		})?;

	Ok(PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (grandpa_block_import, grandpa_link, telemetry),
	})
}

/// How the node produces blocks.
#[derive(Debug, Clone, Copy)]
pub enum BlockProduction {
	/// Aura slots and GRANDPA finality: every real network.
	AuraGrandpa,
	/// A single-node development chain sealing on a timer or per transaction; each block is
	/// final at once.
	Dev { sealing: Sealing, block_time_ms: u64 },
}

/// Builds and starts a full node.
pub fn new_full(
	config: Configuration,
	production: BlockProduction,
	ai_params: &AiParams,
) -> Result<TaskManager, ServiceError> {
	let sc_service::PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (block_import, grandpa_link, mut telemetry),
	} = new_partial(&config)?;

	let is_dev = matches!(production, BlockProduction::Dev { .. });
	let mut net_config = sc_network::config::FullNetworkConfiguration::<
		Block,
		<Block as polkadot_sdk::sp_runtime::traits::Block>::Hash,
		Network,
	>::new(&config.network, config.prometheus_registry().cloned());
	let metrics = <Network as sc_network::NetworkBackend<
		Block,
		<Block as polkadot_sdk::sp_runtime::traits::Block>::Hash,
	>>::register_notification_metrics(config.prometheus_registry());
	let peer_store_handle = net_config.peer_store_handle();

	let genesis_hash = client
		.block_hash(0u32)
		.ok()
		.flatten()
		.ok_or_else(|| ServiceError::Other("the genesis block is missing".into()))?;
	let grandpa_protocol_name = grandpa::protocol_standard_name(&genesis_hash, &config.chain_spec);
	let (grandpa_protocol_config, grandpa_notification_service) =
		grandpa::grandpa_peers_set_config::<Block, Network>(
			grandpa_protocol_name.clone(),
			metrics.clone(),
			peer_store_handle,
		);
	net_config.add_notification_protocol(grandpa_protocol_config);

	let warp_sync = Arc::new(grandpa::warp_proof::NetworkProvider::new(
		backend.clone(),
		grandpa_link.shared_authority_set().clone(),
		Vec::default(),
	));

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config: Some(WarpSyncConfig::WithProvider(warp_sync)),
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	let ai_service = ai::start(
		ai_params,
		&config,
		is_dev,
		&client,
		keystore_container.keystore(),
		&task_manager,
	)?;
	// Adapters the AI service lacks are copied from the offchain database, where the runtime's
	// offchain indexing keeps uploaded adapter files.
	if let (Some(ai), Some(storage)) = (&ai_service, backend.offchain_storage()) {
		ai.registry().set_adapter_source(Arc::new(
			openledger_ai_service::registry::OffchainAdapters(storage),
		));
	}

	if config.offchain_worker.enabled {
		offchain::start(
			&config,
			&client,
			&backend,
			&keystore_container,
			&transaction_pool,
			&network,
			&task_manager,
			ai_service.as_ref().map(|s| s.backend()),
		)?;
	}

	let role = config.role;
	let force_authoring = config.force_authoring;
	let name = config.network.node_name.clone();
	let enable_grandpa = !config.disable_grandpa && !is_dev;
	let prometheus_registry = config.prometheus_registry().cloned();

	let rpc_extensions_builder = {
		let client = client.clone();
		let pool = transaction_pool.clone();
		let offchain_storage = backend.offchain_storage();
		let training = ai_service.as_ref().map(|s| s.progress().clone());
		Box::new(move |_| {
			let deps = crate::rpc::FullDeps {
				client: client.clone(),
				pool: pool.clone(),
				offchain: offchain_storage.clone(),
				training: training.clone(),
			};
			crate::rpc::create_full(deps).map_err(Into::into)
		})
	};

	let _rpc_handlers = sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: Arc::new(network.clone()),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder: rpc_extensions_builder,
		backend: backend.clone(),
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	let slot_duration = sc_consensus_aura::slot_duration(&*client)?;

	if let BlockProduction::Dev { sealing, block_time_ms } = production {
		dev::start_manual_seal(
			&task_manager,
			&client,
			&transaction_pool,
			select_chain,
			prometheus_registry.as_ref(),
			telemetry.as_ref(),
			slot_duration,
			sealing,
			block_time_ms,
		);
		return Ok(task_manager);
	}

	if role.is_authority() {
		consensus::start_aura(
			&task_manager,
			&client,
			&transaction_pool,
			select_chain,
			block_import,
			&keystore_container,
			&sync_service,
			prometheus_registry.as_ref(),
			telemetry.as_ref(),
			slot_duration,
			force_authoring,
		)?;
	}

	if enable_grandpa {
		consensus::start_grandpa(
			&task_manager,
			&keystore_container,
			role,
			name,
			grandpa_link,
			grandpa_protocol_name,
			network,
			sync_service,
			grandpa_notification_service,
			prometheus_registry,
			telemetry.as_ref(),
			transaction_pool,
		)?;
	}

	Ok(task_manager)
}
