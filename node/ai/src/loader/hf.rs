//! Loading Hugging Face llama-family checkpoints: a directory with `config.json`,
//! `model.safetensors` (or a sharded `model.safetensors.index.json`), `tokenizer.json` and
//! optionally `tokenizer_config.json` (chat template).
//!
//! Weights stay dense (f32) and run through candle's matmul. `q_proj`/`k_proj` rows are
//! permuted at load into the interleaved-RoPE order GGUF files use, exactly as llama.cpp's
//! converter does, so one RoPE implementation and one LoRA row order serve both formats.

use std::{
	collections::HashMap,
	path::{Path, PathBuf},
	sync::Arc,
};

use candle_core::{quantized::QMatMul, DType, Device, Tensor};
use serde::Deserialize;

use crate::{
	config::LlamaConfig,
	error::{Error, Result},
	model::{Layer, Linear, Model, ModelInfo, Rope},
	tokenizer::Tokenizer,
};

#[derive(Deserialize)]
struct HfConfig {
	model_type: Option<String>,
	vocab_size: usize,
	hidden_size: usize,
	intermediate_size: usize,
	num_hidden_layers: usize,
	num_attention_heads: usize,
	num_key_value_heads: Option<usize>,
	rope_theta: Option<f32>,
	rms_norm_eps: Option<f64>,
	max_position_embeddings: usize,
	#[serde(default)]
	tie_word_embeddings: bool,
	eos_token_id: Option<serde_json::Value>,
	bos_token_id: Option<u32>,
	hidden_act: Option<String>,
}

