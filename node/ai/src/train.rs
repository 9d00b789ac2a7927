//! LoRA fine-tuning: the ModelFactory worker.
//!
//! candle's fused ops (`softmax_last_dim`, `rms_norm`, `rope_i`) return no gradient, so this
//! module has its own differentiable llama forward built from primitive ops (matmul, exp, sum,
//! narrow, cat...). The base is dequantised to dense weights and frozen; only the LoRA `A`/`B`
//! matrices are `Var`s, updated with AdamW. Batches, shuffling and initialisation are driven
//! by one seed, so a run is deterministic for a given seed, machine and thread count.

use std::{collections::BTreeMap, time::Instant};

use candle_core::{DType, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::{seq::SliceRandom, Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::{
	error::{Error, Result},
	lora::{LoraAdapter, LoraConfig, LoraPair, Target},
	model::{dequantize, Model},
	tokenizer::ChatMessage,
};

/// One training example.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Example {
	/// A question and its answer; the loss covers the answer only.
	Instruction {
		/// The user's message.
		prompt: String,
		/// The assistant's answer to learn.
		response: String,
	},
	/// Plain text; the loss covers every token.
	Text {
		/// The text.
		text: String,
	},
}

/// Hyper-parameters of a fine-tune.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
	/// LoRA rank.
	pub rank: usize,
	/// LoRA alpha (update scaled by `alpha / rank`).
	pub alpha: f32,
	/// Modules to adapt.
	pub target_modules: Vec<Target>,
	/// AdamW learning rate.
	pub learning_rate: f64,
	/// AdamW weight decay.
	pub weight_decay: f64,
	/// Passes over the training split.
	pub epochs: usize,
	/// Examples per optimiser step.
	pub batch_size: usize,
	/// Longer examples are truncated to this many tokens.
	pub max_seq_len: usize,
	/// Seed of initialisation, split and shuffling.
	pub seed: u64,
	/// Share of examples held out for evaluation, in percent (at least one example is held out
	/// when there are two or more).
	pub eval_percent: u8,
}

impl Default for TrainConfig {
	fn default() -> Self {
		Self {
			rank: 8,
			alpha: 16.0,
			target_modules: vec![Target::Q, Target::V],
			learning_rate: 1e-3,
			weight_decay: 0.0,
			epochs: 1,
			batch_size: 4,
			max_seq_len: 256,
			seed: 0,
			eval_percent: 10,
		}
	}
}

/// What the progress callback receives after every optimiser step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
	/// Steps done.
	pub step: usize,
	/// Steps in the whole run.
	pub total_steps: usize,
	/// Current epoch (from 0).
	pub epoch: usize,
	/// Loss of this step's batch.
	pub loss: f32,
	/// Training tokens per second so far.
	pub tokens_per_sec: f64,
	/// Estimated seconds left.
	pub eta_secs: f64,
}

/// The outcome of a fine-tune, written next to the adapter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
	/// Base model identity (SHA-256 of its file).
	pub base_model_sha256: String,
	/// Resulting adapter id (hex SHA-256).
	pub adapter_id: String,
	/// Hyper-parameters used.
	pub config: TrainConfig,
	/// `(step, loss)` for every step.
	pub loss_curve: Vec<(usize, f32)>,
	/// Mean token loss on the held-out split before training (`None` without a split).
	pub eval_loss_before: Option<f32>,
	/// Mean token loss on the held-out split after training.
	pub eval_loss_after: Option<f32>,
	/// Examples trained on / held out.
	pub train_examples: usize,
	/// Held-out examples.
	pub eval_examples: usize,
	/// Loss-bearing tokens processed.
	pub train_tokens: usize,
	/// Wall time.
	pub seconds: f64,
	/// `train_tokens / seconds`.
	pub tokens_per_sec: f64,
}

