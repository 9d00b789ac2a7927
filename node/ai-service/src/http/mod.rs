//! The OpenAI-compatible HTTP endpoint: `GET /v1/models`, `POST /v1/chat/completions`,
//! `POST /v1/completions`, streaming (server-sent events as OpenAI sends them) or not.
//!
//! Every request goes to the engine of its base model, so concurrent requests share one
//! batched forward pass per step. Errors are OpenAI's error JSON with the matching status; a
//! bad request never affects the next one.

pub mod openai;

use std::{
	convert::Infallible,
	net::SocketAddr,
	sync::{
		atomic::{AtomicU64, AtomicUsize, Ordering},
		Arc,
	},
	time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
	body::Bytes,
	extract::{rejection::BytesRejection, DefaultBodyLimit, Path, State},
	http::{HeaderMap, HeaderValue, Method, StatusCode},
	response::{
		sse::{Event as SseEvent, Sse},
		IntoResponse, Response,
	},
	routing::{get, post},
	Json, Router,
};
use futures::StreamExt;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tower_http::cors::{AllowOrigin, CorsLayer};

use openledger_ai::{
	serve::Event, serve::Request, tokenizer::ChatMessage, AdapterId, SamplingParams,
};

use crate::{
	billing::{Billing, Payer, Refusal},
	metrics::Metrics,
	registry::{LoadedModel, Registry, Target},
	LOG_TARGET,
};
use openai::{ApiError, ChatRequest, CompletionRequest, Content, Prompt, Stop, Usage};

/// Limits of the endpoint.
#[derive(Clone, Debug)]
pub struct HttpConfig {
	/// Address to listen on.
	pub addr: SocketAddr,
	/// Origins allowed by CORS (`*` for any); empty: no CORS headers.
	pub cors: Vec<String>,
	/// Largest request body, in bytes.
	pub max_body_bytes: usize,
	/// Most requests in flight; more are answered 503.
	pub max_in_flight: usize,
	/// Longest a request may take, streaming included.
	pub request_timeout: Duration,
	/// `max_tokens` when a request gives none (capped by the context left).
	pub default_max_tokens: usize,
}

impl Default for HttpConfig {
	fn default() -> Self {
		Self {
			addr: SocketAddr::from(([127, 0, 0, 1], 8000)),
			cors: Vec::new(),
			max_body_bytes: 1 << 20,
			max_in_flight: 256,
			request_timeout: Duration::from_secs(300),
			default_max_tokens: 1024,
		}
	}
}

struct Http {
	registry: Arc<Registry>,
	/// Paid inference (`None`: every request is free, as in tests without a chain).
	billing: Option<Arc<Billing>>,
	metrics: Metrics,
	config: HttpConfig,
	in_flight: AtomicUsize,
	next_id: AtomicU64,
	started: u64,
}

type Shared = Arc<Http>;

fn now_secs() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The router, for [`serve`] and for tests.
pub fn router(
	registry: Arc<Registry>,
	billing: Option<Arc<Billing>>,
	metrics: Metrics,
	config: HttpConfig,
) -> Router {
	let cors = cors_layer(&config.cors);
	let limit = config.max_body_bytes;
	let state = Arc::new(Http {
		registry,
		billing,
		metrics,
		config,
		in_flight: AtomicUsize::new(0),
		next_id: AtomicU64::new(1),
		started: now_secs(),
	});
	let router = Router::new()
		.route("/v1/models", get(list_models).fallback(method_not_allowed))
		.route("/v1/models/:id", get(get_model).fallback(method_not_allowed))
		.route("/v1/chat/completions", post(chat).fallback(method_not_allowed))
		.route("/v1/completions", post(completion).fallback(method_not_allowed))
		.route("/health", get(|| async { "ok" }))
		.fallback(not_found)
		.layer(DefaultBodyLimit::max(limit))
		.with_state(state);
	match cors {
		Some(c) => router.layer(c),
		None => router,
	}
}

fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
	if origins.is_empty() {
		return None;
	}
	let allow = if origins.iter().any(|o| o == "*") {
		AllowOrigin::any()
	} else {
		AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
	};
	Some(
		CorsLayer::new()
			.allow_origin(allow)
			.allow_methods([Method::GET, Method::POST, Method::OPTIONS])
			.allow_headers(tower_http::cors::Any),
	)
}

/// Binds the endpoint's address (at start-up, so a port in use fails the node at once).
pub fn bind(addr: SocketAddr) -> crate::Result<std::net::TcpListener> {
	let bind = |source| crate::Error::Bind { addr, source };
	let listener = std::net::TcpListener::bind(addr).map_err(bind)?;
	listener.set_nonblocking(true).map_err(bind)?;
	Ok(listener)
}

/// Serves the endpoint on `listener` until the future is dropped.
pub async fn serve(
	listener: std::net::TcpListener,
	registry: Arc<Registry>,
	billing: Option<Arc<Billing>>,
	metrics: Metrics,
	config: HttpConfig,
) -> crate::Result<()> {
	let addr = config.addr;
	let listener = tokio::net::TcpListener::from_std(listener)
		.map_err(|source| crate::Error::Bind { addr, source })?;
	log::info!(target: LOG_TARGET, "OpenAI-compatible endpoint on http://{addr}/v1");
	let app = router(registry, billing, metrics, config);
	axum::serve(listener, app).await.map_err(|source| crate::Error::Bind { addr, source })
}

async fn not_found() -> ApiError {
	ApiError::new(
		StatusCode::NOT_FOUND,
		"invalid_request_error",
		"unknown_url",
		"unknown path: the endpoint serves /v1/models, /v1/chat/completions and /v1/completions",
	)
}

async fn method_not_allowed() -> ApiError {
	ApiError::new(
		StatusCode::METHOD_NOT_ALLOWED,
		"invalid_request_error",
		"method_not_allowed",
		"method not allowed on this path",
	)
}

fn model_object(m: &LoadedModel, created: u64) -> Value {
	let hash: String = m.chain.weights_hash.iter().map(|b| format!("{b:02x}")).collect();
	json!({
		"id": m.chain.id.to_string(),
		"object": "model",
		"created": created,
		"owned_by": "openledger",
		"alias": m.alias,
		"name": m.chain.name,
		"weights_hash": format!("0x{hash}"),
		"context_length": m.context_length(),
	})
}

/// A served model as `/v1/models` lists it: base models by id, adapters (fine-tuned models
/// registered by ModelFactory) by `0x` and their hash, with their base as `parent`.
fn target_object(t: &Target, created: u64) -> Value {
	let Some(a) = &t.adapter else { return model_object(&t.model, created) };
	json!({
		"id": t.id(),
		"object": "model",
		"created": created,
		"owned_by": a.owner,
		"parent": t.model.chain.id.to_string(),
		"root": t.model.chain.id.to_string(),
		"name": format!("{} + LoRA {}", t.model.chain.name, t.id()),
		"price_per_1k_tokens": a.price_per_1k_tokens.to_string(),
		"context_length": t.model.context_length(),
	})
}

async fn list_models(State(s): State<Shared>) -> Json<Value> {
	let (mut data, mut served) = (Vec::new(), Vec::new());
	for m in s.registry.list() {
		data.push(model_object(&m, s.started));
		served.push((openledger_primitives::ServedModel::Base(m.chain.id), m.chain.id));
	}
	for t in s.registry.served_adapters() {
		data.push(target_object(&t, s.started));
		served.push((served_model(&t), t.model.chain.id));
	}
	discover(&s, &mut data, served).await;
	Json(json!({ "object": "list", "data": data }))
}

async fn get_model(
	State(s): State<Shared>,
	Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
	let t = find_target(&s, &id)?;
	let mut one = vec![target_object(&t, s.started)];
	discover(&s, &mut one, vec![(served_model(&t), t.model.chain.id)]).await;
	Ok(Json(one.pop().unwrap_or_default()))
}

