//! # OpenLedger AI service
//!
//! The one place in the node that sees both worlds: it implements the runtime's
//! [`AiBackend`] over the candle engine of `openledger-ai`.
//!
//! - [`registry`]: the base models the chain registers that this node has in its models
//!   directory, found by SHA-256 and loaded once, each with its OpenLoRA `Engine` (whose adapter
//!   store lives under the node's base path);
//! - [`fine_tune`]: ModelFactory fine-tune jobs (training data from the offchain database,
//!   checked against the chain's hashes; the chain's checkpoint rule; fixed-point results);
//! - [`jobs`]: the bounded job queue and worker threads behind the host functions
//!   (`start_job` → ticket, `poll`); never on the async executor;
//! - [`http`]: the OpenAI-compatible endpoint;
//! - [`metrics`]: Prometheus gauges and counters, sampled each second with a periodic log line;
//! - [`progress`]: the live progress of the fine-tunes this node trains (the RPC subscription's
//!   source).
//!
//! The node builds an [`AiService`], keeps it in line with the chain (`sync`, on new blocks),
//! hands [`AiService::backend`] to offchain workers inside `AiExt`, and spawns
//! [`AiService::serve_http`] when the endpoint is on.

#![allow(
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing,
	clippy::cast_possible_truncation,
	clippy::cast_precision_loss,
	reason = "std node code on sizes bounded by the models' configuration; no consensus arithmetic"
)]

pub mod billing;
pub mod error;
pub mod fine_tune;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod progress;
pub mod registry;
pub mod replay;

use std::{path::PathBuf, sync::Arc, time::Duration};

pub use error::{Error, Result};
pub use registry::{ChainAdapter, ChainModel, Registry, SyncReport, Target};

use openledger_ai::{serve::ServeConfig, AdapterId};
use openledger_ai_primitives::{
	AiBackend, AiError, DueSettlement, EngineStatus, FileChunk, JobSpec, JobStatus, Ticket,
};
use polkadot_sdk::substrate_prometheus_endpoint::Registry as Prometheus;
use std::sync::OnceLock;

/// The default models directory: `$OPENLEDGER_MODELS`, else `~/.cache/openledger/models`
/// (where `scripts/setup` puts the embedded default model).
pub fn default_models_dir() -> PathBuf {
	openledger_ai::models_dir()
}

/// Log target of the AI service.
pub const LOG_TARGET: &str = "ai";

/// How the service runs.
#[derive(Clone, Debug)]
pub struct Config {
	/// Where base model files are looked for.
	pub models_dir: PathBuf,
	/// Where adapters are kept (under the node's base path).
	pub adapters_dir: PathBuf,
	/// Where a trainer keeps its jobs' training checkpoints (named by their SHA-256) until
	/// verification has picked the ones to upload.
	pub checkpoints_dir: PathBuf,
	/// Worker threads for jobs, and the compute threads of the engines.
	pub threads: u32,
	/// Memory budget of each engine's adapter cache, in MiB.
	pub cache_mib: u32,
	/// Memory budget of each engine's prompt-prefix cache, in MiB (0: off).
	pub prefix_cache_mib: u32,
	/// Jobs that may wait in the queue.
	pub queue: usize,
}

/// The running service.
pub struct AiService {
	registry: Arc<Registry>,
	jobs: Arc<jobs::Jobs>,
	metrics: metrics::Metrics,
	progress: Arc<progress::ProgressHub>,
	billing: Arc<OnceLock<Arc<billing::Billing>>>,
}

/// What offchain workers reach: the job queue, and the endpoint's metering once installed.
struct Backend {
	jobs: Arc<jobs::Jobs>,
	billing: Arc<OnceLock<Arc<billing::Billing>>>,
}

impl AiBackend for Backend {
	fn status(&self) -> std::result::Result<EngineStatus, AiError> {
		self.jobs.status()
	}
	fn start_job(&self, spec: JobSpec) -> std::result::Result<Ticket, AiError> {
		self.jobs.start_job(spec)
	}
	fn poll(&self, ticket: Ticket) -> std::result::Result<JobStatus, AiError> {
		self.jobs.poll(ticket)
	}
	fn file_chunk(
		&self,
		id: [u8; 32],
		index: u32,
		chunk_size: u32,
	) -> std::result::Result<FileChunk, AiError> {
		self.jobs.file_chunk(id, index, chunk_size)
	}
	fn due_settlements(
		&self,
		max_records: u32,
	) -> std::result::Result<Vec<DueSettlement>, AiError> {
		match self.billing.get() {
			Some(b) => Ok(b.due(max_records)),
			None => Err(AiError::Unavailable),
		}
	}
}

impl AiService {
	/// Starts the worker threads (no model is loaded until [`AiService::sync`]).
	pub fn start(config: &Config, prometheus: Option<&Prometheus>) -> Result<Arc<Self>> {
		let threads = config.threads.max(1);
		// The engines' kernels use rayon's global pool; size it once, before any model runs.
		// It fails only when something built it already, which then keeps its size.
		let _ = rayon::ThreadPoolBuilder::new().num_threads(threads as usize).build_global();
		let serve = ServeConfig {
			cache_budget_bytes: (config.cache_mib as usize) << 20,
			prefix_cache_bytes: (config.prefix_cache_mib as usize) << 20,
			..ServeConfig::default()
		};
		let registry = Arc::new(Registry::new(
			&config.models_dir,
			&config.adapters_dir,
			&config.checkpoints_dir,
			serve,
		)?);
		let metrics = metrics::Metrics::new(prometheus)?;
		let progress = Arc::new(progress::ProgressHub::default());
		let jobs = Arc::new(jobs::Jobs::start(
			registry.clone(),
			threads,
			config.queue,
			metrics.clone(),
			progress.clone(),
		)?);
		Ok(Arc::new(Self { registry, jobs, metrics, progress, billing: Arc::default() }))
	}

