//! Aura block authoring and the GRANDPA finality voter, for every real network.

use std::{sync::Arc, time::Duration};

use openledger_runtime::opaque::Block;
use polkadot_sdk::{
	sc_basic_authorship, sc_consensus, sc_consensus_aura, sc_consensus_grandpa as grandpa,
	sc_network::{
		service::traits::{NetworkService, NotificationService},
		ProtocolName,
	},
	sc_network_sync::SyncingService,
	sc_service::{error::Error as ServiceError, KeystoreContainer, Role, TaskManager},
	sc_telemetry::Telemetry,
	sc_transaction_pool_api::OffchainTransactionPoolFactory,
	sp_consensus_aura::{self, sr25519::AuthorityPair as AuraPair},
	sp_timestamp,
	substrate_prometheus_endpoint::Registry,
};
use sc_consensus_aura::{SlotProportion, StartAuraParams};

use super::{
	FullBackend, FullClient, FullGrandpaBlockImport, FullSelectChain, TransactionPool,
	GRANDPA_JUSTIFICATION_PERIOD,
};

/// The inherent data of an Aura block: the wall-clock timestamp and the slot it falls in.
pub(super) fn slot_and_timestamp(
	slot_duration: sp_consensus_aura::SlotDuration,
) -> (sp_consensus_aura::inherents::InherentDataProvider, sp_timestamp::InherentDataProvider) {
	let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
	let slot = sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
		*timestamp,
		slot_duration,
	);
	(slot, timestamp)
}

/// Spawns the Aura authoring task (validators only).
#[allow(clippy::too_many_arguments)]
pub(super) fn start_aura(
	task_manager: &TaskManager,
	client: &Arc<FullClient>,
	transaction_pool: &Arc<TransactionPool>,
	select_chain: sc_consensus::LongestChain<FullBackend, Block>,
	block_import: FullGrandpaBlockImport,
	keystore_container: &KeystoreContainer,
	sync_service: &Arc<SyncingService<Block>>,
	prometheus_registry: Option<&Registry>,
	telemetry: Option<&Telemetry>,
	slot_duration: sp_consensus_aura::SlotDuration,
	force_authoring: bool,
) -> Result<(), ServiceError> {
	let backoff_authoring_blocks: Option<()> = None;
	let proposer_factory = sc_basic_authorship::ProposerFactory::new(
		task_manager.spawn_handle(),
		client.clone(),
		transaction_pool.clone(),
		prometheus_registry,
		telemetry.map(|x| x.handle()),
	);

	let aura =
		sc_consensus_aura::start_aura::<AuraPair, _, _, _, _, _, _, _, _, _, _>(StartAuraParams {
			slot_duration,
			client: client.clone(),
			select_chain,
			block_import,
			proposer_factory,
			create_inherent_data_providers: move |_, ()| async move {
				Ok(slot_and_timestamp(slot_duration))
			},
			force_authoring,
			backoff_authoring_blocks,
			keystore: keystore_container.keystore(),
			sync_oracle: sync_service.clone(),
			justification_sync_link: sync_service.clone(),
			block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
			max_block_proposal_slot_portion: None,
			telemetry: telemetry.map(|x| x.handle()),
			compatibility_mode: Default::default(),
		})?;

	// The AURA authoring task is considered essential: if it fails, the node stops.
	task_manager.spawn_essential_handle().spawn_blocking("aura", Some("block-authoring"), aura);
	Ok(())
}

/// Spawns the GRANDPA voter (or observer, on a non-validator).
#[allow(clippy::too_many_arguments)]
pub(super) fn start_grandpa(
	task_manager: &TaskManager,
	keystore_container: &KeystoreContainer,
	role: Role,
	name: String,
	grandpa_link: grandpa::LinkHalf<Block, FullClient, FullSelectChain>,
	grandpa_protocol_name: ProtocolName,
	network: Arc<dyn NetworkService>,
	sync_service: Arc<SyncingService<Block>>,
	grandpa_notification_service: Box<dyn NotificationService>,
	prometheus_registry: Option<Registry>,
	telemetry: Option<&Telemetry>,
	transaction_pool: Arc<TransactionPool>,
) -> Result<(), ServiceError> {
	// If the node isn't actively participating in consensus then it doesn't need a keystore,
	// regardless of which protocol we use below.
	let keystore = if role.is_authority() { Some(keystore_container.keystore()) } else { None };

	let grandpa_config = grandpa::Config {
		gossip_duration: Duration::from_millis(333),
		justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
		name: Some(name),
		observer_enabled: false,
		keystore,
		local_role: role,
		telemetry: telemetry.map(|x| x.handle()),
		protocol_name: grandpa_protocol_name,
	};

	let grandpa_params = grandpa::GrandpaParams {
		config: grandpa_config,
		link: grandpa_link,
		network,
		sync: sync_service,
		notification_service: grandpa_notification_service,
		voting_rule: grandpa::VotingRulesBuilder::default().build(),
		prometheus_registry,
		shared_voter_state: grandpa::SharedVoterState::empty(),
		telemetry: telemetry.map(|x| x.handle()),
		offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool),
	};

	// The GRANDPA voter task is considered infallible, i.e. if it fails we take down the
	// service with it.
	task_manager.spawn_essential_handle().spawn_blocking(
		"grandpa-voter",
		None,
		grandpa::run_grandpa_voter(grandpa_params)?,
	);
	Ok(())
}
