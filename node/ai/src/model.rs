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

/// A decoder layer's weights.
#[derive(Clone, Debug)]
pub(crate) struct Layer {
	pub attn_norm: Tensor,
	pub q: QMatMul,
	pub k: QMatMul,
	pub v: QMatMul,
	pub o: QMatMul,
	pub ffn_norm: Tensor,
	pub gate: QMatMul,
	pub up: QMatMul,
	pub down: QMatMul,
}

impl Layer {
	pub(crate) fn linear(&self, t: Target) -> &QMatMul {
		match t {
			Target::Q => &self.q,
			Target::K => &self.k,
			Target::V => &self.v,
			Target::O => &self.o,
			Target::Gate => &self.gate,
			Target::Up => &self.up,
			Target::Down => &self.down,
		}
	}
	fn linear_mut(&mut self, t: Target) -> &mut QMatMul {
		match t {
			Target::Q => &mut self.q,
			Target::K => &mut self.k,
			Target::V => &mut self.v,
			Target::O => &mut self.o,
			Target::Gate => &mut self.gate,
			Target::Up => &mut self.up,
			Target::Down => &mut self.down,
		}
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
	fn new(cfg: &LlamaConfig) -> Self {
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
	pub(crate) lm_head: QMatMul,
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
			let mut q = |n: &str, dims: &[usize]| -> Result<QMatMul> {
				Ok(QMatMul::from_qtensor(tensor(&format!("blk.{i}.{n}.weight"), dims)?)?)
			};
			let layer = Layer {
				q: q("attn_q", &[h, h])?,
				k: q("attn_k", &[kv, h])?,
				v: q("attn_v", &[kv, h])?,
				o: q("attn_output", &[h, h])?,
				gate: q("ffn_gate", &[ff, h])?,
				up: q("ffn_up", &[ff, h])?,
				down: q("ffn_down", &[h, ff])?,
				attn_norm: tensor(&format!("blk.{i}.attn_norm.weight"), &[h])?.dequantize(device)?,
				ffn_norm: tensor(&format!("blk.{i}.ffn_norm.weight"), &[h])?.dequantize(device)?,
			};
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
			norm,
			lm_head,
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
			layers.push(Layer {
				attn_norm: ones(h)?,
				q: lin(randn(h, h, wstd)?)?,
				k: lin(randn(kv, h, wstd)?)?,
				v: lin(randn(kv, h, wstd)?)?,
				o: lin(randn(h, h, wstd)?)?,
				ffn_norm: ones(h)?,
				gate: lin(randn(ff, h, wstd)?)?,
				up: lin(randn(ff, h, wstd)?)?,
				down: lin(randn(h, ff, 1.0 / (ff as f32).sqrt())?)?,
			});
		}
		let lm_head = lin(randn(config.vocab_size, h, wstd)?)?;
		let tokenizer = Tokenizer::byte_level_test_tokenizer(config.vocab_size)?;
		let rope = Arc::new(Rope::new(&config));
		Ok(Self {
			tokenizer: Arc::new(tokenizer),
			info: ModelInfo { path: PathBuf::new(), sha256: format!("tiny-random-{seed}"), file_bytes: 0 },
			norm: ones(h)?,
			embed,
			layers,
			lm_head,
			rope,
			device,
			config,
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
				*layer.linear_mut(*t) = QMatMul::Tensor((w + delta)?);
			}
		}
		Ok(out)
	}

