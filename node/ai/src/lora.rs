//! LoRA adapters in the PEFT layout.
//!
//! A file is PEFT's `adapter_model.safetensors` (`base_model.model.model.layers.{i}.self_attn.
//! q_proj.lora_A.weight` of shape `[r, in]`, `lora_B.weight` of shape `[out, r]`, ...) next to an
//! `adapter_config.json` (`r`, `lora_alpha`, `target_modules`), so adapters trained with PEFT load
//! here and ours load in PEFT. Our files also carry the config in the safetensors metadata, so
//! the single file is self-describing and its SHA-256 — the [`AdapterId`] — covers everything
//! that changes the adapter's output.
//!
//! GGUF models store `q_proj`/`k_proj` rows permuted for llama.cpp's interleaved RoPE. The engine
//! keeps adapters in that (GGUF) row order and converts `lora_B` of `q_proj`/`k_proj` from and to
//! Hugging Face order at the file boundary.

use std::{
	collections::{BTreeMap, HashMap},
	fmt,
	path::Path,
};

use candle_core::{DType, Device};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
	config::LlamaConfig,
	error::{Error, Result},
};

/// A linear layer of the decoder that an adapter may modify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Target {
	/// `self_attn.q_proj`
	#[serde(rename = "q_proj")]
	Q,
	/// `self_attn.k_proj`
	#[serde(rename = "k_proj")]
	K,
	/// `self_attn.v_proj`
	#[serde(rename = "v_proj")]
	V,
	/// `self_attn.o_proj`
	#[serde(rename = "o_proj")]
	O,
	/// `mlp.gate_proj`
	#[serde(rename = "gate_proj")]
	Gate,
	/// `mlp.up_proj`
	#[serde(rename = "up_proj")]
	Up,
	/// `mlp.down_proj`
	#[serde(rename = "down_proj")]
	Down,
}

impl Target {
	/// All targets in decoder order.
	pub const ALL: [Target; 7] =
		[Target::Q, Target::K, Target::V, Target::O, Target::Gate, Target::Up, Target::Down];

	/// PEFT's module name.
	pub fn peft_name(self) -> &'static str {
		match self {
			Target::Q => "q_proj",
			Target::K => "k_proj",
			Target::V => "v_proj",
			Target::O => "o_proj",
			Target::Gate => "gate_proj",
			Target::Up => "up_proj",
			Target::Down => "down_proj",
		}
	}

	fn parent(self) -> &'static str {
		match self {
			Target::Q | Target::K | Target::V | Target::O => "self_attn",
			_ => "mlp",
		}
	}

	/// Parses PEFT's module name.
	pub fn from_peft(name: &str) -> Option<Self> {
		Self::ALL.into_iter().find(|t| t.peft_name() == name)
	}

	/// `(in, out)` widths of this linear layer.
	pub fn dims(self, cfg: &LlamaConfig) -> (usize, usize) {
		let kv = cfg.num_key_value_heads * cfg.head_dim();
		match self {
			Target::Q | Target::O => (cfg.hidden_size, cfg.hidden_size),
			Target::K | Target::V => (cfg.hidden_size, kv),
			Target::Gate | Target::Up => (cfg.hidden_size, cfg.intermediate_size),
			Target::Down => (cfg.intermediate_size, cfg.hidden_size),
		}
	}
}

/// Rank, scaling and targets of an adapter (PEFT's `LoraConfig` subset that changes outputs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoraConfig {
	/// Rank `r` of the update `B·A`.
	pub rank: usize,
	/// `lora_alpha`; the update is scaled by `alpha / r`.
	pub alpha: f32,
	/// Modules carrying an update.
	pub target_modules: Vec<Target>,
}

impl LoraConfig {
	/// `alpha / r`.
	pub fn scale(&self) -> f32 {
		#[allow(clippy::cast_precision_loss, reason = "ranks are small")]
		let r = self.rank.max(1) as f32;
		self.alpha / r
	}

