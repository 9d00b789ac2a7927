//! The trainer's offchain worker. On every block, for each agent key in this node's keystore
//! that belongs to a registered agent, it goes through that agent's open jobs
//! ([`AgentLoad`]):
//!
//! - **Assigned** to it: when this node's AI service has the job's base model, it signs the
//!   acceptance with the agent key and sends `accept_job` unsigned;
//! - **Training**: it starts the fine-tune in the AI service (the pinned versions' accepted
//!   contributions in acceptance order, read by the service from the offchain database and
//!   checked against their content hashes), polls it on later blocks, and when it is done signs
//!   and sends `deliver_job` with the commitment built from the result;
//! - **Verifying**: it uploads the files the round needs (`verifier.rs`).
//!
//! What it has done for a job is kept in the node's persistent offchain storage under
//! `openledger/models/trainer/<job><attempt>`, so a restart resumes (a training lost with the
//! restarted AI service is started again) and a transaction not yet included is sent again
//! after [`RESEND_AFTER`] blocks. Nothing here can change the chain except through the two
//! unsigned calls, which the pool and the calls check in full.

use crate::{pallet::*, *};
use alloc::vec::Vec;
use frame::{
	deps::{
		frame_system::offchain::{CreateBare, SubmitTransaction},
		sp_runtime::{offchain::storage::StorageValueRef, RuntimeAppPublic},
	},
	prelude::*,
};
use openledger_ai_primitives::{
	ai, AiError, CheckpointRef, FineTuneOutput, FineTuneSpec, JobOutput, JobStatus,
};
use openledger_primitives::{AgentKeys, TrainingData};
use polkadot_sdk::polkadot_sdk_frame as frame;

/// Blocks after which a sent acceptance or delivery that the chain has not acted on is sent
/// again.
pub const RESEND_AFTER: u32 = 5;

/// What this node has done for one attempt of one job.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
enum Progress<BlockNumber> {
	/// `accept_job` sent at that block.
	Accepted(BlockNumber),
	/// The AI service is training under that ticket.
	Running(u64),
	/// The service refused or failed the job for a reason a retry would not fix.
	Abandoned,
	/// `deliver_job` sent at that block with that commitment.
	Delivered(BlockNumber, Vec<u8>),
}

fn storage_key(job: JobId, attempt: u8) -> Vec<u8> {
	(b"openledger/models/trainer/", job, attempt).encode()
}

impl<T: Config> Pallet<T> {
	/// The offchain worker's trainer part (see the module docs).
	pub(crate) fn offchain_train(now: BlockNumberFor<T>) {
		let keys = T::AgentKey::all();
		if keys.is_empty() {
			return;
		}
		for key in keys {
			let Some(agent) = T::Agents::owner_of(&key) else { continue };
			for id in AgentLoad::<T>::get(&agent).map(|l| l.into_inner()).unwrap_or_default() {
				let Some(job) = Jobs::<T>::get(id) else { continue };
				match &job.state {
					JobState::Assigned { agent: a, .. } if *a == agent => {
						Self::offchain_accept(id, &job, &key, now)
					}
					JobState::Training { agent: a, .. } if *a == agent => {
						Self::offchain_run(id, &job, &key, now)
					}
					JobState::Verifying { agent: a, .. } if *a == agent => {
						Self::offchain_upload(id, &job, &key, now)
					}
					_ => {}
				}
			}
		}
	}

	fn progress(id: JobId, attempt: u8) -> Option<Progress<BlockNumberFor<T>>> {
		StorageValueRef::persistent(&storage_key(id, attempt)).get().ok().flatten()
	}

	fn set_progress(id: JobId, attempt: u8, p: &Progress<BlockNumberFor<T>>) {
		StorageValueRef::persistent(&storage_key(id, attempt)).set(p);
	}

	fn resend_due(sent: BlockNumberFor<T>, now: BlockNumberFor<T>) -> bool {
		now.saturating_sub(sent) >= RESEND_AFTER.into()
	}

