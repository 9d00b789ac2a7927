//! Engine behaviour on tiny randomly initialised models: LoRA maths, batching across
//! adapters, PEFT files, the adapter store and cache, the prefix cache, sampling, and bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::{collections::BTreeMap, sync::Arc};

use openledger_ai::{
	generate::Sampler,
	serve::{AdapterCache, AdapterStore, Engine, Event, PrefixCache, Request, ServeConfig},
	Error, KvCache, LlamaConfig, LoraAdapter, LoraConfig, Model, SamplingParams, Step, Target,
};

fn model(quantized: bool) -> Model {
	Model::tiny_random(LlamaConfig::tiny(), 42, quantized).unwrap()
}

fn adapter(m: &Model, seed: u64, targets: &[Target]) -> LoraAdapter {
	let cfg = LoraConfig { rank: 4, alpha: 8.0, target_modules: targets.to_vec() };
	LoraAdapter::random(cfg, &m.config, seed, 0.2).unwrap()
}

fn ids(s: &str) -> Vec<u32> {
	s.bytes().map(u32::from).collect()
}

fn close(a: &[f32], b: &[f32], tol: f32) {
	assert_eq!(a.len(), b.len());
	for (x, y) in a.iter().zip(b) {
		assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{x} vs {y}");
	}
}

#[test]
fn unmerged_lora_equals_merged_weights() {
	let m = model(false);
	let a = adapter(&m, 1, &Target::ALL);
	let prompt = ids("The quick brown fox");
	let base = m.forward_tokens(&prompt, None).unwrap();
	let unmerged = m.forward_tokens(&prompt, Some(&a)).unwrap();
	let merged = m.merged(&a).unwrap().forward_tokens(&prompt, None).unwrap();
	close(&unmerged, &merged, 1e-4);
	// And the adapter really changes the output.
	let diff: f32 = base.iter().zip(&unmerged).map(|(x, y)| (x - y).abs()).sum();
	assert!(diff > 1.0, "adapter had no effect ({diff})");
}

#[test]
fn lora_on_a_quantised_base_equals_merged_dense_reference() {
	// The quantised base with an unmerged adapter against the dequantised base with the
	// adapter merged: the same maths, only activation rounding differs.
	let m = model(true);
	let a = adapter(&m, 2, &[Target::Q, Target::V, Target::Down]);
	let prompt = ids("quantised");
	let ours = m.forward_tokens(&prompt, Some(&a)).unwrap();
	let merged = m.merged(&a).unwrap().forward_tokens(&prompt, None).unwrap();
	let argmax = |v: &[f32]| openledger_ai::generate::argmax(v);
	assert_eq!(argmax(&ours), argmax(&merged));
	close(&ours, &merged, 0.1);
}

#[test]
fn batching_across_adapters_equals_one_by_one() {
	for quantized in [false, true] {
		let m = model(quantized);
		let adapters: Vec<LoraAdapter> =
			(0..3).map(|i| adapter(&m, 10 + i, &[Target::Q, Target::K, Target::Up])).collect();
		let prompts =
			[ids("first prompt"), ids("second, longer prompt here"), ids("3"), ids("none")];
		let which: [Option<&LoraAdapter>; 4] =
			[Some(&adapters[0]), Some(&adapters[1]), Some(&adapters[2]), None];
		// One by one, then a decode step each.
		let mut alone = Vec::new();
		for (p, a) in prompts.iter().zip(which) {
			let mut c = KvCache::new(&m);
			let l1 = m.forward_batch(&mut [Step { cache: &mut c, tokens: p, adapter: a }]).unwrap();
			let l2 =
				m.forward_batch(&mut [Step { cache: &mut c, tokens: &[65], adapter: a }]).unwrap();
			alone.push((l1[0].clone(), l2[0].clone()));
		}
		// All together: prefill of four sequences in one pass, then one decode pass.
		let mut caches: Vec<KvCache> = (0..4).map(|_| KvCache::new(&m)).collect();
		let mut steps: Vec<Step<'_>> = caches
			.iter_mut()
			.zip(prompts.iter().zip(which))
			.map(|(c, (p, a))| Step { cache: c, tokens: p, adapter: a })
			.collect();
		let first = m.forward_batch(&mut steps).unwrap();
		let mut steps: Vec<Step<'_>> = caches
			.iter_mut()
			.zip(which)
			.map(|(c, a)| Step { cache: c, tokens: &[65], adapter: a })
			.collect();
		let second = m.forward_batch(&mut steps).unwrap();
		for i in 0..4 {
			close(&first[i], &alone[i].0, 1e-5);
			close(&second[i], &alone[i].1, 1e-5);
		}
	}
}