/// The model a target is priced as on chain: its adapter, or its base model.
fn served_model(t: &Target) -> openledger_primitives::ServedModel {
	match &t.adapter {
		Some(a) => openledger_primitives::ServedModel::Adapter(a.id),
		None => openledger_primitives::ServedModel::Base(t.model.chain.id),
	}
}

/// Discovery: each listed model's on-chain price and the agents that may serve it now (their
/// endpoints, bonds, strikes and check record), read from the chain on a blocking thread.
async fn discover(
	s: &Shared,
	models: &mut [Value],
	wanted: Vec<(openledger_primitives::ServedModel, u64)>,
) {
	let Some(billing) = s.billing.clone() else { return };
	let Ok(listings) = tokio::task::spawn_blocking(move || {
		wanted.into_iter().map(|(m, base)| billing.listing(m, base)).collect::<Vec<_>>()
	})
	.await
	else {
		return;
	};
	for (m, (price, agents)) in models.iter_mut().zip(listings) {
		if let Some(p) = price {
			m["price_per_1k_tokens"] = json!(p.to_string());
		}
		m["agents"] = agents
			.iter()
			.map(|a| {
				json!({
					"account": format!("0x{}", crate::billing::hex(&a.account)),
					"endpoint": a.endpoint,
					"bond": a.bond.to_string(),
					"strikes": a.strikes,
					"checks_passed": a.checks_passed,
					"checks_failed": a.checks_failed,
				})
			})
			.collect();
	}
}

fn find_target(s: &Http, name: &str) -> Result<Target, ApiError> {
	s.registry.target(name).ok_or_else(|| {
		let known: Vec<String> =
			s.registry.list().iter().map(|m| format!("{} ({})", m.chain.id, m.alias)).collect();
		let adapters = s.registry.served_adapters().len();
		ApiError::new(
			StatusCode::NOT_FOUND,
			"invalid_request_error",
			"model_not_found",
			format!(
				"The model `{name}` does not exist or this node does not serve it; served: {}{}",
				if known.is_empty() { "none".to_string() } else { known.join(", ") },
				if adapters == 0 {
					String::new()
				} else {
					format!(", and {adapters} fine-tuned model(s) listed by GET /v1/models")
				}
			),
		)
	})
}

/// `find_target`, with an adapter's file brought into the store first (from the offchain
/// database, hash-checked, on a blocking thread).
async fn resolve_target(s: &Shared, name: &str) -> Result<Target, ApiError> {
	let target = find_target(s, name)?;
	let Some(adapter) = &target.adapter else { return Ok(target) };
	let id = AdapterId(adapter.id);
	if s.registry.adapters().contains(&id) {
		return Ok(target);
	}
	let (registry, model) = (s.registry.clone(), target.model.clone());
	let ready = tokio::task::spawn_blocking(move || registry.ensure_adapter(&id, &model))
		.await
		.unwrap_or(false);
	if !ready {
		return Err(ApiError::new(
			StatusCode::SERVICE_UNAVAILABLE,
			"server_error",
			"model_not_ready",
			format!(
				"the model `{name}` is registered, but its adapter file is not in this node's offchain database yet; retry later"
			),
		));
	}
	Ok(target)
}

/// Counts a request in flight; refuses beyond the limit.
struct InFlight(Shared);

impl InFlight {
	fn enter(s: &Shared) -> Result<Self, ApiError> {
		let n = s.in_flight.fetch_add(1, Ordering::SeqCst);
		if n >= s.config.max_in_flight {
			s.in_flight.fetch_sub(1, Ordering::SeqCst);
			return Err(ApiError::new(
				StatusCode::SERVICE_UNAVAILABLE,
				"server_error",
				"server_busy",
				format!("the server is busy ({n} requests in flight); retry later"),
			));
		}
		s.metrics.http_in_flight.inc();
		Ok(Self(s.clone()))
	}
}

impl Drop for InFlight {
	fn drop(&mut self) {
		self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
		self.0.metrics.http_in_flight.dec();
	}
}