	/// Rejects a zero rank, no targets or a non-finite alpha.
	pub fn validate(&self) -> Result<()> {
		if self.rank == 0 || self.rank > 1024 {
			return Err(Error::BadAdapter(format!("rank {} is outside 1..=1024", self.rank)));
		}
		if !self.alpha.is_finite() || self.alpha <= 0.0 {
			return Err(Error::BadAdapter(format!("lora_alpha {} must be positive", self.alpha)));
		}
		if self.target_modules.is_empty() {
			return Err(Error::BadAdapter("no target modules".into()));
		}
		Ok(())
	}
}

/// The low-rank pair of one linear layer, row-major `f32`.
#[derive(Clone, Debug, PartialEq)]
pub struct LoraPair {
	/// `A`: `[rank, in]`.
	pub a: Vec<f32>,
	/// `B`: `[out, rank]`.
	pub b: Vec<f32>,
	/// Input width.
	pub d_in: usize,
	/// Output width.
	pub d_out: usize,
	/// Rank.
	pub rank: usize,
}

impl LoraPair {
	/// Adds `scale · B·(A·x)` to `y` for one row.
	#[inline]
	pub fn apply_row(&self, x: &[f32], y: &mut [f32], scale: f32, scratch: &mut Vec<f32>) {
		scratch.clear();
		for a_row in self.a.chunks_exact(self.d_in) {
			let t: f32 = a_row.iter().zip(x).map(|(a, x)| a * x).sum();
			scratch.push(t * scale);
		}
		for (y, b_row) in y.iter_mut().zip(self.b.chunks_exact(self.rank)) {
			*y += b_row.iter().zip(scratch.iter()).map(|(b, t)| b * t).sum::<f32>();
		}
	}

	/// `B·A` as a row-major `[out, in]` matrix.
	pub fn delta(&self, scale: f32) -> Vec<f32> {
		let mut d = vec![0f32; self.d_out * self.d_in];
		for (o, row) in d.chunks_exact_mut(self.d_in).enumerate() {
			for r in 0..self.rank {
				let b = self.b[o * self.rank + r] * scale;
				let a_row = &self.a[r * self.d_in..(r + 1) * self.d_in];
				for (d, a) in row.iter_mut().zip(a_row) {
					*d += b * a;
				}
			}
		}
		d
	}

	fn bytes(&self) -> usize {
		(self.a.len() + self.b.len()) * std::mem::size_of::<f32>()
	}
}

/// SHA-256 of an adapter's canonical safetensors bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AdapterId(pub [u8; 32]);

impl fmt::Display for AdapterId {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		for b in self.0 {
			write!(f, "{b:02x}")?;
		}
		Ok(())
	}
}

impl fmt::Debug for AdapterId {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "AdapterId({self})")
	}
}

impl Serialize for AdapterId {
	fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
		s.serialize_str(&self.to_string())
	}
}

impl<'de> Deserialize<'de> for AdapterId {
	fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
		let s = String::deserialize(d)?;
		s.parse().map_err(serde::de::Error::custom)
	}
}

