//! Verification by refereed replay, on chain. A delivered job waits `draw_delay` blocks; then
//! the parent hash of that block draws V verifiers among the validators (never the trainer's
//! operator, unless it is the only validator, as on a `--dev` chain) and one segment of steps
//! for each. Until `verify_by` the trainer uploads, in chunks, the checkpoints that start and
//! end the picked segments, its last checkpoint and its per-epoch adapters; each verifier's
//! node replays its segment (`verifier.rs`) and answers with the measured distance.
//!
//! The round settles when every verifier answered, or at `verify_by`:
//! - every needed file uploaded, no failure and at least 2/3 of the seats passing: the model
//!   is registered (its id the adapter hash, its lineage the job's data);
//! - a file missing: the trainer is at fault;
//! - otherwise (a failure, or too few answers) a dispute: 2V + 1 verifiers on the segments
//!   that did not pass. The dispute registers the model when at least 2/3 of its answers
//!   pass, finds the trainer at fault when fewer do, and stalls (the job fails, refunded,
//!   no one slashed) when no one answers.
//!
//! A trainer at fault is slashed the agents registry's fraud share and the job drawn again
//! among other trainers (or failed and refunded when attempts or time ran out). Each
//! validator's seats, answers, misses and overruled answers are counted in
//! [`VerifierStats`].

use crate::{pallet::*, *};
use alloc::{collections::btree_set::BTreeSet, vec::Vec};
use frame::deps::{
	sp_io::{hashing::blake2_256, offchain_index},
	sp_runtime::{
		traits::{Saturating, UniqueSaturatedInto},
		transaction_validity::{InvalidTransaction, TransactionValidity, ValidTransaction},
		RuntimeAppPublic,
	},
};
use frame::prelude::*;
use openledger_ai_primitives::{adapter_offchain_key, AdapterFile, ReplayVerdict};
use openledger_primitives::{
	chunk_hash, chunk_key, content_hash, file_key, AgentKeys, AgentRegistry, Fault, FileManifest,
	Outcome,
};
use polkadot_sdk::polkadot_sdk_frame as frame;

/// The validators verifiers are drawn from.
pub trait ValidatorSet<AuthorityId, AccountId> {
	/// The current validators' authority keys and accounts, in a fixed order.
	fn validators() -> Vec<(AuthorityId, AccountId)>;
}

/// How a seat's answer counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeatOutcome {
	/// Replayed within the tolerance.
	Pass,
	/// Replayed beyond it, or the files were wrong.
	Fail,
	/// No answer.
	Missing,
}

/// How a round ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundEnd {
	/// The model is registered.
	Accept,
	/// The trainer was wrong or did not upload.
	Guilty,
	/// A dispute round follows.
	Dispute,
	/// No one answered the dispute.
	Stalled,
}

/// The rule of the module docs: how round `round` of `seats` seats ends with these counts,
/// `files` telling whether the trainer uploaded everything needed.
pub fn round_end(round: u8, files: bool, passed: u32, failed: u32, seats: u32) -> RoundEnd {
	let two_thirds = |n: u32, of: u32| u64::from(n) * 3 >= u64::from(of) * 2;
	let answered = passed.saturating_add(failed);
	match (files, round) {
		(false, _) => RoundEnd::Guilty,
		(true, 0) if failed == 0 && passed > 0 && two_thirds(passed, seats) => RoundEnd::Accept,
		(true, 0) => RoundEnd::Dispute,
		(true, _) if answered == 0 => RoundEnd::Stalled,
		(true, _) if two_thirds(passed, answered) => RoundEnd::Accept,
		(true, _) => RoundEnd::Guilty,
	}
}

/// A pseudo-random word from `seed` and `i`.
fn word(seed: &[u8; 32], i: u32) -> u64 {
	let h = blake2_256(&(seed, i).encode());
	let mut w = [0u8; 8];
	w.copy_from_slice(&h[..8]);
	u64::from_le_bytes(w)
}

/// The first `n` items of a Fisher–Yates shuffle of `items` driven by `seed`.
fn pick<X>(mut items: Vec<X>, n: usize, seed: &[u8; 32]) -> Vec<X> {
	let len = items.len();
	let n = n.min(len);
	for i in 0..n {
		let left = len.saturating_sub(i) as u64;
		let j = i.saturating_add(word(seed, i as u32).checked_rem(left).unwrap_or(0) as usize);
		items.swap(i, j);
	}
	items.truncate(n);
	items
}