/// A tokenised example: inputs, next-token targets, loss mask.
#[derive(Clone, Debug)]
pub(crate) struct Encoded {
	pub input: Vec<u32>,
	pub target: Vec<u32>,
	pub mask: Vec<f32>,
}

/// Tokenises an example with the model's chat template.
pub(crate) fn encode_example(model: &Model, ex: &Example, max_seq_len: usize) -> Option<Encoded> {
	let tok = &model.tokenizer;
	let (ids, loss_from) = match ex {
		Example::Instruction { prompt, response } => {
			let prefix =
				tok.apply_chat_template(&[ChatMessage::user(prompt.clone())], true);
			let mut ids = tok.encode_prompt(&prefix);
			let start = ids.len();
			ids.extend(tok.encode(response, false));
			if let Some(end) = tok.token_id("<|im_end|>") {
				ids.push(end);
			} else {
				ids.push(tok.eos);
			}
			(ids, start)
		},
		Example::Text { text } => {
			let mut ids = Vec::new();
			if let (true, Some(b)) = (tok.add_bos, tok.bos) {
				ids.push(b);
			}
			ids.extend(tok.encode(text, false));
			(ids, 1)
		},
	};
	let ids: Vec<u32> = ids.into_iter().take(max_seq_len + 1).collect();
	if ids.len() < 2 || loss_from >= ids.len() {
		return None;
	}
	let input = ids[..ids.len() - 1].to_vec();
	let target = ids[1..].to_vec();
	// Target i is token i+1; it is trained when token i+1 is at or after `loss_from`.
	let mask = (0..target.len()).map(|i| if i + 1 >= loss_from { 1.0 } else { 0.0 }).collect();
	Some(Encoded { input, target, mask })
}

/// Dense, frozen base weights for the differentiable forward.
pub(crate) struct DenseBase {
	pub embed: Tensor,
	pub layers: Vec<BTreeMap<Target, Tensor>>,
	pub attn_norm: Vec<Tensor>,
	pub ffn_norm: Vec<Tensor>,
	pub norm: Tensor,
	pub lm_head: Tensor,
	pub cos: Tensor,
	pub sin: Tensor,
	pub dtype: DType,
}

impl DenseBase {
	pub fn new(model: &Model, dtype: DType) -> Result<Self> {
		let mut layers = Vec::new();
		let mut attn_norm = Vec::new();
		let mut ffn_norm = Vec::new();
		for l in &model.layers {
			let mut m = BTreeMap::new();
			for t in Target::ALL {
				m.insert(t, dequantize(l.linear(t))?.to_dtype(dtype)?);
			}
			layers.push(m);
			attn_norm.push(l.attn_norm.to_dtype(dtype)?);
			ffn_norm.push(l.ffn_norm.to_dtype(dtype)?);
		}
		let half = model.rope.half;
		let n = model.config.max_position_embeddings;
		let dev = model.device();
		let cos = Tensor::from_vec(model.rope.cos.clone(), (n, half), dev)?.to_dtype(dtype)?;
		let sin = Tensor::from_vec(model.rope.sin.clone(), (n, half), dev)?.to_dtype(dtype)?;
		Ok(Self {
			embed: model.embed.to_dtype(dtype)?,
			layers,
			attn_norm,
			ffn_norm,
			norm: model.norm.to_dtype(dtype)?,
			lm_head: dequantize(&model.lm_head.q)?.to_dtype(dtype)?,
			cos,
			sin,
			dtype,
		})
	}
}

/// Trainable LoRA parameters: per layer and target, `(A, B)`.
pub(crate) struct LoraVars {
	pub config: LoraConfig,
	pub pairs: Vec<BTreeMap<Target, (Var, Var)>>,
}

