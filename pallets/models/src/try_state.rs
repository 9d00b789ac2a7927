//! Invariants, checked by `try-runtime` and after every unit test.

#![cfg(any(feature = "try-runtime", test))]

use crate::{pallet::*, *};
use alloc::vec::Vec;
use frame::prelude::*;
use polkadot_sdk::polkadot_sdk_frame as frame;

impl<T: Config> Pallet<T> {
	/// Invariants: the hash index and the base models match one to one, ids are below
	/// `NextModelId`, the active count is right and within `MaxBaseModels`; every adapter's
	/// base exists and is listed under it; every serving record lists only existing models,
	/// sorted without repeats; and the fine-tune invariants of `try_state_jobs`.
	pub fn do_try_state() -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
		let next = NextModelId::<T>::get();
		let mut active = 0u32;
		let mut count = 0usize;
		for (id, m) in BaseModels::<T>::iter() {
			ensure!(id < next, "a base model id is not below NextModelId");
			ensure!(
				ModelByHash::<T>::get(m.spec.weights_hash) == Some(id),
				"a base model is missing from the hash index"
			);
			if m.status == ModelStatus::Active {
				active = active.saturating_add(1);
			}
			count = count.saturating_add(1);
		}
		ensure!(ModelByHash::<T>::iter().count() == count, "the hash index has stale entries");
		ensure!(ActiveBaseModels::<T>::get() == active, "ActiveBaseModels is wrong");
		ensure!(active <= T::MaxBaseModels::get(), "more active base models than MaxBaseModels");
		let mut listed = 0usize;
		for (hash, a) in Adapters::<T>::iter() {
			ensure!(BaseModels::<T>::contains_key(a.base), "an adapter's base model is missing");
			ensure!(AdaptersOf::<T>::contains_key(a.base, hash), "an adapter is not listed");
			listed = listed.saturating_add(1);
		}
		ensure!(AdaptersOf::<T>::iter().count() == listed, "the adapter list has stale entries");
		for (_, s) in Servers::<T>::iter() {
			ensure!(
				s.models.windows(2).all(|w| matches!(w, [x, y] if x < y)),
				"a serving record is not sorted"
			);
			ensure!(
				s.models.iter().all(BaseModels::<T>::contains_key),
				"a serving record names an unknown model"
			);
		}
		Self::try_state_jobs()
	}

	/// Invariants of fine-tunes: the fees held from each requester are exactly the fees of its
	/// open jobs, and its contributors' pot hold exactly the pots of its completed jobs (one
	/// per completed job, never above the compute fee); each agent's load is its open jobs; every job due at a block is in that
	/// block's bucket and every bucket entry is due there; delivered, verifying and completed
	/// jobs, and only they, have a commitment; a verification round exists exactly for jobs in
	/// verification; completed jobs' models are registered; uploads belong to jobs in
	/// verification or completed; ids are below `NextJobId`.
	fn try_state_jobs() -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame::token::fungible::InspectHold;
		let next = NextJobId::<T>::get();
		let mut held: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut pots: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut load: BTreeMap<T::AccountId, Vec<JobId>> = BTreeMap::new();
		let mut due = 0usize;
		for (id, job) in Jobs::<T>::iter() {
			ensure!(id < next, "a job id is not below NextJobId");
			ensure!(
				job.tried.len() <= usize::from(job.attempts),
				"more agents tried than attempts"
			);
			ensure!(job.data_fee <= job.fee, "a job's data fee exceeds its fee");
			let e = held.entry(job.requester.clone()).or_insert_with(Zero::zero);
			if job.state.is_open() {
				*e = e.saturating_add(job.fee);
			}
			let pot = pots.entry(job.requester.clone()).or_insert_with(Zero::zero);
			let kept = ContributorPots::<T>::get(id);
			ensure!(
				kept.is_some() == matches!(job.state, JobState::Completed { .. }),
				"a contributors' pot without a completed job, or the reverse"
			);
			if let Some(k) = kept {
				ensure!(k <= job.fee.saturating_sub(job.data_fee), "a pot above the compute fee");
				*pot = pot.saturating_add(k);
			}
			if let Some(agent) = job.state.agent() {
				load.entry(agent.clone()).or_default().push(id);
			}
			if let Some(at) = job.state.due() {
				ensure!(Due::<T>::get(at).contains(&id), "a due job is missing from its bucket");
				due = due.saturating_add(1);
			}
			ensure!(
				Commitments::<T>::contains_key(id)
					== matches!(
						job.state,
						JobState::Delivered { .. }
							| JobState::Verifying { .. }
							| JobState::Completed { .. }
					),
				"a commitment without a delivered job, or the reverse"
			);
			ensure!(
				Verifications::<T>::get(id).map(|v| v.round)
					== match job.state {
						JobState::Verifying { round, .. } => Some(round),
						_ => None,
					},
				"a verification round without a job in it, or the reverse"
			);
			if let JobState::Completed { adapter } = job.state {
				ensure!(
					Adapters::<T>::get(adapter).is_some_and(|a| a.base == job.base),
					"a completed job's model is not registered"
				);
			}
			let files = JobFiles::<T>::iter_prefix(id).count();
			ensure!(
				files == 0
					|| matches!(job.state, JobState::Verifying { .. } | JobState::Completed { .. }),
				"uploaded files of a job not in verification or completed"
			);
		}
		let listed: usize = Due::<T>::iter().map(|(_, b)| b.len()).sum();
		ensure!(listed == due, "a deadline bucket holds a job not due there");
		for (who, amount) in held {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::FineTuneFee.into(), &who) == amount,
				"fine-tune fees held differ from the open jobs' fees"
			);
		}
		for (who, amount) in pots {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ContributorsPot.into(), &who) == amount,
				"contributors' pots held differ from the completed jobs' pots"
			);
		}
		ensure!(
			AgentLoad::<T>::iter().count() == load.len()
				&& load.iter_mut().all(|(a, jobs)| {
					jobs.sort_unstable();
					let mut listed =
						AgentLoad::<T>::get(a).map(|l| l.into_inner()).unwrap_or_default();
					listed.sort_unstable();
					listed == *jobs
				}),
			"an agent's load differs from its open jobs"
		);
		Ok(())
	}
}
