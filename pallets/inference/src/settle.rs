//! Settlement: an agent's batch of usage records against a voucher, paid from the user's credit
//! through the inference fee split. Everything is checked before anything moves, so a refused
//! batch changes nothing.

use crate::{math, pallet::*, *};
use alloc::{collections::BTreeMap, vec::Vec};
use codec::Encode;
use frame::deps::sp_io::offchain_index;
use frame::prelude::*;
use frame::token::{
	fungible::{Mutate, MutateHold},
	tokens::{Fortitude, Precision, Preservation, Restriction},
};
use openledger_primitives::Capability;

/// The offchain-index key under which a settled record's completion token ids are kept (for
/// the attribution of the answer): the tag, the user, the voucher nonce and the request id.
pub fn completion_key(user: &[u8; 32], nonce: u64, request: u64) -> Vec<u8> {
	(b"openledger/inference/completion/", user, nonce, request).encode()
}

/// Where a record's contributors' part ended up.
enum Kept {
	/// Held in the contributors' pot.
	Pot,
	/// Still in the credit hold (zero, or the pot refused it): the caller pays it to the
	/// treasury.
	Credit,
	/// Paid to the treasury already.
	Treasury,
}

/// One record, priced and divided.
struct Priced<T: Config> {
	request: u64,
	model: ServedModel,
	owner: Option<T::AccountId>,
	parts: math::Parts<BalanceOf<T>>,
}

impl<T: Config> Pallet<T> {
	pub(crate) fn do_settle(
		agent: &T::AccountId,
		voucher: &VoucherOf<T>,
		signature: &VoucherSignature,
		records: &RecordsOf<T>,
	) -> DispatchResult {
		// the cheap checks first, the signature last
		ensure!(voucher.agent == *agent, Error::<T>::WrongAgent);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= voucher.expiry, Error::<T>::VoucherExpired);
		ensure!(!records.is_empty(), Error::<T>::NoRecords);
		ensure!(Self::signed_by_user(voucher, signature), Error::<T>::BadSignature);
		let user = &voucher.user;
		let mut state = match Vouchers::<T>::get(user, voucher.nonce) {
			Some(s) => {
				let same = s.agent == voucher.agent
					&& s.max_spend == voucher.max_spend
					&& s.expiry == voucher.expiry;
				ensure!(same, Error::<T>::VoucherMismatch);
				s
			}
			None => VoucherState {
				agent: voucher.agent.clone(),
				max_spend: voucher.max_spend,
				expiry: voucher.expiry,
				spent: Zero::zero(),
				last_request: None,
			},
		};
		// price every record; request ids strictly increasing, the first above the last one
		// settled (any id when none was)
		let split = T::InferenceSplit::get();
		let mut last = state.last_request;
		let mut total = BalanceOf::<T>::zero();
		let mut priced = Vec::with_capacity(records.len());
		for r in records.iter() {
			ensure!(last.is_none_or(|l| r.request > l), Error::<T>::RequestNotIncreasing);
			last = Some(r.request);
			let price = T::Models::price(&r.model).ok_or(Error::<T>::UnknownModel)?;
			ensure!(
				T::Agents::can_work(agent, Capability::Serve, price.base),
				Error::<T>::NotServing
			);
			let cost = math::cost(price.per_1k_tokens, r.prompt_tokens, r.completion_tokens)
				.ok_or(Error::<T>::Overflow)?;
			total = total.checked_add(&cost).ok_or(Error::<T>::Overflow)?;
			priced.push(Priced::<T> {
				request: r.request,
				model: r.model,
				owner: price.owner,
				parts: math::parts(cost, &split),
			});
		}
		let spent = state.spent.checked_add(&total).ok_or(Error::<T>::Overflow)?;
		ensure!(spent <= voucher.max_spend, Error::<T>::OverSpend);
		let mut credit = Credits::<T>::get(user).unwrap_or_default();
		ensure!(total <= credit.held, Error::<T>::CreditExhausted);

