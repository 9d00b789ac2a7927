//! The engine: a scheduler thread batching every in-flight request, each row with its own
//! adapter, and streaming tokens back over channels.

use std::{sync::mpsc, sync::Arc, sync::Mutex, thread::JoinHandle};

use serde::{Deserialize, Serialize};

use tokio::{
	sync::mpsc::unbounded_channel, sync::mpsc::UnboundedReceiver, sync::mpsc::UnboundedSender,
};

use crate::{
	error::Error, error::Result, generate::FinishReason, generate::Generation, generate::Sampler,
	generate::SamplingParams, lora::AdapterId, lora::LoraAdapter, model::KvCache, model::Model,
	model::Step, tokenizer::StreamDecoder,
};

use super::*;

/// Limits of the scheduler.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServeConfig {
	/// Most token rows in one forward pass (prefill chunks count every token).
	pub max_batch_tokens: usize,
	/// Most requests in flight; more wait in the queue.
	pub max_running: usize,
	/// Memory budget of the adapter cache.
	pub cache_budget_bytes: usize,
	/// Memory budget of the key/value prefix cache ([`PrefixCache`]; 0 turns it off).
	pub prefix_cache_bytes: usize,
}

impl Default for ServeConfig {
	fn default() -> Self {
		Self {
			max_batch_tokens: 256,
			max_running: 512,
			cache_budget_bytes: 2 << 30,
			prefix_cache_bytes: 256 << 20,
		}
	}
}

/// A generation request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
	/// Prompt token ids (build them with the tokenizer and its chat template).
	pub prompt: Vec<u32>,
	/// The adapter to run with (must be in the store); `None` for the bare base model.
	pub adapter: Option<AdapterId>,
	/// Sampling.
	pub params: SamplingParams,
}

/// What a request's channel receives.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
	/// A generated token and the text it completed (may be empty mid-character).
	Token {
		/// Token id.
		id: u32,
		/// Text completed by this token.
		text: String,
	},
	/// The request finished.
	Done(Generation),
	/// The request failed; nothing more follows.
	Failed(String),
}

/// Scheduler counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EngineStats {
	/// Forward passes run.
	pub steps: u64,
	/// Token rows processed (prompt and generated).
	pub rows: u64,
	/// Tokens generated.
	pub generated: u64,
	/// Largest number of distinct adapters in one pass.
	pub max_adapters_in_pass: usize,
	/// Adapter cache.
	pub cache: CacheStats,
	/// Key/value prefix cache.
	pub prefix: PrefixStats,
}

enum Command {
	Submit(Request, UnboundedSender<Event>),
	Shutdown,
}

struct Active {
	cache: KvCache,
	/// Tokens whose keys and values are in `cache`.
	fed: Vec<u32>,
	pending: Vec<u32>,
	prompt_len: usize,
	adapter: Option<Arc<LoraAdapter>>,
	sampler: Sampler,
	stops: Vec<u32>,
	max_tokens: usize,
	decoder: StreamDecoder,
	out: Vec<u32>,
	text: String,
	tx: UnboundedSender<Event>,
}

/// The OpenLoRA serving engine.
pub struct Engine {
	tx: mpsc::Sender<Command>,
	stats: Arc<Mutex<EngineStats>>,
	worker: Option<JoinHandle<()>>,
}

impl Engine {
	/// Starts the scheduler thread.
	pub fn start(model: Arc<Model>, store: AdapterStore, config: ServeConfig) -> Self {
		let (tx, rx) = mpsc::channel();
		let stats = Arc::new(Mutex::new(EngineStats::default()));
		let worker_stats = stats.clone();
		let worker = std::thread::Builder::new()
			.name("openlora-scheduler".into())
			.spawn(move || run(&model, &store, &config, &rx, &worker_stats))
			.ok();
		Self { tx, stats, worker }
	}

	/// Queues a request; tokens and the result arrive on the returned channel. Never blocks.
	pub fn submit(&self, request: Request) -> Result<UnboundedReceiver<Event>> {
		let (tx, rx) = unbounded_channel();
		self.tx.send(Command::Submit(request, tx)).map_err(|_| Error::EngineStopped)?;
		Ok(rx)
	}

