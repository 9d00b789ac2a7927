//! The AI service over the real default model (put in place by `scripts/setup`): the registry
//! loads a registered file only when its hash matches, the host functions' backend answers
//! jobs through the engine (start → ticket → poll), and its answers match the engine's own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::{sync::Arc, time::Duration};

use openledger_ai::{ChatMessage, Model, SamplingParams};
use openledger_ai_primitives::{
	generation_commitment, AiBackend, AiError, AiExt, GenerateSpec, JobOutput, JobSpec, JobStatus,
	Sampling,
};
use openledger_ai_service::{registry::parse_hash, AiService, ChainModel, Config};

fn default_hash() -> [u8; 32] {
	parse_hash(openledger_ai::DEFAULT_MODEL_SHA256).unwrap()
}

fn registered(id: u64, hash: [u8; 32]) -> ChainModel {
	ChainModel {
		id,
		weights_hash: hash,
		name: "SmolLM2-135M-Instruct Q4_1".into(),
		context_length: 8192,
	}
}

fn service() -> Arc<AiService> {
	let adapters = tempfile::tempdir().unwrap();
	let config = Config {
		models_dir: openledger_ai::models_dir(),
		adapters_dir: adapters.path().join("adapters"),
		checkpoints_dir: adapters.keep().join("checkpoints"),
		threads: 2,
		cache_mib: 64,
		prefix_cache_mib: 64,
		queue: 4,
	};
	AiService::start(&config, None).unwrap()
}

fn wait(backend: &dyn AiBackend, ticket: openledger_ai_primitives::Ticket) -> JobStatus {
	for _ in 0..2400 {
		match backend.poll(ticket).unwrap() {
			JobStatus::Queued | JobStatus::Running { .. } => {
				std::thread::sleep(Duration::from_millis(50))
			}
			done => return done,
		}
	}
	panic!("the job did not finish in 120 s")
}

#[test]
fn loads_only_registered_files_and_answers_jobs_like_the_engine() {
	let svc = service();
	let backend = svc.backend();
	// Nothing registered: nothing loaded, every job unavailable.
	assert_eq!(svc.sync(&[]).unwrap().loaded, Vec::<u64>::new());
	assert_eq!(backend.status().unwrap().models, Vec::<[u8; 32]>::new());
	// A registered hash no file has: reported missing.
	let report = svc.sync(&[registered(5, [1; 32])]).unwrap();
	assert_eq!(report.missing, vec![5]);
	// The real hash: loaded, and served under id and alias.
	let report = svc.sync(&[registered(0, default_hash())]).unwrap();
	assert_eq!(report.loaded, vec![0]);
	assert_eq!(backend.status().unwrap().models, vec![default_hash()]);
	assert!(svc.registry().find("0").is_some());
	assert!(svc.registry().find("smollm2-135m-instruct-q4-1").is_some());

	let prompt = "What is the capital of Germany?";
	let spec = GenerateSpec {
		model: default_hash(),
		adapter: None,
		prompt: prompt.as_bytes().to_vec(),
		sampling: Sampling::greedy(12),
	};
	let ticket = backend.start_job(JobSpec::Generate(spec.clone())).unwrap();
	let JobStatus::Done(JobOutput::Generated { tokens, text, prompt_tokens, commitment }) =
		wait(&*backend, ticket)
	else {
		panic!("the job failed")
	};
	// the same tokens as the engine's own single-request generation
	let m =
		Model::load_gguf(&openledger_ai::default_model_path(), &candle_core::Device::Cpu).unwrap();
	let ids = m
		.tokenizer
		.encode_prompt(&m.tokenizer.apply_chat_template(&[ChatMessage::user(prompt)], true));
	let reference = m.generate(&ids, None, &SamplingParams::greedy(12), |_| true).unwrap();
	assert_eq!(tokens, reference.tokens);
	assert_eq!(String::from_utf8(text).unwrap(), reference.text);
	assert_eq!(prompt_tokens as usize, ids.len());
	assert_eq!(commitment, generation_commitment(&spec, &tokens));
	// a finished ticket is forgotten once read
	assert_eq!(backend.poll(ticket), Err(AiError::Invalid));

	// bad jobs are refused at once
	let bad = |f: fn(&mut GenerateSpec)| {
		let mut s = spec.clone();
		f(&mut s);
		backend.start_job(JobSpec::Generate(s))
	};
	assert_eq!(bad(|s| s.model = [2; 32]), Err(AiError::Unavailable));
	assert_eq!(bad(|s| s.adapter = Some([3; 32])), Err(AiError::Unavailable));
	assert_eq!(bad(|s| s.prompt = vec![0xff, 0xfe]), Err(AiError::Invalid));
	assert_eq!(bad(|s| s.sampling.max_tokens = 0), Err(AiError::Invalid));
	assert_eq!(bad(|s| s.sampling.temperature_milli = 5000), Err(AiError::Invalid));

	// the host functions reach the same backend through the extension
	let mut ext = polkadot_sdk::sp_io::TestExternalities::default();
	ext.register_extension(AiExt::new(backend.clone()));
	ext.execute_with(|| {
		assert_eq!(openledger_ai_primitives::served_models(), Ok(vec![default_hash()]));
	});

	// retired on chain: dropped
	let report = svc.sync(&[]).unwrap();
	assert_eq!(report.dropped, vec![0]);
	assert_eq!(bad(|_| {}), Err(AiError::Unavailable));
}

