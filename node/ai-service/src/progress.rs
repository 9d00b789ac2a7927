//! Live progress of the fine-tunes this node trains, for the node's RPC subscription
//! (`modelFactory_subscribeTraining`), its logs and its metrics: every optimiser step of a
//! ModelFactory job publishes the step, the batch loss, tokens per second and the time left.
//!
//! Only the node that trains a job has its progress: a requester follows it through that
//! node's RPC (the chain itself only sees the job's state change and the committed report).

use std::{
	collections::BTreeMap,
	sync::Mutex,
	time::{SystemTime, UNIX_EPOCH},
};

use serde::Serialize;
use tokio::sync::broadcast;

/// Jobs whose last progress is kept for late subscribers; the oldest (lowest ids) are forgotten
/// beyond this.
const KEPT_JOBS: usize = 64;
/// Updates a slow subscriber may fall behind by before it skips to the newest.
const CHANNEL: usize = 1024;

/// Where a fine-tune stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Stage {
	/// Reading and checking the training data from the offchain database.
	ReadingData,
	/// Training: `step` of `total_steps` done.
	Training,
	/// Finished: the adapter is stored and the commitment can be delivered.
	Done,
	/// Stopped with an error (logged).
	Failed,
}

/// One progress report of chain job `job`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrainingProgress {
	/// The chain's fine-tune job id.
	pub job: u64,
	/// Where it stands.
	pub stage: Stage,
	/// Optimiser steps done.
	pub step: u32,
	/// Steps of the whole run (0 until training starts).
	pub total_steps: u32,
	/// Epoch of the last step (from 0).
	pub epoch: u32,
	/// Mean token loss of the last step's batch, in nats.
	pub loss: Option<f32>,
	/// Training tokens per second so far.
	pub tokens_per_second: f64,
	/// Estimated seconds until the last step.
	pub eta_seconds: f64,
	/// Wall-clock time of the report, milliseconds since the Unix epoch.
	pub at_ms: u64,
}

impl TrainingProgress {
	/// A report of `job` at `stage` with no step yet.
	pub fn new(job: u64, stage: Stage) -> Self {
		Self {
			job,
			stage,
			step: 0,
			total_steps: 0,
			epoch: 0,
			loss: None,
			tokens_per_second: 0.0,
			eta_seconds: 0.0,
			at_ms: now_ms(),
		}
	}

	/// The report after a training step.
	pub fn step(job: u64, p: &openledger_ai::train::Progress) -> Self {
		Self {
			job,
			stage: Stage::Training,
			step: p.step as u32,
			total_steps: p.total_steps as u32,
			epoch: p.epoch as u32,
			loss: Some(p.loss),
			tokens_per_second: p.tokens_per_sec,
			eta_seconds: p.eta_secs,
			at_ms: now_ms(),
		}
	}

	/// This report turned into the last one of its job, at `stage` (`Done` or `Failed`), now.
	pub fn finished(mut self, stage: Stage) -> Self {
		self.stage = stage;
		self.eta_seconds = 0.0;
		self.at_ms = now_ms();
		self
	}

	/// Whether no report follows this one.
	pub fn is_final(&self) -> bool {
		matches!(self.stage, Stage::Done | Stage::Failed)
	}
}

fn now_ms() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// The latest report of each recent job, and a channel of every report.
pub struct ProgressHub {
	latest: Mutex<BTreeMap<u64, TrainingProgress>>,
	tx: broadcast::Sender<TrainingProgress>,
}

impl Default for ProgressHub {
	fn default() -> Self {
		Self { latest: Mutex::new(BTreeMap::new()), tx: broadcast::channel(CHANNEL).0 }
	}
}

impl ProgressHub {
	/// Records and sends a report (from a worker thread; never blocks on subscribers).
	pub fn publish(&self, p: TrainingProgress) {
		{
			let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
			latest.insert(p.job, p.clone());
			// chain job ids are sequential: the lowest is the oldest
			while latest.len() > KEPT_JOBS {
				latest.pop_first();
			}
		}
		// no subscriber is not an error
		let _ = self.tx.send(p);
	}

	/// The last report of `job`, if this node trained it recently.
	pub fn latest(&self, job: u64) -> Option<TrainingProgress> {
		self.latest.lock().unwrap_or_else(|e| e.into_inner()).get(&job).cloned()
	}

	/// Every report from now on. Subscribe before reading [`ProgressHub::latest`] so that no
	/// report falls between the two.
	pub fn subscribe(&self) -> broadcast::Receiver<TrainingProgress> {
		self.tx.subscribe()
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn keeps_the_latest_report_of_recent_jobs_and_broadcasts_all() {
		let hub = ProgressHub::default();
		let mut rx = hub.subscribe();
		hub.publish(TrainingProgress::new(1, Stage::ReadingData));
		let p = openledger_ai::train::Progress {
			step: 3,
			total_steps: 12,
			epoch: 1,
			loss: 2.5,
			tokens_per_sec: 100.0,
			eta_secs: 9.0,
		};
		hub.publish(TrainingProgress::step(1, &p));
		assert_eq!(rx.try_recv().unwrap().stage, Stage::ReadingData);
		let last = rx.try_recv().unwrap();
		assert_eq!((last.step, last.total_steps, last.loss), (3, 12, Some(2.5)));
		assert_eq!(hub.latest(1), Some(last));
		assert_eq!(hub.latest(2), None);
		for job in 10..10 + KEPT_JOBS as u64 {
			hub.publish(TrainingProgress::new(job, Stage::Done));
		}
		assert_eq!(hub.latest(10).map(|p| p.is_final()), Some(true));
		assert_eq!(hub.latest(1), None, "the oldest job is forgotten");
		let json = serde_json::to_value(TrainingProgress::step(4, &p)).unwrap();
		assert_eq!(
			(json["stage"].as_str(), json["totalSteps"].as_u64()),
			(Some("training"), Some(12))
		);
	}
}