fn read_body(body: Result<Bytes, BytesRejection>, max: usize) -> Result<Bytes, ApiError> {
	body.map_err(|r| {
		if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
			ApiError::new(
				StatusCode::PAYLOAD_TOO_LARGE,
				"invalid_request_error",
				"request_too_large",
				format!("the request body is larger than {max} bytes"),
			)
		} else {
			ApiError::invalid("body", format!("cannot read the request body: {r}"))
		}
	})
}

fn parse_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
	serde_json::from_slice(bytes).map_err(|e| {
		ApiError::invalid(
			"body",
			format!("the request body is not valid JSON for this endpoint: {e}"),
		)
		.code("invalid_json")
	})
}

/// A validated generation: the model, the prompt's tokens, the engine's parameters.
struct Job {
	model: Arc<LoadedModel>,
	/// The adapter applied, if the request named a fine-tuned model.
	adapter: Option<AdapterId>,
	/// The id the response names the model by.
	name: String,
	/// The model as the chain prices it.
	served: openledger_primitives::ServedModel,
	prompt: Vec<u32>,
	/// SHA-256 of the prompt text (the chat template applied), for the usage record.
	prompt_hash: [u8; 32],
	params: SamplingParams,
	stops: Vec<String>,
	stream: bool,
	include_usage: bool,
}

fn prepare(
	s: &Http,
	target: Target,
	sampling: &openai::Sampling,
	text: &str,
) -> Result<Job, ApiError> {
	let name = target.id();
	let served = served_model(&target);
	let adapter = target.adapter.map(|a| AdapterId(a.id));
	let model = target.model;
	if let Some(n) = sampling.n {
		if n != 1 {
			return Err(ApiError::invalid("n", "only n = 1 is supported"));
		}
	}
	let temperature = sampling.temperature.unwrap_or(1.0);
	if !(0.0..=2.0).contains(&temperature) {
		return Err(ApiError::invalid(
			"temperature",
			format!("{temperature} is not between 0 and 2"),
		));
	}
	let top_p = sampling.top_p.unwrap_or(1.0);
	if !(top_p > 0.0 && top_p <= 1.0) {
		return Err(ApiError::invalid("top_p", format!("{top_p} is not in (0, 1]")));
	}
	let stops = match &sampling.stop {
		None => Vec::new(),
		Some(Stop::One(s)) => vec![s.clone()],
		Some(Stop::Many(v)) => v.clone(),
	};
	if stops.len() > 4 || stops.iter().any(String::is_empty) {
		return Err(ApiError::invalid("stop", "give at most 4 non-empty stop sequences"));
	}
	let prompt = model.model.tokenizer.encode_prompt(text);
	if prompt.is_empty() {
		return Err(ApiError::invalid("messages", "the prompt is empty"));
	}
	let ctx = model.context_length();
	let asked = sampling.max_completion_tokens.or(sampling.max_tokens);
	if let Some(m) = asked {
		if m < 1 {
			return Err(ApiError::invalid("max_tokens", format!("{m} is less than 1")));
		}
	}
	let room = ctx.saturating_sub(prompt.len());
	let max_tokens = match asked {
		Some(m) => usize::try_from(m).unwrap_or(usize::MAX),
		None => room.min(s.config.default_max_tokens),
	};
	if room == 0 || max_tokens > room {
		return Err(ApiError::invalid(
			"messages",
			format!(
				"This model's maximum context length is {ctx} tokens. However, you requested {} tokens ({} in the messages, {max_tokens} in the completion). Please reduce the length of the messages or completion.",
				prompt.len().saturating_add(max_tokens),
				prompt.len(),
			),
		)
		.code("context_length_exceeded"));
	}
	let prompt_hash = {
		use sha2::Digest;
		sha2::Sha256::digest(text.as_bytes()).into()
	};
	Ok(Job {
		model,
		adapter,
		name,
		served,
		prompt,
		prompt_hash,
		params: SamplingParams {
			max_tokens,
			temperature: temperature as f32,
			top_p: top_p as f32,
			seed: sampling.seed.map_or(0, |v| v as u64),
			..SamplingParams::default()
		},
		stops,
		stream: sampling.stream,
		include_usage: sampling.stream_options.as_ref().is_some_and(|o| o.include_usage),
	})
}

