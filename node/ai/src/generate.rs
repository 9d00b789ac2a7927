//! Sampling and single-request generation.

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::{
	error::{Error, Result},
	lora::LoraAdapter,
	model::{KvCache, Model, Step},
	tokenizer::StreamDecoder,
};

/// How to pick the next token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SamplingParams {
	/// Most tokens to generate.
	pub max_tokens: usize,
	/// 0 means greedy (argmax, lowest id on a tie); otherwise logits are divided by it.
	pub temperature: f32,
	/// Nucleus sampling: keep the smallest set of tokens whose probability reaches `top_p`.
	pub top_p: f32,
	/// Seed of the sampler's ChaCha8 generator: same seed, same model, same output.
	pub seed: u64,
	/// Extra stop tokens beyond the model's end-of-sequence and `<|im_end|>`.
	pub stop_tokens: Vec<u32>,
	/// Keep generating through stop tokens until `max_tokens` (benchmarks).
	#[serde(default)]
	pub ignore_stop: bool,
}

impl Default for SamplingParams {
	fn default() -> Self {
		Self {
			max_tokens: 128,
			temperature: 0.0,
			top_p: 1.0,
			seed: 0,
			stop_tokens: Vec::new(),
			ignore_stop: false,
		}
	}
}

impl SamplingParams {
	/// Greedy decoding of at most `max_tokens`.
	pub fn greedy(max_tokens: usize) -> Self {
		Self { max_tokens, ..Self::default() }
	}

	/// Rejects temperatures and top-p outside their ranges.
	pub fn validate(&self) -> Result<()> {
		if !self.temperature.is_finite() || self.temperature < 0.0 {
			return Err(Error::InvalidRequest(format!(
				"temperature {} must be a finite number >= 0",
				self.temperature
			)));
		}
		if !(self.top_p > 0.0 && self.top_p <= 1.0) {
			return Err(Error::InvalidRequest(format!("top_p {} must be in (0, 1]", self.top_p)));
		}
		if self.max_tokens == 0 {
			return Err(Error::InvalidRequest("max_tokens must be at least 1".into()));
		}
		Ok(())
	}
}

/// Why generation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FinishReason {
	/// A stop token was produced.
	Stop,
	/// `max_tokens` was reached.
	Length,
	/// The context window is full.
	ContextFull,
	/// The caller's callback asked to stop.
	Cancelled,
}

/// A finished generation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Generation {
	/// Generated text (stop token excluded).
	pub text: String,
	/// Generated token ids (stop token excluded).
	pub tokens: Vec<u32>,
	/// Length of the prompt in tokens.
	pub prompt_tokens: usize,
	/// Why it ended.
	pub finish: FinishReason,
}

/// Picks tokens from logits.
#[derive(Debug)]
pub struct Sampler {
	temperature: f32,
	top_p: f32,
	rng: rand_chacha::ChaCha8Rng,
}

impl Sampler {
	/// A sampler for `params` (validated).
	pub fn new(params: &SamplingParams) -> Result<Self> {
		params.validate()?;
		Ok(Self {
			temperature: params.temperature,
			top_p: params.top_p,
			rng: rand_chacha::ChaCha8Rng::seed_from_u64(params.seed),
		})
	}

	/// The next token.
	pub fn sample(&mut self, logits: &[f32]) -> u32 {
		if self.temperature <= 0.0 {
			return argmax(logits);
		}
		let t = f64::from(self.temperature);
		let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
		let mut probs: Vec<(u32, f64)> = logits
			.iter()
			.enumerate()
			.map(|(i, l)| (i as u32, ((f64::from(*l) - f64::from(max)) / t).exp()))
			.collect();
		let total: f64 = probs.iter().map(|p| p.1).sum();
		if !(total.is_finite() && total > 0.0) {
			return argmax(logits);
		}
		probs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
		let mut kept = 0usize;
		let mut cum = 0f64;
		for p in &probs {
			cum += p.1 / total;
			kept += 1;
			if cum >= f64::from(self.top_p) {
				break;
			}
		}
		probs.truncate(kept.max(1));
		let mass: f64 = probs.iter().map(|p| p.1).sum();
		let mut u = self.rng.random::<f64>() * mass;
		for p in &probs {
			u -= p.1;
			if u <= 0.0 {
				return p.0;
			}
		}
		probs.last().map_or(0, |p| p.0)
	}
}

