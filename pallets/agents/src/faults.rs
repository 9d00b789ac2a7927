//! What the work pallets see: who may work, recording outcomes, punishing faults.

use crate::{pallet::*, *};
use alloc::vec::Vec;
use frame::prelude::*;
use frame::token::{
	fungible::MutateHold,
	tokens::{Fortitude, Precision, Restriction},
};

impl<T: Config> Pallet<T> {
	/// Whether `agent` may take new `capability` work on `model` now.
	pub fn is_eligible(agent: &AgentOf<T>, capability: Capability, model: ModelId) -> bool {
		T::BaseModels::contains(&model)
			&& Self::declares(agent, capability, model, Parameters::<T>::get().min_bond)
	}

	/// The agent-side half of [`Self::is_eligible`] (the model's own status is checked apart,
	/// once for a whole provider list): active, declaring both, bonded at least `min_bond`.
	fn declares(
		agent: &AgentOf<T>,
		capability: Capability,
		model: ModelId,
		min_bond: BalanceOf<T>,
	) -> bool {
		agent.status == AgentStatus::Active
			&& agent.capabilities.has(capability)
			&& agent.models.binary_search(&model).is_ok()
			&& agent.bond >= min_bond
	}

	/// Counts `outcome` in `who`'s metrics (nothing for an unknown agent).
	pub(crate) fn do_record(who: &T::AccountId, outcome: Outcome) {
		let now = frame_system::Pallet::<T>::block_number();
		Agents::<T>::mutate(who, |agent| {
			if let Some(agent) = agent {
				let m = &mut agent.metrics;
				let counter = match outcome {
					Outcome::Assigned => &mut m.jobs_assigned,
					Outcome::Completed => &mut m.jobs_completed,
					Outcome::VerificationPassed => &mut m.verifications_passed,
				};
				*counter = counter.saturating_add(1);
				m.last_active = now;
			}
		});
	}

	/// Counts a fault, strikes, maybe suspends, and slashes. Returns the amount slashed.
	pub(crate) fn do_fault(who: &T::AccountId, fault: Fault) -> BalanceOf<T> {
		let Some(mut agent) = Agents::<T>::get(who) else { return Zero::zero() };
		let params = Parameters::<T>::get();
		let (counter, share) = match fault {
			Fault::MissedDeadline => (&mut agent.metrics.jobs_missed, params.missed_slash),
			Fault::FailedVerification => {
				(&mut agent.metrics.verifications_failed, params.fraud_slash)
			}
		};
		*counter = counter.saturating_add(1);
		agent.metrics.last_active = frame_system::Pallet::<T>::block_number();
		agent.strikes = agent.strikes.saturating_add(1);
		let limit = params.strikes_before_suspension;
		let suspend = agent.status == AgentStatus::Active && limit > 0 && agent.strikes >= limit;
		if suspend {
			agent.status = AgentStatus::Suspended;
		}

		let (mut bond, mut chunks) = (agent.bond, agent.unbonding.to_vec());
		let amount = math::slash(share, &mut bond, &mut chunks);
		let slashed = if amount.is_zero() {
			Zero::zero()
		} else {
			match T::Currency::transfer_on_hold(
				&HoldReason::AgentBond.into(),
				who,
				&T::SlashBeneficiary::get(),
				amount,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Force,
			) {
				Ok(moved) => {
					agent.bond = bond;
					// the slash only shrinks or drops chunks
					agent.unbonding = BoundedVec::truncate_from(chunks);
					moved
				}
				Err(e) => {
					// Only possible if the treasury cannot receive it (below the existential
					// deposit into a dead account): the bond stays, the fault still counts.
					log::warn!(target: LOG_TARGET, "slashing {amount:?} failed: {e:?}");
					Zero::zero()
				}
			}
		};
		let strikes = agent.strikes;
		Agents::<T>::insert(who, agent);
		if !slashed.is_zero() {
			Self::deposit_event(Event::Slashed { agent: who.clone(), fault, amount: slashed });
		}
		if suspend {
			Self::deposit_event(Event::Suspended { agent: who.clone(), strikes });
		}
		slashed
	}
}

impl<T: Config> AgentRegistry<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn can_work(agent: &T::AccountId, capability: Capability, model: ModelId) -> bool {
		Agents::<T>::get(agent).is_some_and(|a| Self::is_eligible(&a, capability, model))
	}

	fn providers(capability: Capability, model: ModelId) -> Vec<T::AccountId> {
		if !T::BaseModels::contains(&model) {
			return Vec::new();
		}
		let min_bond = Parameters::<T>::get().min_bond;
		Providers::<T>::get(model, capability)
			.into_iter()
			.filter(|who| {
				Agents::<T>::get(who)
					.is_some_and(|a| Self::declares(&a, capability, model, min_bond))
			})
			.collect()
	}

	fn record(agent: &T::AccountId, outcome: Outcome) {
		Self::do_record(agent, outcome)
	}

	fn fault(agent: &T::AccountId, fault: Fault) -> BalanceOf<T> {
		Self::do_fault(agent, fault)
	}
}

impl<T: Config> AgentKeys<T::AccountId, T::AgentKey> for Pallet<T> {
	fn key_of(agent: &T::AccountId) -> Option<T::AgentKey> {
		Agents::<T>::get(agent).map(|a| a.key)
	}

	fn owner_of(key: &T::AgentKey) -> Option<T::AccountId> {
		AgentByKey::<T>::get(key)
	}
}
