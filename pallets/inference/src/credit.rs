//! Inference credit: deposits, withdrawal requests and withdrawals.

use crate::{pallet::*, *};
use frame::prelude::*;
use frame::token::{fungible::MutateHold, tokens::Precision};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_deposit(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut credit = Credits::<T>::get(who).unwrap_or_default();
		credit.held = credit.held.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
		T::Currency::hold(&HoldReason::Credit.into(), who, amount)?;
		Credits::<T>::insert(who, &credit);
		Self::deposit_event(Event::CreditDeposited { who: who.clone(), amount, held: credit.held });
		Ok(())
	}

	pub(crate) fn do_request_withdraw(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut credit = Credits::<T>::get(who).ok_or(Error::<T>::InsufficientCredit)?;
		ensure!(amount <= credit.held, Error::<T>::InsufficientCredit);
		let at = frame_system::Pallet::<T>::block_number().saturating_add(T::WithdrawDelay::get());
		credit.unlocking = Some((amount, at));
		Credits::<T>::insert(who, credit);
		Self::deposit_event(Event::WithdrawRequested { who: who.clone(), amount, at });
		Ok(())
	}

	pub(crate) fn do_withdraw(who: &T::AccountId) -> DispatchResult {
		let mut credit = Credits::<T>::get(who).ok_or(Error::<T>::NothingToWithdraw)?;
		let (asked, at) = credit.unlocking.ok_or(Error::<T>::NothingToWithdraw)?;
		ensure!(frame_system::Pallet::<T>::block_number() >= at, Error::<T>::WithdrawTooEarly);
		// settlements may have spent part of it since the request
		let amount = asked.min(credit.held);
		T::Currency::release(&HoldReason::Credit.into(), who, amount, Precision::Exact)?;
		credit.held = credit.held.saturating_sub(amount);
		credit.unlocking = None;
		if credit.held.is_zero() {
			Credits::<T>::remove(who);
		} else {
			Credits::<T>::insert(who, &credit);
		}
		Self::deposit_event(Event::CreditWithdrawn { who: who.clone(), amount, held: credit.held });
		Ok(())
	}
}