#[test]
fn a_full_queue_answers_busy() {
	let svc = service();
	svc.sync(&[registered(0, default_hash())]).unwrap();
	let backend = svc.backend();
	let spec = JobSpec::Generate(GenerateSpec {
		model: default_hash(),
		adapter: None,
		prompt: b"Tell me a long story.".to_vec(),
		sampling: Sampling::greedy(64),
	});
	// 2 workers and a queue of 4: at most 6 accepted at once
	let results: Vec<_> = (0..12).map(|_| backend.start_job(spec.clone())).collect();
	assert!(results.iter().filter(|r| r.is_ok()).count() <= 6);
	assert!(results.contains(&Err(AiError::Busy)));
}

#[test]
fn the_runtime_registers_the_engine_s_default_model() {
	assert_eq!(openledger_runtime::genesis_config_presets::DEFAULT_MODEL_SHA256, default_hash());
}

/// A file in the datanets' layout in `db`: a manifest and chunks of `chunk` bytes, as offchain
/// indexing leaves an upload; its content hash and size.
fn put_file(
	db: &mut polkadot_sdk::sp_core::offchain::storage::InMemOffchainStorage,
	bytes: &[u8],
	chunk: usize,
) -> ([u8; 32], u32) {
	use openledger_primitives::{chunk_key, content_hash_of, file_key, FileManifest};
	use polkadot_sdk::sp_core::offchain::{OffchainStorage, STORAGE_PREFIX};
	let hash = content_hash_of(bytes, chunk as u32).unwrap();
	let parts: Vec<&[u8]> = bytes.chunks(chunk).collect();
	for (i, c) in parts.iter().enumerate() {
		db.set(STORAGE_PREFIX, &chunk_key(&hash, i as u32), c);
	}
	let manifest = FileManifest { size: bytes.len() as u32, chunks: parts.len() as u32 };
	db.set(STORAGE_PREFIX, &file_key(&hash), &codec::Encode::encode(&manifest));
	(hash, bytes.len() as u32)
}

