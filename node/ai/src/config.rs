//! Llama-family model configuration.
//!
//! Mirrors the fields of Hugging Face's `LlamaConfig` (`config.json`,
//! <https://github.com/huggingface/transformers/blob/main/src/transformers/models/llama/configuration_llama.py>)
//! and the `llama.*` keys llama.cpp writes into GGUF files.

use std::collections::HashMap;

use candle_core::quantized::gguf_file::Value;
use serde::{Deserialize, Serialize};

/// Shapes and constants of a llama-family decoder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LlamaConfig {
	/// Vocabulary size (rows of the embedding).
	pub vocab_size: usize,
	/// Width of the residual stream.
	pub hidden_size: usize,
	/// Width of the MLP.
	pub intermediate_size: usize,
	/// Number of decoder layers.
	pub num_hidden_layers: usize,
	/// Query heads.
	pub num_attention_heads: usize,
	/// Key/value heads (grouped-query attention).
	pub num_key_value_heads: usize,
	/// RoPE base frequency.
	pub rope_theta: f32,
	/// RMSNorm epsilon.
	pub rms_norm_eps: f64,
	/// Longest context the model was trained for.
	pub max_position_embeddings: usize,
}

impl LlamaConfig {
	/// Width of one attention head.
	pub fn head_dim(&self) -> usize {
		self.hidden_size / self.num_attention_heads.max(1)
	}

	/// Checks the shapes are consistent (no zero sizes, heads divide the width, GQA groups).
	pub fn validate(&self) -> Result<(), String> {
		let nonzero = [
			("vocab_size", self.vocab_size),
			("hidden_size", self.hidden_size),
			("intermediate_size", self.intermediate_size),
			("num_hidden_layers", self.num_hidden_layers),
			("num_attention_heads", self.num_attention_heads),
			("num_key_value_heads", self.num_key_value_heads),
			("max_position_embeddings", self.max_position_embeddings),
		];
		if let Some((name, _)) = nonzero.iter().find(|(_, v)| *v == 0) {
			return Err(format!("{name} is zero"));
		}
		if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
			return Err("hidden_size is not a multiple of num_attention_heads".into());
		}
		if !self.num_attention_heads.is_multiple_of(self.num_key_value_heads) {
			return Err("num_attention_heads is not a multiple of num_key_value_heads".into());
		}
		if !self.head_dim().is_multiple_of(2) {
			return Err("head dimension is odd".into());
		}
		Ok(())
	}

	/// Reads the `llama.*` keys of a GGUF file.
	pub fn from_gguf(md: &HashMap<String, Value>) -> Result<Self, String> {
		let arch = md
			.get("general.architecture")
			.and_then(|v| v.to_string().ok())
			.ok_or("no general.architecture")?;
		if arch != "llama" {
			return Err(format!("architecture '{arch}' is not llama"));
		}
		let u = |k: &str| -> Result<usize, String> {
			let v = md.get(&format!("llama.{k}")).ok_or(format!("missing llama.{k}"))?;
			v.to_u64()
				.or_else(|_| v.to_u32().map(u64::from))
				.map_err(|e| format!("llama.{k}: {e}"))
				.and_then(|x| usize::try_from(x).map_err(|e| e.to_string()))
		};
		let f = |k: &str, default: f64| -> f64 {
			md.get(&format!("llama.{k}")).and_then(|v| v.to_f32().ok()).map_or(default, f64::from)
		};
		let heads = u("attention.head_count")?;
		let vocab = match u("vocab_size") {
			Ok(v) => v,
			Err(_) => md
				.get("tokenizer.ggml.tokens")
				.and_then(|v| v.to_vec().ok())
				.map(|v| v.len())
				.ok_or("missing llama.vocab_size and tokenizer.ggml.tokens")?,
		};
		let cfg = Self {
			vocab_size: vocab,
			hidden_size: u("embedding_length")?,
			intermediate_size: u("feed_forward_length")?,
			num_hidden_layers: u("block_count")?,
			num_attention_heads: heads,
			num_key_value_heads: u("attention.head_count_kv").unwrap_or(heads),
			#[allow(clippy::cast_possible_truncation, reason = "RoPE bases are small")]
			rope_theta: f("rope.freq_base", 10_000.0) as f32,
			rms_norm_eps: f("attention.layer_norm_rms_epsilon", 1e-5),
			max_position_embeddings: u("context_length")?,
		};
		cfg.validate()?;
		Ok(cfg)
	}

	/// A tiny configuration for unit tests.
	pub fn tiny() -> Self {
		Self {
			vocab_size: 259,
			hidden_size: 64,
			intermediate_size: 96,
			num_hidden_layers: 2,
			num_attention_heads: 4,
			num_key_value_heads: 2,
			rope_theta: 10_000.0,
			rms_norm_eps: 1e-5,
			max_position_embeddings: 128,
		}
	}
}