impl std::str::FromStr for AdapterId {
	type Err = Error;
	fn from_str(s: &str) -> Result<Self> {
		let s = s.strip_prefix("0x").unwrap_or(s);
		let bad = || Error::InvalidRequest(format!("'{s}' is not a 64-hex-digit adapter id"));
		if s.len() != 64 {
			return Err(bad());
		}
		let mut id = [0u8; 32];
		for (i, byte) in id.iter_mut().enumerate() {
			*byte = u8::from_str_radix(s.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
				.map_err(|_| bad())?;
		}
		Ok(Self(id))
	}
}

/// A loaded LoRA adapter.
#[derive(Clone, Debug)]
pub struct LoraAdapter {
	/// Rank, alpha, targets.
	pub config: LoraConfig,
	/// Per decoder layer, the pairs of its targeted modules (GGUF row order).
	pub layers: Vec<BTreeMap<Target, LoraPair>>,
	id: AdapterId,
}

const CONFIG_KEY: &str = "openledger.lora_config";

fn peft_key(layer: usize, t: Target, ab: &str) -> String {
	format!(
		"base_model.model.model.layers.{layer}.{}.{}.lora_{ab}.weight",
		t.parent(),
		t.peft_name()
	)
}

/// Converts between Hugging Face and GGUF row order for RoPE'd projections (`q_proj`,
/// `k_proj`): llama.cpp's converter maps HF row `h·d + c·d/2 + i` to GGUF row `h·d + 2i + c`.
fn permute_rows(b: &[f32], heads: usize, head_dim: usize, cols: usize, to_gguf: bool) -> Vec<f32> {
	let mut out = vec![0f32; b.len()];
	let half = head_dim / 2;
	for h in 0..heads {
		for i in 0..half {
			for c in 0..2 {
				let hf = h * head_dim + c * half + i;
				let gg = h * head_dim + 2 * i + c;
				let (src, dst) = if to_gguf { (hf, gg) } else { (gg, hf) };
				out[dst * cols..(dst + 1) * cols].copy_from_slice(&b[src * cols..(src + 1) * cols]);
			}
		}
	}
	out
}

impl LoraAdapter {
	/// Builds an adapter from its pairs, checking shapes against the model, and computes its id.
	pub fn new(
		config: LoraConfig,
		layers: Vec<BTreeMap<Target, LoraPair>>,
		model: &LlamaConfig,
	) -> Result<Self> {
		config.validate()?;
		if layers.len() != model.num_hidden_layers {
			return Err(Error::BadAdapter(format!(
				"{} layers, the model has {}",
				layers.len(),
				model.num_hidden_layers
			)));
		}
		for (i, layer) in layers.iter().enumerate() {
			for (t, p) in layer {
				let (d_in, d_out) = t.dims(model);
				let ok = p.d_in == d_in
					&& p.d_out == d_out
					&& p.rank == config.rank
					&& p.a.len() == p.rank * d_in
					&& p.b.len() == d_out * p.rank;
				if !ok {
					return Err(Error::BadAdapter(format!(
						"layer {i} {}: shape does not fit the model ({d_in}->{d_out}, rank {})",
						t.peft_name(),
						config.rank
					)));
				}
				if p.a.iter().chain(&p.b).any(|v| !v.is_finite()) {
					return Err(Error::BadAdapter(format!(
						"layer {i} {}: non-finite weights",
						t.peft_name()
					)));
				}
			}
		}
		let mut adapter = Self { config, layers, id: AdapterId([0; 32]) };
		adapter.id = AdapterId(Sha256::digest(adapter.to_safetensors(model)?).into());
		Ok(adapter)
	}

	/// A randomly initialised adapter with both matrices non-zero (for tests and benchmarks;
	/// training starts from `B = 0` instead).
	pub fn random(config: LoraConfig, model: &LlamaConfig, seed: u64, std: f32) -> Result<Self> {
		use rand::{Rng, SeedableRng};
		let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
		let mut gen = |n: usize| -> Vec<f32> {
			(0..n).map(|_| (rng.random::<f32>() * 2.0 - 1.0) * std).collect()
		};
		let layers = (0..model.num_hidden_layers)
			.map(|_| {
				config
					.target_modules
					.iter()
					.map(|t| {
						let (d_in, d_out) = t.dims(model);
						let a = gen(config.rank * d_in);
						let b = gen(d_out * config.rank);
						(*t, LoraPair { a, b, d_in, d_out, rank: config.rank })
					})
					.collect()
			})
			.collect();
		Self::new(config, layers, model)
	}

	/// The adapter's identity: SHA-256 of its canonical safetensors bytes.
	pub fn id(&self) -> AdapterId {
		self.id
	}