fn read(path: &Path) -> Result<String> {
	std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

/// Rows of a `[heads·hd, cols]` projection from Hugging Face order to GGUF order.
pub(crate) fn permute_hf_to_gguf(w: &Tensor, heads: usize) -> Result<Tensor> {
	let (rows, cols) = w.dims2()?;
	let hd = rows / heads.max(1);
	Ok(w.reshape((heads, 2, hd / 2, cols))?.transpose(1, 2)?.contiguous()?.reshape((rows, cols))?)
}

impl Model {
	/// Loads a model file or directory, choosing the format: GGUF by magic bytes, otherwise a
	/// Hugging Face safetensors checkpoint directory.
	pub fn load(path: &Path, device: &Device) -> Result<Self> {
		if path.is_file() {
			let mut magic = [0u8; 4];
			use std::io::Read;
			let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
			let n = f.read(&mut magic).map_err(|e| Error::io(path, e))?;
			if n == 4 && &magic == b"GGUF" {
				return Self::load_gguf(path, device);
			}
			if path.extension().is_some_and(|e| e == "safetensors") {
				if let Some(dir) = path.parent() {
					return Self::load_safetensors(dir, device);
				}
			}
			return Err(Error::bad_model(path, "neither a GGUF file nor a safetensors checkpoint"));
		}
		if path.is_dir() {
			return Self::load_safetensors(path, device);
		}
		Err(Error::io(path, std::io::Error::from(std::io::ErrorKind::NotFound)))
	}

	/// Loads a Hugging Face llama checkpoint directory.
	pub fn load_safetensors(dir: &Path, device: &Device) -> Result<Self> {
		let hf: HfConfig = serde_json::from_str(&read(&dir.join("config.json"))?)
			.map_err(|e| Error::bad_model(dir, format!("config.json: {e}")))?;
		if let Some(t) = &hf.model_type {
			if t != "llama" && t != "mistral" && t != "qwen2" {
				return Err(Error::bad_model(dir, format!("model_type '{t}' is not llama-family")));
			}
		}
		if hf.hidden_act.as_deref().is_some_and(|a| a != "silu") {
			return Err(Error::bad_model(dir, "only SiLU-gated MLPs are supported"));
		}
		let config = LlamaConfig {
			vocab_size: hf.vocab_size,
			hidden_size: hf.hidden_size,
			intermediate_size: hf.intermediate_size,
			num_hidden_layers: hf.num_hidden_layers,
			num_attention_heads: hf.num_attention_heads,
			num_key_value_heads: hf.num_key_value_heads.unwrap_or(hf.num_attention_heads),
			rope_theta: hf.rope_theta.unwrap_or(10_000.0),
			rms_norm_eps: hf.rms_norm_eps.unwrap_or(1e-6),
			max_position_embeddings: hf.max_position_embeddings,
		};
		config.validate().map_err(|e| Error::bad_model(dir, e))?;
		let files: Vec<PathBuf> = {
			let index = dir.join("model.safetensors.index.json");
			if index.is_file() {
				let v: serde_json::Value = serde_json::from_str(&read(&index)?)?;
				let mut f: Vec<String> = v["weight_map"]
					.as_object()
					.map(|m| m.values().filter_map(|x| x.as_str().map(str::to_string)).collect())
					.unwrap_or_default();
				f.sort();
				f.dedup();
				f.into_iter().map(|n| dir.join(n)).collect()
			} else {
				vec![dir.join("model.safetensors")]
			}
		};
		let mut tensors: HashMap<String, Tensor> = HashMap::new();
		// Each file is read once: parsed and hashed from the same bytes.
		let mut sha = String::new();
		let mut file_bytes = 0u64;
		for f in &files {
			let bytes = std::fs::read(f).map_err(|e| Error::io(f, e))?;
			let t = candle_core::safetensors::load_buffer(&bytes, device).map_err(|e| {
				Error::bad_model(f, format!("not a readable safetensors file ({e})"))
			})?;
			tensors.extend(t);
			use sha2::Digest;
			sha.extend(sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")));
			file_bytes += bytes.len() as u64;
		}
		let h = config.hidden_size;
		let kv = config.num_key_value_heads * config.head_dim();
		let ff = config.intermediate_size;
		let mut get = |name: &str, dims: &[usize]| -> Result<Tensor> {
			let t = tensors
				.remove(name)
				.ok_or_else(|| Error::bad_model(dir, format!("missing tensor {name}")))?;
			if t.dims() != dims {
				return Err(Error::bad_model(
					dir,
					format!("tensor {name} has shape {:?}, expected {dims:?}", t.dims()),
				));
			}
			Ok(t.to_dtype(DType::F32)?)
		};
		let embed = get("model.embed_tokens.weight", &[config.vocab_size, h])?;
		let norm = get("model.norm.weight", &[h])?;
		let lm_head = if hf.tie_word_embeddings {
			embed.clone()
		} else {
			get("lm_head.weight", &[config.vocab_size, h])?
		};
		let mut layers = Vec::new();
		for i in 0..config.num_hidden_layers {
			let p = format!("model.layers.{i}");
			let q = permute_hf_to_gguf(
				&get(&format!("{p}.self_attn.q_proj.weight"), &[h, h])?,
				config.num_attention_heads,
			)?;
			let k = permute_hf_to_gguf(
				&get(&format!("{p}.self_attn.k_proj.weight"), &[kv, h])?,
				config.num_key_value_heads,
			)?;
			let lins = [
				q,
				k,
				get(&format!("{p}.self_attn.v_proj.weight"), &[kv, h])?,
				get(&format!("{p}.self_attn.o_proj.weight"), &[h, h])?,
				get(&format!("{p}.mlp.gate_proj.weight"), &[ff, h])?,
				get(&format!("{p}.mlp.up_proj.weight"), &[ff, h])?,
				get(&format!("{p}.mlp.down_proj.weight"), &[h, ff])?,
			]
			.map(QMatMul::Tensor);
			layers.push(Layer::new(
				get(&format!("{p}.input_layernorm.weight"), &[h])?,
				get(&format!("{p}.post_attention_layernorm.weight"), &[h])?,
				lins,
			)?);
		}
		let tokenizer = hf_tokenizer(dir, &hf)?;
		if tokenizer.vocab_size() > config.vocab_size {
			return Err(Error::bad_model(dir, "tokenizer is larger than the embedding"));
		}
		if files.len() > 1 {
			use sha2::Digest;
			sha = sha2::Sha256::digest(sha.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
		}
		Model::from_parts(
			config.clone(),
			tokenizer,
			ModelInfo { path: dir.to_path_buf(), sha256: sha, file_bytes },
			embed,
			layers,
			norm,
			Linear::new(QMatMul::Tensor(lm_head)),
			Arc::new(Rope::new(&config)),
			device.clone(),
		)
	}
}

/// Builds the byte-level BPE tokenizer from `tokenizer.json`.
fn hf_tokenizer(dir: &Path, hf: &HfConfig) -> Result<Tokenizer> {
	let path = dir.join("tokenizer.json");
	let v: serde_json::Value = serde_json::from_str(&read(&path)?)?;
	let model = &v["model"];
	if model["type"].as_str() != Some("BPE") {
		return Err(Error::BadTokenizer(format!(
			"{}: only BPE tokenizers are supported",
			path.display()
		)));
	}
	let vocab = model["vocab"]
		.as_object()
		.ok_or_else(|| Error::BadTokenizer("tokenizer.json has no model.vocab".into()))?;
	let mut size = vocab.len();
	let added = v["added_tokens"].as_array().cloned().unwrap_or_default();
	for a in &added {
		if let Some(id) = a["id"].as_u64() {
			size = size.max(id as usize + 1);
		}
	}
	let mut tokens = vec![String::new(); size];
	let mut types = vec![5; size];
	for (t, id) in vocab {
		let id =
			id.as_u64().ok_or_else(|| Error::BadTokenizer("non-integer token id".into()))? as usize;
		if let Some(slot) = tokens.get_mut(id) {
			*slot = t.clone();
			types[id] = 1;
		}
	}
	for a in &added {
		if let (Some(id), Some(content)) = (a["id"].as_u64(), a["content"].as_str()) {
			tokens[id as usize] = content.to_string();
			types[id as usize] = if a["special"].as_bool().unwrap_or(false) { 3 } else { 4 };
		}
	}
	let merges: Vec<String> = model["merges"]
		.as_array()
		.map(|m| {
			m.iter()
				.filter_map(|x| match x {
					serde_json::Value::String(s) => Some(s.clone()),
					serde_json::Value::Array(p) => {
						Some(format!("{} {}", p.first()?.as_str()?, p.get(1)?.as_str()?))
					}
					_ => None,
				})
				.collect()
		})
		.unwrap_or_default();
	let pre = v["pre_tokenizer"].to_string();
	let pre_type = if pre.contains("\"Digits\"") && pre.contains("\"individual_digits\":true") {
		"smollm"
	} else if pre.contains("\\\\p{N}{1,3}") {
		"llama3"
	} else {
		"gpt2"
	};
	let tcfg: Option<serde_json::Value> =
		std::fs::read_to_string(dir.join("tokenizer_config.json"))
			.ok()
			.and_then(|s| serde_json::from_str(&s).ok());
	let by_name = |field: &str| -> Option<u32> {
		let name = tcfg.as_ref()?.get(field)?;
		let name = name.as_str().or_else(|| name.get("content")?.as_str())?;
		tokens.iter().position(|t| t == name).map(|i| i as u32)
	};
	let eos = match &hf.eos_token_id {
		Some(serde_json::Value::Number(n)) => n.as_u64().map(|x| x as u32),
		Some(serde_json::Value::Array(a)) => {
			a.first().and_then(serde_json::Value::as_u64).map(|x| x as u32)
		}
		_ => None,
	}
	.or_else(|| by_name("eos_token"))
	.ok_or_else(|| {
		Error::BadTokenizer("no eos token in config.json or tokenizer_config.json".into())
	})?;
	let bos = hf.bos_token_id.or_else(|| by_name("bos_token"));
	let add_bos = tcfg.as_ref().and_then(|c| c["add_bos_token"].as_bool()).unwrap_or(false);
	let template = tcfg.as_ref().and_then(|c| c["chat_template"].as_str().map(str::to_string));
	Tokenizer::new("gpt2", pre_type, tokens, types, &merges, bos, eos, add_bos, template)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use crate::lora::Target;

	/// Writes a tiny model as a Hugging Face checkpoint (inverse permutation for q/k).
	fn export(m: &Model, dir: &Path) {
		let c = &m.config;
		let hd = c.head_dim();
		let to_hf = |w: Tensor, heads: usize| -> Tensor {
			let (rows, cols) = w.dims2().unwrap();
			w.reshape((heads, hd / 2, 2, cols))
				.unwrap()
				.transpose(1, 2)
				.unwrap()
				.contiguous()
				.unwrap()
				.reshape((rows, cols))
				.unwrap()
		};
		let mut t: HashMap<String, Tensor> = HashMap::new();
		t.insert("model.embed_tokens.weight".into(), m.embed.clone());
		t.insert("model.norm.weight".into(), m.norm.clone());
		t.insert("lm_head.weight".into(), crate::model::dequantize(&m.lm_head.q).unwrap());
		for (i, l) in m.layers.iter().enumerate() {
			let p = format!("model.layers.{i}");
			for tg in Target::ALL {
				let mut w = crate::model::dequantize(l.linear(tg)).unwrap();
				if tg == Target::Q {
					w = to_hf(w, c.num_attention_heads);
				}
				if tg == Target::K {
					w = to_hf(w, c.num_key_value_heads);
				}
				let parent = if matches!(tg, Target::Q | Target::K | Target::V | Target::O) {
					"self_attn"
				} else {
					"mlp"
				};
				t.insert(format!("{p}.{parent}.{}.weight", tg.peft_name()), w);
			}
			t.insert(format!("{p}.input_layernorm.weight"), l.attn_norm.clone());
			t.insert(format!("{p}.post_attention_layernorm.weight"), l.ffn_norm.clone());
		}
		candle_core::safetensors::save(&t, dir.join("model.safetensors")).unwrap();
		let cfg = serde_json::json!({
			"model_type": "llama", "vocab_size": c.vocab_size, "hidden_size": c.hidden_size,
			"intermediate_size": c.intermediate_size, "num_hidden_layers": c.num_hidden_layers,
			"num_attention_heads": c.num_attention_heads, "num_key_value_heads": c.num_key_value_heads,
			"rope_theta": c.rope_theta, "rms_norm_eps": c.rms_norm_eps,
			"max_position_embeddings": c.max_position_embeddings, "tie_word_embeddings": false,
			"eos_token_id": 256, "hidden_act": "silu"
		});
		std::fs::write(dir.join("config.json"), cfg.to_string()).unwrap();
		let vocab: serde_json::Map<String, serde_json::Value> = (0..256u32)
			.map(|b| (m.tokenizer.token_text(b).to_string(), serde_json::json!(b)))
			.collect();
		let tok = serde_json::json!({
			"model": {"type": "BPE", "vocab": vocab, "merges": []},
			"added_tokens": [
				{"id": 256, "content": "<|endoftext|>", "special": true},
				{"id": 257, "content": "<|im_start|>", "special": true},
				{"id": 258, "content": "<|im_end|>", "special": true}
			],
			"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": true}, {"type": "ByteLevel"}]}
		});
		std::fs::write(dir.join("tokenizer.json"), tok.to_string()).unwrap();
	}

	#[test]
	fn hugging_face_checkpoint_gives_the_same_logits() {
		let m = Model::tiny_random(LlamaConfig::tiny(), 5, false).unwrap();
		let dir = tempfile::tempdir().unwrap();
		export(&m, dir.path());
		let hf = Model::load(dir.path(), &Device::Cpu).unwrap();
		assert_eq!(hf.config, m.config);
		let ids = hf.tokenizer.encode("<|im_start|>user\nhi 42<|im_end|>", true);
		assert_eq!(ids, m.tokenizer.encode("<|im_start|>user\nhi 42<|im_end|>", true));
		let a = m.forward_tokens(&ids, None).unwrap();
		let b = hf.forward_tokens(&ids, None).unwrap();
		for (x, y) in a.iter().zip(&b) {
			assert!((x - y).abs() < 1e-4 * (1.0 + y.abs()), "{x} vs {y}");
		}
	}

	#[test]
	fn broken_checkpoints_are_refused() {
		let m = Model::tiny_random(LlamaConfig::tiny(), 5, false).unwrap();
		let dir = tempfile::tempdir().unwrap();
		export(&m, dir.path());
		let cfg_path = dir.path().join("config.json");
		let good = std::fs::read_to_string(&cfg_path).unwrap();
		std::fs::write(&cfg_path, good.replace("\"hidden_size\":64", "\"hidden_size\":65"))
			.unwrap();
		assert!(matches!(Model::load(dir.path(), &Device::Cpu), Err(Error::BadModel { .. })));
		std::fs::write(&cfg_path, good.replace("\"llama\"", "\"bert\"")).unwrap();
		assert!(matches!(Model::load(dir.path(), &Device::Cpu), Err(Error::BadModel { .. })));
		std::fs::write(&cfg_path, &good).unwrap();
		std::fs::write(dir.path().join("model.safetensors"), b"garbage").unwrap();
		assert!(matches!(Model::load(dir.path(), &Device::Cpu), Err(Error::BadModel { .. })));
		assert!(matches!(
			Model::load(&dir.path().join("nothing"), &Device::Cpu),
			Err(Error::Io { .. })
		));
	}
}
