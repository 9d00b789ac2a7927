//! The bond: adding, unbonding, withdrawing, and leaving.

use crate::{pallet::*, *};
use frame::prelude::*;
use frame::token::{fungible::MutateHold, tokens::Precision};

impl<T: Config> Pallet<T> {
	/// Adds to an agent's active bond. See [`Pallet::bond_extra`].
	pub(crate) fn do_bond_extra(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut agent = Agents::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(agent.status != AgentStatus::Leaving, Error::<T>::AgentLeaving);
		T::Currency::hold(&HoldReason::AgentBond.into(), &who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		agent.bond = agent.bond.saturating_add(amount);
		Agents::<T>::insert(&who, agent);
		Self::deposit_event(Event::Bonded { agent: who, amount });
		Ok(())
	}

	/// Moves part of the active bond into an unbonding chunk. See [`Pallet::unbond`].
	pub(crate) fn do_unbond(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut agent = Agents::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(agent.status != AgentStatus::Leaving, Error::<T>::AgentLeaving);
		ensure!(amount <= agent.bond, Error::<T>::BelowMinBond);
		let left = agent.bond.saturating_sub(amount);
		ensure!(left >= Parameters::<T>::get().min_bond, Error::<T>::BelowMinBond);
		let unlock = Self::push_chunk(&mut agent, amount)?;
		agent.bond = left;
		Agents::<T>::insert(&who, agent);
		Self::deposit_event(Event::Unbonding { agent: who, amount, unlock });
		Ok(())
	}

	/// Leaves: off the provider lists, whole bond unbonding. See [`Pallet::deregister`].
	pub(crate) fn do_deregister(who: T::AccountId) -> DispatchResult {
		let mut agent = Agents::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(agent.status != AgentStatus::Leaving, Error::<T>::AgentLeaving);
		ensure!(!T::Workload::contains(&who), Error::<T>::HasOpenWork);
		let amount = agent.bond;
		let unlock = if amount.is_zero() {
			Self::unlock_block()
		} else {
			Self::push_chunk(&mut agent, amount)?
		};
		agent.bond = Zero::zero();
		agent.status = AgentStatus::Leaving;
		Self::remove_provider(&who, &agent.capabilities, &agent.models);
		Agents::<T>::insert(&who, agent);
		if !amount.is_zero() {
			Self::deposit_event(Event::Unbonding { agent: who.clone(), amount, unlock });
		}
		Self::deposit_event(Event::Deregistered { agent: who, unlock });
		Ok(())
	}

	/// Releases matured chunks; removes a leaving agent with nothing left. See
	/// [`Pallet::withdraw_unbonded`].
	pub(crate) fn do_withdraw(who: T::AccountId) -> DispatchResult {
		let mut agent = Agents::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		let now = frame_system::Pallet::<T>::block_number();
		let (matured, pending): (alloc::vec::Vec<_>, alloc::vec::Vec<_>) =
			agent.unbonding.iter().copied().partition(|c| c.unlock <= now);
		let amount = math::total_held(Zero::zero(), &matured);
		let removable = agent.status == AgentStatus::Leaving && pending.is_empty();
		ensure!(!amount.is_zero() || removable, Error::<T>::NothingToWithdraw);
		if !amount.is_zero() {
			T::Currency::release(&HoldReason::AgentBond.into(), &who, amount, Precision::Exact)?;
			Self::deposit_event(Event::Withdrawn { agent: who.clone(), amount });
		}
		if removable {
			Agents::<T>::remove(&who);
			AgentByKey::<T>::remove(&agent.key);
			AgentCount::<T>::mutate(|n| *n = n.saturating_sub(1));
			Self::deposit_event(Event::Removed { agent: who });
		} else {
			// `pending` is a part of a bounded list, so it fits
			agent.unbonding = BoundedVec::truncate_from(pending);
			Agents::<T>::insert(&who, agent);
		}
		Ok(())
	}

	/// Appends an unbonding chunk of `amount` that unlocks one unbonding period from now.
	fn push_chunk(
		agent: &mut AgentOf<T>,
		amount: BalanceOf<T>,
	) -> Result<BlockNumberFor<T>, DispatchError> {
		let unlock = Self::unlock_block();
		agent
			.unbonding
			.try_push(UnbondingChunk { amount, unlock })
			.map_err(|_| Error::<T>::TooManyUnbondingChunks)?;
		Ok(unlock)
	}

	/// The block at which funds unbonding now unlock.
	fn unlock_block() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
			.saturating_add(Parameters::<T>::get().unbonding_period)
	}
}
