//! `modelFactory_*` RPC: the live progress of the ModelFactory fine-tunes this node trains —
//! stage, step, batch loss, tokens per second and time left — as a subscription that the web
//! app and `scripts/model-factory follow` draw, and as a one-off read.
//!
//! Only the trainer's node has it: the chain sees a job's state changes and the committed
//! report, not its steps. A node without the AI service (`--ai off`) answers every call with
//! [`error::UNAVAILABLE`]; a job this node has not trained recently has no progress (`null`).

use std::sync::Arc;

use jsonrpsee::{
	core::{async_trait, RpcResult, SubscriptionResult},
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
	PendingSubscriptionSink, SubscriptionMessage,
};
use openledger_ai_service::progress::{ProgressHub, TrainingProgress};
use tokio::sync::broadcast::error::RecvError;

/// The `modelFactory` RPC namespace.
#[rpc(server, namespace = "modelFactory")]
pub trait TrainingRpc {
	/// The last progress report of fine-tune job `job` on this node, or `null` when this node
	/// has not trained it recently.
	#[method(name = "training")]
	fn training(&self, job: u64) -> RpcResult<Option<TrainingProgress>>;

	/// Every progress report of fine-tune job `job` on this node: the last one first (if any),
	/// then one per stage and per optimiser step, ending after the `done` or `failed` report.
	#[subscription(
		name = "subscribeTraining" => "trainingProgress",
		unsubscribe = "unsubscribeTraining",
		item = TrainingProgress
	)]
	async fn subscribe_training(&self, job: u64) -> SubscriptionResult;
}

/// Error codes of the namespace.
pub mod error {
	/// The node runs without its AI service (`--ai off`).
	pub const UNAVAILABLE: i32 = 4101;
}

fn unavailable() -> ErrorObjectOwned {
	ErrorObject::owned(
		error::UNAVAILABLE,
		"this node runs without its AI service (--ai off): it trains nothing",
		None::<()>,
	)
}

/// Serves `modelFactory_*` from the AI service's progress hub.
pub struct Training {
	hub: Option<Arc<ProgressHub>>,
}

impl Training {
	/// `hub` is the AI service's progress (`None` with `--ai off`).
	pub fn new(hub: Option<Arc<ProgressHub>>) -> Self {
		Self { hub }
	}
}

#[async_trait]
impl TrainingRpcServer for Training {
	fn training(&self, job: u64) -> RpcResult<Option<TrainingProgress>> {
		let hub = self.hub.as_ref().ok_or_else(unavailable)?;
		Ok(hub.latest(job))
	}

	async fn subscribe_training(
		&self,
		pending: PendingSubscriptionSink,
		job: u64,
	) -> SubscriptionResult {
		let Some(hub) = self.hub.clone() else {
			pending.reject(unavailable()).await;
			return Ok(());
		};
		// subscribe first, so that no report falls between the snapshot and the stream
		let mut rx = hub.subscribe();
		let sink = pending.accept().await?;
		let mut last_step = None;
		if let Some(p) = hub.latest(job) {
			sink.send(SubscriptionMessage::from_json(&p)?).await?;
			if p.is_final() {
				return Ok(());
			}
			last_step = Some((p.stage, p.step));
		}
		loop {
			let p = tokio::select! {
				p = rx.recv() => p,
				_ = sink.closed() => return Ok(()),
			};
			match p {
				Ok(p) if p.job == job => {
					// the snapshot may repeat the first report of the stream
					if last_step.take() == Some((p.stage, p.step)) {
						continue;
					}
					sink.send(SubscriptionMessage::from_json(&p)?).await?;
					if p.is_final() {
						return Ok(());
					}
				}
				Ok(_) | Err(RecvError::Lagged(_)) => {}
				Err(RecvError::Closed) => return Ok(()),
			}
		}
	}
}