impl LoraVars {
	/// PEFT's initialisation: `A ~ U(-1/√in, 1/√in)`, `B = 0`.
	pub fn init(model: &Model, config: LoraConfig, seed: u64, dtype: DType) -> Result<Self> {
		let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
		let dev = model.device();
		let mut pairs = Vec::new();
		for _ in 0..model.config.num_hidden_layers {
			let mut m = BTreeMap::new();
			for t in &config.target_modules {
				let (d_in, d_out) = t.dims(&model.config);
				let bound = 1.0 / (d_in as f32).sqrt();
				let a: Vec<f32> =
					(0..config.rank * d_in).map(|_| (rng.random::<f32>() * 2.0 - 1.0) * bound).collect();
				let a = Var::from_tensor(&Tensor::from_vec(a, (config.rank, d_in), dev)?.to_dtype(dtype)?)?;
				let b = Var::zeros((d_out, config.rank), dtype, dev)?;
				m.insert(*t, (a, b));
			}
			pairs.push(m);
		}
		Ok(Self { config, pairs })
	}

	pub fn all_vars(&self) -> Vec<Var> {
		self.pairs.iter().flat_map(|m| m.values()).flat_map(|(a, b)| [a.clone(), b.clone()]).collect()
	}

	/// Snapshot as an engine adapter.
	pub fn to_adapter(&self, model: &Model) -> Result<LoraAdapter> {
		let mut layers = Vec::new();
		for m in &self.pairs {
			let mut out = BTreeMap::new();
			for (t, (a, b)) in m {
				let (d_in, d_out) = t.dims(&model.config);
				let a = a.as_tensor().to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
				let b = b.as_tensor().to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
				out.insert(*t, LoraPair { a, b, d_in, d_out, rank: self.config.rank });
			}
			layers.push(out);
		}
		LoraAdapter::new(self.config.clone(), layers, &model.config)
	}
}

/// RMSNorm from primitive ops (differentiable).
fn rms_norm(x: &Tensor, w: &Tensor, eps: f64) -> Result<Tensor> {
	let ms = x.sqr()?.mean_keepdim(D::Minus1)?;
	let inv = (ms + eps)?.sqrt()?.recip()?;
	Ok(x.broadcast_mul(&inv)?.broadcast_mul(w)?)
}

/// Interleaved RoPE on `(B, heads, T, hd)` from primitive ops.
fn rope(x: &Tensor, cos: &Tensor, sin: &Tensor) -> Result<Tensor> {
	let (b, h, t, hd) = x.dims4()?;
	let x = x.reshape((b, h, t, hd / 2, 2))?;
	let x0 = x.narrow(4, 0, 1)?.squeeze(4)?;
	let x1 = x.narrow(4, 1, 1)?.squeeze(4)?;
	let r0 = (x0.broadcast_mul(cos)? - x1.broadcast_mul(sin)?)?;
	let r1 = (x0.broadcast_mul(sin)? + x1.broadcast_mul(cos)?)?;
	Ok(Tensor::stack(&[r0, r1], 4)?.reshape((b, h, t, hd))?)
}

/// `x·Wᵀ + scale·(x·Aᵀ)·Bᵀ`.
fn lora_linear(x: &Tensor, w: &Tensor, pair: Option<&(Var, Var)>, scale: f64) -> Result<Tensor> {
	let y = x.broadcast_matmul(&w.t()?)?;
	match pair {
		None => Ok(y),
		Some((a, b)) => {
			let d = x.broadcast_matmul(&a.as_tensor().t()?)?.broadcast_matmul(&b.as_tensor().t()?)?;
			Ok((y + (d * scale)?)?)
		},
	}
}

/// The differentiable forward: logits `(B, T, vocab)` for token ids `(B, T)`.
#[cfg(test)]
pub(crate) fn forward_train(
	model: &Model,
	base: &DenseBase,
	lora: Option<&LoraVars>,
	ids: &Tensor,
) -> Result<Tensor> {
	let x = hidden_train(model, base, lora, ids)?;
	Ok(x.broadcast_matmul(&base.lm_head.t()?)?)
}

