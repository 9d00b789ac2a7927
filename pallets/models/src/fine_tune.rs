//! ModelFactory jobs: a paid fine-tune is requested with its fee held, its training set pinned
//! by datanet-version commitments, assigned by a later block's hash to one bonded trainer
//! agent, accepted and delivered under deadlines the chain enforces in `on_initialize`; a
//! trainer that misses one is struck through [`Config::Agents`] and the job is drawn again.

use crate::{pallet::*, *};
use alloc::vec::Vec;
use frame::deps::sp_runtime::{
	traits::{Saturating, UniqueSaturatedInto},
	transaction_validity::{
		InvalidTransaction, TransactionValidity, TransactionValidityError, ValidTransaction,
	},
	RuntimeAppPublic,
};
use frame::prelude::*;
use frame::token::{fungible::MutateHold, tokens::Precision};
use openledger_primitives::{
	licence_permits_paid_training, AgentKeys, AgentRegistry, BadHyperParam, Capability, Fault,
	HyperParams, LicenceBar, Outcome, TrainingData,
};
use polkadot_sdk::polkadot_sdk_frame as frame;

/// How far ahead a full deadline bucket is searched for room.
const MAX_BUCKET_PROBES: u32 = 256;

/// What a request resolves to before anything is held.
pub struct Resolved<T: Config> {
	/// The base model.
	pub base: ModelId,
	/// The parent adapter.
	pub parent: Option<AdapterHash>,
	/// The pinned data, sorted by datanet.
	pub data: PinnedDataOf<T>,
	/// Data fee + compute fee.
	pub fee: BalanceOf<T>,
	/// The datanets' part.
	pub data_fee: BalanceOf<T>,
	/// Blocks an accepted trainer gets to deliver.
	pub window: BlockNumberFor<T>,
}

impl<T: Config> Pallet<T> {
	/// The message an agent key signs to accept attempt `attempt` of `job`.
	pub fn accept_message(job: JobId, attempt: u8) -> Vec<u8> {
		(b"openledger/job-accept", job, attempt).encode()
	}

	/// The message an agent key signs to deliver attempt `attempt` of `job`.
	pub fn deliver_message(job: JobId, attempt: u8, commitment: &CommitmentOf<T>) -> Vec<u8> {
		(b"openledger/job-deliver", job, attempt, commitment).encode()
	}

