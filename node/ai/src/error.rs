//! Errors of the AI engine: one enum, messages that say what failed and with which input.

use std::path::PathBuf;

/// Everything the engine can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	/// A model, adapter or corpus file could not be read.
	#[error("cannot read {path}: {source}")]
	Io {
		path: PathBuf,
		#[source]
		source: std::io::Error,
	},
	/// The file exists but is not a model this engine can load (foreign format, truncated,
	/// wrong architecture, missing tensors).
	#[error("{path} is not a usable model: {reason}")]
	BadModel { path: PathBuf, reason: String },
	/// A LoRA adapter is malformed or does not fit the base model.
	#[error("bad LoRA adapter: {0}")]
	BadAdapter(String),
	/// The tokenizer metadata is missing or inconsistent.
	#[error("bad tokenizer: {0}")]
	BadTokenizer(String),
	/// A request asked for something the engine cannot do (empty prompt, context overflow,
	/// invalid sampling parameters, unknown adapter...).
	#[error("invalid request: {0}")]
	InvalidRequest(String),
	/// Training configuration or corpus is unusable.
	#[error("invalid training setup: {0}")]
	InvalidTraining(String),
	/// The serving engine has shut down.
	#[error("the serving engine has stopped")]
	EngineStopped,
	/// An error from candle's tensor library.
	#[error("tensor error: {0}")]
	Candle(#[from] candle_core::Error),
	/// An error reading or writing safetensors.
	#[error("safetensors error: {0}")]
	SafeTensors(#[from] safetensors::SafeTensorError),
	/// An error reading or writing JSON.
	#[error("json error: {0}")]
	Json(#[from] serde_json::Error),
}

/// The engine's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
	pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
		Self::Io { path: path.into(), source }
	}
	pub(crate) fn bad_model(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
		Self::BadModel { path: path.into(), reason: reason.into() }
	}
}