	/// Submits and waits (asynchronously) for the whole generation.
	pub async fn generate(&self, request: Request) -> Result<Generation> {
		let mut rx = self.submit(request)?;
		while let Some(ev) = rx.recv().await {
			match ev {
				Event::Token { .. } => {}
				Event::Done(g) => return Ok(g),
				Event::Failed(e) => return Err(Error::InvalidRequest(e)),
			}
		}
		Err(Error::EngineStopped)
	}

	/// Submits and blocks the calling (non-async) thread until the generation finishes.
	pub fn generate_blocking(&self, request: Request) -> Result<Generation> {
		let mut rx = self.submit(request)?;
		while let Some(ev) = rx.blocking_recv() {
			match ev {
				Event::Token { .. } => {}
				Event::Done(g) => return Ok(g),
				Event::Failed(e) => return Err(Error::InvalidRequest(e)),
			}
		}
		Err(Error::EngineStopped)
	}

	/// Counters so far.
	pub fn stats(&self) -> EngineStats {
		self.stats.lock().map(|s| *s).unwrap_or_default()
	}
}

impl Drop for Engine {
	fn drop(&mut self) {
		let _ = self.tx.send(Command::Shutdown);
		if let Some(w) = self.worker.take() {
			let _ = w.join();
		}
	}
}

fn admit(
	model: &Model,
	store: &AdapterStore,
	cache: &mut AdapterCache,
	prefixes: &mut PrefixCache,
	req: Request,
	tx: UnboundedSender<Event>,
) -> Option<Active> {
	let fail = |tx: &UnboundedSender<Event>, e: Error| {
		let _ = tx.send(Event::Failed(e.to_string()));
		None
	};
	if req.prompt.is_empty() {
		return fail(&tx, Error::InvalidRequest("the prompt is empty".into()));
	}
	if let Some(bad) = req.prompt.iter().find(|t| **t as usize >= model.config.vocab_size) {
		return fail(
			&tx,
			Error::InvalidRequest(format!("token id {bad} is outside the vocabulary")),
		);
	}
	if req.prompt.len() >= model.config.max_position_embeddings {
		return fail(&tx, Error::InvalidRequest("the prompt fills the context window".into()));
	}
	let sampler = match Sampler::new(&req.params) {
		Ok(s) => s,
		Err(e) => return fail(&tx, e),
	};
	let adapter = match req.adapter.map(|id| cache.get(&id, store, &model.config)).transpose() {
		Ok(a) => a,
		Err(e) => return fail(&tx, e),
	};
	let prompt_len = req.prompt.len();
	let mut pending = req.prompt;
	let (kv, fed) = match prefixes.lookup(req.adapter, &pending) {
		Some((kv, n)) => (kv, pending.drain(..n).collect()),
		None => (KvCache::new(model), Vec::new()),
	};
	Some(Active {
		cache: kv,
		fed,
		prompt_len,
		pending,
		adapter,
		sampler,
		stops: if req.params.ignore_stop {
			Vec::new()
		} else {
			model.stop_tokens(&req.params.stop_tokens)
		},
		max_tokens: req.params.max_tokens,
		decoder: StreamDecoder::default(),
		out: Vec::new(),
		text: String::new(),
		tx,
	})
}