/// A checked chunk's round deadline and its file's upload so far.
type ChunkCheck<T> = (BlockNumberFor<T>, Option<FileUploadOf<T>>);

impl<T: Config> Pallet<T> {
	/// The message an agent key signs for one uploaded chunk.
	pub fn chunk_message(c: &UploadChunk, data: &[u8]) -> Vec<u8> {
		(b"openledger/job-file", c, blake2_256(data)).encode()
	}

	/// The message a verifier's authority key signs for its answer.
	pub fn verdict_message(job: JobId, round: u8, seat: u8, verdict: &ReplayVerdict) -> Vec<u8> {
		(b"openledger/job-verdict", job, round, seat, verdict).encode()
	}

	/// The checkpoints around `segment`: its start (`None` for the initial state) and end.
	pub fn segment_files(
		c: &CommitmentOf<T>,
		segment: u32,
	) -> (Option<[u8; 32]>, Option<[u8; 32]>) {
		let start = segment.checked_sub(1).and_then(|s| c.checkpoints.get(s as usize).copied());
		(start, c.checkpoints.get(segment as usize).copied())
	}

	/// The steps the checkpoint rule puts the start and the end of `segment` at.
	pub fn segment_steps(job: &JobOf<T>, c: &CommitmentOf<T>, segment: u32) -> (u32, u32) {
		let interval = checkpoint_interval(c.steps, job.checkpoint_every, T::MaxCheckpoints::get());
		let start = segment.checked_sub(1).map_or(0, |s| checkpoint_step(s, interval, c.steps));
		(start, checkpoint_step(segment, interval, c.steps))
	}

	/// The files round `v` needs from the trainer: each seat's segment's checkpoints, the last
	/// checkpoint and every per-epoch adapter (the final adapter among them), without repeats.
	pub fn needed_files(c: &CommitmentOf<T>, v: &VerificationOf<T>) -> Vec<[u8; 32]> {
		let mut files = BTreeSet::new();
		for seat in v.seats.iter() {
			let (start, end) = Self::segment_files(c, seat.segment);
			files.extend(start);
			files.extend(end);
		}
		files.extend(c.checkpoints.last().copied());
		files.extend(c.epoch_adapters.iter().copied());
		files.into_iter().collect()
	}

	/// Whether `file` of `job` is uploaded whole.
	pub fn file_done(job: JobId, file: &[u8; 32]) -> bool {
		JobFiles::<T>::get(job, file).is_some_and(|u| u.done)
	}

	/// Draws round `round`'s verifiers for `job` (delivered, or disputed) at `now`: `want`
	/// seats on segments taken from `segments` (all of the job's when `None`).
	pub(crate) fn draw_verifiers(
		id: JobId,
		job: &mut JobOf<T>,
		round: u8,
		segments: Option<Vec<u32>>,
		now: BlockNumberFor<T>,
	) {
		let Some(agent) = job.state.agent().cloned() else { return };
		let Some(c) = Commitments::<T>::get(id) else { return };
		let p = FineTuneParameters::<T>::get();
		let want = if round == 0 {
			u32::from(p.verifiers)
		} else {
			u32::from(p.verifiers).saturating_mul(2).saturating_add(1)
		}
		.min(MAX_SEATS) as usize;
		let validators = T::Validators::validators();
		let others: Vec<_> = validators.iter().filter(|(_, a)| *a != agent).cloned().collect();
		let self_verified = others.is_empty();
		let pool = if self_verified { validators } else { others };
		let seed = (
			b"openledger/verifier-draw",
			id,
			job.attempts,
			round,
			frame_system::Pallet::<T>::parent_hash(),
		)
			.using_encoded(blake2_256);
		let chosen = pick(pool, want, &seed);
		if chosen.is_empty() {
			// no validator at all (not a live chain): try again next block
			let next = now.saturating_add(One::one());
			if let Some(at) = Self::schedule(id, next) {
				job.state = JobState::Delivered { agent, at: now, draw_at: at };
			}
			return;
		}
		let all = (0..c.checkpoints.len() as u32).collect::<Vec<_>>();
		let segs = match segments {
			Some(s) if !s.is_empty() => s,
			_ => pick(all, chosen.len(), &blake2_256(&(seed, b"segments").encode())),
		};
		let seats: Vec<SeatOf<T>> = chosen
			.into_iter()
			.enumerate()
			.map(|(i, (authority, account))| Seat {
				authority,
				account,
				segment: segs.get(i.checked_rem(segs.len()).unwrap_or(0)).copied().unwrap_or(0),
				verdict: None,
			})
			.collect();
		for seat in &seats {
			VerifierStats::<T>::mutate(&seat.authority, |r| {
				r.assigned = r.assigned.saturating_add(1)
			});
		}
		let Some(verify_by) = Self::schedule_deadline(id, now.saturating_add(p.verify_period))
		else {
			Self::end_job(id, job, JobFailure::VerificationStalled);
			return;
		};
		let verifiers = seats.iter().map(|s| (s.authority.clone(), s.segment)).collect();
		Verifications::<T>::insert(
			id,
			Verification {
				round,
				seats: BoundedVec::truncate_from(seats),
				verify_by,
				self_verified,
			},
		);
		job.state = JobState::Verifying { agent, round, verify_by };
		Self::deposit_event(Event::VerifiersDrawn {
			job: id,
			round,
			verifiers,
			verify_by,
			self_verified,
		});
	}

