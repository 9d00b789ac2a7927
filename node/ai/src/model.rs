//! The inference model: a llama-family decoder over a quantised (GGUF) or dense base, with
//! LoRA adapters applied per row without merging, and batching across sequences that use
//! *different* adapters in one forward pass.
//!
//! Structure follows candle's `quantized_llama` (<https://github.com/huggingface/candle/blob/main/candle-transformers/src/models/quantized_llama.rs>):
//! the projections are candle `QMatMul`s; the KV cache, RoPE, attention and the LoRA products
//! are plain Rust over row-major `f32` rows so that every sequence in a batch can have its own
//! length and adapter. The LoRA step is the CPU form of Punica's SGMV: rows are grouped by
//! adapter and each group gets its own `B·(A·x)`.

use std::{
	io::{BufReader, Read},
	path::{Path, PathBuf},
	sync::Arc,
};

use candle_core::{
	quantized::{gguf_file, GgmlDType, QMatMul, QTensor},
	DType, Device, Module, Tensor,
};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::{
	config::LlamaConfig,
	error::{Error, Result},
	kernels::QuantMatrix,
	lora::{LoraAdapter, Target},
	tokenizer::Tokenizer,
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

/// A projection: candle's `QMatMul` (used for training and dense weights) and, for the GGUF
/// types the engine has its own kernels for, the repacked fast form used for inference.
#[derive(Clone, Debug)]
pub(crate) struct Linear {
	pub q: QMatMul,
	fast: Option<Arc<QuantMatrix>>,
}

impl Linear {
	pub fn new(q: QMatMul) -> Self {
		let fast = match &q {
			QMatMul::QTensor(t) if t.device().is_cpu() => QuantMatrix::from_qtensor(t).map(Arc::new),
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
	attn_norm_v: Vec<f32>,
	ffn_norm_v: Vec<f32>,
	/// Projections in [`Target::ALL`] order.
	lins: Vec<Linear>,
	/// Q, K and V fused into one matrix (one parallel pass instead of three) when all three
	/// have the fast form.
	qkv: Option<Arc<QuantMatrix>>,
	/// Gate and up fused likewise.
	gate_up: Option<Arc<QuantMatrix>>,
}

fn target_index(t: Target) -> usize {
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

	fn fuse(&mut self) {
		let fast = |t: Target| self.lins[target_index(t)].fast.as_deref();
		self.qkv = QuantMatrix::concat(&[fast(Target::Q), fast(Target::K), fast(Target::V)]).map(Arc::new);
		self.gate_up = QuantMatrix::concat(&[fast(Target::Gate), fast(Target::Up)]).map(Arc::new);
	}
	pub(crate) fn linear(&self, t: Target) -> &QMatMul {
		&self.lins[target_index(t)].q
	}
	fn lin(&self, t: Target) -> &Linear {
		&self.lins[target_index(t)]
	}
	fn set_dense(&mut self, t: Target, w: Tensor) {
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
	fn apply(&self, x: &mut [f32], pos: usize) {
		let c = &self.cos[pos * self.half..(pos + 1) * self.half];
		let s = &self.sin[pos * self.half..(pos + 1) * self.half];
		for (pair, (c, s)) in x.chunks_exact_mut(2).zip(c.iter().zip(s)) {
			let (x0, x1) = (pair[0], pair[1]);
			pair[0] = x0 * c - x1 * s;
			pair[1] = x0 * s + x1 * c;
		}
	}
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
	norm_v: Vec<f32>,
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

fn read_gguf_err(path: &Path, e: impl std::fmt::Display) -> Error {
	Error::bad_model(path, format!("not a readable GGUF file ({e})"))
}

fn md_str(md: &std::collections::HashMap<String, gguf_file::Value>, k: &str) -> Option<String> {
	md.get(k).and_then(|v| v.to_string().ok()).cloned()
}

fn md_u32(md: &std::collections::HashMap<String, gguf_file::Value>, k: &str) -> Option<u32> {
	md.get(k).and_then(|v| v.to_u32().ok().or_else(|| v.to_u64().ok().and_then(|x| u32::try_from(x).ok())))
}

/// SHA-256 and size of a file, streamed.
pub fn file_sha256(path: &Path) -> Result<(String, u64)> {
	let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
	let mut h = Sha256::new();
	let mut buf = vec![0u8; 1 << 20];
	let mut total = 0u64;
	loop {
		let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
		if n == 0 {
			break;
		}
		h.update(&buf[..n]);
		total += n as u64;
	}
	Ok((h.finalize().iter().map(|b| format!("{b:02x}")).collect(), total))
}

impl Model {
	/// Loads a llama-family GGUF file (any of candle's quantisation types).
	pub fn load_gguf(path: &Path, device: &Device) -> Result<Self> {
		let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
		let mut reader = BufReader::new(file);
		let content = gguf_file::Content::read(&mut reader).map_err(|e| read_gguf_err(path, e))?;
		let md = &content.metadata;
		let config = LlamaConfig::from_gguf(md).map_err(|e| Error::bad_model(path, e))?;
		let tokenizer = tokenizer_from_gguf(md).map_err(|e| Error::bad_model(path, e.to_string()))?;
		if tokenizer.vocab_size() != config.vocab_size {
			return Err(Error::bad_model(path, "tokenizer and embedding sizes differ"));
		}
		let mut tensor = |name: &str, dims: &[usize]| -> Result<QTensor> {
			let t = content
				.tensor(&mut reader, name, device)
				.map_err(|e| Error::bad_model(path, format!("tensor {name}: {e}")))?;
			if t.shape().dims() != dims {
				return Err(Error::bad_model(
					path,
					format!("tensor {name} has shape {:?}, expected {dims:?}", t.shape().dims()),
				));
			}
			Ok(t)
		};
		let h = config.hidden_size;
		let kv = config.num_key_value_heads * config.head_dim();
		let ff = config.intermediate_size;
		let embed_q = tensor("token_embd.weight", &[config.vocab_size, h])?;
		let embed = embed_q.dequantize(device)?;
		let norm = tensor("output_norm.weight", &[h])?.dequantize(device)?;
		let lm_head = if content.tensor_infos.contains_key("output.weight") {
			QMatMul::from_qtensor(tensor("output.weight", &[config.vocab_size, h])?)?
		} else {
			QMatMul::from_qtensor(embed_q)?
		};
		let mut layers = Vec::with_capacity(config.num_hidden_layers);
		for i in 0..config.num_hidden_layers {
			let attn_norm = tensor(&format!("blk.{i}.attn_norm.weight"), &[h])?.dequantize(device)?;
			let ffn_norm = tensor(&format!("blk.{i}.ffn_norm.weight"), &[h])?.dequantize(device)?;
			let mut q = |n: &str, dims: &[usize]| -> Result<QMatMul> {
				Ok(QMatMul::from_qtensor(tensor(&format!("blk.{i}.{n}.weight"), dims)?)?)
			};
			let layer = Layer::new(
				attn_norm,
				ffn_norm,
				[
					q("attn_q", &[h, h])?,
					q("attn_k", &[kv, h])?,
					q("attn_v", &[kv, h])?,
					q("attn_output", &[h, h])?,
					q("ffn_gate", &[ff, h])?,
					q("ffn_up", &[ff, h])?,
					q("ffn_down", &[h, ff])?,
				],
			)?;
			layers.push(layer);
		}
		drop(reader);
		let (sha256, file_bytes) = file_sha256(path)?;
		let rope = Arc::new(Rope::new(&config));
		Ok(Self {
			config,
			tokenizer: Arc::new(tokenizer),
			info: ModelInfo { path: path.to_path_buf(), sha256, file_bytes },
			embed,
			layers,
			norm_v: norm.to_vec1::<f32>()?,
			norm,
			lm_head: Linear::new(lm_head),
			rope,
			device: device.clone(),
		})
	}

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
			info: ModelInfo { path: PathBuf::new(), sha256: format!("tiny-random-{seed}"), file_bytes: 0 },
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
				let delta = Tensor::from_vec(pair.delta(scale), (pair.d_out, pair.d_in), &self.device)?;
				layer.set_dense(*t, (w + delta)?);
			}
		}
		Ok(out)
	}

	/// Runs new tokens of several sequences through the decoder in one pass and returns, for
	/// each sequence, the logits after its last new token. Sequences may have different
	/// lengths and different adapters.
	pub fn forward_batch(&self, steps: &mut [Step<'_>]) -> Result<Vec<Vec<f32>>> {
		// Run inside the engine's pool so the calling thread works instead of waiting on a
		// latch for every parallel section (measured: ~30 % of decode time went to wake-ups).
		match compute_pool() {
			Some(pool) if rayon::current_thread_index().is_none() =>
				pool.install(|| self.forward_inner(steps)),
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
		let row_adapter: Vec<Option<&LoraAdapter>> = row_step.iter().map(|s| adapters[*s]).collect();
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
					let mut parts = split_cols(&f.matmul(&xn, rows), rows, &[nh * hd, nkv * hd, nkv * hd]);
					let mut v = parts.pop().unwrap_or_default();
					let mut k = parts.pop().unwrap_or_default();
					let mut q = parts.pop().unwrap_or_default();
					if any_adapter {
						apply_lora(&mut q, &xn, &row_adapter, li, Target::Q);
						apply_lora(&mut k, &xn, &row_adapter, li, Target::K);
						apply_lora(&mut v, &xn, &row_adapter, li, Target::V);
					}
					(q, k, v)
				},
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
			let caches: Vec<(&[f32], &[f32])> =
				steps.iter().map(|s| (s.cache.k[li].as_slice(), s.cache.v[li].as_slice())).collect();
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
				},
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
	pub fn forward_tokens(&self, tokens: &[u32], adapter: Option<&LoraAdapter>) -> Result<Vec<f32>> {
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

fn to_rows(t: &Tensor) -> Result<Vec<f32>> {
	Ok(t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?)
}

/// Adds each row's adapter product to `y` (rows × out), grouped by adapter.
fn apply_lora(y: &mut [f32], x: &[f32], row_adapter: &[Option<&LoraAdapter>], layer: usize, t: Target) {
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

/// Builds the tokenizer from GGUF metadata.
pub(crate) fn tokenizer_from_gguf(
	md: &std::collections::HashMap<String, gguf_file::Value>,
) -> Result<Tokenizer> {
	let strings = |k: &str| -> Result<Vec<String>> {
		let v = md.get(k).ok_or_else(|| Error::BadTokenizer(format!("missing {k}")))?;
		v.to_vec()
			.map_err(|e| Error::BadTokenizer(format!("{k}: {e}")))?
			.iter()
			.map(|x| x.to_string().cloned().map_err(|e| Error::BadTokenizer(format!("{k}: {e}"))))
			.collect()
	};
	let tokens = strings("tokenizer.ggml.tokens")?;
	let merges = if md.contains_key("tokenizer.ggml.merges") { strings("tokenizer.ggml.merges")? } else { Vec::new() };
	let types = match md.get("tokenizer.ggml.token_type") {
		Some(v) => v
			.to_vec()
			.map_err(|e| Error::BadTokenizer(format!("token_type: {e}")))?
			.iter()
			.map(|x| x.to_i32().map_err(|e| Error::BadTokenizer(format!("token_type: {e}"))))
			.collect::<Result<Vec<_>>>()?,
		None => vec![1; tokens.len()],
	};
	let model = md_str(md, "tokenizer.ggml.model").unwrap_or_default();
	let pre = md_str(md, "tokenizer.ggml.pre").unwrap_or_default();
	let eos = md_u32(md, "tokenizer.ggml.eos_token_id")
		.ok_or_else(|| Error::BadTokenizer("missing tokenizer.ggml.eos_token_id".into()))?;
	let bos = md_u32(md, "tokenizer.ggml.bos_token_id");
	let add_bos = md.get("tokenizer.ggml.add_bos_token").and_then(|v| v.to_bool().ok()).unwrap_or(false);
	let template = md_str(md, "tokenizer.chat_template");
	Tokenizer::new(&model, &pre, tokens, types, &merges, bos, eos, add_bos, template)
}
