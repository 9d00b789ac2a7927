//! The offchain workers of verification (`verify.rs` has the chain's side):
//!
//! - **the trainer's node** uploads what a round needs: for each needed file not yet whole on
//!   chain, it reads the chunks from its AI service (`ai::file_chunk`, the checkpoints and
//!   adapters the training kept) and sends them as `upload_job_file`, signed with the agent key,
//!   at most [`CHUNKS_PER_BLOCK`] per block, again after [`RESEND_AFTER`] blocks if the chain has
//!   not taken them;
//! - **a verifier's node**, for each seat of a round whose authority key is in its keystore,
//!   waits until the seat's checkpoints, the last checkpoint and the final adapter are uploaded,
//!   has its AI service replay the segment (`JobSpec::Replay`, with the adapter check), and sends
//!   the verdict as `submit_verdict`, signed with the authority key.
//!
//! Progress is kept in the node's persistent offchain storage, so a restarted node resumes.

use crate::{pallet::*, trainer::RESEND_AFTER, *};
use frame::{
	deps::sp_runtime::{offchain::storage::StorageValueRef, RuntimeAppPublic},
	prelude::*,
};
use openledger_ai_primitives::{
	ai, AdapterCheck, AiError, CheckpointRef, JobOutput, JobSpec, JobStatus, ReplaySpec,
	ReplayVerdict,
};
use polkadot_sdk::polkadot_sdk_frame as frame;

/// Most chunks one node sends per block.
pub const CHUNKS_PER_BLOCK: u32 = 8;

/// What a verifier's node has done for one seat.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
enum Replay<BlockNumber> {
	/// The AI service is replaying under that ticket.
	Running(u64),
	/// The verdict was sent at that block.
	Sent(BlockNumber, ReplayVerdict),
}

impl<T: Config> Pallet<T> {
	/// The trainer's uploads for `job`, in round `v` (see the module docs).
	pub(crate) fn offchain_upload(
		id: JobId,
		job: &JobOf<T>,
		key: &T::AgentKey,
		now: BlockNumberFor<T>,
	) {
		let (Some(c), Some(v)) = (Commitments::<T>::get(id), Verifications::<T>::get(id)) else {
			return;
		};
		let chunk_size = T::ChunkSize::get();
		let mut budget = CHUNKS_PER_BLOCK;
		for file in Self::needed_files(&c, &v) {
			if budget == 0 {
				return;
			}
			let so_far = JobFiles::<T>::get(id, file);
			if so_far.as_ref().is_some_and(|u| u.done) {
				continue;
			}
			let received = so_far.map_or(0, |u| u.chunks.len() as u32);
			let sent_key = (b"openledger/models/upload/", id, job.attempts, file).encode();
			let sent = StorageValueRef::persistent(&sent_key);
			if let Ok(Some((at, from))) = sent.get::<(BlockNumberFor<T>, u32)>() {
				if from == received && now.saturating_sub(at) < RESEND_AFTER.into() {
					continue;
				}
			}
			let mut index = received;
			loop {
				if budget == 0 {
					break;
				}
				let part = match ai::file_chunk(file, index, chunk_size) {
					Ok(p) => p,
					Err(AiError::Invalid) => break,
					Err(e) => {
						log::warn!(target: LOG_TARGET, "fine-tune job {id}: file {file:?} cannot be read for upload ({e:?})");
						break;
					}
				};
				let Ok(data) = ChunkOf::<T>::try_from(part.data) else { break };
				let chunk = UploadChunk {
					job: id,
					attempt: job.attempts,
					file,
					content: part.content,
					size: part.size,
					index,
				};
				let Some(signature) = key.sign(&Self::chunk_message(&chunk, &data)) else { return };
				let call = Call::upload_job_file { chunk, data, signature };
				if !Self::submit(call, "file chunk", id) {
					break;
				}
				budget = budget.saturating_sub(1);
				index = index.saturating_add(1);
				if index.saturating_mul(chunk_size) >= part.size {
					break;
				}
			}
			sent.set(&(now, received));
		}
	}

