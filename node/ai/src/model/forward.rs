//! The batched forward pass: every sequence with its own length, cache and adapter in one pass.

use candle_core::Tensor;
use rayon::prelude::*;

use crate::{error::Error, error::Result, lora::LoraAdapter, lora::Target};

use super::*;

impl Model {
	/// Runs new tokens of several sequences through the decoder in one pass and returns, for
	/// each sequence, the logits after its last new token. Sequences may have different
	/// lengths and different adapters.
	pub fn forward_batch(&self, steps: &mut [Step<'_>]) -> Result<Vec<Vec<f32>>> {
		// Run inside the engine's pool so the calling thread works instead of waiting on a
		// latch for every parallel section (measured: ~30 % of decode time went to wake-ups).
		match compute_pool() {
			Some(pool) if rayon::current_thread_index().is_none() => {
				pool.install(|| self.forward_inner(steps))
			}
			_ => self.forward_inner(steps),
		}
	}

	fn forward_inner(&self, steps: &mut [Step<'_>]) -> Result<Vec<Vec<f32>>> {
		let cfg = &self.config;
		if steps.is_empty() {
			return Ok(Vec::new());
		}
		// Validate everything before touching any cache.
		for s in steps.iter() {
			if s.tokens.is_empty() {
				return Err(Error::InvalidRequest("a step has no tokens".into()));
			}
			if let Some(bad) = s.tokens.iter().find(|t| **t as usize >= cfg.vocab_size) {
				return Err(Error::InvalidRequest(format!(
					"token id {bad} is outside the vocabulary ({})",
					cfg.vocab_size
				)));
			}
			if s.cache.len + s.tokens.len() > cfg.max_position_embeddings {
				return Err(Error::InvalidRequest(format!(
					"context of {} tokens exceeds the model's {}",
					s.cache.len + s.tokens.len(),
					cfg.max_position_embeddings
				)));
			}
			if let Some(a) = s.adapter {
				if a.layers.len() != cfg.num_hidden_layers {
					return Err(Error::BadAdapter("adapter does not fit this model".into()));
				}
			}
		}
		// Row bookkeeping: (step index, position) per row.
		let mut row_step = Vec::new();
		let mut row_pos = Vec::new();
		let mut ids = Vec::new();
		for (si, s) in steps.iter().enumerate() {
			for (j, t) in s.tokens.iter().enumerate() {
				row_step.push(si);
				row_pos.push(s.cache.len + j);
				ids.push(*t);
			}
		}
		let rows = ids.len();
		let adapters: Vec<Option<&LoraAdapter>> = steps.iter().map(|s| s.adapter).collect();
		let row_adapter: Vec<Option<&LoraAdapter>> =
			row_step.iter().map(|s| adapters[*s]).collect();
		let any_adapter = adapters.iter().any(Option::is_some);

		let h = cfg.hidden_size;
		let hd = cfg.head_dim();
		let nh = cfg.num_attention_heads;
		let nkv = cfg.num_key_value_heads;
		let group = nh / nkv;
		let eps = cfg.rms_norm_eps as f32;
		let scale = 1.0 / (hd as f32).sqrt();

		let dev = &self.device;
		let ids_t = Tensor::from_vec(ids, rows, dev)?;
		let mut x = to_rows(&self.embed.index_select(&ids_t, 0)?)?;
		for (li, layer) in self.layers.iter().enumerate() {
			let lin = |t: Target, input: &[f32]| -> Result<Vec<f32>> {
				let mut y = layer.lin(t).forward_rows(input, rows, dev)?;
				if any_adapter {
					apply_lora(&mut y, input, &row_adapter, li, t);
				}
				Ok(y)
			};
			let xn = rms_rows(&x, &layer.attn_norm_v, eps);
			let (mut q, mut k, v) = match &layer.qkv {
				Some(f) => {
					let mut parts =
						split_cols(&f.matmul(&xn, rows), rows, &[nh * hd, nkv * hd, nkv * hd]);
					let mut v = parts.pop().unwrap_or_default();
					let mut k = parts.pop().unwrap_or_default();
					let mut q = parts.pop().unwrap_or_default();
					if any_adapter {
						apply_lora(&mut q, &xn, &row_adapter, li, Target::Q);
						apply_lora(&mut k, &xn, &row_adapter, li, Target::K);
						apply_lora(&mut v, &xn, &row_adapter, li, Target::V);
					}
					(q, k, v)
				}
				None => (lin(Target::Q, &xn)?, lin(Target::K, &xn)?, lin(Target::V, &xn)?),
			};
			// RoPE on queries and keys.
			for (row, pos) in q.chunks_exact_mut(nh * hd).zip(row_pos.iter()) {
				for head in row.chunks_exact_mut(hd) {
					self.rope.apply(head, *pos);
				}
			}
			for (row, pos) in k.chunks_exact_mut(nkv * hd).zip(row_pos.iter()) {
				for head in row.chunks_exact_mut(hd) {
					self.rope.apply(head, *pos);
				}
			}
			// Append to caches.
			for ((kr, vr), si) in
				k.chunks_exact(nkv * hd).zip(v.chunks_exact(nkv * hd)).zip(row_step.iter())
			{
				let c = &mut steps[*si].cache;
				c.k[li].extend_from_slice(kr);
				c.v[li].extend_from_slice(vr);
			}
			// Attention, rows in parallel; causal within the new tokens.
			let caches: Vec<(&[f32], &[f32])> = steps
				.iter()
				.map(|s| (s.cache.k[li].as_slice(), s.cache.v[li].as_slice()))
				.collect();
			let mut attn = vec![0f32; rows * nh * hd];
			// One task per (row, head).
			let attend = |(i, oh): (usize, &mut [f32])| {
				let (r, head) = (i / nh, i % nh);
				let (kc, vc) = caches[row_step[r]];
				let upto = row_pos[r] + 1;
				let mut scores = vec![0f32; upto];
				let kvh = head / group;
				let qh = &q[(r * nh + head) * hd..(r * nh + head + 1) * hd];
				let mut max = f32::NEG_INFINITY;
				for (t, s) in scores.iter_mut().enumerate() {
					let kh = &kc[(t * nkv + kvh) * hd..(t * nkv + kvh + 1) * hd];
					*s = dot(qh, kh) * scale;
					max = max.max(*s);
				}
				let mut sum = 0f32;
				for s in scores.iter_mut() {
					*s = (*s - max).exp();
					sum += *s;
				}
				let inv = 1.0 / sum;
				for (t, s) in scores.iter().enumerate() {
					let w = s * inv;
					let vh = &vc[(t * nkv + kvh) * hd..(t * nkv + kvh + 1) * hd];
					for (o, v) in oh.iter_mut().zip(vh) {
						*o += w * v;
					}
				}
			};
			attn.par_chunks_mut(hd).enumerate().for_each(attend);
			let o = lin(Target::O, &attn)?;
			add_into(&mut x, &o);
			// MLP.
			let xn = rms_rows(&x, &layer.ffn_norm_v, eps);
			let (gate, up) = match &layer.gate_up {
				Some(f) => {
					let ff = cfg.intermediate_size;
					let mut parts = split_cols(&f.matmul(&xn, rows), rows, &[ff, ff]);
					let mut up = parts.pop().unwrap_or_default();
					let mut gate = parts.pop().unwrap_or_default();
					if any_adapter {
						apply_lora(&mut gate, &xn, &row_adapter, li, Target::Gate);
						apply_lora(&mut up, &xn, &row_adapter, li, Target::Up);
					}
					(gate, up)
				}
				None => (lin(Target::Gate, &xn)?, lin(Target::Up, &xn)?),
			};
			let act: Vec<f32> =
				gate.iter().zip(&up).map(|(g, u)| g / (1.0 + (-g).exp()) * u).collect();
			let down = lin(Target::Down, &act)?;
			add_into(&mut x, &down);
		}
		for s in steps.iter_mut() {
			s.cache.len += s.tokens.len();
		}
		// Logits for the last row of each sequence.
		let mut last = Vec::with_capacity(steps.len() * h);
		let mut end = 0usize;
		for s in steps.iter() {
			end += s.tokens.len();
			last.extend_from_slice(&x[(end - 1) * h..end * h]);
		}
		let xl = rms_rows(&last, &self.norm_v, eps);
		let logits = self.lm_head.forward_rows(&xl, steps.len(), dev)?;
		Ok(logits.chunks_exact(cfg.vocab_size).map(<[f32]>::to_vec).collect())
	}

	/// Logits after `tokens` for a fresh sequence (convenience for tests and scoring).
	pub fn forward_tokens(
		&self,
		tokens: &[u32],
		adapter: Option<&LoraAdapter>,
	) -> Result<Vec<f32>> {
		let mut cache = KvCache::new(self);
		let mut steps = [Step { cache: &mut cache, tokens, adapter }];
		self.forward_batch(&mut steps)?
			.pop()
			.ok_or_else(|| Error::InvalidRequest("empty batch".into()))
	}
}

/// The engine's compute threads, sized to the machine's cores (`None` if no thread could be
/// started; the caller's thread then does the work through rayon's global pool).
fn compute_pool() -> Option<&'static rayon::ThreadPool> {
	static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
	POOL.get_or_init(|| {
		rayon::ThreadPoolBuilder::new().thread_name(|i| format!("ai-compute-{i}")).build().ok()
	})
	.as_ref()
}

/// Splits `[rows, Σwidths]` into one `[rows, width]` matrix per width.
fn split_cols(y: &[f32], rows: usize, widths: &[usize]) -> Vec<Vec<f32>> {
	let total: usize = widths.iter().sum();
	let mut out: Vec<Vec<f32>> = widths.iter().map(|w| Vec::with_capacity(w * rows)).collect();
	for row in y.chunks_exact(total).take(rows) {
		let mut off = 0;
		for (o, w) in out.iter_mut().zip(widths) {
			o.extend_from_slice(&row[off..off + w]);
			off += w;
		}
	}
	out
}

/// Dot product in eight independent lanes, so it vectorises (a plain float `sum` may not be
/// reordered by the compiler).
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
	let mut acc = [0f32; 8];
	let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
	let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
	for (x, y) in ca.zip(cb) {
		for i in 0..8 {
			acc[i] += x[i] * y[i];
		}
	}
	acc.iter().sum::<f32>() + tail
}