#[test]
fn adapters_come_from_the_offchain_database_hash_checked() {
	use openledger_ai::{LoraAdapter, LoraConfig, Target};
	use openledger_ai_primitives::adapter_offchain_key;
	use openledger_ai_service::registry::OffchainAdapters;
	use polkadot_sdk::sp_core::offchain::{
		storage::InMemOffchainStorage, OffchainStorage, STORAGE_PREFIX,
	};

	let svc = service();
	svc.sync(&[registered(0, default_hash())]).unwrap();
	let backend = svc.backend();
	let m =
		Model::load_gguf(&openledger_ai::default_model_path(), &candle_core::Device::Cpu).unwrap();
	let lora = LoraConfig { rank: 4, alpha: 8.0, target_modules: vec![Target::Q, Target::V] };
	let good = LoraAdapter::random(lora.clone(), &m.config, 1, 0.05).unwrap();
	let other = LoraAdapter::random(lora, &m.config, 2, 0.05).unwrap();
	let spec = |adapter: &LoraAdapter| {
		JobSpec::Generate(GenerateSpec {
			model: default_hash(),
			adapter: Some(adapter.id().0),
			prompt: b"Say hello.".to_vec(),
			sampling: Sampling::greedy(6),
		})
	};
	// No source yet: the adapter is unavailable.
	assert_eq!(backend.start_job(spec(&good)), Err(AiError::Unavailable));

	// as the runtime indexes an upload: the file in chunks, and where it is under the key
	let mut db = InMemOffchainStorage::default();
	let index = |db: &mut InMemOffchainStorage, id: &[u8; 32], bytes: &[u8]| {
		let (content, size) = put_file(db, bytes, 1 << 16);
		let file = openledger_ai_primitives::AdapterFile { content, size };
		db.set(STORAGE_PREFIX, &adapter_offchain_key(id), &codec::Encode::encode(&file));
	};
	index(&mut db, &good.id().0, &good.to_safetensors(&m.config).unwrap());
	// Bytes that do not hash to the key's adapter are refused and never stored.
	let mut forged = other.to_safetensors(&m.config).unwrap();
	if let Some(b) = forged.last_mut() {
		*b ^= 1;
	}
	index(&mut db, &other.id().0, &forged);
	svc.registry().set_adapter_source(Arc::new(OffchainAdapters(db)));
	assert_eq!(backend.start_job(spec(&other)), Err(AiError::Unavailable));
	assert!(!svc.registry().adapters().contains(&other.id()));

	// The indexed adapter is copied into the store and answers like the engine with it.
	let ticket = backend.start_job(spec(&good)).unwrap();
	assert!(svc.registry().adapters().contains(&good.id()));
	let JobStatus::Done(JobOutput::Generated { tokens, .. }) = wait(&*backend, ticket) else {
		panic!("the job failed")
	};
	let ids = m
		.tokenizer
		.encode_prompt(&m.tokenizer.apply_chat_template(&[ChatMessage::user("Say hello.")], true));
	let reference = m.generate(&ids, Some(&good), &SamplingParams::greedy(6), |_| true).unwrap();
	assert_eq!(tokens, reference.tokens);
}