	/// Checks an uploaded chunk against its job and returns the job's verification deadline
	/// and the upload so far.
	fn check_chunk(
		c: &UploadChunk,
		data: &[u8],
		signature: &AgentSignatureOf<T>,
	) -> Result<ChunkCheck<T>, Error<T>> {
		let job = Jobs::<T>::get(c.job).ok_or(Error::<T>::UnknownJob)?;
		let JobState::Verifying { agent, verify_by, .. } = &job.state else {
			return Err(Error::<T>::WrongJobState);
		};
		ensure!(c.attempt == job.attempts, Error::<T>::WrongJobState);
		let key = T::Agents::key_of(agent).ok_or(Error::<T>::BadAgentSignature)?;
		ensure!(
			key.verify(&Self::chunk_message(c, data), signature),
			Error::<T>::BadAgentSignature
		);
		ensure!(
			frame_system::Pallet::<T>::block_number() <= *verify_by,
			Error::<T>::DeadlinePassed
		);
		let commitment = Commitments::<T>::get(c.job).ok_or(Error::<T>::WrongJobState)?;
		let v = Verifications::<T>::get(c.job).ok_or(Error::<T>::WrongJobState)?;
		ensure!(Self::needed_files(&commitment, &v).contains(&c.file), Error::<T>::FileNotNeeded);
		let chunk = T::ChunkSize::get();
		let total = c.size.div_ceil(chunk);
		ensure!(c.size > 0 && total <= T::MaxFileChunks::get(), Error::<T>::BadChunk);
		ensure!(c.index < total, Error::<T>::BadChunk);
		let last = c.index.saturating_add(1) == total;
		let expected =
			if last { c.size.saturating_sub(c.index.saturating_mul(chunk)) } else { chunk };
		ensure!(data.len() == expected as usize, Error::<T>::BadChunk);
		let so_far = JobFiles::<T>::get(c.job, c.file);
		if let Some(u) = &so_far {
			ensure!(!u.done, Error::<T>::AlreadyUploaded);
			ensure!(u.content == c.content && u.size == c.size, Error::<T>::BadChunk);
		}
		Ok((*verify_by, so_far))
	}