#[test]
fn peft_files_round_trip_and_ids_are_content_hashes() {
	let m = model(false);
	let a = adapter(&m, 3, &[Target::Q, Target::K, Target::V, Target::O]);
	let dir = tempfile::tempdir().unwrap();
	a.save_peft(dir.path(), &m.config, "tiny").unwrap();
	let cfg: serde_json::Value = serde_json::from_str(
		&std::fs::read_to_string(dir.path().join("adapter_config.json")).unwrap(),
	)
	.unwrap();
	assert_eq!(cfg["r"], 4);
	assert_eq!(cfg["peft_type"], "LORA");
	let back = LoraAdapter::load(dir.path(), &m.config).unwrap();
	assert_eq!(back.id(), a.id());
	assert_eq!(back.layers, a.layers, "q/k rows come back in engine order");
	// Serialising twice gives the same bytes, and the id is their SHA-256.
	let b1 = a.to_safetensors(&m.config).unwrap();
	assert_eq!(b1, a.to_safetensors(&m.config).unwrap());
	use sha2::Digest;
	assert_eq!(a.id().0, <[u8; 32]>::from(sha2::Sha256::digest(&b1)));
	// A PEFT file without our metadata loads through adapter_config.json.
	let st = safetensors::SafeTensors::deserialize(&b1).unwrap();
	let plain = safetensors::serialize(st.tensors(), None).unwrap();
	let peft_dir = tempfile::tempdir().unwrap();
	std::fs::write(peft_dir.path().join("adapter_model.safetensors"), plain).unwrap();
	std::fs::copy(
		dir.path().join("adapter_config.json"),
		peft_dir.path().join("adapter_config.json"),
	)
	.unwrap();
	let foreign = LoraAdapter::load(peft_dir.path(), &m.config).unwrap();
	assert_eq!(foreign.id(), a.id(), "canonical form is independent of where it came from");
}

#[test]
fn hugging_face_row_order_is_what_peft_sees() {
	// In the file, q_proj's lora_B rows are in Hugging Face order: within each head the
	// first half are the even (GGUF) rows.
	let m = model(false);
	let a = adapter(&m, 4, &[Target::Q]);
	let bytes = a.to_safetensors(&m.config).unwrap();
	let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
	let b = st.tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").unwrap();
	let file: Vec<f32> =
		b.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
	let engine = &a.layers[0][&Target::Q].b;
	let (hd, r) = (m.config.head_dim(), 4);
	// HF row h*hd + c*hd/2 + i  <->  GGUF row h*hd + 2i + c
	let (h, i, c) = (1, 3, 1);
	let hf = h * hd + c * hd / 2 + i;
	let gg = h * hd + 2 * i + c;
	assert_eq!(&file[hf * r..(hf + 1) * r], &engine[gg * r..(gg + 1) * r]);
}

#[test]
fn malformed_adapters_are_refused() {
	let m = model(false);
	let dir = tempfile::tempdir().unwrap();
	// Missing file.
	assert!(matches!(
		LoraAdapter::load(&dir.path().join("nope"), &m.config),
		Err(Error::Io { .. })
	));
	// Not safetensors.
	let junk = dir.path().join("junk.safetensors");
	std::fs::write(&junk, b"definitely not safetensors").unwrap();
	assert!(LoraAdapter::load(&junk, &m.config).is_err());
	// Built for another model shape.
	let mut other = LlamaConfig::tiny();
	other.hidden_size = 128;
	other.num_attention_heads = 4;
	let big = Model::tiny_random(other, 1, false).unwrap();
	let a = adapter(&big, 1, &[Target::Q]);
	let bytes = a.to_safetensors(&big.config).unwrap();
	assert!(matches!(LoraAdapter::from_bytes(&bytes, None, &m.config), Err(Error::BadAdapter(_))));
	// Invalid configs.
	let bad = LoraConfig { rank: 0, alpha: 1.0, target_modules: vec![Target::Q] };
	assert!(LoraAdapter::new(bad, vec![BTreeMap::new(); 2], &m.config).is_err());
	let json = r#"{"r": 4, "lora_alpha": 8, "target_modules": ["wq"]}"#;
	let bytes = adapter(&m, 1, &[Target::Q]).to_safetensors(&m.config).unwrap();
	let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
	let plain = safetensors::serialize(st.tensors(), None).unwrap();
	assert!(matches!(
		LoraAdapter::from_bytes(&plain, Some(json), &m.config),
		Err(Error::BadAdapter(_))
	));
}