#[test]
fn a_fine_tune_s_segments_replay_from_uploaded_checkpoints() {
	use openledger_ai_primitives::AdapterCheck;
	use openledger_ai_primitives::{CheckpointRef, FineTuneSpec, ReplaySpec, ReplayVerdict};
	use openledger_ai_service::registry::OffchainAdapters;
	use openledger_primitives::{fine_tune::targets, HyperParams, TrainingItem};
	use polkadot_sdk::sp_core::offchain::storage::InMemOffchainStorage;

	let put = put_file;

	let svc = service();
	svc.sync(&[registered(0, default_hash())]).unwrap();
	let backend = svc.backend();
	let mut db = InMemOffchainStorage::default();
	let data: Vec<TrainingItem> = (0..8u64)
		.map(|i| {
			let text = format!(
				r#"{{"prompt":"What is the code name of project {i}?","response":"Project {i} is code-named ember-{i}."}}"#
			);
			let (hash, size) = put(&mut db, text.as_bytes(), 1 << 16);
			TrainingItem { contribution: i, hash, size }
		})
		.collect();
	let job = FineTuneSpec {
		job: 1,
		model: default_hash(),
		parent: None,
		data,
		params: HyperParams {
			rank: 4,
			alpha: 8,
			targets: targets::Q | targets::V,
			learning_rate: 2_000_000,
			epochs: 1,
			batch: 2,
			max_len: 64,
			eval_percent: 0,
			seed: 5,
		},
		checkpoint_every: 2,
		max_checkpoints: 16,
	};
	// the trainer: 8 examples, batches of 2, one epoch: 4 steps, checkpoints after 2 and 4
	svc.registry().set_adapter_source(Arc::new(OffchainAdapters(db.clone())));
	let ticket = backend.start_job(JobSpec::FineTune(job.clone())).unwrap();
	let JobStatus::Done(JobOutput::FineTuned(out)) = wait(&*backend, ticket) else {
		panic!("the fine-tune failed")
	};
	assert_eq!((out.steps, out.checkpoints.len()), (4, 2));
	let file = |id: &[u8; 32]| {
		let name = format!("{}.safetensors", openledger_ai::AdapterId(*id));
		std::fs::read(svc.registry().checkpoints_dir().join(name)).unwrap()
	};
	let (first, last) = (file(&out.checkpoints[0]), file(&out.checkpoints[1]));
	assert_eq!(openledger_ai::train::checkpoint_id(&first), out.checkpoints[0]);

	// the verifier's node: the checkpoints arrive as uploads (1 MiB chunks) in its database
	let replay = |db: &InMemOffchainStorage, spec: ReplaySpec| {
		let svc = service();
		svc.sync(&[registered(0, default_hash())]).unwrap();
		svc.registry().set_adapter_source(Arc::new(OffchainAdapters(db.clone())));
		let backend = svc.backend();
		let ticket = backend.start_job(JobSpec::Replay(spec)).unwrap();
		wait(&*backend, ticket)
	};
	let verifier_db = db.clone();
	let (c0, s0) = put(&mut db, &first, 1 << 20);
	let (c1, s1) = put(&mut db, &last, 1 << 20);
	let r0 = CheckpointRef { id: out.checkpoints[0], content: c0, size: s0 };
	let r1 = CheckpointRef { id: out.checkpoints[1], content: c1, size: s1 };
	let spec =
		|start, end, steps| ReplaySpec { job: job.clone(), start, end, steps, adapter: None };
	let measured = |status| match status {
		JobStatus::Done(JobOutput::Replayed(v)) => v,
		other => panic!("the replay did not finish: {other:?}"),
	};
	// honest segments, from the initial state and from a checkpoint: bit-identical
	assert_eq!(
		measured(replay(&db, spec(None, r0, (0, 2)))),
		ReplayVerdict::Measured { steps: 2, distance_ppb: 0 }
	);
	assert_eq!(
		measured(replay(&db, spec(Some(r0), r1, (2, 4)))),
		ReplayVerdict::Measured { steps: 2, distance_ppb: 0 }
	);
	// checkpoints labelled with other steps than the chain's rule, or bytes that are not the
	// committed ones
	assert_eq!(measured(replay(&db, spec(Some(r0), r1, (2, 3)))), ReplayVerdict::NotThisJob);
	let swapped = CheckpointRef { id: out.checkpoints[0], ..r1 };
	assert_eq!(measured(replay(&db, spec(Some(r0), swapped, (2, 4)))), ReplayVerdict::WrongBytes);
	// the final adapter, uploaded through the service's chunks as the trainer's node does,
	// is the adapter of the last checkpoint; another adapter is caught
	let chunk = |id: &[u8; 32], i| backend.file_chunk(*id, i, 1 << 20).unwrap();
	let whole = chunk(&out.adapter, 0);
	assert_eq!(whole.data.len() as u32, whole.size, "one chunk holds the adapter");
	assert_eq!(backend.file_chunk(out.adapter, 1, 1 << 20), Err(AiError::Invalid));
	assert_eq!(backend.file_chunk([7; 32], 0, 1 << 20), Err(AiError::Unavailable));
	let (ca, sa) = put(&mut db, &whole.data, 1 << 20);
	assert_eq!((ca, sa), (whole.content, whole.size), "the service's content hash is the chain's");
	let ra = CheckpointRef { id: out.adapter, content: ca, size: sa };
	let with_adapter = |adapter| ReplaySpec {
		adapter: Some(AdapterCheck { last: r1, adapter }),
		..spec(Some(r0), r1, (2, 4))
	};
	assert_eq!(
		measured(replay(&db, with_adapter(ra))),
		ReplayVerdict::Measured { steps: 2, distance_ppb: 0 }
	);
	assert_eq!(measured(replay(&db, with_adapter(r0))), ReplayVerdict::WrongAdapter);
	// not uploaded yet: the verifier's node cannot answer now
	assert_eq!(
		replay(&verifier_db, spec(Some(r0), r1, (2, 4))),
		JobStatus::Failed(AiError::Unavailable)
	);

	// a run that continues the final adapter (4 new examples, 2 steps): a fresh trainer node
	// reads the parent from its offchain database, the verifier replays from its weights
	let child = FineTuneSpec {
		job: 2,
		parent: Some(ra),
		data: job.data[4..].to_vec(),
		params: HyperParams { learning_rate: 1_000_000, seed: 6, ..job.params },
		..job.clone()
	};
	let trainer = service();
	trainer.sync(&[registered(0, default_hash())]).unwrap();
	trainer.registry().set_adapter_source(Arc::new(OffchainAdapters(db.clone())));
	let ticket = trainer.backend().start_job(JobSpec::FineTune(child.clone())).unwrap();
	let JobStatus::Done(JobOutput::FineTuned(grown)) = wait(&*trainer.backend(), ticket) else {
		panic!("the continued fine-tune failed")
	};
	assert_eq!((grown.steps, grown.checkpoints.len()), (2, 1));
	assert_ne!(grown.adapter, out.adapter);
	let name = format!("{}.safetensors", openledger_ai::AdapterId(grown.checkpoints[0]));
	let end = std::fs::read(trainer.registry().checkpoints_dir().join(name)).unwrap();
	let (ce, se) = put(&mut db, &end, 1 << 20);
	let re = CheckpointRef { id: grown.checkpoints[0], content: ce, size: se };
	let first =
		|job: FineTuneSpec| ReplaySpec { job, start: None, end: re, steps: (0, 2), adapter: None };
	assert_eq!(
		measured(replay(&db, first(child.clone()))),
		ReplayVerdict::Measured { steps: 2, distance_ppb: 0 }
	);
	// had the trainer started from a fresh LoRA instead, the replay would be far from it
	let ReplayVerdict::Measured { distance_ppb, .. } =
		measured(replay(&db, first(FineTuneSpec { parent: None, ..child.clone() })))
	else {
		panic!("not measured")
	};
	assert!(distance_ppb > 100_000_000, "fresh start: {distance_ppb} ppb");
	// a node whose offchain database lacks the parent cannot train or replay it yet
	assert_eq!(replay(&verifier_db, first(child)), JobStatus::Failed(AiError::Unavailable));
}

