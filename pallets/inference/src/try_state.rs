//! The pallet's invariants: every planck it holds is where its records say.

use crate::{pallet::*, *};
use alloc::collections::BTreeMap;
use frame::prelude::*;
use frame::token::fungible::InspectHold;

impl<T: Config> Pallet<T> {
	/// - each user's credit record equals the currency's hold under [`HoldReason::Credit`], and
	///   every such hold has a record;
	/// - each user's record pots sum to the currency's hold under
	///   [`HoldReason::ContributorsPot`];
	/// - no voucher has spent more than its maximum.
	pub fn do_try_state() -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
		let credit_reason = HoldReason::Credit.into();
		for (who, c) in Credits::<T>::iter() {
			ensure!(
				T::Currency::balance_on_hold(&credit_reason, &who) == c.held,
				"a credit record differs from its hold"
			);
			ensure!(!c.held.is_zero() || c.unlocking.is_some(), "an empty credit record is kept");
		}
		let mut pots: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (who, _, pot) in ContributorPots::<T>::iter() {
			ensure!(!pot.amount.is_zero(), "an empty pot is kept");
			let sum = pots.entry(who).or_default();
			*sum = sum.checked_add(&pot.amount).ok_or("the pots overflow")?;
		}
		let pot_reason = HoldReason::ContributorsPot.into();
		for (who, sum) in &pots {
			ensure!(
				T::Currency::balance_on_hold(&pot_reason, who) == *sum,
				"a user's record pots differ from their hold"
			);
		}
		for (_, _, v) in Vouchers::<T>::iter() {
			ensure!(v.spent <= v.max_spend, "a voucher spent more than its maximum");
		}
		Ok(())
	}
}
