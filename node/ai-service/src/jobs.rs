//! The job queue behind the host functions: `start_job` queues (bounded) and returns a ticket at
//! once, a fixed pool of worker threads computes, `poll` reads the result. Nothing here runs on
//! the async executor.

use std::{
	collections::{BTreeMap, VecDeque},
	sync::{
		atomic::{AtomicU64, Ordering},
		mpsc, Arc, Mutex,
	},
};

use openledger_ai::{serve::Request, tokenizer::ChatMessage, AdapterId, SamplingParams};
use openledger_ai_primitives::{
	generation_commitment, AiBackend, AiError, EngineStatus, FileChunk, GenerateSpec, JobOutput,
	JobSpec, JobStatus, ReplaySpec, Ticket,
};
use openledger_primitives::Perbill;

use crate::{metrics::Metrics, progress::ProgressHub, registry::Registry, LOG_TARGET};

/// Longest prompt a job may carry, in bytes.
pub const MAX_JOB_PROMPT: usize = 64 * 1024;
/// Most tokens a generation job may ask for.
pub const MAX_JOB_TOKENS: u32 = 4096;
/// Finished results kept for polling; the oldest are forgotten beyond this.
const MAX_FINISHED: usize = 1024;

struct Table {
	status: BTreeMap<u64, JobStatus>,
	finished: VecDeque<u64>,
	queued: u32,
	running: u32,
}

/// The queue and its workers.
pub struct Jobs {
	tx: mpsc::SyncSender<(u64, JobSpec)>,
	table: Arc<Mutex<Table>>,
	next: AtomicU64,
	threads: u32,
	registry: Arc<Registry>,
}

impl Jobs {
	/// Starts `threads` workers over a queue of `capacity` jobs.
	pub fn start(
		registry: Arc<Registry>,
		threads: u32,
		capacity: usize,
		metrics: Metrics,
		hub: Arc<ProgressHub>,
	) -> crate::Result<Self> {
		let (tx, rx) = mpsc::sync_channel::<(u64, JobSpec)>(capacity);
		let rx = Arc::new(Mutex::new(rx));
		let table = Arc::new(Mutex::new(Table {
			status: BTreeMap::new(),
			finished: VecDeque::new(),
			queued: 0,
			running: 0,
		}));
		for i in 0..threads.max(1) {
			let (rx, table, registry, metrics, hub) =
				(rx.clone(), table.clone(), registry.clone(), metrics.clone(), hub.clone());
			std::thread::Builder::new()
				.name(format!("ai-job-{i}"))
				.spawn(move || worker(&rx, &table, &registry, &metrics, &hub))
				.map_err(crate::Error::Thread)?;
		}
		Ok(Self { tx, table, next: AtomicU64::new(1), threads: threads.max(1), registry })
	}

	fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
		self.table.lock().unwrap_or_else(|e| e.into_inner())
	}
}

fn worker(
	rx: &Mutex<mpsc::Receiver<(u64, JobSpec)>>,
	table: &Mutex<Table>,
	registry: &Registry,
	metrics: &Metrics,
	hub: &ProgressHub,
) {
	let lock = || table.lock().unwrap_or_else(|e| e.into_inner());
	loop {
		let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
		let Ok((id, spec)) = next else { return };
		{
			let mut t = lock();
			t.queued = t.queued.saturating_sub(1);
			t.running += 1;
			t.status.insert(id, JobStatus::Running { progress: Perbill::zero() });
			metrics.jobs_queued.set(t.queued.into());
			metrics.jobs_running.set(t.running.into());
		}
		let report = |progress| {
			lock().status.insert(id, JobStatus::Running { progress });
		};
		let result = run(&spec, registry, hub, report);
		let mut t = lock();
		t.running = t.running.saturating_sub(1);
		metrics.jobs_running.set(t.running.into());
		let outcome = match &result {
			Ok(_) => "done",
			Err(_) => "failed",
		};
		metrics.jobs_finished.with_label_values(&[outcome]).inc();
		if let Err(e) = &result {
			log::warn!(target: LOG_TARGET, "AI job {id} failed: {e:?}");
		}
		t.status.insert(id, result.map_or_else(JobStatus::Failed, JobStatus::Done));
		t.finished.push_back(id);
		while t.finished.len() > MAX_FINISHED {
			if let Some(old) = t.finished.pop_front() {
				t.status.remove(&old);
			}
		}
	}
}