	/// Stores one chunk (see [`Call::upload_job_file`]).
	///
	/// # Errors
	/// Those of [`Call::upload_job_file`].
	pub(crate) fn do_upload(
		c: &UploadChunk,
		data: &[u8],
		signature: &AgentSignatureOf<T>,
	) -> DispatchResult {
		let (_, so_far) = Self::check_chunk(c, data, signature)?;
		let mut u = so_far.unwrap_or(FileUpload {
			content: c.content,
			size: c.size,
			chunks: BoundedVec::new(),
			done: false,
		});
		ensure!(c.index as usize == u.chunks.len(), Error::<T>::BadChunk);
		u.chunks.try_push(chunk_hash(data)).map_err(|_| Error::<T>::BadChunk)?;
		offchain_index::set(&chunk_key(&c.content, c.index), data);
		let total = c.size.div_ceil(T::ChunkSize::get());
		if c.index.saturating_add(1) == total {
			if content_hash(c.size, &u.chunks) == c.content {
				u.done = true;
				let manifest = FileManifest { size: c.size, chunks: total };
				offchain_index::set(&file_key(&c.content), &manifest.encode());
				Self::deposit_event(Event::FileUploaded {
					job: c.job,
					file: c.file,
					content: c.content,
					size: c.size,
				});
			} else {
				Self::clear_chunks(&c.content, total);
				JobFiles::<T>::remove(c.job, c.file);
				Self::deposit_event(Event::FileRefused { job: c.job, file: c.file });
				return Ok(());
			}
		}
		JobFiles::<T>::insert(c.job, c.file, u);
		Ok(())
	}

	fn clear_chunks(content: &ContentHash, chunks: u32) {
		for i in 0..chunks {
			offchain_index::clear(&chunk_key(content, i));
		}
		offchain_index::clear(&file_key(content));
	}

	/// Records a verifier's answer and settles the round when it was the last one.
	///
	/// # Errors
	/// Those of [`Call::submit_verdict`].
	pub(crate) fn do_verdict(
		id: JobId,
		round: u8,
		seat: u8,
		verdict: ReplayVerdict,
		signature: &SignatureOf<T>,
	) -> DispatchResult {
		let (mut v, authority) = Self::check_verdict(id, round, seat, &verdict, signature)?;
		let passed = Self::seat_outcome(Some(verdict)) == SeatOutcome::Pass;
		if let Some(s) = v.seats.get_mut(usize::from(seat)) {
			s.verdict = Some(verdict);
		}
		VerifierStats::<T>::mutate(&authority, |r| r.answered = r.answered.saturating_add(1));
		let all_in = v.seats.iter().all(|s| s.verdict.is_some());
		let verify_by = v.verify_by;
		Verifications::<T>::insert(id, v);
		Self::deposit_event(Event::VerdictSubmitted { job: id, round, authority, verdict, passed });
		if all_in {
			let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
			Self::unschedule(id, verify_by.saturating_add(One::one()));
			Self::settle(id, &mut job, frame_system::Pallet::<T>::block_number());
			Jobs::<T>::insert(id, job);
		}
		Ok(())
	}

	fn check_verdict(
		id: JobId,
		round: u8,
		seat: u8,
		verdict: &ReplayVerdict,
		signature: &SignatureOf<T>,
	) -> Result<(VerificationOf<T>, T::AuthorityId), Error<T>> {
		let job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		let JobState::Verifying { round: r, verify_by, .. } = job.state else {
			return Err(Error::<T>::WrongJobState);
		};
		ensure!(r == round, Error::<T>::WrongJobState);
		let v = Verifications::<T>::get(id).ok_or(Error::<T>::WrongJobState)?;
		let s = v.seats.get(usize::from(seat)).ok_or(Error::<T>::NotAVerifier)?;
		ensure!(
			s.authority.verify(&Self::verdict_message(id, round, seat, verdict), signature),
			Error::<T>::NotAVerifier
		);
		ensure!(s.verdict.is_none(), Error::<T>::AlreadyAnswered);
		ensure!(frame_system::Pallet::<T>::block_number() <= verify_by, Error::<T>::DeadlinePassed);
		let authority = s.authority.clone();
		Ok((v, authority))
	}

	/// How an answer counts against the governance-set tolerance.
	pub fn seat_outcome(verdict: Option<ReplayVerdict>) -> SeatOutcome {
		let tolerance = u64::from(FineTuneParameters::<T>::get().tolerance_ppb);
		match verdict {
			None => SeatOutcome::Missing,
			Some(ReplayVerdict::Measured { distance_ppb, .. }) if distance_ppb <= tolerance => {
				SeatOutcome::Pass
			}
			Some(_) => SeatOutcome::Fail,
		}
	}