	/// A verifier's part (see the module docs).
	pub(crate) fn offchain_verify(now: BlockNumberFor<T>) {
		let keys = T::AuthorityId::all();
		if keys.is_empty() {
			return;
		}
		for (id, v) in Verifications::<T>::iter() {
			for (i, seat) in v.seats.iter().enumerate() {
				if seat.verdict.is_none() && keys.contains(&seat.authority) {
					Self::offchain_replay(id, &v, i as u8, now);
				}
			}
		}
	}

	/// The uploaded file `id` of `job` as the AI service reads it, once whole on chain.
	fn uploaded(job: JobId, id: &[u8; 32]) -> Option<CheckpointRef> {
		JobFiles::<T>::get(job, id).filter(|u| u.done).map(|u| CheckpointRef {
			id: *id,
			content: u.content,
			size: u.size,
		})
	}

	/// The replay of seat `seat`, once its files are uploaded.
	fn replay_spec(id: JobId, v: &VerificationOf<T>, seat: u8) -> Option<ReplaySpec> {
		let job = Jobs::<T>::get(id)?;
		let c = Commitments::<T>::get(id)?;
		let segment = v.seats.get(usize::from(seat))?.segment;
		let (start, end) = Self::segment_files(&c, segment);
		let start = match start {
			Some(s) => Some(Self::uploaded(id, &s)?),
			None => None,
		};
		let end = Self::uploaded(id, &end?)?;
		let last = Self::uploaded(id, c.checkpoints.last()?)?;
		let adapter = Self::uploaded(id, &c.adapter)?;
		let spec = Self::fine_tune_spec(id, &job).ok()?;
		Some(ReplaySpec {
			job: spec,
			start,
			end,
			steps: Self::segment_steps(&job, &c, segment),
			adapter: Some(AdapterCheck { last, adapter }),
		})
	}

	fn offchain_replay(id: JobId, v: &VerificationOf<T>, seat: u8, now: BlockNumberFor<T>) {
		let Some(authority) = v.seats.get(usize::from(seat)).map(|s| s.authority.clone()) else {
			return;
		};
		let key = (b"openledger/models/verifier/", id, v.round, seat).encode();
		let mut progress = StorageValueRef::persistent(&key);
		let send = |verdict: ReplayVerdict| {
			let Some(signature) =
				authority.sign(&Self::verdict_message(id, v.round, seat, &verdict))
			else {
				return;
			};
			let call = Call::submit_verdict { job: id, round: v.round, seat, verdict, signature };
			if Self::submit(call, "verdict", id) {
				progress.set(&Replay::Sent(now, verdict));
			}
		};
		match progress.get::<Replay<BlockNumberFor<T>>>().ok().flatten() {
			Some(Replay::Sent(at, verdict)) => {
				if now.saturating_sub(at) >= RESEND_AFTER.into() {
					send(verdict);
				}
			}
			Some(Replay::Running(ticket)) => match ai::poll(ticket) {
				Ok(JobStatus::Done(JobOutput::Replayed(verdict))) => {
					log::info!(target: LOG_TARGET, "fine-tune job {id}: replay of seat {seat} done: {verdict:?}");
					send(verdict);
				}
				Ok(JobStatus::Queued) | Ok(JobStatus::Running { .. }) => {}
				// unavailable files, a restarted service, a failure: start again
				_ => progress.clear(),
			},
			None => {
				let Some(spec) = Self::replay_spec(id, v, seat) else {
					log::debug!(target: LOG_TARGET, "fine-tune job {id}: seat {seat} waits for the uploads");
					return;
				};
				match ai::start_job(JobSpec::Replay(spec)) {
					Ok(t) => {
						log::info!(target: LOG_TARGET, "fine-tune job {id}: replay of seat {seat} started");
						progress.set(&Replay::<BlockNumberFor<T>>::Running(t.0));
					}
					Err(e) => {
						log::debug!(target: LOG_TARGET, "fine-tune job {id}: replay not started ({e:?})")
					}
				}
			}
		}
	}
}
