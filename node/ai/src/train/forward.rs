//! The differentiable llama forward used for training: the base dequantised to dense, frozen
//! weights; only the LoRA `A`/`B` matrices are variables.

use std::collections::BTreeMap;

use candle_core::{DType, Tensor, Var, D};

use rand::{Rng, SeedableRng};

use crate::{
	error::Error, error::Result, lora::LoraAdapter, lora::LoraConfig, lora::LoraPair, lora::Target,
	model::dequantize, model::Model,
};

use super::*;

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
				let a: Vec<f32> = (0..config.rank * d_in)
					.map(|_| (rng.random::<f32>() * 2.0 - 1.0) * bound)
					.collect();
				let a = Var::from_tensor(
					&Tensor::from_vec(a, (config.rank, d_in), dev)?.to_dtype(dtype)?,
				)?;
				let b = Var::zeros((d_out, config.rank), dtype, dev)?;
				m.insert(*t, (a, b));
			}
			pairs.push(m);
		}
		Ok(Self { config, pairs })
	}

	/// Variables holding `adapter`'s weights, so that a run continues it. Its shape must be
	/// `config`'s (same rank, alpha and target modules) and it must adapt every target of every
	/// layer.
	pub fn continuing(model: &Model, config: LoraConfig, adapter: &LoraAdapter) -> Result<Self> {
		let mut ours = config.target_modules.clone();
		let mut theirs = adapter.config.target_modules.clone();
		ours.sort();
		theirs.sort();
		if adapter.config.rank != config.rank
			|| adapter.config.alpha != config.alpha
			|| ours != theirs
		{
			return Err(Error::InvalidTraining(format!(
				"the parent adapter is rank {}, alpha {}, {theirs:?}; the run is rank {}, alpha {}, \
				 {ours:?}",
				adapter.config.rank, adapter.config.alpha, config.rank, config.alpha
			)));
		}
		let complete = adapter.layers.len() == model.config.num_hidden_layers
			&& adapter.layers.iter().all(|l| ours.iter().all(|t| l.contains_key(t)));
		if !complete {
			return Err(Error::InvalidTraining(
				"the parent adapter does not adapt every target of every layer".into(),
			));
		}
		let vars = Self::from_adapter(model, adapter, DType::F32)?;
		Ok(Self { config, pairs: vars.pairs })
	}

	pub fn all_vars(&self) -> Vec<Var> {
		self.pairs
			.iter()
			.flat_map(|m| m.values())
			.flat_map(|(a, b)| [a.clone(), b.clone()])
			.collect()
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
			let d =
				x.broadcast_matmul(&a.as_tensor().t()?)?.broadcast_matmul(&b.as_tensor().t()?)?;
			Ok((y + (d * scale)?)?)
		}
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
	let mut x =
		base.embed.index_select(&ids.flatten_all()?, 0)?.reshape((b, t, cfg.hidden_size))?;
	let cos = base.cos.narrow(0, 0, t)?;
	let sin = base.sin.narrow(0, 0, t)?;
	let mask: Vec<f32> = (0..t * t).map(|i| if i % t > i / t { -1e9 } else { 0.0 }).collect();
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
			Ok(x.unsqueeze(2)?
				.broadcast_as((b, nkv, group, t, hd))?
				.contiguous()?
				.reshape((b, nh, t, hd))?)
		};
		let k = repeat(k)?;
		let v = repeat(v)?;
		let att = (q.matmul(&k.t()?.contiguous()?)? * att_scale)?.broadcast_add(&mask)?;
		let max = att.max_keepdim(D::Minus1)?.detach();
		let e = att.broadcast_sub(&max)?.exp()?;
		let probs = e.broadcast_div(&e.sum_keepdim(D::Minus1)?)?;
		let y =
			probs.matmul(&v)?.transpose(1, 2)?.contiguous()?.reshape((b, t, cfg.hidden_size))?;
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
	let hidden =
		hidden_train(model, base, lora, &ids)?.reshape((bsz * t, model.config.hidden_size))?;
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