/// The differentiable decoder up to the final norm: hidden states `(B, T, hidden)`.
pub(crate) fn hidden_train(
	model: &Model,
	base: &DenseBase,
	lora: Option<&LoraVars>,
	ids: &Tensor,
) -> Result<Tensor> {
	let cfg = &model.config;
	let (b, t) = ids.dims2()?;
	let (nh, nkv, hd) = (cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim());
	let group = nh / nkv;
	let dev = model.device();
	let scale = lora.map_or(0.0, |l| f64::from(l.config.scale()));
	let mut x = base.embed.index_select(&ids.flatten_all()?, 0)?.reshape((b, t, cfg.hidden_size))?;
	let cos = base.cos.narrow(0, 0, t)?;
	let sin = base.sin.narrow(0, 0, t)?;
	let mask: Vec<f32> =
		(0..t * t).map(|i| if i % t > i / t { -1e9 } else { 0.0 }).collect();
	let mask = Tensor::from_vec(mask, (t, t), dev)?.to_dtype(base.dtype)?;
	let att_scale = 1.0 / (hd as f64).sqrt();
	for (li, w) in base.layers.iter().enumerate() {
		let p = |tg: Target| lora.and_then(|l| l.pairs.get(li)).and_then(|m| m.get(&tg));
		let lin = |x: &Tensor, tg: Target| -> Result<Tensor> {
			let wt = w.get(&tg).ok_or_else(|| Error::InvalidTraining("missing weight".into()))?;
			lora_linear(x, wt, p(tg), scale)
		};
		let xn = rms_norm(&x, &base.attn_norm[li], cfg.rms_norm_eps)?;
		let q = lin(&xn, Target::Q)?.reshape((b, t, nh, hd))?.transpose(1, 2)?.contiguous()?;
		let k = lin(&xn, Target::K)?.reshape((b, t, nkv, hd))?.transpose(1, 2)?.contiguous()?;
		let v = lin(&xn, Target::V)?.reshape((b, t, nkv, hd))?.transpose(1, 2)?.contiguous()?;
		let q = rope(&q, &cos, &sin)?;
		let k = rope(&k, &cos, &sin)?;
		let repeat = |x: Tensor| -> Result<Tensor> {
			if group == 1 {
				return Ok(x);
			}
			Ok(x.unsqueeze(2)?.broadcast_as((b, nkv, group, t, hd))?.contiguous()?.reshape((b, nh, t, hd))?)
		};
		let k = repeat(k)?;
		let v = repeat(v)?;
		let att = (q.matmul(&k.t()?.contiguous()?)? * att_scale)?.broadcast_add(&mask)?;
		let max = att.max_keepdim(D::Minus1)?.detach();
		let e = att.broadcast_sub(&max)?.exp()?;
		let probs = e.broadcast_div(&e.sum_keepdim(D::Minus1)?)?;
		let y = probs.matmul(&v)?.transpose(1, 2)?.contiguous()?.reshape((b, t, cfg.hidden_size))?;
		x = (x + lin(&y, Target::O)?)?;
		let xn = rms_norm(&x, &base.ffn_norm[li], cfg.rms_norm_eps)?;
		let gate = lin(&xn, Target::Gate)?;
		let up = lin(&xn, Target::Up)?;
		let act = (gate.silu()? * up)?;
		x = (x + lin(&act, Target::Down)?)?;
	}
	rms_norm(&x, &base.norm, cfg.rms_norm_eps)
}