	/// Checks a request and prices it: the model exists and is active, the hyper-parameters
	/// are within bounds, every datanet version exists, has data and a licence that allows paid
	/// training, no datanet repeats.
	///
	/// # Errors
	/// `UnknownModel`, `ModelRetired`, `UnknownAdapter`, `AdapterNotActive`,
	/// `ParentShapeMismatch`, `NoData`,
	/// `TooManyDatanets`, `DuplicateDatanet`, `UnknownDatanetVersion`, `LicenceForbidsDerivatives`,
	/// `LicenceForbidsCommercialUse`, `NotTextData`, the `Bad*` hyper-parameter errors,
	/// `Overflow`.
	pub fn resolve(
		model: ModelRef,
		datanets: &[(DatanetId, Version)],
		params: &HyperParams,
	) -> Result<Resolved<T>, Error<T>> {
		let (base, parent) = match model {
			ModelRef::Base(id) => (id, None),
			ModelRef::Adapter(hash) => {
				let a = Adapters::<T>::get(hash).ok_or(Error::<T>::UnknownAdapter)?;
				ensure!(a.status == AdapterStatus::Active, Error::<T>::AdapterNotActive);
				// a trainer continues the parent's weights: they must have the job's shape, and
				// the file must be where every node's offchain database has it
				ensure!(AdapterFiles::<T>::contains_key(hash), Error::<T>::UnknownAdapter);
				let shape = |p: &HyperParams| (p.rank, p.alpha, p.targets);
				let theirs = a.lineage.job.and_then(Jobs::<T>::get).map(|j| shape(&j.params));
				ensure!(theirs == Some(shape(params)), Error::<T>::ParentShapeMismatch);
				(a.base, Some(hash))
			}
		};
		let m = BaseModels::<T>::get(base).ok_or(Error::<T>::UnknownModel)?;
		ensure!(m.status == ModelStatus::Active, Error::<T>::ModelRetired);
		params.check(m.spec.context_length).map_err(Error::<T>::from)?;
		ensure!(!datanets.is_empty(), Error::<T>::NoData);
		ensure!(
			datanets.len() <= T::MaxLineageDatanets::get() as usize,
			Error::<T>::TooManyDatanets
		);
		let mut sorted = datanets.to_vec();
		sorted.sort_unstable();
		ensure!(
			sorted.windows(2).all(|w| matches!(w, [a, b] if a.0 != b.0)),
			Error::<T>::DuplicateDatanet
		);
		let mut data = Vec::with_capacity(sorted.len());
		let mut data_fee = BalanceOf::<T>::zero();
		let mut bytes = 0u64;
		for (datanet, version) in sorted {
			let v = T::TrainingData::version(datanet, version)
				.filter(|v| v.accepted > 0)
				.ok_or(Error::<T>::UnknownDatanetVersion)?;
			ensure!(v.text, Error::<T>::NotTextData);
			licence_permits_paid_training(&v.licence).map_err(|bar| match bar {
				LicenceBar::NoDerivatives => Error::<T>::LicenceForbidsDerivatives,
				LicenceBar::NonCommercial => Error::<T>::LicenceForbidsCommercialUse,
			})?;
			data_fee = data_fee.checked_add(&v.price_per_use).ok_or(Error::<T>::Overflow)?;
			bytes = bytes.saturating_add(v.bytes);
			data.push(PinnedData {
				datanet,
				version,
				commitment: v.commitment,
				accepted: v.accepted,
				bytes: v.bytes,
				price: v.price_per_use,
			});
		}
		let p = FineTuneParameters::<T>::get();
		let kib_epochs = bytes.div_ceil(1024).saturating_mul(params.epochs.into());
		let compute = p
			.price_per_kib_epoch
			.checked_mul(&kib_epochs.unique_saturated_into())
			.and_then(|c| c.checked_add(&p.base_fee))
			.ok_or(Error::<T>::Overflow)?;
		let fee = compute.checked_add(&data_fee).ok_or(Error::<T>::Overflow)?;
		let mib_epochs: u32 = kib_epochs.div_ceil(1024).unique_saturated_into();
		let window = p
			.delivery_per_mib_epoch
			.saturating_mul(mib_epochs.into())
			.saturating_add(p.delivery_base);
		Ok(Resolved { base, parent, data: BoundedVec::truncate_from(data), fee, data_fee, window })
	}

	/// Blocks an accepted trainer of `job` gets to deliver.
	pub(crate) fn window_of(job: &JobOf<T>) -> BlockNumberFor<T> {
		let p = FineTuneParameters::<T>::get();
		let bytes = job.data.iter().fold(0u64, |acc, d| acc.saturating_add(d.bytes));
		let kib_epochs = bytes.div_ceil(1024).saturating_mul(job.params.epochs.into());
		let mib_epochs: u32 = kib_epochs.div_ceil(1024).unique_saturated_into();
		p.delivery_per_mib_epoch.saturating_mul(mib_epochs.into()).saturating_add(p.delivery_base)
	}

	/// Whether a trainer assigned at `at` still has its full accept period and delivery window
	/// before `job`'s deadline.
	pub(crate) fn time_left(job: &JobOf<T>, at: BlockNumberFor<T>) -> bool {
		let p = FineTuneParameters::<T>::get();
		at.saturating_add(p.accept_period).saturating_add(Self::window_of(job)) <= job.deadline
	}

	/// Requests a fine-tune for `who`: resolves and prices it, holds the fee, queues the draw.
	///
	/// # Errors
	/// Those of [`Self::resolve`], `FeeAboveMax`, `DeadlineTooSoon`, `DeadlineTooFar`,
	/// `ScheduleFull`, and the currency's error when the fee cannot be held.
	pub(crate) fn do_request(
		who: T::AccountId,
		model: ModelRef,
		datanets: &[(DatanetId, Version)],
		params: HyperParams,
		max_fee: BalanceOf<T>,
		deadline: BlockNumberFor<T>,
	) -> Result<(JobId, ModelId, BalanceOf<T>), DispatchError> {
		let r = Self::resolve(model, datanets, &params)?;
		ensure!(r.fee <= max_fee, Error::<T>::FeeAboveMax);
		let p = FineTuneParameters::<T>::get();
		let now = frame_system::Pallet::<T>::block_number();
		let draw_at = now.saturating_add(p.draw_delay);
		ensure!(
			draw_at.saturating_add(p.accept_period).saturating_add(r.window) <= deadline,
			Error::<T>::DeadlineTooSoon
		);
		ensure!(deadline <= now.saturating_add(p.max_deadline), Error::<T>::DeadlineTooFar);
		let id = NextJobId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
		let draw_at = Self::schedule(id, draw_at).ok_or(Error::<T>::ScheduleFull)?;
		T::Currency::hold(&HoldReason::FineTuneFee.into(), &who, r.fee)?;
		NextJobId::<T>::put(next);
		Jobs::<T>::insert(
			id,
			FineTuneJob {
				requester: who,
				base: r.base,
				parent: r.parent,
				data: r.data,
				params,
				fee: r.fee,
				data_fee: r.data_fee,
				deadline,
				checkpoint_every: p.checkpoint_every,
				state: JobState::Queued { draw_at },
				attempts: 0,
				tried: BoundedVec::new(),
				created: now,
			},
		);
		Ok((id, r.base, r.fee))
	}