/// RMSNorm of each row of width `w.len()`.
fn rms_rows(x: &[f32], w: &[f32], eps: f32) -> Vec<f32> {
	let h = w.len();
	let mut out = Vec::with_capacity(x.len());
	for row in x.chunks_exact(h) {
		let ms = row.iter().map(|v| v * v).sum::<f32>() / h as f32;
		let inv = 1.0 / (ms + eps).sqrt();
		out.extend(row.iter().zip(w).map(|(v, w)| v * inv * w));
	}
	out
}

fn add_into(x: &mut [f32], y: &[f32]) {
	for (a, b) in x.iter_mut().zip(y) {
		*a += b;
	}
}

/// Adds each row's adapter product to `y` (rows × out), grouped by adapter.
fn apply_lora(
	y: &mut [f32],
	x: &[f32],
	row_adapter: &[Option<&LoraAdapter>],
	layer: usize,
	t: Target,
) {
	let rows = row_adapter.len();
	if rows == 0 {
		return;
	}
	let d_out = y.len() / rows;
	let d_in = x.len() / rows;
	y.par_chunks_mut(d_out).enumerate().for_each_init(Vec::new, |scratch, (r, yr)| {
		let Some(adapter) = row_adapter[r] else { return };
		let Some(pair) = adapter.layers.get(layer).and_then(|l| l.get(&t)) else { return };
		pair.apply_row(&x[r * d_in..(r + 1) * d_in], yr, adapter.config.scale(), scratch);
	});
}