	/// Settles `job`'s round (see the module docs).
	pub(crate) fn settle(id: JobId, job: &mut JobOf<T>, now: BlockNumberFor<T>) {
		let (Some(c), Some(v)) = (Commitments::<T>::get(id), Verifications::<T>::get(id)) else {
			return;
		};
		let files = Self::needed_files(&c, &v).iter().all(|f| Self::file_done(id, f));
		let outcomes: Vec<SeatOutcome> =
			v.seats.iter().map(|s| Self::seat_outcome(s.verdict)).collect();
		let count = |o: SeatOutcome| outcomes.iter().filter(|x| **x == o).count() as u32;
		let (passed, failed, missing) =
			(count(SeatOutcome::Pass), count(SeatOutcome::Fail), count(SeatOutcome::Missing));
		let end = round_end(v.round, files, passed, failed, v.seats.len() as u32);
		for (seat, o) in v.seats.iter().zip(&outcomes) {
			let overruled = matches!(
				(end, o),
				(RoundEnd::Accept, SeatOutcome::Fail) | (RoundEnd::Guilty, SeatOutcome::Pass)
			);
			VerifierStats::<T>::mutate(&seat.authority, |r| {
				// a verifier cannot answer for files the trainer never uploaded
				if *o == SeatOutcome::Missing && files {
					r.missed = r.missed.saturating_add(1);
				}
				if overruled {
					r.overruled = r.overruled.saturating_add(1);
				}
			});
		}
		match end {
			RoundEnd::Accept => {
				let passing: Vec<T::AccountId> = v
					.seats
					.iter()
					.zip(&outcomes)
					.filter(|(_, o)| **o == SeatOutcome::Pass)
					.map(|(s, _)| s.account.clone())
					.collect();
				Self::register_model(id, job, &c, &passing)
			}
			RoundEnd::Guilty => Self::convict(id, job, now),
			RoundEnd::Stalled => Self::end_job(id, job, JobFailure::VerificationStalled),
			RoundEnd::Dispute => {
				Self::deposit_event(Event::Disputed { job: id, passed, failed, missing });
				let segments: Vec<u32> = v
					.seats
					.iter()
					.zip(&outcomes)
					.filter(|(_, o)| **o != SeatOutcome::Pass)
					.map(|(s, _)| s.segment)
					.collect::<BTreeSet<_>>()
					.into_iter()
					.collect();
				Self::draw_verifiers(id, job, 1, Some(segments), now);
			}
		}
	}

	/// Registers the verified model, pays the fee out and completes the job; the checkpoints
	/// are pruned.
	fn register_model(
		id: JobId,
		job: &mut JobOf<T>,
		c: &CommitmentOf<T>,
		passing: &[T::AccountId],
	) {
		let Some(agent) = job.state.agent().cloned() else { return };
		let adapter = c.adapter;
		let now = frame_system::Pallet::<T>::block_number();
		if !Adapters::<T>::contains_key(adapter) {
			let datanets = job.data.iter().map(|d| (d.datanet, d.version)).collect::<Vec<_>>();
			Adapters::<T>::insert(
				adapter,
				Adapter {
					base: job.base,
					owner: job.requester.clone(),
					lineage: Lineage {
						datanets: BoundedVec::truncate_from(datanets),
						job: Some(id),
						parent: job.parent,
					},
					price_per_1k_tokens: Zero::zero(),
					status: AdapterStatus::Active,
					created_at: now,
				},
			);
			AdaptersOf::<T>::insert(job.base, adapter, ());
		}
		for a in c.epoch_adapters.iter() {
			if let Some(u) = JobFiles::<T>::get(id, a) {
				let file = AdapterFile { content: u.content, size: u.size };
				offchain_index::set(&adapter_offchain_key(a), &file.encode());
				if *a == adapter {
					AdapterFiles::<T>::insert(adapter, file);
				}
			}
		}
		Self::prune(id, c, false);
		Verifications::<T>::remove(id);
		Self::leave(id, job);
		T::Agents::record(&agent, Outcome::VerificationPassed);
		let payout = Self::pay(id, job, &agent, passing);
		job.state = JobState::Completed { adapter };
		Self::deposit_event(Event::ModelRegistered {
			job: id,
			adapter,
			owner: job.requester.clone(),
			base: job.base,
		});
		Self::deposit_event(Event::TrainingPaid { job: id, payout });
	}

