//! Curation: accepting batches (new version and commitment) and rejecting contributions
//! (part of the deposit slashed to the treasury), and the governance-set slash share.

use crate::{pallet::*, *};
use alloc::vec::Vec;
use frame::{prelude::*, token::fungible::MutateHold as _};
use polkadot_sdk::polkadot_sdk_frame as frame;

impl<T: Config> Pallet<T> {
	/// Checks `id` is a pending contribution of `datanet` and removes it from `pending` (the
	/// datanet's pending list, read once and written back once by the caller).
	///
	/// # Errors
	/// `UnknownContribution`, `NotPending`.
	pub(crate) fn take_pending(
		datanet: DatanetId,
		pending: &mut BoundedVec<ContributionId, T::MaxPending>,
		id: ContributionId,
	) -> Result<ContributionOf<T>, DispatchError> {
		let c = Contributions::<T>::get(id).ok_or(Error::<T>::UnknownContribution)?;
		ensure!(c.datanet == datanet, Error::<T>::UnknownContribution);
		ensure!(c.status == ContributionStatus::Pending, Error::<T>::NotPending);
		pending.retain(|x| *x != id);
		Ok(c)
	}

	/// Accepts pending contributions of `datanet` in the given order, as curator `who`.
	///
	/// # Errors
	/// `UnknownDatanet`, `NotCurator`, `Archived`, `UnknownContribution`, `NotPending`,
	/// `TreeFull`, `Overflow`.
	pub(crate) fn do_accept(
		datanet: DatanetId,
		who: &T::AccountId,
		ids: Vec<ContributionId>,
	) -> DispatchResult {
		let mut d = Datanet::<T>::get(datanet).ok_or(Error::<T>::UnknownDatanet)?;
		ensure!(Self::is_curator(&d, who), Error::<T>::NotCurator);
		ensure!(d.status != DatanetStatus::Archived, Error::<T>::Archived);
		let version = d.version.checked_add(1).ok_or(Error::<T>::Overflow)?;
		let mut frontier = Frontier::<T>::get(datanet).into_inner();
		let reason = HoldReason::ContributionDeposit.into();
		let mut pending = Pending::<T>::get(datanet);
		for id in &ids {
			let mut c = Self::take_pending(datanet, &mut pending, *id)?;
			merkle::append(&mut frontier, d.accepted, c.hash).map_err(|_| Error::<T>::TreeFull)?;
			AcceptedAt::<T>::insert(datanet, d.accepted, id);
			d.accepted = d.accepted.saturating_add(1);
			d.accepted_bytes = d.accepted_bytes.saturating_add(c.size.into());
			d.pending = d.pending.saturating_sub(1);
			T::Currency::release(&reason, &c.contributor, c.deposit, Precision::BestEffort)?;
			Records::<T>::mutate(datanet, &c.contributor, |r| {
				r.accepted = r.accepted.saturating_add(1)
			});
			c.status = ContributionStatus::Accepted(version);
			Contributions::<T>::insert(id, c);
		}
		let commitment = merkle::commitment(&frontier, d.accepted);
		d.version = version;
		Versions::<T>::insert(
			datanet,
			version,
			VersionInfo {
				commitment,
				accepted: d.accepted,
				bytes: d.accepted_bytes,
				block: frame_system::Pallet::<T>::block_number(),
			},
		);
		Frontier::<T>::insert(datanet, BoundedVec::truncate_from(frontier));
		Pending::<T>::insert(datanet, pending);
		Datanet::<T>::insert(datanet, d);
		Self::deposit_event(Event::Accepted { datanet, contributions: ids, version, commitment });
		Ok(())
	}

	/// Rejects a pending contribution for `reason`, as curator `who`.
	///
	/// # Errors
	/// `UnknownDatanet`, `NotCurator`, `Archived`, `UnknownContribution`, `NotPending`.
	pub(crate) fn do_reject(
		datanet: DatanetId,
		who: &T::AccountId,
		id: ContributionId,
		reason: RejectReason,
	) -> DispatchResult {
		let d = Datanet::<T>::get(datanet).ok_or(Error::<T>::UnknownDatanet)?;
		ensure!(Self::is_curator(&d, who), Error::<T>::NotCurator);
		ensure!(d.status != DatanetStatus::Archived, Error::<T>::Archived);
		let mut pending = Pending::<T>::get(datanet);
		let mut c = Self::take_pending(datanet, &mut pending, id)?;
		Pending::<T>::insert(datanet, pending);
		let hold = HoldReason::ContributionDeposit.into();
		let slash = ContributionSlash::<T>::get().mul_floor(c.deposit);
		let slashed = if slash.is_zero() {
			Zero::zero()
		} else {
			T::Currency::transfer_on_hold(
				&hold,
				&c.contributor,
				&T::SlashBeneficiary::get(),
				slash,
				Precision::BestEffort,
				frame::token::tokens::Restriction::Free,
				Fortitude::Force,
			)?
		};
		T::Currency::release(
			&hold,
			&c.contributor,
			c.deposit.saturating_sub(slashed),
			Precision::BestEffort,
		)?;
		Records::<T>::mutate(datanet, &c.contributor, |r| {
			r.rejected = r.rejected.saturating_add(1)
		});
		Datanet::<T>::mutate(datanet, |d| {
			if let Some(d) = d {
				d.pending = d.pending.saturating_sub(1);
			}
		});
		let chunks = c.size.div_ceil(T::ChunkSize::get().max(1));
		for i in 0..chunks {
			frame::deps::sp_io::offchain_index::clear(&chunk_key(&c.hash, i));
		}
		frame::deps::sp_io::offchain_index::clear(&file_key(&c.hash));
		c.status = ContributionStatus::Rejected(reason);
		Contributions::<T>::insert(id, c);
		Self::deposit_event(Event::Rejected { datanet, contribution: id, reason, slashed });
		Ok(())
	}

	/// Sets the slashed share of rejected contributions' deposits.
	pub(crate) fn do_set_contribution_slash(share: Perbill) {
		ContributionSlash::<T>::put(share);
		Self::deposit_event(Event::ContributionSlashSet { share });
	}
}