fn chat_prompt(model: &LoadedModel, req: &ChatRequest) -> Result<String, ApiError> {
	if req.messages.is_empty() {
		return Err(ApiError::invalid("messages", "messages must hold at least one message"));
	}
	let mut messages = Vec::with_capacity(req.messages.len());
	for m in &req.messages {
		let role = match m.role.as_str() {
			"system" | "developer" => "system",
			"user" => "user",
			"assistant" => "assistant",
			other => {
				return Err(ApiError::invalid(
					"messages",
					format!("role `{other}` is not supported (system, developer, user, assistant)"),
				))
			}
		};
		let content = match &m.content {
			None => String::new(),
			Some(Content::Text(t)) => t.clone(),
			Some(Content::Parts(parts)) => {
				let mut t = String::new();
				for p in parts {
					match (p.kind.as_str(), &p.text) {
						("text", Some(x)) => t.push_str(x),
						_ => {
							return Err(ApiError::invalid(
								"messages",
								format!("content parts of type `{}` are not supported", p.kind),
							))
						}
					}
				}
				t
			}
		};
		messages.push(ChatMessage { role: role.into(), content });
	}
	Ok(model.model.tokenizer.apply_chat_template(&messages, true))
}

async fn chat(
	State(s): State<Shared>,
	headers: HeaderMap,
	body: Result<Bytes, BytesRejection>,
) -> Response {
	let result: Result<Response, ApiError> = async {
		let bytes = read_body(body, s.config.max_body_bytes)?;
		let sampling: openai::Sampling = parse_body(&bytes)?;
		let req: ChatRequest = parse_body(&bytes)?;
		let target = resolve_target(&s, &sampling.model).await?;
		let text = chat_prompt(&target.model, &req)?;
		let job = prepare(&s, target, &sampling, &text)?;
		let payer = admit(&s, &headers, &job).await?;
		run(&s, job, payer, Kind::Chat).await
	}
	.await;
	respond(&s, "/v1/chat/completions", result)
}

async fn completion(
	State(s): State<Shared>,
	headers: HeaderMap,
	body: Result<Bytes, BytesRejection>,
) -> Response {
	let result: Result<Response, ApiError> = async {
		let bytes = read_body(body, s.config.max_body_bytes)?;
		let sampling: openai::Sampling = parse_body(&bytes)?;
		let req: CompletionRequest = parse_body(&bytes)?;
		let text = match &req.prompt {
			Prompt::Text(t) => t.clone(),
			Prompt::Batch(v) if v.len() == 1 => v.first().cloned().unwrap_or_default(),
			Prompt::Batch(_) => {
				return Err(ApiError::invalid("prompt", "give exactly one prompt per request"))
			}
		};
		let target = resolve_target(&s, &sampling.model).await?;
		let job = prepare(&s, target, &sampling, &text)?;
		let payer = admit(&s, &headers, &job).await?;
		run(&s, job, payer, Kind::Completion).await
	}
	.await;
	respond(&s, "/v1/completions", result)
}

/// Who pays for `job`: the voucher in the `Authorization` header, checked and reserved (the
/// chain reads run on a blocking thread).
async fn admit(s: &Shared, headers: &HeaderMap, job: &Job) -> Result<Payer, ApiError> {
	let Some(billing) = s.billing.clone() else { return Ok(Payer::Free) };
	let key = match headers.get(axum::http::header::AUTHORIZATION) {
		None => None,
		Some(v) => {
			let v = v.to_str().map_err(|_| {
				refused(Refusal::Unauthorized("the Authorization header is not text".into()))
			})?;
			Some(v.strip_prefix("Bearer ").unwrap_or(v).trim().to_string())
		}
	};
	let (model, prompt) = (job.served, u32::try_from(job.prompt.len()).unwrap_or(u32::MAX));
	let max = u32::try_from(job.params.max_tokens).unwrap_or(u32::MAX);
	let admitted = tokio::task::spawn_blocking(move || {
		billing.admit(key.as_deref().filter(|k| !k.is_empty()), model, prompt, max)
	})
	.await
	.map_err(|e| refused(Refusal::Unavailable(format!("the admission task failed: {e}"))))?;
	admitted.map_err(refused)
}

