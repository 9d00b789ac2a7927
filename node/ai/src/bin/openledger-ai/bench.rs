//! Benchmarks of the engine on the real model, printed as JSON lines for `scripts/bench ai`,
//! which adds llama-cpp-python's figures and prints the table in `docs/ai-engine.md`.
//! Timings live here, never in tests.

use std::{sync::Arc, time::Instant};

use serde_json::json;

use openledger_ai::{
	error::Result,
	generate::{argmax, SamplingParams},
	lora::{LoraAdapter, LoraConfig, Target},
	model::{KvCache, Model, Step},
	serve::{AdapterStore, Engine, Request, ServeConfig},
	tokenizer::ChatMessage,
	train::{train, Example, TrainConfig},
};

fn median(mut v: Vec<f64>) -> f64 {
	v.sort_by(f64::total_cmp);
	v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Peak and current resident memory of this process, bytes (Linux `/proc/self/status`).
pub fn memory() -> (u64, u64) {
	let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
	let field = |name: &str| {
		status
			.lines()
			.find(|l| l.starts_with(name))
			.and_then(|l| l.split_whitespace().nth(1))
			.and_then(|v| v.parse::<u64>().ok())
			.map_or(0, |kb| kb * 1024)
	};
	(field("VmHWM:"), field("VmRSS:"))
}

/// The prompt used for speed figures (the same text is given to llama-cpp-python).
pub fn bench_prompt(model: &Model) -> Vec<u32> {
	let text = model.tokenizer.apply_chat_template(
		&[
			ChatMessage { role: "system".into(), content: "You are a helpful assistant.".into() },
			ChatMessage::user("What is the capital of France?"),
		],
		true,
	);
	model.tokenizer.encode_prompt(&text)
}

/// Prefill and greedy decode speed of the base model (median of `runs`).
pub fn base(model: &Model, decode_tokens: usize, runs: usize) -> Result<serde_json::Value> {
	let prompt = bench_prompt(model);
	let mut prefill = Vec::new();
	let mut decode = Vec::new();
	for _ in 0..runs.max(1) {
		let mut cache = KvCache::new(model);
		let t0 = Instant::now();
		let mut logits = model.forward_batch(&mut [Step {
			cache: &mut cache,
			tokens: &prompt,
			adapter: None,
		}])?;
		prefill.push(prompt.len() as f64 / t0.elapsed().as_secs_f64());
		let t1 = Instant::now();
		for _ in 0..decode_tokens {
			let tok = argmax(logits.first().map_or(&[][..], Vec::as_slice));
			logits = model.forward_batch(&mut [Step {
				cache: &mut cache,
				tokens: &[tok],
				adapter: None,
			}])?;
		}
		decode.push(decode_tokens as f64 / t1.elapsed().as_secs_f64());
	}
	Ok(json!({
		"bench": "base",
		"prompt_tokens": prompt.len(),
		"prompt_ids": prompt,
		"decode_tokens": decode_tokens,
		"prefill_tok_s": median(prefill),
		"decode_tok_s": median(decode),
		"threads": rayon::current_num_threads(),
	}))
}

fn adapter_config() -> LoraConfig {
	LoraConfig { rank: 8, alpha: 16.0, target_modules: vec![Target::Q, Target::V] }
}

/// Aggregate throughput of `requests` concurrent requests spread over `n` distinct adapters.
pub fn adapters(
	model: Arc<Model>,
	store_dir: &std::path::Path,
	counts: &[usize],
	requests: usize,
	new_tokens: usize,
) -> Result<Vec<serde_json::Value>> {
	let store = AdapterStore::open(store_dir)?;
	let max = counts.iter().copied().max().unwrap_or(1);
	let mut ids = Vec::new();
	for i in 0..max {
		let a = LoraAdapter::random(adapter_config(), &model.config, i as u64, 0.02)?;
		ids.push(store.put(&a, &model.config)?);
	}
	// A short raw prompt, so most of the work is decoding.
	let prompt = model.tokenizer.encode_prompt("Here is a short story about a colour:");
	let mut out = Vec::new();
	for &n in counts {
		let engine = Engine::start(model.clone(), store.clone(), ServeConfig::default());
		let t0 = Instant::now();
		let mut rxs = Vec::new();
		for r in 0..requests {
			let params =
				SamplingParams { max_tokens: new_tokens, ignore_stop: true, ..Default::default() };
			rxs.push(engine.submit(Request {
				prompt: prompt.clone(),
				adapter: ids.get(r % n).copied(),
				params,
			})?);
		}
		let mut generated = 0usize;
		let mut processed = 0usize;
		for mut rx in rxs {
			while let Some(ev) = rx.blocking_recv() {
				match ev {
					openledger_ai::serve::Event::Done(g) => {
						generated += g.tokens.len();
						processed += g.tokens.len() + g.prompt_tokens;
						break;
					}
					openledger_ai::serve::Event::Failed(e) => {
						return Err(openledger_ai::Error::InvalidRequest(format!(
							"request failed: {e}"
						)))
					}
					openledger_ai::serve::Event::Token { .. } => {}
				}
			}
		}
		let secs = t0.elapsed().as_secs_f64();
		let stats = engine.stats();
		out.push(json!({
			"bench": "adapters",
			"adapters": n,
			"requests": requests,
			"prompt_tokens": prompt.len(),
			"new_tokens": new_tokens,
			"generated": generated,
			"seconds": secs,
			"generated_tok_s": generated as f64 / secs,
			"tok_s": processed as f64 / secs,
			"max_adapters_in_pass": stats.max_adapters_in_pass,
			"cache_misses": stats.cache.misses,
		}));
	}
	Ok(out)
}

/// Cold-load latency (store to memory, hash checked) and resident memory per adapter.
pub fn cold_load(
	model: &Model,
	store_dir: &std::path::Path,
	n: usize,
) -> Result<serde_json::Value> {
	let store = AdapterStore::open(store_dir)?;
	let mut ids = Vec::new();
	for i in 0..n {
		let a = LoraAdapter::random(adapter_config(), &model.config, 10_000 + i as u64, 0.02)?;
		ids.push(store.put(&a, &model.config)?);
	}
	let (_, rss0) = memory();
	let mut lat = Vec::new();
	let mut held = Vec::new();
	for id in &ids {
		let t = Instant::now();
		held.push(store.load(id, &model.config)?);
		lat.push(t.elapsed().as_secs_f64() * 1e3);
	}
	let (_, rss1) = memory();
	let weights = held.first().map_or(0, LoraAdapter::memory_bytes);
	Ok(json!({
		"bench": "cold_load",
		"adapters": n,
		"rank": 8,
		"targets": "q_proj,v_proj",
		"load_ms_median": median(lat),
		"weight_bytes": weights,
		"rss_bytes_per_adapter": (rss1.saturating_sub(rss0)) as f64 / n.max(1) as f64,
	}))
}

/// Fine-tuning throughput and peak memory on a synthetic instruction corpus.
pub fn finetune(model: &Model, examples: usize, steps_epochs: usize) -> Result<serde_json::Value> {
	let corpus: Vec<Example> = (0..examples)
		.map(|i| Example::Instruction {
			prompt: format!("What is the code word of item {i}?"),
			response: format!(
				"The code word of item {i} is {}.",
				["amber", "birch", "cobalt", "dune"][i % 4]
			),
		})
		.collect();
	let cfg = TrainConfig {
		epochs: steps_epochs,
		batch_size: 4,
		max_seq_len: 64,
		eval_percent: 0,
		..Default::default()
	};
	let processed: usize = corpus
		.iter()
		.filter_map(|e| openledger_ai::train::encode_example(model, e, cfg.max_seq_len))
		.map(|e| e.input.len())
		.sum::<usize>()
		* cfg.epochs;
	let t0 = Instant::now();
	let (_, report) = train(model, &corpus, &cfg, |_| {})?;
	let secs = t0.elapsed().as_secs_f64();
	let (peak, _) = memory();
	Ok(json!({
		"bench": "finetune",
		"examples": examples,
		"epochs": cfg.epochs,
		"rank": cfg.rank,
		"targets": "q_proj,v_proj",
		"processed_tok_s": processed as f64 / secs,
		"loss_tok_s": report.tokens_per_sec,
		"peak_rss_bytes": peak,
	}))
}
