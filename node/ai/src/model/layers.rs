//! The decoder's building blocks: quantised linear layers (with dense replacements for merged
//! adapters), decoder layers and rotary position embeddings.

use std::sync::Arc;

use candle_core::{quantized::QMatMul, DType, Device, Module, Tensor};

use crate::{config::LlamaConfig, error::Result, kernels::QuantMatrix, lora::Target};

/// A projection: candle's `QMatMul` (used for training and dense weights) and, for the GGUF
/// types the engine has its own kernels for, the repacked fast form used for inference.
#[derive(Clone, Debug)]
pub(crate) struct Linear {
	pub q: QMatMul,
	pub(crate) fast: Option<Arc<QuantMatrix>>,
}

impl Linear {
	pub fn new(q: QMatMul) -> Self {
		let fast = match &q {
			QMatMul::QTensor(t) if t.device().is_cpu() => {
				QuantMatrix::from_qtensor(t).map(Arc::new)
			}
			_ => None,
		};
		Self { q, fast }
	}

	/// `x·Wᵀ` for `rows` rows.
	pub fn forward_rows(&self, x: &[f32], rows: usize, device: &Device) -> Result<Vec<f32>> {
		if let Some(f) = &self.fast {
			return Ok(f.matmul(x, rows));
		}
		let k = x.len() / rows.max(1);
		let t = Tensor::from_slice(x, (rows, k), device)?;
		to_rows(&self.q.forward(&t)?)
	}
}

/// A decoder layer's weights.
#[derive(Clone, Debug)]
pub(crate) struct Layer {
	pub attn_norm: Tensor,
	pub ffn_norm: Tensor,
	pub(crate) attn_norm_v: Vec<f32>,
	pub(crate) ffn_norm_v: Vec<f32>,
	/// Projections in [`Target::ALL`] order.
	pub(crate) lins: Vec<Linear>,
	/// Q, K and V fused into one matrix (one parallel pass instead of three) when all three
	/// have the fast form.
	pub(crate) qkv: Option<Arc<QuantMatrix>>,
	/// Gate and up fused likewise.
	pub(crate) gate_up: Option<Arc<QuantMatrix>>,
}

pub(crate) fn target_index(t: Target) -> usize {
	Target::ALL.iter().position(|x| *x == t).unwrap_or(0)
}

impl Layer {
	pub(crate) fn new(attn_norm: Tensor, ffn_norm: Tensor, lins: [QMatMul; 7]) -> Result<Self> {
		let mut layer = Self {
			attn_norm_v: attn_norm.to_vec1::<f32>()?,
			ffn_norm_v: ffn_norm.to_vec1::<f32>()?,
			attn_norm,
			ffn_norm,
			lins: lins.into_iter().map(Linear::new).collect(),
			qkv: None,
			gate_up: None,
		};
		layer.fuse();
		Ok(layer)
	}

	pub(crate) fn fuse(&mut self) {
		let fast = |t: Target| self.lins[target_index(t)].fast.as_deref();
		self.qkv =
			QuantMatrix::concat(&[fast(Target::Q), fast(Target::K), fast(Target::V)]).map(Arc::new);
		self.gate_up = QuantMatrix::concat(&[fast(Target::Gate), fast(Target::Up)]).map(Arc::new);
	}
	pub(crate) fn linear(&self, t: Target) -> &QMatMul {
		&self.lins[target_index(t)].q
	}
	pub(crate) fn lin(&self, t: Target) -> &Linear {
		&self.lins[target_index(t)]
	}
	pub(crate) fn set_dense(&mut self, t: Target, w: Tensor) {
		self.lins[target_index(t)] = Linear::new(QMatMul::Tensor(w));
		self.fuse();
	}
}

/// Dequantises a linear layer's weight to `f32` `[out, in]`.
pub(crate) fn dequantize(m: &QMatMul) -> Result<Tensor> {
	Ok(match m {
		QMatMul::QTensor(q) => q.dequantize(&q.device())?,
		QMatMul::Tensor(t) => t.to_dtype(DType::F32)?,
		QMatMul::TensorF16(t) => t.to_dtype(DType::F32)?,
	})
}

/// Precomputed RoPE angles for every position (llama.cpp's interleaved "normal" RoPE: pairs
/// `(x[2i], x[2i+1])`).
#[derive(Clone, Debug)]
pub(crate) struct Rope {
	pub cos: Vec<f32>,
	pub sin: Vec<f32>,
	pub half: usize,
}

impl Rope {
	pub(crate) fn new(cfg: &LlamaConfig) -> Self {
		let hd = cfg.head_dim();
		let half = hd / 2;
		let mut cos = Vec::with_capacity(cfg.max_position_embeddings * half);
		let mut sin = Vec::with_capacity(cfg.max_position_embeddings * half);
		for p in 0..cfg.max_position_embeddings {
			for i in 0..half {
				let inv = (f64::from(cfg.rope_theta)).powf(-2.0 * i as f64 / hd as f64);
				let a = p as f64 * inv;
				cos.push(a.cos() as f32);
				sin.push(a.sin() as f32);
			}
		}
		Self { cos, sin, half }
	}

	/// Rotates one head (length `2·half`) at position `pos` in place.
	#[inline]
	pub(crate) fn apply(&self, x: &mut [f32], pos: usize) {
		let c = &self.cos[pos * self.half..(pos + 1) * self.half];
		let s = &self.sin[pos * self.half..(pos + 1) * self.half];
		for (pair, (c, s)) in x.chunks_exact_mut(2).zip(c.iter().zip(s)) {
			let (x0, x1) = (pair[0], pair[1]);
			pair[0] = x0 * c - x1 * s;
			pair[1] = x0 * s + x1 * c;
		}
	}
}

/// A tensor's values as row-major `f32`.
pub(crate) fn to_rows(t: &Tensor) -> Result<Vec<f32>> {
	Ok(t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?)
}