	/// The loaded models.
	pub fn registry(&self) -> &Arc<Registry> {
		&self.registry
	}

	/// The live progress of the fine-tunes this node trains.
	pub fn progress(&self) -> &Arc<progress::ProgressHub> {
		&self.progress
	}

	/// What offchain workers get, inside `AiExt`.
	pub fn backend(&self) -> Arc<dyn AiBackend> {
		Arc::new(Backend { jobs: self.jobs.clone(), billing: self.billing.clone() })
	}

	/// Installs the endpoint's metering of paid inference (once; later calls are ignored).
	pub fn set_billing(&self, billing: Arc<billing::Billing>) {
		let _ = self.billing.set(billing);
	}

	/// The endpoint's metering, once installed.
	pub fn billing(&self) -> Option<&Arc<billing::Billing>> {
		self.billing.get()
	}

	/// Loads and drops models to match the chain's active base models (blocking: hashing and
	/// loading a model take seconds), and logs what changed.
	pub fn sync(&self, chain: &[ChainModel]) -> Result<SyncReport> {
		let report = self.registry.sync(chain)?;
		for id in &report.loaded {
			if let Some(m) = self.registry.find(&id.to_string()) {
				log::info!(
					target: LOG_TARGET,
					"loaded base model {id} ({}) from {}",
					m.chain.name,
					m.path.display()
				);
			}
		}
		for id in &report.dropped {
			log::info!(target: LOG_TARGET, "dropped base model {id}: no longer active on chain");
		}
		for (path, why) in &report.failed {
			log::warn!(target: LOG_TARGET, "{} matches a registered model but failed to load: {why}", path.display());
		}
		self.metrics.models_loaded.set(self.registry.list().len() as u64);
		Ok(report)
	}

	/// Takes the chain's list of active adapters, and copies the files of newly registered
	/// ones that this node can serve from the offchain database into the adapter store
	/// (blocking: call it off the async executor). Returns the adapters that are ready.
	pub fn sync_adapters(&self, adapters: Vec<ChainAdapter>) -> Vec<ChainAdapter> {
		let fresh = self.registry.set_chain_adapters(adapters);
		let mut ready = Vec::new();
		for a in fresh {
			let Some(model) = self.registry.find_base(a.base) else { continue };
			if self.registry.ensure_adapter(&AdapterId(a.id), &model) {
				log::info!(
					target: LOG_TARGET,
					"serving model 0x{} (an adapter of base model {})",
					AdapterId(a.id),
					a.base
				);
				ready.push(a);
			} else {
				log::warn!(
					target: LOG_TARGET,
					"registered model 0x{}: its file is not in this node's offchain database yet; it is fetched again on its first request",
					AdapterId(a.id)
				);
			}
		}
		ready
	}

	/// Serves the OpenAI-compatible endpoint on `listener` (from [`http::bind`]) until dropped.
	pub async fn serve_http(
		self: Arc<Self>,
		listener: std::net::TcpListener,
		config: http::HttpConfig,
	) -> Result<()> {
		let billing = self.billing.get().cloned();
		http::serve(listener, self.registry.clone(), billing, self.metrics.clone(), config).await
	}

	/// Samples the engines' counters into the metrics every second, and logs one status line
	/// every `log_every` while there is AI work.
	pub async fn report(self: Arc<Self>, log_every: Duration) {
		let mut last = std::collections::BTreeMap::<u64, openledger_ai::serve::EngineStats>::new();
		let mut since_log = Duration::ZERO;
		let (mut window_tokens, mut window_steps, mut window_rows) = (0u64, 0u64, 0u64);
		let tick = Duration::from_secs(1);
		loop {
			tokio::time::sleep(tick).await;
			let (mut tokens, mut steps, mut rows) = (0u64, 0u64, 0u64);
			for m in self.registry.list() {
				let now = m.engine.stats();
				let before = last.insert(m.chain.id, now).unwrap_or_default();
				tokens += now.generated.saturating_sub(before.generated);
				steps += now.steps.saturating_sub(before.steps);
				rows += now.rows.saturating_sub(before.rows);
				let hits = now.cache.hits.saturating_sub(before.cache.hits);
				let misses = now.cache.misses.saturating_sub(before.cache.misses);
				self.metrics.adapter_cache.with_label_values(&["hit"]).inc_by(hits);
				self.metrics.adapter_cache.with_label_values(&["miss"]).inc_by(misses);
				self.metrics
					.prefix_reused_tokens
					.inc_by(now.prefix.reused_tokens.saturating_sub(before.prefix.reused_tokens));
			}
			self.metrics.generated_tokens.inc_by(tokens);
			self.metrics.tokens_per_second.set(tokens as f64 / tick.as_secs_f64());
			if steps > 0 {
				self.metrics.batch_rows.observe(rows as f64 / steps as f64);
			}
			window_tokens += tokens;
			window_steps += steps;
			window_rows += rows;
			since_log += tick;
			if since_log >= log_every {
				if window_steps > 0 {
					let status = self.jobs.status().unwrap_or_default();
					log::info!(
						target: LOG_TARGET,
						"🧠 {} model(s), {:.1} tokens/s, {:.1} rows/pass, jobs: {} queued, {} running",
						self.registry.list().len(),
						window_tokens as f64 / since_log.as_secs_f64(),
						window_rows as f64 / window_steps as f64,
						status.queued,
						status.running,
					);
				}
				(window_tokens, window_steps, window_rows) = (0, 0, 0);
				since_log = Duration::ZERO;
			}
		}
	}
}
