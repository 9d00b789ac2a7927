//! `--dev`: a single-node chain that seals a block on a timer (and, in instant mode, for every
//! imported transaction), each final at once.

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use openledger_runtime::opaque::Block;
use polkadot_sdk::{
	sc_basic_authorship, sc_consensus, sc_consensus_manual_seal as manual_seal,
	sc_service::TaskManager, sc_telemetry::Telemetry, sp_consensus_aura, sp_timestamp,
	substrate_prometheus_endpoint::Registry,
};

use super::{FullBackend, FullClient, TransactionPool};
use crate::cli::Sealing;

/// Spawns the manual-seal task.
#[allow(clippy::too_many_arguments)]
pub(super) fn start_manual_seal(
	task_manager: &TaskManager,
	client: &Arc<FullClient>,
	transaction_pool: &Arc<TransactionPool>,
	select_chain: sc_consensus::LongestChain<FullBackend, Block>,
	prometheus_registry: Option<&Registry>,
	telemetry: Option<&Telemetry>,
	slot_duration: sp_consensus_aura::SlotDuration,
	sealing: Sealing,
	block_time_ms: u64,
) {
	let proposer = sc_basic_authorship::ProposerFactory::new(
		task_manager.spawn_handle(),
		client.clone(),
		transaction_pool.clone(),
		prometheus_registry,
		telemetry.map(|x| x.handle()),
	);
	// Aura digests matching each block's timestamp, so the runtime's Aura pallet
	// accepts manually sealed blocks.
	let consensus_data_provider =
		manual_seal::consensus::aura::AuraConsensusDataProvider::<Block>::new_with_slot_duration(
			slot_duration,
		);
	let create_inherent_data_providers =
		move |_, ()| async move { Ok(sp_timestamp::InherentDataProvider::from_system_time()) };
	let seal = || manual_seal::EngineCommand::SealNewBlock {
		create_empty: true,
		finalize: true,
		parent_hash: None,
		sender: None,
	};
	// A block every `block_time_ms`, and in instant mode also one per imported
	// transaction. The timer keeps an idle instant-mode chain moving, which clients
	// that follow new blocks (openledger-eth-rpc does, before it serves) rely on.
	let ticks = futures::stream::unfold((), move |()| async move {
		futures_timer::Delay::new(Duration::from_millis(block_time_ms)).await;
		Some((seal(), ()))
	});
	let commands_stream: std::pin::Pin<
		Box<dyn futures::Stream<Item = manual_seal::EngineCommand<_>> + Send>,
	> = match sealing {
		Sealing::Instant => {
			use polkadot_sdk::sc_transaction_pool_api::TransactionPool as _;
			let on_import = transaction_pool.import_notification_stream().map(move |_| seal());
			Box::pin(futures::stream::select(on_import, ticks))
		}
		Sealing::Interval => Box::pin(ticks),
	};
	let params = manual_seal::ManualSealParams {
		block_import: client.clone(),
		env: proposer,
		client: client.clone(),
		pool: transaction_pool.clone(),
		select_chain,
		commands_stream,
		consensus_data_provider: Some(Box::new(consensus_data_provider)),
		create_inherent_data_providers,
	};
	task_manager.spawn_essential_handle().spawn_blocking(
		"manual-seal",
		None,
		manual_seal::run_manual_seal(params),
	);
	task_manager.spawn_handle().spawn(
		"dev-status",
		None,
		status(client.clone(), transaction_pool.clone()),
	);
}

/// One status line every ten seconds, in place of the per-block lines `--dev` keeps at `warn`.
async fn status(client: Arc<FullClient>, pool: Arc<TransactionPool>) {
	use polkadot_sdk::{
		sc_transaction_pool_api::TransactionPool as _, sp_blockchain::HeaderBackend,
	};
	loop {
		futures_timer::Delay::new(Duration::from_secs(10)).await;
		let info = client.info();
		let txs = pool.status();
		log::info!(
			target: "openledger",
			"⛓  best #{}, finalized #{}, transactions: {} ready, {} waiting",
			info.best_number,
			info.finalized_number,
			txs.ready,
			txs.future,
		);
	}
}