	/// Runs new tokens of several sequences through the decoder in one pass and returns, for
	/// each sequence, the logits after its last new token. Sequences may have different
	/// lengths and different adapters.
	pub fn forward_batch(&self, steps: &mut [Step<'_>]) -> Result<Vec<Vec<f32>>> {
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

		let ids_t = Tensor::from_vec(ids, rows, &self.device)?;
		let mut x = self.embed.index_select(&ids_t, 0)?;
		for (li, layer) in self.layers.iter().enumerate() {
			let xn = candle_nn::ops::rms_norm(&x, &layer.attn_norm, eps)?;
			let xn_rows = if any_adapter { Some(to_rows(&xn)?) } else { None };
			let lin = |t: Target, input: &Tensor, in_rows: Option<&Vec<f32>>| -> Result<Vec<f32>> {
				let y = layer.linear(t).forward(input)?;
				let mut y = to_rows(&y)?;
				if let Some(x_rows) = in_rows {
					apply_lora(&mut y, x_rows, &row_adapter, li, t);
				}
				Ok(y)
			};
			let mut q = lin(Target::Q, &xn, xn_rows.as_ref())?;
			let mut k = lin(Target::K, &xn, xn_rows.as_ref())?;
			let v = lin(Target::V, &xn, xn_rows.as_ref())?;
			// RoPE on queries and keys.
			q.par_chunks_mut(nh * hd).zip(row_pos.par_iter()).for_each(|(row, pos)| {
				for head in row.chunks_exact_mut(hd) {
					self.rope.apply(head, *pos);
				}
			});
			k.chunks_exact_mut(nkv * hd).zip(row_pos.iter()).for_each(|(row, pos)| {
				for head in row.chunks_exact_mut(hd) {
					self.rope.apply(head, *pos);
				}
			});
			// Append to caches.
			for ((kr, vr), si) in
				k.chunks_exact(nkv * hd).zip(v.chunks_exact(nkv * hd)).zip(row_step.iter())
			{
				let c = &mut steps[*si].cache;
				c.k[li].extend_from_slice(kr);
				c.v[li].extend_from_slice(vr);
			}
			// Attention, one row at a time in parallel; causal within the new tokens.
			let caches: Vec<(&[f32], &[f32])> =
				steps.iter().map(|s| (s.cache.k[li].as_slice(), s.cache.v[li].as_slice())).collect();
			let mut attn = vec![0f32; rows * nh * hd];
			attn.par_chunks_mut(nh * hd).enumerate().for_each(|(r, out)| {
				let (kc, vc) = caches[row_step[r]];
				let upto = row_pos[r] + 1;
				let mut scores = vec![0f32; upto];
				let qrow = &q[r * nh * hd..(r + 1) * nh * hd];
				for head in 0..nh {
					let kvh = head / group;
					let qh = &qrow[head * hd..(head + 1) * hd];
					let mut max = f32::NEG_INFINITY;
					for (t, s) in scores.iter_mut().enumerate() {
						let kh = &kc[(t * nkv + kvh) * hd..(t * nkv + kvh + 1) * hd];
						*s = qh.iter().zip(kh).map(|(a, b)| a * b).sum::<f32>() * scale;
						max = max.max(*s);
					}
					let mut sum = 0f32;
					for s in scores.iter_mut() {
						*s = (*s - max).exp();
						sum += *s;
					}
					let oh = &mut out[head * hd..(head + 1) * hd];
					for (t, s) in scores.iter().enumerate() {
						let w = s / sum;
						let vh = &vc[(t * nkv + kvh) * hd..(t * nkv + kvh + 1) * hd];
						for (o, v) in oh.iter_mut().zip(vh) {
							*o += w * v;
						}
					}
				}
			});
			let attn_t = Tensor::from_vec(attn.clone(), (rows, h), &self.device)?;
			let o = lin(Target::O, &attn_t, any_adapter.then_some(&attn))?;
			x = (x + Tensor::from_vec(o, (rows, h), &self.device)?)?;
			// MLP.
			let xn = candle_nn::ops::rms_norm(&x, &layer.ffn_norm, eps)?;
			let xn_rows = if any_adapter { Some(to_rows(&xn)?) } else { None };
			let gate = lin(Target::Gate, &xn, xn_rows.as_ref())?;
			let up = lin(Target::Up, &xn, xn_rows.as_ref())?;
			let act: Vec<f32> =
				gate.iter().zip(&up).map(|(g, u)| g / (1.0 + (-g).exp()) * u).collect();
			let act_t = Tensor::from_vec(act.clone(), (rows, cfg.intermediate_size), &self.device)?;
			let down = lin(Target::Down, &act_t, any_adapter.then_some(&act))?;
			x = (x + Tensor::from_vec(down, (rows, h), &self.device)?)?;
		}
		for s in steps.iter_mut() {
			s.cache.len += s.tokens.len();
		}
		// Logits for the last row of each sequence.
		let mut last = Vec::with_capacity(steps.len());
		let mut acc = 0u32;
		for s in steps.iter() {
			acc += s.tokens.len() as u32;
			last.push(acc - 1);
		}
		let last_t = Tensor::from_vec(last, steps.len(), &self.device)?;
		let xl = x.index_select(&last_t, 0)?;
		let xl = candle_nn::ops::rms_norm(&xl, &self.norm, eps)?;
		let logits = self.lm_head.forward(&xl)?;
		Ok(logits.to_dtype(DType::F32)?.to_vec2::<f32>()?)
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