/// A refusal as OpenAI shapes it: 401 `invalid_api_key`, 402 `insufficient_quota`.
fn refused(r: Refusal) -> ApiError {
	match r {
		Refusal::Unauthorized(m) => {
			ApiError::new(StatusCode::UNAUTHORIZED, "invalid_request_error", "invalid_api_key", m)
		}
		Refusal::PaymentRequired(m) => ApiError::new(
			StatusCode::PAYMENT_REQUIRED,
			"insufficient_quota",
			"insufficient_quota",
			m,
		),
		Refusal::Invalid(m) => ApiError::invalid("max_tokens", m),
		Refusal::Unavailable(m) => {
			ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "server_error", "chain_unavailable", m)
		}
	}
}

/// Meters a finished request on its voucher (free requests: nothing to do).
fn meter(payer: Payer, job: &Job, outcome: &Outcome) {
	if let Payer::Voucher(ticket) = payer {
		let prompt = u32::try_from(job.prompt.len()).unwrap_or(u32::MAX);
		ticket.finish(prompt, job.prompt_hash, outcome.tokens.clone());
	}
}

fn respond(s: &Http, path: &str, result: Result<Response, ApiError>) -> Response {
	let response = result.unwrap_or_else(IntoResponse::into_response);
	s.metrics.http_requests.with_label_values(&[path, response.status().as_str()]).inc();
	response
}

#[derive(Clone, Copy)]
enum Kind {
	Chat,
	Completion,
}

/// Text held back from the client until it cannot be the start of a stop sequence.
struct StopFilter {
	stops: Vec<String>,
	pending: String,
}

impl StopFilter {
	/// Adds a piece; returns what may be sent, and whether a stop sequence was hit.
	fn push(&mut self, piece: &str) -> (String, bool) {
		self.pending.push_str(piece);
		if let Some(at) = self.stops.iter().filter_map(|st| self.pending.find(st.as_str())).min() {
			let out = self.pending.get(..at).unwrap_or_default().to_string();
			self.pending.clear();
			return (out, true);
		}
		// keep the longest suffix that is a prefix of a stop sequence
		let mut keep = 0;
		for st in &self.stops {
			for (i, _) in st.char_indices().skip(1) {
				if self.pending.ends_with(st.get(..i).unwrap_or_default()) {
					keep = keep.max(i);
				}
			}
		}
		let cut = self.pending.len().saturating_sub(keep);
		let cut = (0..=cut).rev().find(|c| self.pending.is_char_boundary(*c)).unwrap_or(0);
		let rest = self.pending.split_off(cut);
		(std::mem::replace(&mut self.pending, rest), false)
	}

	fn finish(&mut self) -> String {
		std::mem::take(&mut self.pending)
	}
}

struct Outcome {
	completion_tokens: usize,
	/// The generated token ids.
	tokens: Vec<u32>,
	finish: &'static str,
}