fn run(
	model: &Model,
	store: &AdapterStore,
	config: &ServeConfig,
	rx: &mpsc::Receiver<Command>,
	stats: &Mutex<EngineStats>,
) {
	let mut cache = AdapterCache::new(config.cache_budget_bytes);
	let mut prefixes = PrefixCache::new(config.prefix_cache_bytes);
	let mut active: Vec<Active> = Vec::new();
	let mut queue: std::collections::VecDeque<(Request, UnboundedSender<Event>)> =
		Default::default();
	let max_tokens = config.max_batch_tokens.max(1);
	loop {
		// Take in new commands: block when idle, poll otherwise.
		let mut shutdown = false;
		if active.is_empty() && queue.is_empty() {
			match rx.recv() {
				Ok(Command::Submit(r, t)) => queue.push_back((r, t)),
				Ok(Command::Shutdown) | Err(_) => shutdown = true,
			}
		}
		while let Ok(cmd) = rx.try_recv() {
			match cmd {
				Command::Submit(r, t) => queue.push_back((r, t)),
				Command::Shutdown => shutdown = true,
			}
		}
		if shutdown {
			for a in &active {
				let _ = a.tx.send(Event::Failed(Error::EngineStopped.to_string()));
			}
			for (_, t) in &queue {
				let _ = t.send(Event::Failed(Error::EngineStopped.to_string()));
			}
			return;
		}
		while active.len() < config.max_running.max(1) {
			let Some((req, tx)) = queue.pop_front() else { break };
			if let Some(a) = admit(model, store, &mut cache, &mut prefixes, req, tx) {
				active.push(a);
			}
		}
		// Drop requests whose receiver went away.
		active.retain(|a| !a.tx.is_closed());
		if active.is_empty() {
			continue;
		}
		// Build one pass: decode rows first (one token each), then prompt chunks, within budget.
		let mut budget = max_tokens;
		let mut take: Vec<usize> = vec![0; active.len()];
		for (i, a) in active.iter().enumerate() {
			if a.pending.len() == 1 && budget > 0 {
				take[i] = 1;
				budget -= 1;
			}
		}
		for (i, a) in active.iter().enumerate() {
			if a.pending.len() > 1 && budget > 0 {
				let n = a.pending.len().min(budget);
				take[i] = n;
				budget -= n;
			}
		}
		let mut distinct: Vec<AdapterId> = Vec::new();
		let result = {
			let mut steps: Vec<Step<'_>> = Vec::new();
			for (a, n) in active.iter_mut().zip(&take) {
				if *n == 0 {
					continue;
				}
				if let Some(ad) = &a.adapter {
					if !distinct.contains(&ad.id()) {
						distinct.push(ad.id());
					}
				}
				steps.push(Step {
					cache: &mut a.cache,
					tokens: &a.pending[..*n],
					adapter: a.adapter.as_deref(),
				});
			}
			model.forward_batch(&mut steps)
		};
		let rows: usize = take.iter().sum();
		let logits = match result {
			Ok(l) => l,
			Err(e) => {
				for a in &active {
					let _ = a.tx.send(Event::Failed(e.to_string()));
				}
				active.clear();
				continue;
			}
		};
		let mut logits = logits.into_iter();
		let mut generated = 0u64;
		let mut finished = vec![false; active.len()];
		for ((i, a), n) in active.iter_mut().enumerate().zip(&take) {
			if *n == 0 {
				continue;
			}
			let Some(l) = logits.next() else { break };
			a.fed.extend(a.pending.drain(..*n));
			if !a.pending.is_empty() {
				continue; // prompt not fully read yet
			}
			let adapter_id = a.adapter.as_ref().map(|ad| ad.id());
			if a.out.is_empty() {
				// The prompt has just been read: keep it for requests that start the same way.
				prefixes.insert(adapter_id, &a.fed, &a.cache);
			}
			let tok = a.sampler.sample(&l);
			let finish = if a.stops.contains(&tok) {
				Some(FinishReason::Stop)
			} else {
				a.out.push(tok);
				generated += 1;
				let piece = a.decoder.push(&model.tokenizer, tok);
				a.text.push_str(&piece);
				let _ = a.tx.send(Event::Token { id: tok, text: piece });
				if a.out.len() >= a.max_tokens {
					Some(FinishReason::Length)
				} else if a.cache.len() + 1 > model.config.max_position_embeddings {
					Some(FinishReason::ContextFull)
				} else {
					a.pending.push(tok);
					None
				}
			};
			if let Some(finish) = finish {
				prefixes.insert(adapter_id, &a.fed, &a.cache);
				let tail = a.decoder.finish();
				a.text.push_str(&tail);
				let g = Generation {
					text: std::mem::take(&mut a.text),
					tokens: std::mem::take(&mut a.out),
					prompt_tokens: a.prompt_len,
					finish,
				};
				let _ = a.tx.send(Event::Done(g));
				finished[i] = true;
			}
		}
		let mut idx = 0;
		active.retain(|_| {
			let keep = !finished[idx];
			idx += 1;
			keep
		});
		if let Ok(mut s) = stats.lock() {
			s.steps += 1;
			s.rows += rows as u64;
			s.generated += generated;
			s.max_adapters_in_pass = s.max_adapters_in_pass.max(distinct.len());
			s.cache = cache.stats();
			s.prefix = prefixes.stats();
		}
	}
}