	/// Bytes of weights held in memory.
	pub fn memory_bytes(&self) -> usize {
		self.layers.iter().flat_map(|l| l.values()).map(LoraPair::bytes).sum()
	}

	/// The canonical file: PEFT tensor names in Hugging Face row order, f32, config in metadata.
	pub fn to_safetensors(&self, model: &LlamaConfig) -> Result<Vec<u8>> {
		let hd = model.head_dim();
		let mut tensors: Vec<(String, Vec<u8>, Vec<usize>)> = Vec::new();
		for (i, layer) in self.layers.iter().enumerate() {
			for (t, p) in layer {
				let b = match t {
					Target::Q => permute_rows(&p.b, model.num_attention_heads, hd, p.rank, false),
					Target::K => permute_rows(&p.b, model.num_key_value_heads, hd, p.rank, false),
					_ => p.b.clone(),
				};
				tensors.push((peft_key(i, *t, "A"), le_bytes(&p.a), vec![p.rank, p.d_in]));
				tensors.push((peft_key(i, *t, "B"), le_bytes(&b), vec![p.d_out, p.rank]));
			}
		}
		canonical_safetensors(tensors, CONFIG_KEY, serde_json::to_string(&self.config)?)
	}

	/// PEFT's `adapter_config.json` for this adapter.
	pub fn peft_config_json(&self, base_model: &str) -> serde_json::Value {
		serde_json::json!({
			"peft_type": "LORA",
			"task_type": "CAUSAL_LM",
			"base_model_name_or_path": base_model,
			"r": self.config.rank,
			"lora_alpha": self.config.alpha,
			"lora_dropout": 0.0,
			"bias": "none",
			"fan_in_fan_out": false,
			"target_modules": self.config.target_modules.iter().map(|t| t.peft_name()).collect::<Vec<_>>(),
		})
	}

	/// Writes `adapter_model.safetensors` and `adapter_config.json` into `dir`.
	pub fn save_peft(&self, dir: &Path, model: &LlamaConfig, base_model: &str) -> Result<()> {
		std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
		let st = dir.join("adapter_model.safetensors");
		std::fs::write(&st, self.to_safetensors(model)?).map_err(|e| Error::io(&st, e))?;
		let cfg = dir.join("adapter_config.json");
		let json = serde_json::to_string_pretty(&self.peft_config_json(base_model))?;
		std::fs::write(&cfg, json).map_err(|e| Error::io(&cfg, e))?;
		Ok(())
	}