/// Runs a job on its model's engine, handing text to `emit` as it is produced (`emit` returns
/// false when the client is gone, which cancels the generation).
async fn generate(job: &Job, mut emit: impl FnMut(String) -> bool) -> Result<Outcome, ApiError> {
	let request =
		Request { prompt: job.prompt.clone(), adapter: job.adapter, params: job.params.clone() };
	let mut rx = job.model.engine.submit(request).map_err(engine_error)?;
	let mut filter = StopFilter { stops: job.stops.clone(), pending: String::new() };
	let (mut tokens, mut streamed) = (Vec::new(), 0usize);
	while let Some(event) = rx.recv().await {
		match event {
			Event::Token { id, text } => {
				tokens.push(id);
				streamed += text.len();
				let (out, stopped) = filter.push(&text);
				if (!out.is_empty() && !emit(out)) || stopped {
					// dropping `rx` cancels the request in the engine
					return Ok(Outcome { completion_tokens: tokens.len(), tokens, finish: "stop" });
				}
			}
			Event::Done(g) => {
				// the decoder's last bytes arrive only in the final text
				let (out, stopped) = filter.push(g.text.get(streamed..).unwrap_or_default());
				let tail = if stopped { out } else { out + &filter.finish() };
				if !tail.is_empty() {
					emit(tail);
				}
				return Ok(Outcome {
					completion_tokens: g.tokens.len(),
					tokens: g.tokens,
					finish: if stopped { "stop" } else { openai::finish_reason(g.finish) },
				});
			}
			Event::Failed(e) => return Err(engine_error(openledger_ai::Error::InvalidRequest(e))),
		}
	}
	Err(engine_error(openledger_ai::Error::EngineStopped))
}

fn engine_error(e: openledger_ai::Error) -> ApiError {
	log::warn!(target: LOG_TARGET, "generation failed: {e}");
	ApiError::new(
		StatusCode::INTERNAL_SERVER_ERROR,
		"server_error",
		"engine_error",
		format!("the engine failed: {e}"),
	)
}

fn timeout_error(after: Duration) -> ApiError {
	ApiError::new(
		StatusCode::GATEWAY_TIMEOUT,
		"server_error",
		"timeout",
		format!("the request took longer than {} s", after.as_secs()),
	)
}

