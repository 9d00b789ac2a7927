//! The inference model: a llama-family decoder over a quantised (GGUF) or dense base, with
//! LoRA adapters applied per row without merging, and batching across sequences that use
//! *different* adapters in one forward pass.
//!
//! Structure follows candle's `quantized_llama` (<https://github.com/huggingface/candle/blob/main/candle-transformers/src/models/quantized_llama.rs>):
//! the projections are candle `QMatMul`s; the KV cache, RoPE, attention and the LoRA products
//! are plain Rust over row-major `f32` rows so that every sequence in a batch can have its own
//! length and adapter. The LoRA step is the CPU form of Punica's SGMV: rows are grouped by
//! adapter and each group gets its own `B·(A·x)`.
//!
//! Files: `layers.rs` (quantised linear layers, decoder layers, RoPE), `forward.rs` (the batched
//! forward pass); the model's loaders are in [`crate::loader`].

mod forward;
mod layers;

pub use crate::loader::gguf::file_sha256;
pub(crate) use layers::*;

use std::{path::PathBuf, sync::Arc};

use candle_core::{
	quantized::GgmlDType, quantized::QMatMul, quantized::QTensor, DType, Device, Tensor,
};

use crate::{
	config::LlamaConfig, error::Error, error::Result, lora::LoraAdapter, tokenizer::Tokenizer,
};

/// Where a model came from.
#[derive(Clone, Debug)]
pub struct ModelInfo {
	/// File it was loaded from (empty for generated test models).
	pub path: PathBuf,
	/// SHA-256 of the file, hex: the base model's identity in lineage records.
	pub sha256: String,
	/// File size in bytes.
	pub file_bytes: u64,
}

/// A loaded base model with its tokenizer.
#[derive(Clone, Debug)]
pub struct Model {
	/// Shapes.
	pub config: LlamaConfig,
	/// Tokenizer from the model file.
	pub tokenizer: Arc<Tokenizer>,
	/// Provenance.
	pub info: ModelInfo,
	pub(crate) embed: Tensor,
	pub(crate) layers: Vec<Layer>,
	pub(crate) norm: Tensor,
	pub(crate) lm_head: Linear,
	pub(crate) norm_v: Vec<f32>,
	pub(crate) rope: Arc<Rope>,
	pub(crate) device: Device,
}

/// Per-sequence key/value cache.
#[derive(Clone, Debug, Default)]
pub struct KvCache {
	k: Vec<Vec<f32>>,
	v: Vec<Vec<f32>>,
	len: usize,
}

impl KvCache {
	/// An empty cache for `model`.
	pub fn new(model: &Model) -> Self {
		let n = model.config.num_hidden_layers;
		Self { k: vec![Vec::new(); n], v: vec![Vec::new(); n], len: 0 }
	}
	/// Positions already processed.
	pub fn len(&self) -> usize {
		self.len
	}
	/// Whether nothing has been processed.
	pub fn is_empty(&self) -> bool {
		self.len == 0
	}
	/// Bytes held.
	pub fn memory_bytes(&self) -> usize {
		self.k.iter().chain(&self.v).map(|v| v.capacity() * 4).sum()
	}
	/// A copy holding only the first `n` positions (all of them if `n` is larger): the keys and
	/// values of a position depend only on the tokens up to it, so the copy is exactly the cache
	/// of that prefix.
	pub fn prefix(&self, n: usize) -> Self {
		let n = n.min(self.len);
		let cut = |rows: &Vec<Vec<f32>>| -> Vec<Vec<f32>> {
			rows.iter()
				.map(|r| {
					let width = r.len().checked_div(self.len).unwrap_or(0);
					r[..n * width].to_vec()
				})
				.collect()
		};
		Self { k: cut(&self.k), v: cut(&self.v), len: n }
	}
}

/// One sequence's part of a batched forward pass.
pub struct Step<'a> {
	/// The sequence's cache; the new tokens are appended to it.
	pub cache: &'a mut KvCache,
	/// New tokens (a prompt chunk, or one token when decoding).
	pub tokens: &'a [u32],
	/// The adapter this sequence runs with, if any.
	pub adapter: Option<&'a LoraAdapter>,
}