	/// The requester withdraws a job no trainer has accepted yet; the whole fee returns.
	///
	/// # Errors
	/// `UnknownJob`, `NotRequester`, `TrainingStarted` (accepted, delivered or ended).
	pub(crate) fn do_cancel(who: &T::AccountId, id: JobId) -> Result<BalanceOf<T>, DispatchError> {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		ensure!(job.requester == *who, Error::<T>::NotRequester);
		ensure!(
			matches!(job.state, JobState::Queued { .. } | JobState::Assigned { .. }),
			Error::<T>::TrainingStarted
		);
		Self::leave(id, &job);
		job.state = JobState::Cancelled;
		let refunded = Self::refund(&job)?;
		Jobs::<T>::insert(id, job);
		Ok(refunded)
	}

	/// Checks that `signature` is the assigned agent's over `message` while `job` is in the
	/// state `expect` accepts; returns the agent and the deadline.
	fn check_agent_signed(
		job: &JobOf<T>,
		attempt: u8,
		message: &[u8],
		signature: &AgentSignatureOf<T>,
		training: bool,
	) -> Result<(T::AccountId, BlockNumberFor<T>), Error<T>> {
		let (agent, by) = match (&job.state, training) {
			(JobState::Assigned { agent, accept_by }, false) => (agent, *accept_by),
			(JobState::Training { agent, deliver_by }, true) => (agent, *deliver_by),
			_ => return Err(Error::<T>::WrongJobState),
		};
		ensure!(attempt == job.attempts, Error::<T>::WrongJobState);
		let key = T::Agents::key_of(agent).ok_or(Error::<T>::BadAgentSignature)?;
		ensure!(key.verify(&message, signature), Error::<T>::BadAgentSignature);
		ensure!(frame_system::Pallet::<T>::block_number() <= by, Error::<T>::DeadlinePassed);
		Ok((agent.clone(), by))
	}

	/// The assigned trainer accepts; it must deliver within the job's window (and by the
	/// requester's deadline).
	///
	/// # Errors
	/// `UnknownJob`, `WrongJobState`, `BadAgentSignature`, `DeadlinePassed`.
	pub(crate) fn do_accept(
		id: JobId,
		attempt: u8,
		signature: &AgentSignatureOf<T>,
	) -> Result<(T::AccountId, BlockNumberFor<T>), DispatchError> {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		let (agent, accept_by) = Self::check_agent_signed(
			&job,
			attempt,
			&Self::accept_message(id, attempt),
			signature,
			false,
		)?;
		let now = frame_system::Pallet::<T>::block_number();
		let deliver_by = now.saturating_add(Self::window_of(&job)).min(job.deadline);
		Self::unschedule(id, accept_by.saturating_add(One::one()));
		let deliver_by = Self::schedule_deadline(id, deliver_by).ok_or(Error::<T>::ScheduleFull)?;
		job.state = JobState::Training { agent: agent.clone(), deliver_by };
		Jobs::<T>::insert(id, job);
		Ok((agent, deliver_by))
	}

	/// Checks a commitment's shape against its job: the checkpoint count follows from the
	/// steps, one adapter per epoch ending in the final one, one loss per checkpoint.
	///
	/// # Errors
	/// `BadCommitment`.
	pub fn check_commitment(job: &JobOf<T>, c: &CommitmentOf<T>) -> Result<(), Error<T>> {
		let interval = checkpoint_interval(c.steps, job.checkpoint_every, T::MaxCheckpoints::get());
		let count = checkpoint_count(c.steps, interval) as usize;
		ensure!(
			c.steps > 0
				&& c.checkpoints.len() == count
				&& c.report.losses.len() == count
				&& c.epoch_adapters.len() == usize::from(job.params.epochs)
				&& c.epoch_adapters.last() == Some(&c.adapter),
			Error::<T>::BadCommitment
		);
		Ok(())
	}

