//! The AI service inside the node: built from `--ai*` flags, kept in line with the chain's model
//! registry on every new best block, handed to offchain workers as `AiExt`, and serving the
//! OpenAI-compatible endpoint when it is on.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use futures::StreamExt;
use openledger_ai_service::{http::HttpConfig, AiService, ChainAdapter, ChainModel};
use openledger_runtime::opaque::Block;
use pallet_models_runtime_api::ModelsApi;
use polkadot_sdk::{
	sc_client_api::BlockchainEvents,
	sc_service::{error::Error as ServiceError, Configuration, TaskManager},
	sp_api::ProvideRuntimeApi,
	sp_blockchain::HeaderBackend,
};

use super::FullClient;
use crate::cli::{AiParams, Switch};

/// Port of the endpoint on a `--dev` chain.
pub const DEV_HTTP_PORT: u16 = 8000;

const LOG_TARGET: &str = "ai";

/// The active base models registered at `hash`.
fn chain_models(
	client: &FullClient,
	hash: <Block as polkadot_sdk::sp_runtime::traits::Block>::Hash,
) -> Vec<ChainModel> {
	match client.runtime_api().base_models(hash) {
		Ok(models) => models
			.into_iter()
			.filter(|m| m.status == pallet_models::ModelStatus::Active)
			.map(|m| ChainModel {
				id: m.id,
				weights_hash: m.weights_hash,
				name: String::from_utf8_lossy(&m.name).into_owned(),
				context_length: m.context_length,
			})
			.collect(),
		Err(e) => {
			log::warn!(target: LOG_TARGET, "cannot read the model registry: {e}");
			Vec::new()
		}
	}
}

/// The active adapters (fine-tuned models) of the active base models `models` at `hash`.
fn chain_adapters(
	client: &FullClient,
	hash: <Block as polkadot_sdk::sp_runtime::traits::Block>::Hash,
	models: &[ChainModel],
) -> Vec<ChainAdapter> {
	let mut out = Vec::new();
	for m in models {
		match client.runtime_api().adapters(hash, m.id) {
			Ok(adapters) => out.extend(
				adapters
					.into_iter()
					.filter(|(_, a)| a.status == pallet_models::AdapterStatus::Active)
					.map(|(id, a)| ChainAdapter {
						id,
						base: a.base,
						owner: a.owner.to_string(),
						price_per_1k_tokens: a.price_per_1k_tokens,
					}),
			),
			Err(e) => {
				log::warn!(target: LOG_TARGET, "cannot read the adapters of model {}: {e}", m.id)
			}
		}
	}
	out
}

/// Starts the AI service (unless `--ai off`) and its tasks; returns it for the offchain
/// workers. Fails when the endpoint cannot bind its port.
pub(super) fn start(
	params: &AiParams,
	config: &Configuration,
	is_dev: bool,
	client: &Arc<FullClient>,
	keystore: polkadot_sdk::sp_keystore::KeystorePtr,
	task_manager: &TaskManager,
) -> Result<Option<Arc<AiService>>, ServiceError> {
	if params.ai == Switch::Off {
		log::info!(target: LOG_TARGET, "AI service off (--ai off): AI host functions answer unavailable");
		return Ok(None);
	}
	let threads = params.ai_threads.unwrap_or_else(|| {
		std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(1))
	});
	let service_config = openledger_ai_service::Config {
		models_dir: params
			.models_dir
			.clone()
			.unwrap_or_else(openledger_ai_service::default_models_dir),
		adapters_dir: config.data_path.join("ai").join("adapters"),
		checkpoints_dir: config.data_path.join("ai").join("checkpoints"),
		threads,
		cache_mib: params.ai_cache_mib,
		prefix_cache_mib: params.ai_prefix_cache_mib,
		queue: 64,
	};
	let service = AiService::start(&service_config, config.prometheus_registry())
		.map_err(|e| ServiceError::Other(format!("AI service: {e}")))?;
	log::info!(
		target: LOG_TARGET,
		"AI service: {threads} threads, models from {}",
		service_config.models_dir.display()
	);
	// Paid inference: vouchers checked against the chain; usage kept until settled. A `--dev`
	// chain also serves requests without a key, for free.
	let chain = super::billing::NodeChain { client: client.clone(), keystore };
	service.set_billing(Arc::new(openledger_ai_service::billing::Billing::new(
		Arc::new(chain),
		Some(config.data_path.join("ai").join("usage.scale")),
		is_dev,
	)));
	if is_dev {
		log::info!(target: LOG_TARGET, "--dev: the endpoint serves requests without an API key for free; a voucher key is metered");
	}

	// Keep the loaded models in line with the registry: at start and whenever a new best
	// block changes the list. Loading runs on a blocking thread.
	{
		let (client, service) = (client.clone(), service.clone());
		task_manager.spawn_handle().spawn("ai-registry", Some("ai"), async move {
			let mut last: Option<Vec<ChainModel>> = None;
			let mut last_adapters: Option<Vec<ChainAdapter>> = None;
			let mut blocks = client
				.import_notification_stream()
				.filter(|n| futures::future::ready(n.is_new_best));
			let mut hash = client.info().best_hash;
			loop {
				let models = chain_models(&client, hash);
				if last.as_ref() != Some(&models) {
					let (svc, wanted) = (service.clone(), models.clone());
					match tokio::task::spawn_blocking(move || svc.sync(&wanted)).await {
						Ok(Ok(report)) => {
							for id in &report.missing {
								log::warn!(
									target: LOG_TARGET,
									"registered base model {id} is not in the models directory: this node will not serve it"
								);
							}
						}
						Ok(Err(e)) => log::warn!(target: LOG_TARGET, "loading models failed: {e}"),
						Err(e) => log::warn!(target: LOG_TARGET, "the model loader stopped: {e}"),
					}
					last = Some(models.clone());
				}
				// Fine-tuned models registered since: their files come from the offchain
				// database into the adapter store, so the endpoint serves them at once.
				let adapters = chain_adapters(&client, hash, &models);
				if last_adapters.as_ref() != Some(&adapters) {
					let (svc, list) = (service.clone(), adapters.clone());
					if let Err(e) =
						tokio::task::spawn_blocking(move || svc.sync_adapters(list)).await
					{
						log::warn!(target: LOG_TARGET, "the adapter loader stopped: {e}");
					}
					last_adapters = Some(adapters);
				}
				match blocks.next().await {
					Some(n) => hash = n.hash,
					None => return,
				}
			}
		});
	}
	task_manager.spawn_handle().spawn(
		"ai-report",
		Some("ai"),
		service.clone().report(Duration::from_secs(30)),
	);

	let port = params.ai_http_port.or(is_dev.then_some(DEV_HTTP_PORT));
	if let Some(port) = port {
		let addr = SocketAddr::new(params.ai_http_addr, port);
		let cors = params.ai_http_cors.clone().unwrap_or_else(|| {
			if is_dev {
				vec!["*".to_string()]
			} else {
				Vec::new()
			}
		});
		let http = HttpConfig {
			addr,
			cors,
			max_in_flight: params.ai_http_max_requests as usize,
			..HttpConfig::default()
		};
		let listener = openledger_ai_service::http::bind(addr)
			.map_err(|e| ServiceError::Other(format!("OpenAI endpoint (--ai-http-port): {e}")))?;
		let service = service.clone();
		task_manager.spawn_handle().spawn("ai-http", Some("ai"), async move {
			if let Err(e) = service.serve_http(listener, http).await {
				log::error!(target: LOG_TARGET, "the OpenAI endpoint stopped: {e}");
			}
		});
	}
	Ok(Some(service))
}