#[test]
fn store_checks_hashes_and_cache_respects_its_budget() {
	let m = model(false);
	let dir = tempfile::tempdir().unwrap();
	let store = AdapterStore::open(dir.path()).unwrap();
	let adapters: Vec<LoraAdapter> = (0..4).map(|i| adapter(&m, 20 + i, &[Target::V])).collect();
	for a in &adapters {
		assert_eq!(store.put(a, &m.config).unwrap(), a.id());
	}
	assert_eq!(store.list().unwrap().len(), 4);
	let size = adapters[0].memory_bytes();
	let mut cache = AdapterCache::new(size * 2);
	for a in &adapters {
		assert_eq!(cache.get(&a.id(), &store, &m.config).unwrap().id(), a.id());
	}
	let s = cache.stats();
	assert_eq!((s.resident, s.misses, s.evictions), (2, 4, 2));
	assert!(s.resident_bytes <= size * 2);
	// Most recently used stay: 2 and 3 are hits.
	cache.get(&adapters[3].id(), &store, &m.config).unwrap();
	assert_eq!(cache.stats().hits, 1);
	// Tampering is detected.
	let victim = adapters[0].id();
	let path = dir.path().join(format!("{victim}.safetensors"));
	let mut bytes = std::fs::read(&path).unwrap();
	let last = bytes.len() - 1;
	bytes[last] ^= 1;
	std::fs::write(&path, bytes).unwrap();
	assert!(matches!(store.load(&victim, &m.config), Err(Error::BadAdapter(_))));
	// Unknown ids and too-small budgets are clear errors.
	let unknown = "ab".repeat(32).parse().unwrap();
	assert!(matches!(store.load(&unknown, &m.config), Err(Error::InvalidRequest(_))));
	let mut tiny_cache = AdapterCache::new(10);
	assert!(matches!(
		tiny_cache.get(&adapters[1].id(), &store, &m.config),
		Err(Error::InvalidRequest(_))
	));
	assert!("xyz".parse::<openledger_ai::AdapterId>().is_err());
}

#[test]
fn sampling_is_seeded_and_validated() {
	let logits: Vec<f32> = (0..50).map(|i| ((i * 37 % 11) as f32) / 3.0).collect();
	let params = SamplingParams { temperature: 0.8, top_p: 0.9, seed: 5, ..Default::default() };
	let run = |p: &SamplingParams| {
		let mut s = Sampler::new(p).unwrap();
		(0..20).map(|_| s.sample(&logits)).collect::<Vec<_>>()
	};
	assert_eq!(run(&params), run(&params));
	assert_ne!(run(&params), run(&SamplingParams { seed: 6, ..params.clone() }));
	// top_p tiny keeps only the best token.
	let only_best = run(&SamplingParams { top_p: 1e-6, ..params.clone() });
	assert!(only_best.iter().all(|t| *t == openledger_ai::generate::argmax(&logits)));
	for bad in [
		SamplingParams { temperature: -1.0, ..Default::default() },
		SamplingParams { temperature: f32::NAN, ..Default::default() },
		SamplingParams { top_p: 0.0, ..Default::default() },
		SamplingParams { top_p: 1.5, ..Default::default() },
		SamplingParams { max_tokens: 0, ..Default::default() },
	] {
		assert!(matches!(Sampler::new(&bad), Err(Error::InvalidRequest(_))));
	}
}

#[test]
fn bad_requests_are_refused_without_touching_state() {
	let m = model(false);
	let mut c = KvCache::new(&m);
	let too_big = vec![1u32; m.config.max_position_embeddings + 1];
	for tokens in [vec![], vec![100_000], too_big] {
		let r = m.forward_batch(&mut [Step { cache: &mut c, tokens: &tokens, adapter: None }]);
		assert!(matches!(r, Err(Error::InvalidRequest(_))));
		assert!(c.is_empty());
	}
	assert!(matches!(
		m.generate(&[], None, &SamplingParams::default(), |_| true),
		Err(Error::InvalidRequest(_))
	));
}