impl Model {
	/// A randomly initialised model with a byte-level tokenizer (256 byte tokens plus
	/// `<|endoftext|>`, `<|im_start|>`, `<|im_end|>`), for tests. With `quantize`, the
	/// projections are stored as Q4_1 like the real model; otherwise as dense f32.
	pub fn tiny_random(config: LlamaConfig, seed: u64, quantize: bool) -> Result<Self> {
		use rand::{Rng, SeedableRng};
		config.validate().map_err(|e| Error::bad_model("", e))?;
		let device = Device::Cpu;
		let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
		let mut randn = |rows: usize, cols: usize, std: f32| -> Result<Tensor> {
			let v: Vec<f32> =
				(0..rows * cols).map(|_| (rng.random::<f32>() * 2.0 - 1.0) * std * 1.73).collect();
			Ok(Tensor::from_vec(v, (rows, cols), &device)?)
		};
		let lin = |t: Tensor| -> Result<QMatMul> {
			if quantize {
				Ok(QMatMul::from_qtensor(QTensor::quantize(&t, GgmlDType::Q4_1)?)?)
			} else {
				Ok(QMatMul::Tensor(t))
			}
		};
		let h = config.hidden_size;
		let kv = config.num_key_value_heads * config.head_dim();
		let ff = config.intermediate_size;
		let wstd = 1.0 / (h as f32).sqrt();
		let embed = randn(config.vocab_size, h, 1.0)?;
		let ones = |n: usize| Tensor::ones(n, DType::F32, &Device::Cpu);
		let mut layers = Vec::new();
		for _ in 0..config.num_hidden_layers {
			layers.push(Layer::new(
				ones(h)?,
				ones(h)?,
				[
					lin(randn(h, h, wstd)?)?,
					lin(randn(kv, h, wstd)?)?,
					lin(randn(kv, h, wstd)?)?,
					lin(randn(h, h, wstd)?)?,
					lin(randn(ff, h, wstd)?)?,
					lin(randn(ff, h, wstd)?)?,
					lin(randn(h, ff, 1.0 / (ff as f32).sqrt())?)?,
				],
			)?);
		}
		let lm_head = lin(randn(config.vocab_size, h, wstd)?)?;
		let tokenizer = Tokenizer::byte_level_test_tokenizer(config.vocab_size)?;
		let rope = Arc::new(Rope::new(&config));
		Ok(Self {
			tokenizer: Arc::new(tokenizer),
			info: ModelInfo {
				path: PathBuf::new(),
				sha256: format!("tiny-random-{seed}"),
				file_bytes: 0,
			},
			norm_v: vec![1.0; h],
			norm: ones(h)?,
			embed,
			layers,
			lm_head: Linear::new(lm_head),
			rope,
			device,
			config,
		})
	}

	/// Assembles a model from loaded parts.
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn from_parts(
		config: LlamaConfig,
		tokenizer: Tokenizer,
		info: ModelInfo,
		embed: Tensor,
		layers: Vec<Layer>,
		norm: Tensor,
		lm_head: Linear,
		rope: Arc<Rope>,
		device: Device,
	) -> Result<Self> {
		Ok(Self {
			config,
			tokenizer: Arc::new(tokenizer),
			info,
			embed,
			layers,
			norm_v: norm.to_vec1::<f32>()?,
			norm,
			lm_head,
			rope,
			device,
		})
	}

	/// The device the weights live on.
	pub fn device(&self) -> &Device {
		&self.device
	}

	/// A copy of this model with `adapter` merged into dense f32 weights of the layers it
	/// targets (`W + (alpha/r)·B·A`); other layers stay shared and quantised. Serving a hot
	/// adapter merged removes the per-row LoRA cost.
	pub fn merged(&self, adapter: &LoraAdapter) -> Result<Self> {
		let mut out = self.clone();
		let scale = adapter.config.scale();
		for (layer, pairs) in out.layers.iter_mut().zip(&adapter.layers) {
			for (t, pair) in pairs {
				let w = dequantize(layer.linear(*t))?;
				let delta =
					Tensor::from_vec(pair.delta(scale), (pair.d_out, pair.d_in), &self.device)?;
				layer.set_dense(*t, (w + delta)?);
			}
		}
		Ok(out)
	}
}