/// Masked mean cross-entropy of a batch, plus the number of loss-bearing tokens.
pub(crate) fn batch_loss(
	model: &Model,
	base: &DenseBase,
	lora: Option<&LoraVars>,
	batch: &[&Encoded],
) -> Result<(Tensor, usize)> {
	let dev = model.device();
	let t = batch.iter().map(|e| e.input.len()).max().unwrap_or(0);
	if t == 0 {
		return Err(Error::InvalidTraining("empty batch".into()));
	}
	let pad = model.tokenizer.eos;
	let mut ids = Vec::new();
	let mut tg = Vec::new();
	let mut mk = Vec::new();
	for e in batch {
		let n = e.input.len();
		ids.extend(e.input.iter().copied().chain(std::iter::repeat_n(pad, t - n)));
		tg.extend(e.target.iter().copied().chain(std::iter::repeat_n(pad, t - n)));
		mk.extend(e.mask.iter().copied().chain(std::iter::repeat_n(0.0, t - n)));
	}
	// Only positions that carry loss go through the LM head (the largest matmul): for
	// instruction data that skips the prompt's positions in both passes.
	let rows: Vec<u32> =
		mk.iter().enumerate().filter(|(_, m)| **m > 0.0).map(|(i, _)| i as u32).collect();
	let tokens = rows.len();
	if tokens == 0 {
		return Err(Error::InvalidTraining("batch has no loss-bearing token".into()));
	}
	let targets: Vec<u32> = rows.iter().map(|i| tg[*i as usize]).collect();
	let bsz = batch.len();
	let ids = Tensor::from_vec(ids, (bsz, t), dev)?;
	let hidden = hidden_train(model, base, lora, &ids)?.reshape((bsz * t, model.config.hidden_size))?;
	let rows = Tensor::from_vec(rows, tokens, dev)?;
	let logits = hidden.index_select(&rows, 0)?.matmul(&base.lm_head.t()?)?;
	let tg = Tensor::from_vec(targets, (tokens, 1), dev)?;
	let max = logits.max_keepdim(D::Minus1)?.detach();
	let shifted = logits.broadcast_sub(&max)?;
	let lse = shifted.exp()?.sum_keepdim(D::Minus1)?.log()?;
	let logp = shifted.broadcast_sub(&lse)?;
	let picked = logp.gather(&tg, D::Minus1)?;
	let loss = (picked.sum_all()? * (-1.0 / tokens as f64))?;
	Ok((loss, tokens))
}

fn mean_loss(model: &Model, base: &DenseBase, lora: Option<&LoraVars>, set: &[Encoded], bs: usize) -> Result<Option<f32>> {
	if set.is_empty() {
		return Ok(None);
	}
	let mut total = 0f64;
	let mut count = 0usize;
	for chunk in set.chunks(bs.max(1)) {
		let refs: Vec<&Encoded> = chunk.iter().collect();
		let (loss, n) = batch_loss(model, base, lora, &refs)?;
		total += f64::from(loss.to_dtype(DType::F32)?.to_scalar::<f32>()?) * n as f64;
		count += n;
	}
	Ok(Some((total / count.max(1) as f64) as f32))
}

impl TrainConfig {
	/// Rejects unusable hyper-parameters.
	pub fn validate(&self, model: &Model) -> Result<()> {
		let bad = |m: String| Err(Error::InvalidTraining(m));
		if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
			return bad(format!("learning rate {} must be positive", self.learning_rate));
		}
		if self.epochs == 0 || self.batch_size == 0 {
			return bad("epochs and batch_size must be at least 1".into());
		}
		if self.max_seq_len < 2 || self.max_seq_len > model.config.max_position_embeddings {
			return bad(format!(
				"max_seq_len {} must be in 2..={}",
				self.max_seq_len, model.config.max_position_embeddings
			));
		}
		if self.eval_percent > 50 {
			return bad("eval_percent must be at most 50".into());
		}
		LoraConfig { rank: self.rank, alpha: self.alpha, target_modules: self.target_modules.clone() }
			.validate()
			.map_err(|e| Error::InvalidTraining(e.to_string()))
	}
}

/// A fine-tune's adapter, report, and the adapter as it was after every epoch (the checkpoints
/// TracIn attribution replays).
#[derive(Clone, Debug)]
pub struct TrainOutput {
	/// The final adapter.
	pub adapter: LoraAdapter,
	/// Loss curve and metrics.
	pub report: TrainReport,
	/// Snapshot after each epoch (the last equals `adapter`).
	pub checkpoints: Vec<LoraAdapter>,
}