	/// The trainer commits its result; the job waits for verification.
	///
	/// # Errors
	/// `UnknownJob`, `WrongJobState`, `BadAgentSignature`, `DeadlinePassed`, `BadCommitment`.
	pub(crate) fn do_deliver(
		id: JobId,
		attempt: u8,
		commitment: CommitmentOf<T>,
		signature: &AgentSignatureOf<T>,
	) -> Result<T::AccountId, DispatchError> {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		let message = Self::deliver_message(id, attempt, &commitment);
		let (agent, deliver_by) =
			Self::check_agent_signed(&job, attempt, &message, signature, true)?;
		Self::check_commitment(&job, &commitment)?;
		Self::unschedule(id, deliver_by.saturating_add(One::one()));
		T::Agents::record(&agent, Outcome::Completed);
		let now = frame_system::Pallet::<T>::block_number();
		let draw_at =
			Self::schedule(id, now.saturating_add(FineTuneParameters::<T>::get().draw_delay))
				.ok_or(Error::<T>::ScheduleFull)?;
		job.state = JobState::Delivered { agent: agent.clone(), at: now, draw_at };
		Jobs::<T>::insert(id, job);
		Commitments::<T>::insert(id, commitment);
		Ok(agent)
	}

	/// Acts on the jobs due at `now`: draws queued ones, strikes and redraws those whose
	/// trainer missed its deadline. Returns the weight used.
	pub(crate) fn process_due(now: BlockNumberFor<T>) -> Weight {
		let due = Due::<T>::take(now);
		let mut weight = T::DbWeight::get().reads_writes(1, 1);
		for id in due {
			let Some(mut job) = Jobs::<T>::get(id) else { continue };
			if job.state.due() != Some(now) {
				continue;
			}
			match job.state {
				JobState::Delivered { .. } => {
					Self::draw_verifiers(id, &mut job, 0, None, now);
					weight.saturating_accrue(T::WeightInfo::settle_job(MAX_SEATS));
					Jobs::<T>::insert(id, job);
					continue;
				}
				JobState::Verifying { .. } => {
					Self::settle(id, &mut job, now);
					weight.saturating_accrue(T::WeightInfo::settle_job(MAX_SEATS));
					Jobs::<T>::insert(id, job);
					continue;
				}
				_ => {}
			}
			let missed = match &job.state {
				JobState::Assigned { agent, .. } | JobState::Training { agent, .. } => {
					Some(agent.clone())
				}
				_ => None,
			};
			if let Some(agent) = missed {
				Self::leave(id, &job);
				let slashed = T::Agents::fault(&agent, Fault::MissedDeadline);
				// `tried` holds at most `MAX_ATTEMPTS` agents and `attempts` never exceeds it
				let _ = job.tried.try_push(agent.clone());
				Self::deposit_event(Event::TrainerMissed { job: id, agent, slashed });
			}
			let candidates = Self::draw(id, &mut job, now);
			weight.saturating_accrue(T::WeightInfo::process_job(candidates));
			Jobs::<T>::insert(id, job);
		}
		weight
	}