	/// Removes a job's uploads: the checkpoints, and the adapters too when `all`.
	fn prune(id: JobId, c: &CommitmentOf<T>, all: bool) {
		for (file, u) in JobFiles::<T>::iter_prefix(id) {
			if all || !c.epoch_adapters.contains(&file) {
				Self::clear_chunks(&u.content, u.chunks.len() as u32);
				JobFiles::<T>::remove(id, file);
			}
		}
	}

	/// The trainer was wrong: slashed, and the job drawn again or failed.
	fn convict(id: JobId, job: &mut JobOf<T>, now: BlockNumberFor<T>) {
		let Some(agent) = job.state.agent().cloned() else { return };
		let slashed = T::Agents::fault(&agent, Fault::FailedVerification);
		if let Some(c) = Commitments::<T>::take(id) {
			Self::prune(id, &c, true);
		}
		Verifications::<T>::remove(id);
		Self::leave(id, job);
		// `tried` holds at most `MAX_ATTEMPTS` agents and `attempts` never exceeds it
		let _ = job.tried.try_push(agent.clone());
		let p = FineTuneParameters::<T>::get();
		let draw_at = now.saturating_add(p.draw_delay);
		let reopened = job.attempts < p.max_attempts
			&& Self::time_left(job, draw_at)
			&& Self::schedule(id, draw_at)
				.map(|at| job.state = JobState::Queued { draw_at: at })
				.is_some();
		Self::deposit_event(Event::TrainerFaulty { job: id, agent, slashed, reopened });
		if !reopened {
			Self::fail(id, job, JobFailure::TrainerFaulty);
		}
	}

	/// Ends a job in verification without a model and without fault: refunded, files pruned.
	fn end_job(id: JobId, job: &mut JobOf<T>, reason: JobFailure) {
		if let Some(c) = Commitments::<T>::take(id) {
			Self::prune(id, &c, true);
		}
		Verifications::<T>::remove(id);
		Self::leave(id, job);
		Self::fail(id, job, reason);
	}

	/// Pool check of [`Call::upload_job_file`]: the call's checks, with later chunks of a file
	/// waiting in the pool for the earlier ones.
	pub(crate) fn validate_upload(
		c: &UploadChunk,
		data: &[u8],
		signature: &AgentSignatureOf<T>,
	) -> TransactionValidity {
		let (verify_by, so_far) = Self::check_chunk(c, data, signature).map_err(|e| match e {
			Error::<T>::BadAgentSignature => InvalidTransaction::BadProof,
			Error::<T>::FileNotNeeded | Error::<T>::BadChunk => InvalidTransaction::Custom(2),
			_ => InvalidTransaction::Stale,
		})?;
		let received = so_far.map_or(0, |u| u.chunks.len() as u32);
		if c.index < received {
			return InvalidTransaction::Stale.into();
		}
		let now = frame_system::Pallet::<T>::block_number();
		let longevity: u64 =
			verify_by.saturating_sub(now).saturating_add(One::one()).unique_saturated_into();
		let mut tx = ValidTransaction::with_tag_prefix("openledger/job-file")
			.priority(T::UnsignedPriority::get())
			.and_provides((c.job, c.attempt, c.file, c.index))
			.longevity(longevity)
			.propagate(true);
		if c.index > received {
			tx = tx.and_requires((c.job, c.attempt, c.file, c.index.saturating_sub(1)));
		}
		tx.build()
	}

	/// Pool check of [`Call::submit_verdict`]: the call's checks.
	pub(crate) fn validate_verdict(
		id: JobId,
		round: u8,
		seat: u8,
		verdict: &ReplayVerdict,
		signature: &SignatureOf<T>,
	) -> TransactionValidity {
		let (v, _) =
			Self::check_verdict(id, round, seat, verdict, signature).map_err(|e| match e {
				Error::<T>::NotAVerifier => InvalidTransaction::BadProof,
				_ => InvalidTransaction::Stale,
			})?;
		let now = frame_system::Pallet::<T>::block_number();
		let longevity: u64 =
			v.verify_by.saturating_sub(now).saturating_add(One::one()).unique_saturated_into();
		ValidTransaction::with_tag_prefix("openledger/job-verdict")
			.priority(T::UnsignedPriority::get())
			.and_provides((id, round, seat))
			.longevity(longevity)
			.propagate(true)
			.build()
	}
}