/// Fine-tunes a LoRA adapter on `examples`, calling `progress` after every step.
pub fn train(
	model: &Model,
	examples: &[Example],
	cfg: &TrainConfig,
	progress: impl FnMut(&Progress),
) -> Result<(LoraAdapter, TrainReport)> {
	let out = train_checkpointed(model, examples, cfg, progress)?;
	Ok((out.adapter, out.report))
}

/// [`train`], also returning a checkpoint per epoch.
pub fn train_checkpointed(
	model: &Model,
	examples: &[Example],
	cfg: &TrainConfig,
	mut progress: impl FnMut(&Progress),
) -> Result<TrainOutput> {
	cfg.validate(model)?;
	let mut encoded: Vec<Encoded> =
		examples.iter().filter_map(|e| encode_example(model, e, cfg.max_seq_len)).collect();
	if encoded.is_empty() {
		return Err(Error::InvalidTraining("no example has a token to learn".into()));
	}
	let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed);
	encoded.shuffle(&mut rng);
	let n_eval = if encoded.len() >= 2 {
		(encoded.len() * usize::from(cfg.eval_percent) / 100).max(usize::from(cfg.eval_percent > 0))
	} else {
		0
	};
	let eval: Vec<Encoded> = encoded.drain(..n_eval).collect();
	let mut train_set = encoded;
	let base = DenseBase::new(model, DType::F32)?;
	let lora_cfg =
		LoraConfig { rank: cfg.rank, alpha: cfg.alpha, target_modules: cfg.target_modules.clone() };
	let vars = LoraVars::init(model, lora_cfg, rng.random(), DType::F32)?;
	let mut opt = AdamW::new(
		vars.all_vars(),
		ParamsAdamW { lr: cfg.learning_rate, weight_decay: cfg.weight_decay, ..Default::default() },
	)?;
	let eval_before = mean_loss(model, &base, Some(&vars), &eval, cfg.batch_size)?;
	let steps_per_epoch = train_set.len().div_ceil(cfg.batch_size);
	let total_steps = steps_per_epoch * cfg.epochs;
	let start = Instant::now();
	let mut tokens = 0usize;
	let mut curve = Vec::with_capacity(total_steps);
	let mut step = 0usize;
	let mut checkpoints = Vec::with_capacity(cfg.epochs);
	for epoch in 0..cfg.epochs {
		train_set.shuffle(&mut rng);
		for chunk in train_set.chunks(cfg.batch_size) {
			let refs: Vec<&Encoded> = chunk.iter().collect();
			let (loss, n) = batch_loss(model, &base, Some(&vars), &refs)?;
			opt.backward_step(&loss)?;
			let loss = loss.to_scalar::<f32>()?;
			if !loss.is_finite() {
				return Err(Error::InvalidTraining(format!(
					"loss became {loss} at step {step}: lower the learning rate"
				)));
			}
			step += 1;
			tokens += n;
			curve.push((step, loss));
			let secs = start.elapsed().as_secs_f64().max(1e-9);
			progress(&Progress {
				step,
				total_steps,
				epoch,
				loss,
				tokens_per_sec: tokens as f64 / secs,
				eta_secs: secs / step as f64 * (total_steps - step) as f64,
			});
		}
		checkpoints.push(vars.to_adapter(model)?);
	}
	let seconds = start.elapsed().as_secs_f64();
	let eval_after = mean_loss(model, &base, Some(&vars), &eval, cfg.batch_size)?;
	let adapter = checkpoints.last().cloned().map_or_else(|| vars.to_adapter(model), Ok)?;
	let report = TrainReport {
		base_model_sha256: model.info.sha256.clone(),
		adapter_id: adapter.id().to_string(),
		config: cfg.clone(),
		loss_curve: curve,
		eval_loss_before: eval_before,
		eval_loss_after: eval_after,
		train_examples: train_set.len(),
		eval_examples: eval.len(),
		train_tokens: tokens,
		seconds,
		tokens_per_sec: tokens as f64 / seconds.max(1e-9),
	};
	Ok(TrainOutput { adapter, report, checkpoints })
}