	/// Assigns `job` to a trainer drawn by the parent hash of block `now`, or requeues it when
	/// no trainer is free, or fails it when attempts or time ran out. Returns how many
	/// candidates were considered.
	fn draw(id: JobId, job: &mut JobOf<T>, now: BlockNumberFor<T>) -> u32 {
		let p = FineTuneParameters::<T>::get();
		if job.attempts >= p.max_attempts || !Self::time_left(job, now) {
			let reason =
				if job.attempts == 0 { JobFailure::NoTrainer } else { JobFailure::TrainersMissed };
			Self::fail(id, job, reason);
			return 0;
		}
		let providers = T::Agents::providers(Capability::Train, job.base);
		let considered = providers.len() as u32;
		let candidates: Vec<T::AccountId> = providers
			.into_iter()
			.filter(|a| {
				!job.tried.contains(a)
					&& AgentLoad::<T>::decode_len(a).unwrap_or(0) < p.max_jobs_per_agent as usize
			})
			.collect();
		let retry = now.saturating_add(p.accept_period.max(One::one()));
		if candidates.is_empty() {
			if Self::time_left(job, retry) {
				if let Some(at) = Self::schedule(id, retry) {
					job.state = JobState::Queued { draw_at: at };
					return considered;
				}
			}
			let reason =
				if job.attempts == 0 { JobFailure::NoTrainer } else { JobFailure::TrainersMissed };
			Self::fail(id, job, reason);
			return considered;
		}
		let seed = (
			b"openledger/trainer-draw",
			id,
			job.attempts,
			frame_system::Pallet::<T>::parent_hash(),
		)
			.using_encoded(frame::hashing::blake2_256);
		let mut word = [0u8; 8];
		word.copy_from_slice(&seed[..8]);
		let pick =
			u64::from_le_bytes(word).checked_rem(candidates.len() as u64).unwrap_or(0) as usize;
		let Some(agent) = candidates.into_iter().nth(pick) else { return considered };
		let Some(accept_by) = Self::schedule_deadline(id, now.saturating_add(p.accept_period))
		else {
			Self::fail(id, job, JobFailure::NoTrainer);
			return considered;
		};
		// the filter above keeps the agent's list below `max_jobs_per_agent` ≤ its bound
		if AgentLoad::<T>::try_mutate(&agent, |l| {
			l.get_or_insert_with(Default::default).try_push(id)
		})
		.is_err()
		{
			Self::unschedule(id, accept_by.saturating_add(One::one()));
			Self::fail(id, job, JobFailure::NoTrainer);
			return considered;
		}
		job.attempts = job.attempts.saturating_add(1);
		job.state = JobState::Assigned { agent: agent.clone(), accept_by };
		T::Agents::record(&agent, Outcome::Assigned);
		Self::deposit_event(Event::JobAssigned {
			job: id,
			agent,
			attempt: job.attempts,
			accept_by,
		});
		considered
	}

	/// Ends `job` with `reason` and refunds its fee.
	pub(crate) fn fail(id: JobId, job: &mut JobOf<T>, reason: JobFailure) {
		job.state = JobState::Failed(reason);
		let refunded = Self::refund(job).unwrap_or_else(|e| {
			log::error!(target: LOG_TARGET, "refunding job {id} failed: {e:?}");
			Zero::zero()
		});
		Self::deposit_event(Event::JobFailed { job: id, reason, refunded });
	}

	/// Releases the whole fee of `job` to its requester.
	fn refund(job: &JobOf<T>) -> Result<BalanceOf<T>, DispatchError> {
		T::Currency::release(
			&HoldReason::FineTuneFee.into(),
			&job.requester,
			job.fee,
			Precision::Exact,
		)
	}

	/// Takes `job` off its agent's load and off its deadline bucket.
	pub(crate) fn leave(id: JobId, job: &JobOf<T>) {
		if let Some(agent) = job.state.agent() {
			AgentLoad::<T>::mutate_exists(agent, |l| {
				if let Some(list) = l {
					list.retain(|j| *j != id);
					if list.is_empty() {
						*l = None;
					}
				}
			});
		}
		if let Some(at) = job.state.due() {
			Self::unschedule(id, at);
		}
	}

	/// Puts `id` into the first bucket at or after `at` with room; the block it went into.
	pub(crate) fn schedule(id: JobId, at: BlockNumberFor<T>) -> Option<BlockNumberFor<T>> {
		let mut block = at;
		for _ in 0..MAX_BUCKET_PROBES {
			if Due::<T>::try_mutate(block, |b| b.try_push(id)).is_ok() {
				return Some(block);
			}
			block = block.saturating_add(One::one());
		}
		None
	}

	/// Schedules the end of a period whose last block is `by` (the chain acts the block after);
	/// the last block it got, later than `by` only if the buckets were full.
	pub(crate) fn schedule_deadline(id: JobId, by: BlockNumberFor<T>) -> Option<BlockNumberFor<T>> {
		Self::schedule(id, by.saturating_add(One::one())).map(|b| b.saturating_sub(One::one()))
	}

	/// Removes `id` from the bucket of block `at`.
	pub(crate) fn unschedule(id: JobId, at: BlockNumberFor<T>) {
		Due::<T>::mutate_exists(at, |b| {
			if let Some(list) = b {
				list.retain(|j| *j != id);
				if list.is_empty() {
					*b = None;
				}
			}
		});
	}