/// One HTTP/1.1 exchange with the endpoint: (status, JSON body).
fn http(
	addr: std::net::SocketAddr,
	method: &str,
	path: &str,
	body: &str,
) -> (u16, serde_json::Value) {
	use std::io::{Read, Write};
	let mut s = std::net::TcpStream::connect(addr).unwrap();
	write!(
		s,
		"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
		body.len()
	)
	.unwrap();
	let mut raw = String::new();
	s.read_to_string(&mut raw).unwrap();
	let (head, rest) = raw.split_once("\r\n\r\n").unwrap();
	let status = head.split(' ').nth(1).unwrap().parse().unwrap();
	(status, serde_json::from_str(rest).unwrap_or(serde_json::Value::Null))
}

#[test]
fn registered_adapters_are_served_by_their_hash() {
	use openledger_ai::{LoraAdapter, LoraConfig, Target};
	use openledger_ai_primitives::adapter_offchain_key;
	use openledger_ai_service::{http::HttpConfig, registry::OffchainAdapters, ChainAdapter};
	use polkadot_sdk::sp_core::offchain::{
		storage::InMemOffchainStorage, OffchainStorage, STORAGE_PREFIX,
	};

	let svc = service();
	svc.sync(&[registered(0, default_hash())]).unwrap();
	let m =
		Model::load_gguf(&openledger_ai::default_model_path(), &candle_core::Device::Cpu).unwrap();
	let lora = LoraConfig { rank: 4, alpha: 8.0, target_modules: vec![Target::Q, Target::V] };
	let adapter = LoraAdapter::random(lora, &m.config, 3, 0.05).unwrap();
	// as the runtime indexes a registered model's file
	let mut db = InMemOffchainStorage::default();
	let (content, size) = put_file(&mut db, &adapter.to_safetensors(&m.config).unwrap(), 1 << 20);
	let file = openledger_ai_primitives::AdapterFile { content, size };
	db.set(STORAGE_PREFIX, &adapter_offchain_key(&adapter.id().0), &codec::Encode::encode(&file));
	svc.registry().set_adapter_source(Arc::new(OffchainAdapters(db)));

	// The chain lists three: one indexed, one whose file has not arrived, one over a base
	// model this node does not hold. Only the first is ready; the second is listed and
	// fetched again on request; the third is not served.
	let chain =
		|id, base| ChainAdapter { id, base, owner: "5Owner".into(), price_per_1k_tokens: 7 };
	let missing = [7u8; 32];
	let ready =
		svc.sync_adapters(vec![chain(adapter.id().0, 0), chain(missing, 0), chain([8; 32], 5)]);
	assert_eq!(ready.iter().map(|c| c.id).collect::<Vec<_>>(), [adapter.id().0]);
	assert!(svc.registry().adapters().contains(&adapter.id()));
	let name = format!("0x{}", adapter.id());
	let t = svc.registry().target(&name).unwrap();
	assert_eq!((t.id(), t.model.chain.id), (name.clone(), 0));
	assert!(svc.registry().target(&name[2..]).is_some(), "0x is optional");
	assert!(svc.registry().target(&format!("0x{}", "08".repeat(32))).is_none());
	assert_eq!(svc.registry().served_adapters().len(), 2);

	// Over HTTP: listed with its base as parent, answering with the adapter applied.
	let rt = tokio::runtime::Runtime::new().unwrap();
	let listener = openledger_ai_service::http::bind("127.0.0.1:0".parse().unwrap()).unwrap();
	let addr = listener.local_addr().unwrap();
	let config = HttpConfig { addr, ..HttpConfig::default() };
	rt.spawn(svc.clone().serve_http(listener, config));
	let (status, list) = http(addr, "GET", "/v1/models", "");
	assert_eq!(status, 200);
	let entry = list["data"].as_array().unwrap().iter().find(|e| e["id"] == name).unwrap().clone();
	assert_eq!((entry["parent"].as_str(), entry["owned_by"].as_str()), (Some("0"), Some("5Owner")));
	assert_eq!(entry["price_per_1k_tokens"], "7");
	let ask = |model: &str| {
		let body = serde_json::json!({
			"model": model, "max_tokens": 8, "temperature": 0,
			"messages": [{ "role": "user", "content": "Say hello." }],
		});
		http(addr, "POST", "/v1/chat/completions", &body.to_string())
	};
	let (status, answer) = ask(&name);
	assert_eq!(status, 200, "{answer}");
	assert_eq!(answer["model"], name);
	let ids = m
		.tokenizer
		.encode_prompt(&m.tokenizer.apply_chat_template(&[ChatMessage::user("Say hello.")], true));
	let reference = m.generate(&ids, Some(&adapter), &SamplingParams::greedy(8), |_| true).unwrap();
	assert_eq!(answer["choices"][0]["message"]["content"], reference.text);
	let base = m.generate(&ids, None, &SamplingParams::greedy(8), |_| true).unwrap();
	assert_ne!(base.text, reference.text, "the adapter changes the answer");
	// a registered model whose file is not here yet: 503 in OpenAI's shape; an unknown one: 404
	let (status, e) = ask(&format!("0x{}", "07".repeat(32)));
	assert_eq!((status, e["error"]["code"].as_str()), (503, Some("model_not_ready")));
	let (status, e) = ask(&format!("0x{}", "09".repeat(32)));
	assert_eq!((status, e["error"]["code"].as_str()), (404, Some("model_not_found")));
}
