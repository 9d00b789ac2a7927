//! Offchain workers: run by the runtime after each imported block, with this node's keystore,
//! offchain database and transaction pool. The AI service reaches them here, as the `AiExt`
//! extension behind the runtime's AI host functions (`openledger-ai-primitives`); without it
//! those functions answer "unavailable".

use std::sync::Arc;

use futures::FutureExt;
use polkadot_sdk::{
	sc_client_api::Backend as _,
	sc_network::service::traits::NetworkService,
	sc_offchain,
	sc_service::{error::Error as ServiceError, Configuration, KeystoreContainer, TaskManager},
	sc_transaction_pool_api::OffchainTransactionPoolFactory,
};

use super::{FullBackend, FullClient, TransactionPool};
use openledger_ai_primitives::AiBackend;

/// Starts the offchain workers, with the AI service's backend if it runs.
#[allow(clippy::too_many_arguments)]
pub(super) fn start(
	config: &Configuration,
	client: &Arc<FullClient>,
	backend: &Arc<FullBackend>,
	keystore_container: &KeystoreContainer,
	transaction_pool: &Arc<TransactionPool>,
	network: &Arc<dyn NetworkService>,
	task_manager: &TaskManager,
	ai: Option<Arc<dyn AiBackend>>,
) -> Result<(), ServiceError> {
	let offchain_workers = sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
		runtime_api_provider: client.clone(),
		is_validator: config.role.is_authority(),
		keystore: Some(keystore_container.keystore()),
		offchain_db: backend.offchain_storage(),
		transaction_pool: Some(OffchainTransactionPoolFactory::new(transaction_pool.clone())),
		network_provider: Arc::new(network.clone()),
		enable_http_requests: true,
		custom_extensions: move |_| openledger_ai_primitives::offchain_extensions(ai.as_ref()),
	})?;
	task_manager.spawn_handle().spawn(
		"offchain-workers-runner",
		"offchain-worker",
		offchain_workers.run(client.clone(), task_manager.spawn_handle()).boxed(),
	);
	Ok(())
}