async fn run(s: &Shared, job: Job, payer: Payer, kind: Kind) -> Result<Response, ApiError> {
	let guard = InFlight::enter(s)?;
	let n = s.next_id.fetch_add(1, Ordering::Relaxed);
	let (prefix, object, chunk_object) = match kind {
		Kind::Chat => ("chatcmpl", "chat.completion", "chat.completion.chunk"),
		Kind::Completion => ("cmpl", "text_completion", "text_completion"),
	};
	let id = format!("{prefix}-{:x}{n:08x}", s.started);
	let created = now_secs();
	let model = job.name.clone();
	let timeout = s.config.request_timeout;
	let prompt_tokens = job.prompt.len();

	if !job.stream {
		let mut text = String::new();
		let outcome = tokio::time::timeout(
			timeout,
			generate(&job, |piece| {
				text.push_str(&piece);
				true
			}),
		)
		.await
		.map_err(|_| timeout_error(timeout))??;
		drop(guard);
		meter(payer, &job, &outcome);
		let usage = Usage::new(prompt_tokens, outcome.completion_tokens);
		let choice = match kind {
			Kind::Chat => json!({
				"index": 0,
				"message": { "role": "assistant", "content": text, "refusal": null },
				"logprobs": null,
				"finish_reason": outcome.finish,
			}),
			Kind::Completion => json!({
				"index": 0, "text": text, "logprobs": null, "finish_reason": outcome.finish,
			}),
		};
		return Ok(Json(json!({
			"id": id, "object": object, "created": created, "model": model,
			"system_fingerprint": null, "choices": [choice], "usage": usage,
		}))
		.into_response());
	}

	// Streaming: a task generates and sends chunks; the response streams them as
	// `data: {…}` events and ends with `data: [DONE]`, as OpenAI does.
	// Unbounded: at most `max_tokens` chunks, and the engine must never wait on a slow client.
	let (tx, rx) = mpsc::unbounded_channel::<Value>();
	let chunk = {
		let (id, model) = (id.clone(), model.clone());
		move |choice: Value, usage: Option<Usage>| {
			let mut c = json!({
				"id": id, "object": chunk_object, "created": created, "model": model,
				"system_fingerprint": null, "choices": [choice],
			});
			if let Some(u) = usage {
				c["choices"] = json!([]);
				c["usage"] = json!(u);
			}
			c
		}
	};
	let delta = move |content: Option<String>, finish: Option<&str>| match kind {
		Kind::Chat => {
			let d = match &content {
				Some(t) => json!({ "content": t }),
				None => json!({}),
			};
			json!({ "index": 0, "delta": d, "logprobs": null, "finish_reason": finish })
		}
		Kind::Completion => json!({
			"index": 0, "text": content.unwrap_or_default(), "logprobs": null, "finish_reason": finish,
		}),
	};
	if let Kind::Chat = kind {
		let first = json!({
			"index": 0, "delta": { "role": "assistant", "content": "", "refusal": null },
			"logprobs": null, "finish_reason": null,
		});
		let _ = tx.send(chunk(first, None));
	}
	let include_usage = job.include_usage;
	tokio::spawn(async move {
		let _guard = guard;
		let sender = tx.clone();
		let work =
			generate(&job, |piece| sender.send(chunk(delta(Some(piece), None), None)).is_ok());
		match tokio::time::timeout(timeout, work).await {
			Ok(Ok(outcome)) => {
				meter(payer, &job, &outcome);
				let _ = tx.send(chunk(delta(None, Some(outcome.finish)), None));
				if include_usage {
					let u = Usage::new(prompt_tokens, outcome.completion_tokens);
					let _ = tx.send(chunk(Value::Null, Some(u)));
				}
			}
			Ok(Err(e)) => {
				let _ = tx.send(e.body());
			}
			Err(_) => {
				let _ = tx.send(timeout_error(timeout).body());
			}
		}
	});
	let events = futures::stream::unfold(Some(rx), |state| async move {
		let mut rx = state?;
		match rx.recv().await {
			Some(v) => {
				Some((Ok::<_, Infallible>(SseEvent::default().data(v.to_string())), Some(rx)))
			}
			None => Some((Ok(SseEvent::default().data("[DONE]")), None)),
		}
	})
	.boxed();
	Ok(Sse::new(events).into_response())
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
	use super::*;

	fn filter(stops: &[&str]) -> StopFilter {
		StopFilter { stops: stops.iter().map(|s| s.to_string()).collect(), pending: String::new() }
	}

	#[test]
	fn request_bodies_parse_with_floats_and_unknown_fields() {
		let body = br#"{"model":"0","messages":[{"role":"user","content":"hi"}],"temperature":0.9,"top_p":0.5,"max_tokens":3,"stop":"x","seed":7,"user":"someone"}"#;
		let s: openai::Sampling = parse_body(body).expect("sampling fields");
		assert_eq!(
			(s.temperature, s.top_p, s.max_tokens, s.seed),
			(Some(0.9), Some(0.5), Some(3), Some(7))
		);
		let c: ChatRequest = parse_body(body).expect("chat fields");
		assert_eq!(c.messages.len(), 1);
		let e = parse_body::<openai::Sampling>(br#"{"model":"0","temperature":"hot"}"#)
			.expect_err("a string temperature");
		assert_eq!(e.code, Some("invalid_json"));
	}

	#[test]
	fn stop_sequences_cut_the_text_and_hold_back_prefixes() {
		let mut f = filter(&["\n\n", "END"]);
		assert_eq!(f.push("Hello"), ("Hello".into(), false));
		assert_eq!(f.push(" wor"), (" wor".into(), false));
		assert_eq!(f.push("ld\n"), ("ld".into(), false)); // "\n" may start "\n\n"
		assert_eq!(f.push("x E"), ("\nx ".into(), false)); // "E" may start "END"
		assert_eq!(f.push("NDing"), ("".into(), true));
		let mut f = filter(&[]);
		assert_eq!(f.push("a\n\n"), ("a\n\n".into(), false));
		let mut f = filter(&["é!"]);
		assert_eq!(f.push("café"), ("caf".into(), false));
		assert_eq!(f.finish(), "é");
	}
}