	/// Whether `params` are usable terms (see [`Error::BadParameters`]).
	pub fn params_valid(params: &FineTuneParamsOf<T>) -> bool {
		let two: BlockNumberFor<T> = 2u32.into();
		params.draw_delay >= two
			&& !params.accept_period.is_zero()
			&& !params.delivery_base.is_zero()
			&& params.checkpoint_every > 0
			&& (1..=MAX_VERIFIERS).contains(&params.verifiers)
			&& !params.verify_period.is_zero()
			&& (1..=MAX_JOBS_PER_AGENT).contains(&params.max_jobs_per_agent)
			&& (1..=MAX_ATTEMPTS).contains(&u32::from(params.max_attempts))
			&& params.max_deadline
				>= params
					.draw_delay
					.saturating_add(params.accept_period)
					.saturating_add(params.delivery_base)
	}

	/// Pool check of [`Call::accept_job`]: the same checks as the call.
	pub(crate) fn validate_accept(
		job: JobId,
		attempt: u8,
		signature: &AgentSignatureOf<T>,
	) -> TransactionValidity {
		let j = Jobs::<T>::get(job).ok_or(InvalidTransaction::Stale)?;
		let (_, by) = Self::check_agent_signed(
			&j,
			attempt,
			&Self::accept_message(job, attempt),
			signature,
			false,
		)
		.map_err(Self::invalid)?;
		Self::valid_until(b"accept", job, attempt, by)
	}

	/// Pool check of [`Call::deliver_job`]: the same checks as the call.
	pub(crate) fn validate_deliver(
		job: JobId,
		attempt: u8,
		commitment: &CommitmentOf<T>,
		signature: &AgentSignatureOf<T>,
	) -> TransactionValidity {
		let j = Jobs::<T>::get(job).ok_or(InvalidTransaction::Stale)?;
		let message = Self::deliver_message(job, attempt, commitment);
		let (_, by) = Self::check_agent_signed(&j, attempt, &message, signature, true)
			.map_err(Self::invalid)?;
		Self::check_commitment(&j, commitment).map_err(Self::invalid)?;
		Self::valid_until(b"deliver", job, attempt, by)
	}

	fn invalid(e: Error<T>) -> TransactionValidityError {
		match e {
			Error::<T>::BadAgentSignature => InvalidTransaction::BadProof,
			Error::<T>::BadCommitment => InvalidTransaction::Custom(1),
			_ => InvalidTransaction::Stale,
		}
		.into()
	}

	fn valid_until(
		kind: &[u8],
		job: JobId,
		attempt: u8,
		by: BlockNumberFor<T>,
	) -> TransactionValidity {
		let now = frame_system::Pallet::<T>::block_number();
		let longevity: u64 =
			by.saturating_sub(now).saturating_add(One::one()).unique_saturated_into();
		ValidTransaction::with_tag_prefix("openledger/job")
			.priority(T::UnsignedPriority::get())
			.and_provides((kind, job, attempt))
			.longevity(longevity)
			.propagate(true)
			.build()
	}

	/// Whether `agent` holds an open job (so it may not deregister or withdraw its bond).
	pub fn has_open_job(agent: &T::AccountId) -> bool {
		AgentLoad::<T>::contains_key(agent)
	}
}

impl<T: Config> From<BadHyperParam> for Error<T> {
	fn from(e: BadHyperParam) -> Self {
		match e {
			BadHyperParam::Rank => Error::<T>::BadRank,
			BadHyperParam::Alpha => Error::<T>::BadAlpha,
			BadHyperParam::Targets => Error::<T>::BadTargets,
			BadHyperParam::LearningRate => Error::<T>::BadLearningRate,
			BadHyperParam::Epochs => Error::<T>::BadEpochs,
			BadHyperParam::Batch => Error::<T>::BadBatch,
			BadHyperParam::MaxLen => Error::<T>::BadMaxLen,
			BadHyperParam::EvalSplit => Error::<T>::BadEvalSplit,
		}
	}
}

/// The agents with open fine-tune jobs, for `pallet-agents`' `Workload`: they may not leave
/// or withdraw while they hold one.
pub struct HasOpenJob<T>(core::marker::PhantomData<T>);
impl<T: Config> Contains<T::AccountId> for HasOpenJob<T> {
	fn contains(agent: &T::AccountId) -> bool {
		Pallet::<T>::has_open_job(agent)
	}
}
