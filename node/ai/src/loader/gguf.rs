//! Loading a llama-family model from a GGUF file: weights, configuration and tokenizer.

use std::{io::BufReader, io::Read, path::Path, sync::Arc};

use candle_core::{quantized::gguf_file, quantized::QMatMul, quantized::QTensor, Device};

use sha2::Digest;
use sha2::Sha256;

use crate::{config::LlamaConfig, error::Error, error::Result, tokenizer::Tokenizer};

use crate::{model::Layer, model::Linear, model::Model, model::ModelInfo, model::Rope};

fn read_gguf_err(path: &Path, e: impl std::fmt::Display) -> Error {
	Error::bad_model(path, format!("not a readable GGUF file ({e})"))
}

fn md_str(md: &std::collections::HashMap<String, gguf_file::Value>, k: &str) -> Option<String> {
	md.get(k).and_then(|v| v.to_string().ok()).cloned()
}

fn md_u32(md: &std::collections::HashMap<String, gguf_file::Value>, k: &str) -> Option<u32> {
	md.get(k).and_then(|v| {
		v.to_u32().ok().or_else(|| v.to_u64().ok().and_then(|x| u32::try_from(x).ok()))
	})
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
		let tokenizer =
			tokenizer_from_gguf(md).map_err(|e| Error::bad_model(path, e.to_string()))?;
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
			let attn_norm =
				tensor(&format!("blk.{i}.attn_norm.weight"), &[h])?.dequantize(device)?;
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
	let merges = if md.contains_key("tokenizer.ggml.merges") {
		strings("tokenizer.ggml.merges")?
	} else {
		Vec::new()
	};
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
	let add_bos =
		md.get("tokenizer.ggml.add_bos_token").and_then(|v| v.to_bool().ok()).unwrap_or(false);
	let template = md_str(md, "tokenizer.chat_template");
	Tokenizer::new(&model, &pre, tokens, types, &merges, bos, eos, add_bos, template)
}
