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
	for _ in 0..600 {
		match backend.poll(ticket).unwrap() {
			JobStatus::Queued | JobStatus::Running { .. } => {
				std::thread::sleep(Duration::from_millis(50))
			}
			done => return done,
		}
	}
	panic!("the job did not finish in 30 s")
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

	let mut db = InMemOffchainStorage::default();
	db.set(
		STORAGE_PREFIX,
		&adapter_offchain_key(&good.id().0),
		&good.to_safetensors(&m.config).unwrap(),
	);
	// Bytes that do not hash to the key's adapter are refused and never stored.
	let mut forged = other.to_safetensors(&m.config).unwrap();
	if let Some(b) = forged.last_mut() {
		*b ^= 1;
	}
	db.set(STORAGE_PREFIX, &adapter_offchain_key(&other.id().0), &forged);
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
