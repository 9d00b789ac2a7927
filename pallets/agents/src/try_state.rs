//! Invariants, checked by `try-runtime` and after every unit test.

#![cfg(any(feature = "try-runtime", test))]

use crate::{pallet::*, *};
use frame::prelude::*;
use frame::token::fungible::InspectHold;

impl<T: Config> Pallet<T> {
	/// Invariants:
	/// - money: every owner's balance on hold for [`HoldReason::AgentBond`] is exactly its
	///   agent's active bond plus its unbonding chunks (no planck held without a record, none
	///   recorded without a hold), and no account without an agent holds one; chunks are
	///   non-empty;
	/// - the key index and the agents match one to one; [`AgentCount`] counts the agents and is
	///   within [`Config::MaxAgents`];
	/// - a leaving agent has no active bond; model lists are sorted without repeats;
	/// - every provider list is sorted and names exactly the non-leaving agents declaring that
	///   capability on that model.
	pub fn do_try_state() -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
		let reason: T::RuntimeHoldReason = HoldReason::AgentBond.into();
		let mut count = 0u32;
		let mut listed = 0usize;
		for (owner, a) in Agents::<T>::iter() {
			let held = T::Currency::balance_on_hold(&reason, &owner);
			ensure!(
				held == math::total_held(a.bond, &a.unbonding),
				"an agent's bond and unbonding chunks do not match its hold"
			);
			ensure!(a.unbonding.iter().all(|c| !c.amount.is_zero()), "an empty unbonding chunk");
			ensure!(AgentByKey::<T>::get(&a.key) == Some(owner.clone()), "key index mismatch");
			ensure!(
				a.models.windows(2).all(|w| matches!(w, [x, y] if x < y)),
				"an agent's model list is not sorted"
			);
			if a.status == AgentStatus::Leaving {
				ensure!(a.bond.is_zero(), "a leaving agent has an active bond");
			} else {
				for c in a.capabilities.list() {
					for m in a.models.iter() {
						ensure!(
							Providers::<T>::get(m, c).binary_search(&owner).is_ok(),
							"an agent is missing from a provider list"
						);
						listed = listed.saturating_add(1);
					}
				}
			}
			count = count.saturating_add(1);
		}
		ensure!(AgentByKey::<T>::iter().count() == count as usize, "stale key index entries");
		ensure!(AgentCount::<T>::get() == count, "AgentCount is wrong");
		ensure!(count <= T::MaxAgents::get(), "more agents than MaxAgents");
		let mut entries = 0usize;
		for (_, _, list) in Providers::<T>::iter() {
			ensure!(!list.is_empty(), "an empty provider list is stored");
			ensure!(
				list.windows(2).all(|w| matches!(w, [x, y] if x < y)),
				"a provider list is not sorted"
			);
			entries = entries.saturating_add(list.len());
		}
		ensure!(entries == listed, "a provider list names an agent that does not declare it");
		for who in frame_system::Account::<T>::iter_keys() {
			if !Agents::<T>::contains_key(&who) {
				ensure!(
					T::Currency::balance_on_hold(&reason, &who).is_zero(),
					"an account without an agent has an agent bond on hold"
				);
			}
		}
		Ok(())
	}
}