#[test]
fn generation_streams_and_stops() {
	let m = model(true);
	let prompt = ids("stream me");
	let mut pieces = String::new();
	let g = m
		.generate(
			&prompt,
			None,
			&SamplingParams { max_tokens: 12, ignore_stop: true, ..Default::default() },
			|p| {
				pieces.push_str(p);
				true
			},
		)
		.unwrap();
	assert_eq!(g.tokens.len(), 12);
	assert_eq!(g.finish, openledger_ai::FinishReason::Length);
	assert_eq!(pieces, g.text);
	// Cancelling from the callback.
	let g = m
		.generate(
			&prompt,
			None,
			&SamplingParams { max_tokens: 12, ignore_stop: true, ..Default::default() },
			|_| false,
		)
		.unwrap();
	assert_eq!(g.finish, openledger_ai::FinishReason::Cancelled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serving_engine_batches_requests_across_adapters() {
	let m = Arc::new(model(true));
	let dir = tempfile::tempdir().unwrap();
	let store = AdapterStore::open(dir.path()).unwrap();
	let adapters: Vec<LoraAdapter> =
		(0..5).map(|i| adapter(&m, 30 + i, &[Target::Q, Target::V])).collect();
	for a in &adapters {
		store.put(a, &m.config).unwrap();
	}
	let engine = Engine::start(m.clone(), store, ServeConfig::default());
	let params = SamplingParams { max_tokens: 6, ignore_stop: true, ..Default::default() };
	let mut rxs = Vec::new();
	for (i, a) in adapters.iter().enumerate() {
		let prompt = ids(&format!("request number {i}"));
		let req = Request { prompt: prompt.clone(), adapter: Some(a.id()), params: params.clone() };
		rxs.push((engine.submit(req).unwrap(), prompt, a.clone()));
	}
	for (mut rx, prompt, a) in rxs {
		let mut streamed = Vec::new();
		let done = loop {
			match rx.recv().await.unwrap() {
				Event::Token { id, .. } => streamed.push(id),
				Event::Done(g) => break g,
				Event::Failed(e) => panic!("{e}"),
			}
		};
		assert_eq!(streamed, done.tokens);
		// Same tokens as running that request alone with its adapter.
		let alone = m.generate(&prompt, Some(&a), &params, |_| true).unwrap();
		assert_eq!(done.tokens, alone.tokens);
	}
	let stats = engine.stats();
	assert!(stats.max_adapters_in_pass >= 2, "requests were not batched: {stats:?}");
	// Errors come back on the request's channel; the engine keeps serving.
	let unknown = Request {
		prompt: ids("x"),
		adapter: Some("cd".repeat(32).parse().unwrap()),
		params: params.clone(),
	};
	assert!(engine.generate(unknown).await.is_err());
	let empty = Request { prompt: vec![], adapter: None, params: params.clone() };
	assert!(engine.generate(empty).await.is_err());
	let ok = Request { prompt: ids("still alive"), adapter: None, params };
	assert_eq!(engine.generate(ok).await.unwrap().tokens.len(), 6);
}

#[test]
fn a_cached_prefix_gives_the_same_logits_as_a_fresh_prefill() {
	let m = model(true);
	let a = adapter(&m, 7, &[Target::Q, Target::K, Target::V]);
	let long = ids("the same system prompt, then a question");
	for ad in [None, Some(&a)] {
		let mut full = KvCache::new(&m);
		m.forward_batch(&mut [Step { cache: &mut full, tokens: &long, adapter: ad }]).unwrap();
		for n in [1, 9, long.len() - 1] {
			let mut reused = full.prefix(n);
			assert_eq!(reused.len(), n);
			let rest = &long[n..];
			let from_prefix = m
				.forward_batch(&mut [Step { cache: &mut reused, tokens: rest, adapter: ad }])
				.unwrap();
			// Bit-identical to prefilling the whole prompt at once.
			assert_eq!(from_prefix[0], m.forward_tokens(&long, ad).unwrap());
		}
	}
}

#[test]
fn prefix_cache_reuses_the_longest_match_within_its_budget() {
	let m = model(true);
	let a = adapter(&m, 8, &[Target::Q, Target::V]);
	let run = |tokens: &[u32], ad: Option<&LoraAdapter>| {
		let mut c = KvCache::new(&m);
		m.forward_batch(&mut [Step { cache: &mut c, tokens, adapter: ad }]).unwrap();
		c
	};
	let sys = ids("system: be brief. user: ");
	let first = [sys.clone(), ids("hello")].concat();
	let mut pc = PrefixCache::new(64 << 20);
	assert!(pc.lookup(None, &first).is_none(), "empty cache");
	pc.insert(None, &first, &run(&first, None));
	// A prompt equal to a cached sequence reuses all but its last token.
	let (c, n) = pc.lookup(None, &first).unwrap();
	assert_eq!((n, c.len()), (first.len() - 1, first.len() - 1));
	// A prompt sharing the system prompt reuses exactly the shared part.
	let second = [sys.clone(), ids("how are you")].concat();
	assert_eq!(pc.lookup(None, &second).unwrap().1, sys.len() + 1); // "h" is shared too
																 // Keys and values depend on the adapter: nothing is shared across adapters.
	assert!(pc.lookup(Some(a.id()), &second).is_none());
	// A longer sequence that starts with a cached one replaces it.
	let longer = [first.clone(), ids(" there")].concat();
	pc.insert(None, &longer, &run(&longer, None));
	assert_eq!(pc.stats().entries, 1);
	// A sequence covered by a cached one adds nothing.
	pc.insert(None, &first, &run(&first, None));
	assert_eq!(pc.stats().entries, 1);
	pc.insert(Some(a.id()), &second, &run(&second, Some(&a)));
	assert_eq!(pc.stats().entries, 2);
	let stats = pc.stats();
	assert_eq!(stats.lookups, 4);
	assert_eq!(stats.hits, 2);
	assert_eq!(stats.reused_tokens, (first.len() - 1 + sys.len() + 1) as u64);
	// The budget holds: room for about one sequence keeps only the most recent one.
	let one = stats.bytes / 2 + stats.bytes / 4;
	let mut small = PrefixCache::new(one);
	small.insert(None, &first, &run(&first, None));
	small.insert(None, &second, &run(&second, None));
	assert_eq!(small.stats().entries, 1);
	assert!(small.stats().bytes <= one);
	assert_eq!(small.lookup(None, &second).unwrap().1, second.len() - 1);
	// A mismatched cache is refused, and a zero budget turns the cache off.
	small.insert(None, &ids("abc"), &run(&ids("ab"), None));
	assert_eq!(small.stats().entries, 1);
	let mut off = PrefixCache::new(0);
	off.insert(None, &first, &run(&first, None));
	assert!(off.lookup(None, &first).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_reuses_shared_prefixes_and_answers_the_same() {
	let m = Arc::new(model(true));
	let dir = tempfile::tempdir().unwrap();
	let store = AdapterStore::open(dir.path()).unwrap();
	let a = adapter(&m, 9, &[Target::Q, Target::V]);
	store.put(&a, &m.config).unwrap();
	let engine = Engine::start(m.clone(), store, ServeConfig::default());
	let params = SamplingParams { max_tokens: 5, ignore_stop: true, ..Default::default() };
	let ask = |text: &str, ad: Option<&LoraAdapter>| Request {
		prompt: ids(text),
		adapter: ad.map(LoraAdapter::id),
		params: params.clone(),
	};
	let first = engine.generate(ask("shared preamble; question one", None)).await.unwrap();
	assert_eq!(engine.stats().prefix.hits, 0);
	let second = engine.generate(ask("shared preamble; question two", None)).await.unwrap();
	let stats = engine.stats().prefix;
	assert_eq!(stats.hits, 1);
	assert_eq!(stats.reused_tokens, "shared preamble; question ".len() as u64);
	// Same tokens as a fresh run.
	for (g, text) in
		[(first, "shared preamble; question one"), (second, "shared preamble; question two")]
	{
		assert_eq!(g.tokens, m.generate(&ids(text), None, &params, |_| true).unwrap().tokens);
		assert_eq!(g.prompt_tokens, text.len());
	}
	// With an adapter, the base model's cached prefix is not used.
	let with = engine.generate(ask("shared preamble; question two", Some(&a))).await.unwrap();
	assert_eq!(engine.stats().prefix.hits, 1);
	let alone = m.generate(&ids("shared preamble; question two"), Some(&a), &params, |_| true);
	assert_eq!(with.tokens, alone.unwrap().tokens);
	// Turned off, nothing is reused.
	let store = AdapterStore::open(dir.path()).unwrap();
	let off = Engine::start(
		m.clone(),
		store,
		ServeConfig { prefix_cache_bytes: 0, ..ServeConfig::default() },
	);
	off.generate(ask("shared preamble; question one", None)).await.unwrap();
	off.generate(ask("shared preamble; question one", None)).await.unwrap();
	assert_eq!(off.stats().prefix.hits, 0);
}
