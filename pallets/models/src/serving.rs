//! Serving announcements: a validator's offchain worker asks the node's AI service which base
//! models it has loaded and says so on chain, signed with its authority key.

use crate::{pallet::*, *};
use alloc::vec::Vec;
use frame::deps::frame_system::offchain::{CreateBare, SubmitTransaction};
use frame::deps::sp_runtime::{
	traits::Saturating,
	transaction_validity::{
		InvalidTransaction, TransactionValidity, TransactionValidityError, ValidTransaction,
	},
	RuntimeAppPublic,
};
use frame::prelude::*;
use openledger_ai_primitives::AiError;
use polkadot_sdk::polkadot_sdk_frame as frame;

impl<T: Config> Pallet<T> {
	/// The offchain worker's part: for each local key of a current validator, announce the
	/// served base models when the chain has no record of them, when they changed, or when the
	/// record is `AnnouncePeriod` blocks old. Skips quietly when the node has no AI service
	/// (`Unavailable`).
	pub(crate) fn offchain_announce(now: BlockNumberFor<T>) {
		let keys: Vec<T::AuthorityId> =
			T::AuthorityId::all().into_iter().filter(T::IsAuthority::contains).collect();
		if keys.is_empty() {
			return;
		}
		let hashes = match openledger_ai_primitives::served_models() {
			Ok(h) => h,
			Err(AiError::Unavailable) => {
				log::debug!(target: LOG_TARGET, "no AI service on this node: nothing to announce");
				return;
			}
			Err(e) => {
				log::warn!(target: LOG_TARGET, "the AI service failed to report its models: {e:?}");
				return;
			}
		};
		let models = Self::served_ids(&hashes);
		let period = T::AnnouncePeriod::get();
		for authority in keys {
			let due = Servers::<T>::get(&authority).is_none_or(|last| {
				last.models != models || now.saturating_sub(last.block) >= period
			});
			if !due {
				continue;
			}
			let announcement =
				ServingAnnouncement { authority, models: models.clone(), block: now };
			let Some(signature) = announcement.authority.sign(&announcement.encode()) else {
				log::warn!(target: LOG_TARGET, "the keystore could not sign the announcement");
				continue;
			};
			let call = Call::announce_serving { announcement, signature };
			let xt = <T as CreateBare<Call<T>>>::create_bare(call.into());
			match SubmitTransaction::<T, Call<T>>::submit_transaction(xt) {
				Ok(()) => log::info!(
					target: LOG_TARGET,
					"announced serving base models {:?} at block {now:?}",
					models.as_slice()
				),
				Err(()) => log::warn!(target: LOG_TARGET, "the announcement was not accepted"),
			}
		}
	}

	/// The registered, active base models among `hashes`, sorted, without repeats, at most
	/// `MaxBaseModels`.
	pub fn served_ids(hashes: &[WeightsHash]) -> BoundedVec<ModelId, T::MaxBaseModels> {
		let mut ids: Vec<ModelId> = hashes.iter().filter_map(Self::active_model_by_hash).collect();
		ids.sort_unstable();
		ids.dedup();
		ids.truncate(T::MaxBaseModels::get() as usize);
		BoundedVec::truncate_from(ids)
	}

	/// Checks an announcement against the state: signer, freshness, model list. The signature
	/// is checked last (it is the expensive part).
	///
	/// # Errors
	/// `NotAnAuthority`, `StaleAnnouncement`, `BadModelList`; a bad signature is
	/// `NotAnAuthority` too (whoever signed is not that authority).
	pub(crate) fn check_announcement(
		a: &AnnouncementOf<T>,
		signature: &SignatureOf<T>,
	) -> Result<(), Error<T>> {
		ensure!(T::IsAuthority::contains(&a.authority), Error::<T>::NotAnAuthority);
		let now = frame_system::Pallet::<T>::block_number();
		let period = T::AnnouncePeriod::get();
		ensure!(
			a.block <= now && now.saturating_sub(a.block) < period,
			Error::<T>::StaleAnnouncement
		);
		if let Some(last) = Servers::<T>::get(&a.authority) {
			// a repeat is due once a period; a change may come at once
			ensure!(
				a.block > last.block
					&& (a.models != last.models || a.block.saturating_sub(last.block) >= period),
				Error::<T>::StaleAnnouncement
			);
		}
		let sorted = a.models.windows(2).all(|w| matches!(w, [x, y] if x < y));
		ensure!(
			sorted
				&& a.models.iter().all(|id| {
					BaseModels::<T>::get(id).is_some_and(|m| m.status == ModelStatus::Active)
				}),
			Error::<T>::BadModelList
		);
		ensure!(a.authority.verify(&a.encode(), signature), Error::<T>::NotAnAuthority);
		Ok(())
	}

	/// The pool's view of an announcement: valid while fresh, one per authority and period.
	pub(crate) fn validate_announcement(
		a: &AnnouncementOf<T>,
		signature: &SignatureOf<T>,
	) -> TransactionValidity {
		Self::check_announcement(a, signature).map_err(|e| {
			TransactionValidityError::Invalid(match e {
				Error::<T>::StaleAnnouncement => InvalidTransaction::Stale,
				Error::<T>::NotAnAuthority => InvalidTransaction::BadProof,
				_ => InvalidTransaction::Call,
			})
		})?;
		let period = T::AnnouncePeriod::get();
		let longevity = period.saturated_into::<u64>().max(1);
		ValidTransaction::with_tag_prefix("ModelsServing")
			.priority(T::UnsignedPriority::get())
			.and_provides((a.authority.clone(), a.block))
			.longevity(longevity)
			.propagate(true)
			.build()
	}

	/// Records a checked announcement.
	pub(crate) fn do_announce(a: AnnouncementOf<T>) {
		let models = a.models.to_vec();
		Servers::<T>::insert(&a.authority, Serving { models: a.models, block: a.block });
		Self::deposit_event(Event::ServingAnnounced { authority: a.authority, models });
	}
}