/// The engine's sampling parameters for fixed-point ones.
pub fn sampling_params(s: &openledger_ai_primitives::Sampling) -> SamplingParams {
	SamplingParams {
		max_tokens: s.max_tokens as usize,
		temperature: s.temperature_milli as f32 / 1000.0,
		top_p: s.top_p.deconstruct() as f32 / 1_000_000_000.0,
		seed: s.seed,
		..SamplingParams::default()
	}
}

fn run(
	spec: &JobSpec,
	registry: &Registry,
	hub: &ProgressHub,
	progress: impl FnMut(Perbill),
) -> Result<JobOutput, AiError> {
	match spec {
		JobSpec::Generate(g) => generate(g, registry),
		JobSpec::FineTune(f) => {
			crate::fine_tune::run(f, registry, hub, progress).map(JobOutput::FineTuned)
		}
		JobSpec::Replay(r) => crate::replay::run(r, registry).map(JobOutput::Replayed),
	}
}

fn generate(g: &GenerateSpec, registry: &Registry) -> Result<JobOutput, AiError> {
	let model = registry.by_hash(&g.model).ok_or(AiError::Unavailable)?;
	let prompt = std::str::from_utf8(&g.prompt).map_err(|_| AiError::Invalid)?;
	let text = model.model.tokenizer.apply_chat_template(&[ChatMessage::user(prompt)], true);
	let ids = model.model.tokenizer.encode_prompt(&text);
	let request = Request {
		prompt: ids,
		adapter: g.adapter.map(AdapterId),
		params: sampling_params(&g.sampling),
	};
	let generation = model.engine.generate_blocking(request).map_err(|e| match e {
		openledger_ai::Error::InvalidRequest(_) => AiError::Invalid,
		_ => AiError::Failed,
	})?;
	Ok(JobOutput::Generated {
		commitment: generation_commitment(g, &generation.tokens),
		tokens: generation.tokens,
		text: generation.text.into_bytes(),
		prompt_tokens: generation.prompt_tokens as u32,
	})
}

fn check(g: &GenerateSpec) -> Result<(), AiError> {
	let s = &g.sampling;
	let valid = g.prompt.len() <= MAX_JOB_PROMPT
		&& std::str::from_utf8(&g.prompt).is_ok()
		&& s.max_tokens >= 1
		&& s.max_tokens <= MAX_JOB_TOKENS
		&& s.temperature_milli <= 2000
		&& s.top_p.deconstruct() > 0;
	if valid {
		Ok(())
	} else {
		Err(AiError::Invalid)
	}
}

impl AiBackend for Jobs {
	fn status(&self) -> Result<EngineStatus, AiError> {
		let mut models: Vec<_> =
			self.registry.list().iter().map(|m| m.chain.weights_hash).collect();
		models.sort_unstable();
		let t = self.lock();
		Ok(EngineStatus { models, queued: t.queued, running: t.running, threads: self.threads })
	}

	fn start_job(&self, spec: JobSpec) -> Result<Ticket, AiError> {
		match &spec {
			JobSpec::Generate(g) => {
				check(g)?;
				let Some(model) = self.registry.by_hash(&g.model) else {
					return Err(AiError::Unavailable);
				};
				if let Some(a) = g.adapter {
					if !self.registry.ensure_adapter(&AdapterId(a), &model) {
						return Err(AiError::Unavailable);
					}
				}
			}
			JobSpec::FineTune(f) | JobSpec::Replay(ReplaySpec { job: f, .. }) => {
				crate::fine_tune::check(f)?;
				if self.registry.by_hash(&f.model).is_none() {
					return Err(AiError::Unavailable);
				}
			}
		}
		let id = self.next.fetch_add(1, Ordering::Relaxed);
		let mut t = self.lock();
		match self.tx.try_send((id, spec)) {
			Ok(()) => {
				t.queued += 1;
				t.status.insert(id, JobStatus::Queued);
				Ok(Ticket(id))
			}
			Err(mpsc::TrySendError::Full(_)) => Err(AiError::Busy),
			Err(mpsc::TrySendError::Disconnected(_)) => Err(AiError::Unavailable),
		}
	}

	fn file_chunk(&self, id: [u8; 32], index: u32, chunk_size: u32) -> Result<FileChunk, AiError> {
		crate::fine_tune::file_chunk(&self.registry, &id, index, chunk_size)
	}

	fn poll(&self, ticket: Ticket) -> Result<JobStatus, AiError> {
		let mut t = self.lock();
		let status = t.status.get(&ticket.0).cloned().ok_or(AiError::Invalid)?;
		if matches!(status, JobStatus::Done(_) | JobStatus::Failed(_)) {
			t.status.remove(&ticket.0);
			t.finished.retain(|id| *id != ticket.0);
		}
		Ok(status)
	}
}
