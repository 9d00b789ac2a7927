//! Payment on acceptance: when a job's model is registered, its held fee is paid out, to the
//! planck.
//!
//! - **Data**: each pinned datanet version's price per use (fixed at request time) goes to the
//!   datanet's owner.
//! - **Compute** (the rest of the fee) is divided by the training fee split of
//!   `pallet-tokenomics` ([`Config::TrainingSplit`]) into treasury, model owner, stakers and
//!   contributors ([`FeeSplit::divide`]: the model owner's part takes the rounding remainder):
//!   - the **model owner** is the owner of the adapter the job continued; a base model has no
//!     owner account (governance registers it), so its part goes to the treasury;
//!   - the **stakers** are the ones who did the work: the verifiers whose answers passed in the
//!     deciding round share a fifth of it equally, the trainer agent takes the rest (and the
//!     division's remainder, and the whole when no verifier passed);
//!   - the **contributors'** part stays held from the requester under
//!     [`HoldReason::ContributorsPot`], recorded per job in [`ContributorPots`], until Proof of
//!     Attribution pays it to the contributors the job's training is attributed to;
//!   - the **treasury** takes its part.
//!
//! A payment that cannot be made (a recipient the currency refuses, e.g. a new account below
//! the existential deposit) goes to the treasury instead, and the event says so.

use crate::{pallet::*, *};
use alloc::vec::Vec;
use frame::prelude::*;
use frame::token::{
	fungible::{Mutate, MutateHold},
	tokens::{Fortitude, Precision, Restriction},
};
use openledger_primitives::{FeeSplit, TrainingData};
use polkadot_sdk::polkadot_sdk_frame as frame;

/// How a job's compute fee divides (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Shares<Balance> {
	/// To the trainer agent.
	pub trainer: Balance,
	/// To each passing verifier.
	pub per_verifier: Balance,
	/// To the owner of the model trained from (the treasury for a base model).
	pub model_owner: Balance,
	/// Held for the contributors.
	pub contributors: Balance,
	/// To the treasury.
	pub treasury: Balance,
}

/// Divides `compute` by `split` with `verifiers` passing verifiers. The parts always sum to
/// `compute`: `trainer + per_verifier × verifiers + model_owner + contributors + treasury`.
pub fn shares<B: AtLeast32BitUnsigned + Copy>(
	compute: B,
	split: &FeeSplit,
	verifiers: u32,
) -> Shares<B> {
	let [treasury, model_owner, stakers, contributors] = split.divide(compute);
	let n = B::from(verifiers);
	let fifth = stakers.checked_div(&5u32.into()).unwrap_or_else(Zero::zero);
	let per_verifier = fifth.checked_div(&n).unwrap_or_else(Zero::zero);
	let trainer = stakers.saturating_sub(per_verifier.saturating_mul(n));
	Shares { trainer, per_verifier, model_owner, contributors, treasury }
}

/// What a payment moved, for its event.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Payout<AccountId, Balance> {
	/// To the datanets' owners.
	pub data: Balance,
	/// The trainer agent and its part.
	pub trainer: (AccountId, Balance),
	/// Each passing verifier's account and part.
	pub verifiers: Vec<(AccountId, Balance)>,
	/// To the owner of the model trained from (0 for a base model: that part is the treasury's).
	pub model_owner: Balance,
	/// Held for the contributors.
	pub contributors: Balance,
	/// To the treasury (its part, a base model's owner part, and anything that could not be
	/// paid to its recipient).
	pub treasury: Balance,
}

impl<T: Config> Pallet<T> {
	/// Pays `job`'s held fee out (see the module docs); `verifiers` are the accounts of the
	/// deciding round's passing verifiers.
	pub(crate) fn pay(
		id: JobId,
		job: &JobOf<T>,
		trainer: &T::AccountId,
		verifiers: &[T::AccountId],
	) -> Payout<T::AccountId, BalanceOf<T>> {
		let treasury = T::Treasury::get();
		let mut to_treasury = BalanceOf::<T>::zero();
		// pays `amount` to `to`, or leaves it for the treasury; what `to` got
		let mut pay = |to: Option<&T::AccountId>, amount: BalanceOf<T>| -> BalanceOf<T> {
			match to {
				_ if amount.is_zero() => amount,
				Some(to) if Self::move_held(&job.requester, to, amount) => amount,
				Some(_) => {
					log::warn!(target: LOG_TARGET, "fine-tune job {id}: a payment of {amount:?} could not be made; the treasury takes it");
					to_treasury = to_treasury.saturating_add(amount);
					Zero::zero()
				}
				None => {
					to_treasury = to_treasury.saturating_add(amount);
					Zero::zero()
				}
			}
		};
		let mut data = BalanceOf::<T>::zero();
		for d in job.data.iter() {
			let owner = T::TrainingData::version(d.datanet, d.version).map(|v| v.owner);
			data = data.saturating_add(pay(owner.as_ref(), d.price));
		}
		let compute = job.fee.saturating_sub(job.data_fee);
		let s = shares(compute, &T::TrainingSplit::get(), verifiers.len() as u32);
		let mut paid = Vec::with_capacity(verifiers.len());
		for v in verifiers {
			let got = pay(Some(v), s.per_verifier);
			if !got.is_zero() {
				paid.push((v.clone(), got));
			}
		}
		let trainer_paid = pay(Some(trainer), s.trainer);
		let parent_owner = job.parent.and_then(Adapters::<T>::get).map(|a| a.owner);
		let model_owner = pay(parent_owner.as_ref(), s.model_owner);
		let to_treasury = to_treasury.saturating_add(s.treasury);
		if !to_treasury.is_zero() && !Self::move_held(&job.requester, &treasury, to_treasury) {
			log::error!(target: LOG_TARGET, "fine-tune job {id}: the treasury could not be paid {to_treasury:?}");
		}
		let contributors = Self::keep_for_contributors(&job.requester, s.contributors);
		ContributorPots::<T>::insert(id, contributors);
		Payout {
			data,
			trainer: (trainer.clone(), trainer_paid),
			verifiers: paid,
			model_owner,
			contributors,
			treasury: to_treasury,
		}
	}

	/// Moves `amount` of `from`'s held fee to `to`'s free balance.
	fn move_held(from: &T::AccountId, to: &T::AccountId, amount: BalanceOf<T>) -> bool {
		let reason = HoldReason::FineTuneFee.into();
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

	/// Moves `amount` of `who`'s held fee to the contributors' pot hold; what it holds there.
	fn keep_for_contributors(who: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
		if amount.is_zero() {
			return amount;
		}
		let moved =
			T::Currency::release(&HoldReason::FineTuneFee.into(), who, amount, Precision::Exact)
				.and_then(|_| T::Currency::hold(&HoldReason::ContributorsPot.into(), who, amount));
		match moved {
			Ok(()) => amount,
			Err(e) => {
				// released but not held again: the treasury takes it rather than the requester
				log::error!(target: LOG_TARGET, "the contributors' pot could not hold {amount:?}: {e:?}");
				let _ = T::Currency::transfer(
					who,
					&T::Treasury::get(),
					amount,
					frame::token::tokens::Preservation::Expendable,
				);
				Zero::zero()
			}
		}
	}
}