	/// Loads a PEFT adapter from a directory (`adapter_model.safetensors` +
	/// `adapter_config.json`) or a single safetensors file carrying our config metadata.
	pub fn load(path: &Path, model: &LlamaConfig) -> Result<Self> {
		let (file, config_file) = if path.is_dir() {
			(path.join("adapter_model.safetensors"), Some(path.join("adapter_config.json")))
		} else {
			(path.to_path_buf(), path.parent().map(|p| p.join("adapter_config.json")))
		};
		let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
		let peft_json = config_file
			.filter(|p| p.is_file())
			.map(|p| std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e)));
		let peft_json = match peft_json {
			Some(r) => Some(r?),
			None => None,
		};
		Self::from_bytes(&bytes, peft_json.as_deref(), model)
	}

	/// Parses adapter bytes; the config comes from the file's metadata or from PEFT's JSON.
	pub fn from_bytes(bytes: &[u8], peft_json: Option<&str>, model: &LlamaConfig) -> Result<Self> {
		let (_, meta) = safetensors::SafeTensors::read_metadata(bytes)?;
		let from_meta = meta
			.metadata()
			.as_ref()
			.and_then(|m| m.get(CONFIG_KEY))
			.map(|s| serde_json::from_str::<LoraConfig>(s))
			.transpose()?;
		let config = match (from_meta, peft_json) {
			(Some(c), _) => c,
			(None, Some(json)) => parse_peft_config(json)?,
			(None, None) => {
				return Err(Error::BadAdapter(
					"no adapter_config.json and no config in the file's metadata".into(),
				))
			}
		};
		config.validate()?;
		let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu)?;
		let hd = model.head_dim();
		let mut layers: Vec<BTreeMap<Target, LoraPair>> =
			(0..model.num_hidden_layers).map(|_| BTreeMap::new()).collect();
		for (i, layer) in layers.iter_mut().enumerate() {
			for t in &config.target_modules {
				let get = |ab: &str| -> Result<Option<(Vec<f32>, Vec<usize>)>> {
					let key = peft_key(i, *t, ab);
					let Some(tensor) = tensors.get(&key) else { return Ok(None) };
					let dims = tensor.dims().to_vec();
					let v = tensor.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
					Ok(Some((v, dims)))
				};
				let (Some((a, a_dims)), Some((b, b_dims))) = (get("A")?, get("B")?) else {
					// PEFT may leave some layers untargeted (layers_to_transform).
					continue;
				};
				let (d_in, d_out) = t.dims(model);
				if a_dims != [config.rank, d_in] || b_dims != [d_out, config.rank] {
					return Err(Error::BadAdapter(format!(
						"layer {i} {}: lora_A {a_dims:?} / lora_B {b_dims:?}, expected [{}, {d_in}] / [{d_out}, {}]",
						t.peft_name(),
						config.rank,
						config.rank
					)));
				}
				let b = match t {
					Target::Q => permute_rows(&b, model.num_attention_heads, hd, config.rank, true),
					Target::K => permute_rows(&b, model.num_key_value_heads, hd, config.rank, true),
					_ => b,
				};
				layer.insert(*t, LoraPair { a, b, d_in, d_out, rank: config.rank });
			}
		}
		if layers.iter().all(BTreeMap::is_empty) {
			return Err(Error::BadAdapter(
				"no lora_A/lora_B tensors match this model's layers".into(),
			));
		}
		Self::new(config, layers, model)
	}
}

fn parse_peft_config(json: &str) -> Result<LoraConfig> {
	#[derive(Deserialize)]
	struct Peft {
		r: usize,
		lora_alpha: f32,
		target_modules: serde_json::Value,
	}
	let p: Peft = serde_json::from_str(json)?;
	let names: Vec<String> = match p.target_modules {
		serde_json::Value::Array(v) => {
			v.into_iter().filter_map(|x| x.as_str().map(str::to_string)).collect()
		}
		serde_json::Value::String(s) => vec![s],
		_ => Vec::new(),
	};
	let mut targets = Vec::new();
	for n in names {
		let t = Target::from_peft(&n)
			.ok_or_else(|| Error::BadAdapter(format!("unknown target module '{n}'")))?;
		if !targets.contains(&t) {
			targets.push(t);
		}
	}
	targets.sort();
	Ok(LoraConfig { rank: p.r, alpha: p.lora_alpha, target_modules: targets })
}

pub(crate) fn le_bytes(v: &[f32]) -> Vec<u8> {
	v.iter().flat_map(|f| f.to_le_bytes()).collect()
}

/// Canonical safetensors bytes of f32 `tensors` (name, little-endian bytes, shape), sorted by
/// name, with one metadata entry `key` = `value`: safetensors takes a HashMap, whose order would
/// make the bytes (and so an id hashed from them) differ from run to run with two.
pub(crate) fn canonical_safetensors(
	mut tensors: Vec<(String, Vec<u8>, Vec<usize>)>,
	key: &str,
	value: String,
) -> Result<Vec<u8>> {
	tensors.sort_by(|a, b| a.0.cmp(&b.0));
	let views = tensors
		.iter()
		.map(|(n, data, shape)| {
			safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data)
				.map(|v| (n.clone(), v))
		})
		.collect::<std::result::Result<Vec<_>, _>>()?;
	let mut meta = HashMap::new();
	meta.insert(key.to_string(), value);
	Ok(safetensors::serialize(views, Some(meta))?)
}