/// Index of the largest logit (the lowest index on a tie; NaN never wins).
pub fn argmax(logits: &[f32]) -> u32 {
	let mut best = 0usize;
	let mut best_v = f32::NEG_INFINITY;
	for (i, v) in logits.iter().enumerate() {
		if *v > best_v {
			best = i;
			best_v = *v;
		}
	}
	best as u32
}

impl Model {
	/// Tokens that end generation: EOS, `<|im_end|>` and `<|endoftext|>` when the vocabulary
	/// has them, plus the request's own.
	pub fn stop_tokens(&self, extra: &[u32]) -> Vec<u32> {
		let mut s = vec![self.tokenizer.eos];
		for t in ["<|im_end|>", "<|endoftext|>", "<|eot_id|>"] {
			if let Some(id) = self.tokenizer.token_id(t) {
				s.push(id);
			}
		}
		s.extend_from_slice(extra);
		s.sort_unstable();
		s.dedup();
		s
	}

	/// Generates a continuation of `prompt` (token ids), streaming text pieces to `on_text`;
	/// return `false` from it to stop early.
	pub fn generate(
		&self,
		prompt: &[u32],
		adapter: Option<&LoraAdapter>,
		params: &SamplingParams,
		mut on_text: impl FnMut(&str) -> bool,
	) -> Result<Generation> {
		if prompt.is_empty() {
			return Err(Error::InvalidRequest("the prompt is empty".into()));
		}
		let mut sampler = Sampler::new(params)?;
		let stops =
			if params.ignore_stop { Vec::new() } else { self.stop_tokens(&params.stop_tokens) };
		let mut cache = KvCache::new(self);
		let mut decoder = StreamDecoder::default();
		let mut out = Vec::new();
		let mut text = String::new();
		let mut next_input: Vec<u32> = prompt.to_vec();
		let finish = loop {
			if cache.len() + next_input.len() > self.config.max_position_embeddings {
				break FinishReason::ContextFull;
			}
			let mut steps = [Step { cache: &mut cache, tokens: &next_input, adapter }];
			let logits = self.forward_batch(&mut steps)?;
			let Some(logits) = logits.first() else { break FinishReason::Stop };
			let tok = sampler.sample(logits);
			if stops.contains(&tok) {
				break FinishReason::Stop;
			}
			out.push(tok);
			let piece = decoder.push(&self.tokenizer, tok);
			text.push_str(&piece);
			if !piece.is_empty() && !on_text(&piece) {
				break FinishReason::Cancelled;
			}
			if out.len() >= params.max_tokens {
				break FinishReason::Length;
			}
			next_input = vec![tok];
		};
		let tail = decoder.finish();
		if !tail.is_empty() {
			on_text(&tail);
			text.push_str(&tail);
		}
		Ok(Generation { text, tokens: out, prompt_tokens: prompt.len(), finish })
	}

	/// Teacher forcing, for checking an answer someone else generated: feeds `prompt` and then
	/// `completion` one token at a time (the same forward path as [`Model::generate`]) and
	/// returns, for each completion token, how far its logit is below the best logit at its
	/// position — 0.0 where the token is the model's greedy choice. A probe compares these
	/// margins with its tolerance; an answer from another model (or another adapter), or with
	/// tokens the model would not produce greedily, has large margins.
	pub fn greedy_margins(
		&self,
		prompt: &[u32],
		completion: &[u32],
		adapter: Option<&LoraAdapter>,
	) -> Result<Vec<f32>> {
		if prompt.is_empty() {
			return Err(Error::InvalidRequest("the prompt is empty".into()));
		}
		if prompt.len() + completion.len() > self.config.max_position_embeddings {
			return Err(Error::InvalidRequest("prompt and completion exceed the context".into()));
		}
		let mut cache = KvCache::new(self);
		let mut margins = Vec::with_capacity(completion.len());
		let mut input: Vec<u32> = prompt.to_vec();
		for &token in completion {
			let mut steps = [Step { cache: &mut cache, tokens: &input, adapter }];
			let logits = self.forward_batch(&mut steps)?;
			let logits = logits.first().ok_or(Error::EngineStopped)?;
			let chosen = *logits.get(token as usize).ok_or_else(|| {
				Error::InvalidRequest(format!("token {token} is outside the vocabulary"))
			})?;
			let best = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
			margins.push((best - chosen).max(0.0));
			input = vec![token];
		}
		Ok(margins)
	}
}