		// pay: aggregated per recipient, the contributors' part kept per record
		let mut owners: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut paid = Paid::<BalanceOf<T>>::default();
		let mut to_treasury = BalanceOf::<T>::zero();
		for p in &priced {
			match &p.owner {
				Some(o) => {
					let e = owners.entry(o.clone()).or_default();
					*e = e.saturating_add(p.parts.model_owner);
				}
				None => to_treasury = to_treasury.saturating_add(p.parts.model_owner),
			}
			paid.agent = paid.agent.saturating_add(p.parts.agent);
			to_treasury = to_treasury.saturating_add(p.parts.treasury);
		}
		for (owner, amount) in owners {
			if Self::pay_from_credit(user, &owner, amount) {
				paid.model_owners = paid.model_owners.saturating_add(amount);
			} else {
				to_treasury = to_treasury.saturating_add(amount);
			}
		}
		if !Self::pay_from_credit(user, agent, paid.agent) {
			to_treasury = to_treasury.saturating_add(paid.agent);
			paid.agent = Zero::zero();
		}
		let mut treasury_direct = BalanceOf::<T>::zero();
		for p in &priced {
			let amount = p.parts.contributors;
			match Self::keep_for_contributors(user, amount) {
				Kept::Pot => {
					paid.contributors = paid.contributors.saturating_add(amount);
					let pot = RecordPot { agent: agent.clone(), model: p.model, amount };
					ContributorPots::<T>::insert(user, (voucher.nonce, p.request), pot);
				}
				Kept::Credit => to_treasury = to_treasury.saturating_add(amount),
				Kept::Treasury => treasury_direct = treasury_direct.saturating_add(amount),
			}
		}
		if !to_treasury.is_zero() && !Self::pay_from_credit(user, &T::Treasury::get(), to_treasury)
		{
			log::error!(target: LOG_TARGET, "the treasury could not be paid {to_treasury:?} from a settlement");
		}
		paid.treasury = to_treasury.saturating_add(treasury_direct);
		paid.total = total;

		let user_bytes: [u8; 32] = user.clone().into();
		for r in records.iter() {
			offchain_index::set(
				&completion_key(&user_bytes, voucher.nonce, r.request),
				&r.completion.encode(),
			);
		}
		credit.held = credit.held.saturating_sub(total);
		if credit.held.is_zero() && credit.unlocking.is_none() {
			Credits::<T>::remove(user);
		} else {
			Credits::<T>::insert(user, &credit);
		}
		state.spent = spent;
		state.last_request = last;
		Vouchers::<T>::insert(user, voucher.nonce, &state);
		Self::deposit_event(Event::Settled {
			user: user.clone(),
			agent: agent.clone(),
			nonce: voucher.nonce,
			records: records.len() as u32,
			paid,
			spent,
		});
		Ok(())
	}

	/// Moves `amount` of `from`'s held credit to `to`'s free balance; whether it moved (a
	/// recipient the currency refuses, e.g. a new account below the existential deposit, gets
	/// nothing and the caller gives that part to the treasury).
	fn pay_from_credit(from: &T::AccountId, to: &T::AccountId, amount: BalanceOf<T>) -> bool {
		if amount.is_zero() {
			return true;
		}
		let reason = HoldReason::Credit.into();
		if from == to {
			return T::Currency::release(&reason, from, amount, Precision::Exact).is_ok();
		}
		T::Currency::transfer_on_hold(
			&reason,
			from,
			to,
			amount,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Polite,
		)
		.is_ok()
	}

	/// Moves `amount` of `who`'s credit hold to the contributors' pot hold, and says where the
	/// amount is afterwards.
	fn keep_for_contributors(who: &T::AccountId, amount: BalanceOf<T>) -> Kept {
		if amount.is_zero() {
			return Kept::Credit;
		}
		let reason = HoldReason::Credit.into();
		if T::Currency::release(&reason, who, amount, Precision::Exact).is_err() {
			return Kept::Credit;
		}
		match T::Currency::hold(&HoldReason::ContributorsPot.into(), who, amount) {
			Ok(()) => Kept::Pot,
			Err(e) => {
				// released but not held again: back into the credit hold, or else straight to
				// the treasury, never left with the user
				log::error!(target: LOG_TARGET, "the contributors' pot could not hold {amount:?}: {e:?}");
				if T::Currency::hold(&reason, who, amount).is_ok() {
					return Kept::Credit;
				}
				let treasury = T::Treasury::get();
				let _ = T::Currency::transfer(who, &treasury, amount, Preservation::Expendable);
				Kept::Treasury
			}
		}
	}
}
