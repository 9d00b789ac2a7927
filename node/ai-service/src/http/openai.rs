//! OpenAI's wire format: the request fields the endpoint reads, the responses and chunks it
//! writes, and the error body (<https://platform.openai.com/docs/api-reference>).

use axum::{
	http::StatusCode,
	response::{IntoResponse, Response},
	Json,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A message's content: a string, or an array of parts of which the text ones are read.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Content {
	/// Plain text.
	Text(String),
	/// Content parts (`{"type": "text", "text": …}`).
	Parts(Vec<Part>),
}

/// One content part.
#[derive(Debug, Deserialize)]
pub struct Part {
	/// `text` (others are refused).
	#[serde(rename = "type")]
	pub kind: String,
	/// The text of a `text` part.
	#[serde(default)]
	pub text: Option<String>,
}

/// One chat message.
#[derive(Debug, Deserialize)]
pub struct Message {
	/// `system`, `developer`, `user` or `assistant`.
	pub role: String,
	/// The content (`null` reads as empty).
	#[serde(default)]
	pub content: Option<Content>,
}

/// `stop`: one string or up to four.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Stop {
	/// One stop sequence.
	One(String),
	/// Several.
	Many(Vec<String>),
}

/// `stream_options`.
#[derive(Debug, Default, Deserialize)]
pub struct StreamOptions {
	/// Send a last chunk with the usage counts.
	#[serde(default)]
	pub include_usage: bool,
}

/// The sampling fields both endpoints share.
#[derive(Debug, Deserialize)]
pub struct Sampling {
	/// Model id (on-chain id or alias).
	pub model: String,
	/// Stream server-sent events.
	#[serde(default)]
	pub stream: bool,
	/// Streaming options.
	#[serde(default)]
	pub stream_options: Option<StreamOptions>,
	/// 0 to 2; 0 is greedy. OpenAI's default is 1.
	pub temperature: Option<f64>,
	/// (0, 1].
	pub top_p: Option<f64>,
	/// Most tokens to generate.
	pub max_tokens: Option<i64>,
	/// Newer name of `max_tokens` (chat).
	pub max_completion_tokens: Option<i64>,
	/// Stop sequences.
	pub stop: Option<Stop>,
	/// Seed of the sampler.
	pub seed: Option<i64>,
	/// Number of choices (only 1 is served).
	pub n: Option<i64>,
}

/// `POST /v1/chat/completions`, its own fields (the body is read twice: once as this, once as
/// [`Sampling`]; `#[serde(flatten)]` would buffer numbers through serde's `Content`, which
/// fails on floats when serde_json's `arbitrary_precision` is on in the dependency tree).
#[derive(Debug, Deserialize)]
pub struct ChatRequest {
	/// The conversation.
	pub messages: Vec<Message>,
}

/// `prompt` of a completion: a string, or an array holding one string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Prompt {
	/// One prompt.
	Text(String),
	/// A batch (only one prompt is served).
	Batch(Vec<String>),
}

/// `POST /v1/completions`, its own fields (read like [`ChatRequest`]).
#[derive(Debug, Deserialize)]
pub struct CompletionRequest {
	/// The prompt, used as raw text (no chat template).
	pub prompt: Prompt,
}

/// Token counts of a request.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Usage {
	/// Tokens of the prompt (after the chat template).
	pub prompt_tokens: usize,
	/// Tokens generated.
	pub completion_tokens: usize,
	/// Their sum.
	pub total_tokens: usize,
}

impl Usage {
	/// Counts for `prompt` and `completion` tokens.
	pub fn new(prompt: usize, completion: usize) -> Self {
		Self {
			prompt_tokens: prompt,
			completion_tokens: completion,
			total_tokens: prompt + completion,
		}
	}
}

/// An error as OpenAI sends it: `{"error": {"message", "type", "param", "code"}}` with the
/// matching HTTP status.
#[derive(Debug)]
pub struct ApiError {
	/// HTTP status.
	pub status: StatusCode,
	/// What went wrong and what to do.
	pub message: String,
	/// `invalid_request_error`, `not_found_error`, `server_error`…
	pub kind: &'static str,
	/// The offending parameter.
	pub param: Option<&'static str>,
	/// A machine-readable code.
	pub code: Option<&'static str>,
}

impl ApiError {
	/// A 400 about `param`.
	pub fn invalid(param: &'static str, message: impl Into<String>) -> Self {
		Self {
			status: StatusCode::BAD_REQUEST,
			message: message.into(),
			kind: "invalid_request_error",
			param: Some(param),
			code: None,
		}
	}

	/// With a code.
	pub fn code(mut self, code: &'static str) -> Self {
		self.code = Some(code);
		self
	}

	/// Any status.
	pub fn new(
		status: StatusCode,
		kind: &'static str,
		code: &'static str,
		message: impl Into<String>,
	) -> Self {
		Self { status, message: message.into(), kind, param: None, code: Some(code) }
	}

	/// The JSON body.
	pub fn body(&self) -> Value {
		json!({ "error": {
			"message": self.message,
			"type": self.kind,
			"param": self.param,
			"code": self.code,
		}})
	}
}

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		(self.status, Json(self.body())).into_response()
	}
}

/// `finish_reason` of an engine result.
pub fn finish_reason(f: openledger_ai::FinishReason) -> &'static str {
	match f {
		openledger_ai::FinishReason::Stop | openledger_ai::FinishReason::Cancelled => "stop",
		openledger_ai::FinishReason::Length | openledger_ai::FinishReason::ContextFull => "length",
	}
}