	/// The spec of `job` for this node's AI service, or why there is none.
	pub(crate) fn fine_tune_spec(id: JobId, job: &JobOf<T>) -> Result<FineTuneSpec, &'static str> {
		let parent = match job.parent {
			None => None,
			Some(id) => {
				let f = AdapterFiles::<T>::get(id).ok_or("the parent adapter's file is unknown")?;
				Some(CheckpointRef { id, content: f.content, size: f.size })
			}
		};
		let model = BaseModels::<T>::get(job.base).ok_or("the base model is not registered")?;
		let mut data = Vec::new();
		for p in job.data.iter() {
			let items = T::TrainingData::training_set(p.datanet, p.accepted);
			if items.len() != p.accepted as usize {
				return Err("a pinned datanet version's contributions are not all on chain");
			}
			data.extend(items);
		}
		Ok(FineTuneSpec {
			job: id,
			model: model.spec.weights_hash,
			parent,
			data,
			params: job.params,
			checkpoint_every: job.checkpoint_every,
			max_checkpoints: T::MaxCheckpoints::get(),
		})
	}

	/// [`Self::fine_tune_spec`], or the job marked abandoned for this attempt (with why logged).
	fn spec_or_abandon(id: JobId, job: &JobOf<T>, attempt: u8) -> Option<FineTuneSpec> {
		Self::fine_tune_spec(id, job)
			.inspect_err(|why| {
				log::warn!(target: LOG_TARGET, "fine-tune job {id}: cannot train: {why}");
				Self::set_progress(id, attempt, &Progress::Abandoned);
			})
			.ok()
	}

	pub(crate) fn submit(call: Call<T>, what: &str, id: JobId) -> bool {
		let xt = <T as CreateBare<Call<T>>>::create_bare(call.into());
		let sent = SubmitTransaction::<T, Call<T>>::submit_transaction(xt).is_ok();
		if sent {
			log::info!(target: LOG_TARGET, "fine-tune job {id}: {what} sent");
		} else {
			log::warn!(target: LOG_TARGET, "fine-tune job {id}: the pool refused the {what}");
		}
		sent
	}

	/// Accepts `job` when this node can train it.
	fn offchain_accept(id: JobId, job: &JobOf<T>, key: &T::AgentKey, now: BlockNumberFor<T>) {
		let attempt = job.attempts;
		match Self::progress(id, attempt) {
			Some(Progress::Accepted(sent)) if !Self::resend_due(sent, now) => return,
			Some(Progress::Abandoned) => return,
			_ => {}
		}
		let Some(spec) = Self::spec_or_abandon(id, job, attempt) else { return };
		match openledger_ai_primitives::served_models() {
			Ok(models) if models.contains(&spec.model) => {}
			Ok(_) => {
				log::warn!(target: LOG_TARGET, "fine-tune job {id}: not accepted: this node's AI service lacks the base model");
				return;
			}
			Err(e) => {
				log::debug!(target: LOG_TARGET, "fine-tune job {id}: no AI service ({e:?})");
				return;
			}
		}
		let Some(signature) = key.sign(&Self::accept_message(id, attempt)) else {
			log::warn!(target: LOG_TARGET, "fine-tune job {id}: the keystore could not sign");
			return;
		};
		if Self::submit(Call::accept_job { job: id, attempt, signature }, "acceptance", id) {
			Self::set_progress(id, attempt, &Progress::Accepted(now));
		}
	}

	/// Trains an accepted `job` and delivers its commitment.
	fn offchain_run(id: JobId, job: &JobOf<T>, key: &T::AgentKey, now: BlockNumberFor<T>) {
		let attempt = job.attempts;
		match Self::progress(id, attempt) {
			None | Some(Progress::Accepted(_)) => Self::offchain_start(id, job, attempt),
			Some(Progress::Running(ticket)) => match ai::poll(ticket) {
				Ok(JobStatus::Queued) | Ok(JobStatus::Running { .. }) => {}
				Ok(JobStatus::Done(JobOutput::FineTuned(out))) => {
					match Self::commitment_of(job, out) {
						Some(c) => Self::offchain_deliver(id, attempt, c, key, now),
						None => {
							log::error!(target: LOG_TARGET, "fine-tune job {id}: the result does not fit the chain's commitment");
							Self::set_progress(id, attempt, &Progress::Abandoned);
						}
					}
				}
				Ok(JobStatus::Done(_)) | Ok(JobStatus::Failed(AiError::Invalid)) => {
					log::warn!(target: LOG_TARGET, "fine-tune job {id}: the AI service refused the training");
					Self::set_progress(id, attempt, &Progress::Abandoned);
				}
				Ok(JobStatus::Failed(e)) => {
					log::warn!(target: LOG_TARGET, "fine-tune job {id}: training failed ({e:?}); starting again");
					Self::offchain_start(id, job, attempt);
				}
				// the service forgot the ticket (it restarted): start again
				Err(_) => Self::offchain_start(id, job, attempt),
			},
			Some(Progress::Delivered(sent, bytes)) if Self::resend_due(sent, now) => {
				if let Ok(c) = CommitmentOf::<T>::decode(&mut &bytes[..]) {
					Self::offchain_deliver(id, attempt, c, key, now);
				}
			}
			Some(Progress::Delivered(..)) | Some(Progress::Abandoned) => {}
		}
	}

	fn offchain_start(id: JobId, job: &JobOf<T>, attempt: u8) {
		let Some(spec) = Self::spec_or_abandon(id, job, attempt) else { return };
		match ai::start_job(openledger_ai_primitives::JobSpec::FineTune(spec)) {
			Ok(ticket) => {
				log::info!(target: LOG_TARGET, "fine-tune job {id}: training started");
				Self::set_progress(id, attempt, &Progress::Running(ticket.0));
			}
			Err(AiError::Busy) | Err(AiError::Unavailable) => {
				log::debug!(target: LOG_TARGET, "fine-tune job {id}: the AI service cannot start it now");
			}
			Err(e) => {
				log::warn!(target: LOG_TARGET, "fine-tune job {id}: the AI service refused it ({e:?})");
				Self::set_progress(id, attempt, &Progress::Abandoned);
			}
		}
	}

	/// The on-chain commitment of a finished training, if it fits the chain's bounds.
	fn commitment_of(job: &JobOf<T>, out: FineTuneOutput) -> Option<CommitmentOf<T>> {
		let c = TrainingCommitment {
			adapter: out.adapter,
			steps: out.steps,
			checkpoints: BoundedVec::try_from(out.checkpoints).ok()?,
			epoch_adapters: BoundedVec::try_from(out.epoch_adapters).ok()?,
			report: TrainingReport {
				eval_loss_before: out.eval_loss_before,
				eval_loss_after: out.eval_loss_after,
				tokens: out.tokens,
				losses: BoundedVec::try_from(out.losses).ok()?,
			},
		};
		Self::check_commitment(job, &c).ok().map(|()| c)
	}

	fn offchain_deliver(
		id: JobId,
		attempt: u8,
		commitment: CommitmentOf<T>,
		key: &T::AgentKey,
		now: BlockNumberFor<T>,
	) {
		let Some(signature) = key.sign(&Self::deliver_message(id, attempt, &commitment)) else {
			log::warn!(target: LOG_TARGET, "fine-tune job {id}: the keystore could not sign");
			return;
		};
		let bytes = commitment.encode();
		if Self::submit(
			Call::deliver_job { job: id, attempt, commitment, signature },
			"delivery",
			id,
		) {
			Self::set_progress(id, attempt, &Progress::Delivered(now, bytes));
		}
	}
}