/// Reads a corpus file: JSON Lines, each line `{"prompt": ..., "response": ...}` or
/// `{"text": ...}`; a file that is not JSON Lines is taken as plain text, one example per
/// blank-line-separated paragraph.
pub fn read_corpus(path: &std::path::Path) -> Result<Vec<Example>> {
	let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
	let looks_json = text.trim_start().starts_with('{');
	if looks_json {
		text.lines()
			.enumerate()
			.filter(|(_, l)| !l.trim().is_empty())
			.map(|(i, l)| {
				serde_json::from_str::<Example>(l).map_err(|e| {
					Error::InvalidTraining(format!("{}: line {}: {e}", path.display(), i + 1))
				})
			})
			.collect()
	} else {
		Ok(text
			.split("\n\n")
			.map(str::trim)
			.filter(|p| !p.is_empty())
			.map(|p| Example::Text { text: p.to_string() })
			.collect())
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
	use super::*;
	use crate::{config::LlamaConfig, model::Model};

	fn tiny() -> Model {
		Model::tiny_random(LlamaConfig::tiny(), 7, false).unwrap()
	}

	/// LoRA vars with a non-zero `B`, so gradients reach `A` too.
	fn vars(model: &Model, dtype: DType) -> LoraVars {
		let cfg = LoraConfig { rank: 4, alpha: 8.0, target_modules: Target::ALL.to_vec() };
		let v = LoraVars::init(model, cfg, 3, dtype).unwrap();
		let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
		for m in &v.pairs {
			for (_, b) in m.values() {
				let n = b.as_tensor().elem_count();
				let data: Vec<f64> = (0..n).map(|_| (rng.random::<f64>() - 0.5) * 0.2).collect();
				let t = Tensor::from_vec(data, b.as_tensor().shape(), model.device()).unwrap();
				b.set(&t.to_dtype(dtype).unwrap()).unwrap();
			}
		}
		v
	}

	fn examples(model: &Model) -> Vec<Encoded> {
		[
			Example::Instruction { prompt: "2+2?".into(), response: "four".into() },
			Example::Text { text: "plain text, longer than the other one".into() },
		]
		.iter()
		.map(|e| encode_example(model, e, 64).unwrap())
		.collect()
	}

	#[test]
	fn gradients_match_finite_differences() {
		let model = tiny();
		let base = DenseBase::new(&model, DType::F64).unwrap();
		let v = vars(&model, DType::F64);
		let ex = examples(&model);
		let refs: Vec<&Encoded> = ex.iter().collect();
		let (loss, _) = batch_loss(&model, &base, Some(&v), &refs).unwrap();
		let grads = loss.backward().unwrap();
		let eps = 1e-6;
		let mut checked = 0;
		for (li, m) in v.pairs.iter().enumerate() {
			for (t, (a, b)) in m {
				if li != 1 && *t != Target::Q {
					continue;
				}
				for var in [a, b] {
					let g = grads.get(var.as_tensor()).expect("gradient").flatten_all().unwrap();
					let g: Vec<f64> = g.to_vec1().unwrap();
					let orig: Vec<f64> = var.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
					for idx in [0, orig.len() / 2, orig.len() - 1] {
						let eval = |delta: f64| {
							let mut p = orig.clone();
							p[idx] += delta;
							var.set(&Tensor::from_vec(p, var.as_tensor().shape(), model.device()).unwrap())
								.unwrap();
							let (l, _) = batch_loss(&model, &base, Some(&v), &refs).unwrap();
							l.to_scalar::<f64>().unwrap()
						};
						let numeric = (eval(eps) - eval(-eps)) / (2.0 * eps);
						var.set(&Tensor::from_vec(orig.clone(), var.as_tensor().shape(), model.device()).unwrap())
							.unwrap();
						let err = (numeric - g[idx]).abs() / (numeric.abs() + g[idx].abs() + 1e-8);
						assert!(
							err < 1e-4 || (numeric - g[idx]).abs() < 1e-9,
							"layer {li} {t:?} [{idx}]: analytic {} numeric {numeric}",
							g[idx]
						);
						checked += 1;
					}
				}
			}
		}
		assert!(checked >= 40, "checked {checked} entries");
	}

	#[test]
	fn training_forward_matches_inference_forward() {
		let model = tiny();
		let base = DenseBase::new(&model, DType::F32).unwrap();
		let v = vars(&model, DType::F32);
		let adapter = v.to_adapter(&model).unwrap();
		let ids: Vec<u32> = "Hello, LoRA world!".bytes().map(u32::from).collect();
		let t = Tensor::from_vec(ids.clone(), (1, ids.len()), model.device()).unwrap();
		let logits = forward_train(&model, &base, Some(&v), &t).unwrap();
		let last: Vec<f32> =
			logits.get(0).unwrap().get(ids.len() - 1).unwrap().to_vec1().unwrap();
		let inference = model.forward_tokens(&ids, Some(&adapter)).unwrap();
		for (a, b) in last.iter().zip(&inference) {
			assert!((a - b).abs() < 1e-3 * (1.0 + b.abs()), "{a} vs {b}");
		}
	}

	#[test]
	fn training_is_deterministic_and_learns() {
		let model = tiny();
		let corpus: Vec<Example> = (0..6)
			.map(|i| Example::Instruction { prompt: format!("item {i}?"), response: "zebra".into() })
			.collect();
		let cfg = TrainConfig {
			epochs: 8,
			batch_size: 2,
			learning_rate: 1e-2,
			max_seq_len: 64,
			eval_percent: 34,
			..TrainConfig::default()
		};
		let mut steps = 0;
		let (a1, r1) = train(&model, &corpus, &cfg, |p| {
			steps = p.step;
			assert!(p.loss.is_finite() && p.total_steps >= p.step);
		})
		.unwrap();
		let (a2, r2) = train(&model, &corpus, &cfg, |_| {}).unwrap();
		assert_eq!(a1.id(), a2.id(), "same seed, same adapter bytes");
		assert_eq!(r1.loss_curve, r2.loss_curve);
		assert_eq!(steps, r1.loss_curve.len());
		assert!(r1.eval_loss_after.unwrap() < r1.eval_loss_before.unwrap());
		let other = TrainConfig { seed: 1, ..cfg.clone() };
		let (a3, _) = train(&model, &corpus, &other, |_| {}).unwrap();
		assert_ne!(a1.id(), a3.id(), "another seed, another adapter");
	}

	#[test]
	fn bad_training_setups_are_refused() {
		let model = tiny();
		let corpus = vec![Example::Text { text: "abc".into() }];
		let bad = [
			TrainConfig { learning_rate: 0.0, ..TrainConfig::default() },
			TrainConfig { epochs: 0, ..TrainConfig::default() },
			TrainConfig { rank: 0, ..TrainConfig::default() },
			TrainConfig { target_modules: vec![], ..TrainConfig::default() },
			TrainConfig { max_seq_len: 100_000, ..TrainConfig::default() },
		];
		for cfg in bad {
			assert!(matches!(train(&model, &corpus, &cfg, |_| {}), Err(Error::InvalidTraining(_))));
		}
		let empty: Vec<Example> = vec![Example::Text { text: String::new() }];
		assert!(matches!(
			train(&model, &empty, &TrainConfig::default(), |_| {}),
			Err(Error::InvalidTraining(_))
		));
	}
}
