//! Creating and managing datanets: metadata, rules, curators, the allow list, ownership and
//! status.

use crate::{pallet::*, *};
use frame::{prelude::*, token::fungible::MutateHold as _};
use polkadot_sdk::polkadot_sdk_frame as frame;

impl<T: Config> Pallet<T> {
	/// Whether `who` may curate `d` (its owner or one of its curators).
	pub(crate) fn is_curator(d: &DatanetOf<T>, who: &T::AccountId) -> bool {
		d.owner == *who || d.curators.contains(who)
	}

	/// # Errors
	/// `BadMetadata` when the name, the SPDX id or a tag is empty.
	pub(crate) fn check_metadata(m: &MetadataOf<T>, l: &LicenseOf<T>) -> DispatchResult {
		ensure!(!m.name.is_empty() && !l.spdx.is_empty(), Error::<T>::BadMetadata);
		ensure!(m.tags.iter().all(|t| !t.is_empty()), Error::<T>::BadMetadata);
		Ok(())
	}

	/// # Errors
	/// `BadRules` when the deposit is below [`Config::MinContributionDeposit`], the size limit is
	/// zero or above `ChunkSize · MaxChunks`, or a daily quota is zero.
	pub(crate) fn check_rules(r: &Rules<BalanceOf<T>>) -> DispatchResult {
		let max_file = T::ChunkSize::get().saturating_mul(T::MaxChunks::get());
		ensure!(r.deposit >= T::MinContributionDeposit::get(), Error::<T>::BadRules);
		ensure!(r.max_size > 0 && r.max_size <= max_file, Error::<T>::BadRules);
		ensure!(r.daily_bytes > 0 && r.daily_count > 0, Error::<T>::BadRules);
		Ok(())
	}

	/// Runs `f` on datanet `datanet` if `who` owns it and it is not archived.
	///
	/// # Errors
	/// `UnknownDatanet`, `NotOwner`, `Archived`, or whatever `f` returns (nothing is written
	/// then).
	pub(crate) fn mutate_owned(
		datanet: DatanetId,
		who: &T::AccountId,
		f: impl FnOnce(&mut DatanetOf<T>) -> DispatchResult,
	) -> DispatchResult {
		Datanet::<T>::try_mutate(datanet, |d| {
			let d = d.as_mut().ok_or(Error::<T>::UnknownDatanet)?;
			ensure!(d.owner == *who, Error::<T>::NotOwner);
			ensure!(d.status != DatanetStatus::Archived, Error::<T>::Archived);
			f(d)
		})
	}

	/// Creates a datanet owned by `owner`, holding [`Config::DatanetDeposit`].
	///
	/// # Errors
	/// `BadMetadata`, `BadRules`, `Overflow`, or a balance error when the deposit cannot be held.
	pub(crate) fn do_create(
		owner: T::AccountId,
		metadata: MetadataOf<T>,
		kind: DataKind,
		license: LicenseOf<T>,
		rules: Rules<BalanceOf<T>>,
	) -> DispatchResult {
		Self::check_metadata(&metadata, &license)?;
		Self::check_rules(&rules)?;
		let id = NextDatanetId::<T>::get();
		NextDatanetId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		let deposit = T::DatanetDeposit::get();
		T::Currency::hold(&HoldReason::DatanetDeposit.into(), &owner, deposit)?;
		Datanet::<T>::insert(
			id,
			DatanetInfo {
				owner: owner.clone(),
				curators: BoundedVec::new(),
				metadata,
				kind,
				license,
				rules,
				status: DatanetStatus::Open,
				version: 0,
				accepted: 0,
				accepted_bytes: 0,
				pending: 0,
				deposit,
				created: frame_system::Pallet::<T>::block_number(),
			},
		);
		Self::deposit_event(Event::DatanetCreated { datanet: id, owner, kind });
		Ok(())
	}

	/// Replaces metadata and license of `who`'s datanet.
	///
	/// # Errors
	/// `UnknownDatanet`, `NotOwner`, `Archived`, `BadMetadata`.
	pub(crate) fn do_update_metadata(
		who: T::AccountId,
		datanet: DatanetId,
		metadata: MetadataOf<T>,
		license: LicenseOf<T>,
	) -> DispatchResult {
		Self::check_metadata(&metadata, &license)?;
		Self::mutate_owned(datanet, &who, |d| {
			d.metadata = metadata;
			d.license = license;
			Ok(())
		})?;
		Self::deposit_event(Event::MetadataUpdated { datanet });
		Ok(())
	}

	/// Replaces the contribution rules of `who`'s datanet.
	///
	/// # Errors
	/// `UnknownDatanet`, `NotOwner`, `Archived`, `BadRules`.
	pub(crate) fn do_set_rules(
		who: T::AccountId,
		datanet: DatanetId,
		rules: Rules<BalanceOf<T>>,
	) -> DispatchResult {
		Self::check_rules(&rules)?;
		Self::mutate_owned(datanet, &who, |d| {
			d.rules = rules;
			Ok(())
		})?;
		Self::deposit_event(Event::RulesUpdated { datanet });
		Ok(())
	}

	/// Adds `curator` to `who`'s datanet.
	///
	/// # Errors
	/// `UnknownDatanet`, `NotOwner`, `Archived`, `AlreadyCurator`, `TooManyCurators`.
	pub(crate) fn do_add_curator(
		who: T::AccountId,
		datanet: DatanetId,
		curator: T::AccountId,
	) -> DispatchResult {
		Self::mutate_owned(datanet, &who, |d| {
			ensure!(!d.curators.contains(&curator), Error::<T>::AlreadyCurator);
			d.curators.try_push(curator.clone()).map_err(|_| Error::<T>::TooManyCurators)?;
			Ok(())
		})?;
		Self::deposit_event(Event::CuratorAdded { datanet, curator });
		Ok(())
	}

	/// Removes `curator` from `who`'s datanet.
	///
	/// # Errors
	/// `UnknownDatanet`, `NotOwner`, `Archived`, `NoSuchCurator`.
	pub(crate) fn do_remove_curator(
		who: T::AccountId,
		datanet: DatanetId,
		curator: T::AccountId,
	) -> DispatchResult {
		Self::mutate_owned(datanet, &who, |d| {
			let pos =
				d.curators.iter().position(|c| *c == curator).ok_or(Error::<T>::NoSuchCurator)?;
			d.curators.remove(pos);
			Ok(())
		})?;
		Self::deposit_event(Event::CuratorRemoved { datanet, curator });
		Ok(())
	}

	/// Allows or disallows `who` to contribute to `datanet`, on behalf of its owner or curator
	/// `caller`.
	///
	/// # Errors
	/// `UnknownDatanet`, `NotCurator`, `Archived`, `NoChange`.
	pub(crate) fn do_set_allowed(
		caller: T::AccountId,
		datanet: DatanetId,
		who: T::AccountId,
		allowed: bool,
	) -> DispatchResult {
		let d = Datanet::<T>::get(datanet).ok_or(Error::<T>::UnknownDatanet)?;
		ensure!(Self::is_curator(&d, &caller), Error::<T>::NotCurator);
		ensure!(d.status != DatanetStatus::Archived, Error::<T>::Archived);
		ensure!(Allowed::<T>::contains_key(datanet, &who) != allowed, Error::<T>::NoChange);
		if allowed {
			Allowed::<T>::insert(datanet, &who, ());
		} else {
			Allowed::<T>::remove(datanet, &who);
		}
		Self::deposit_event(Event::AllowListChanged { datanet, who, allowed });
		Ok(())
	}

	/// Moves `who`'s datanet, and its deposit, to `new_owner`.
	///
	/// # Errors
	/// `UnknownDatanet`, `NotOwner`, `Archived`, `NoChange`, or a balance error when the new
	/// owner cannot cover the deposit.
	pub(crate) fn do_transfer_ownership(
		who: T::AccountId,
		datanet: DatanetId,
		new_owner: T::AccountId,
	) -> DispatchResult {
		ensure!(who != new_owner, Error::<T>::NoChange);
		Self::mutate_owned(datanet, &who, |d| {
			let reason = HoldReason::DatanetDeposit.into();
			T::Currency::hold(&reason, &new_owner, d.deposit)?;
			T::Currency::release(&reason, &who, d.deposit, Precision::Exact)?;
			d.owner = new_owner.clone();
			Ok(())
		})?;
		Self::deposit_event(Event::OwnershipTransferred { datanet, from: who, to: new_owner });
		Ok(())
	}

	/// Freezes, reopens or archives `who`'s datanet (archiving returns the deposit).
	///
	/// # Errors
	/// `UnknownDatanet`, `NotOwner`, `Archived`, `NoChange`, `HasPending` (archiving with
	/// pending contributions or uploads).
	pub(crate) fn do_set_status(
		who: T::AccountId,
		datanet: DatanetId,
		status: DatanetStatus,
	) -> DispatchResult {
		Self::mutate_owned(datanet, &who, |d| {
			ensure!(d.status != status, Error::<T>::NoChange);
			if status == DatanetStatus::Archived {
				ensure!(d.pending == 0, Error::<T>::HasPending);
				ensure!(
					UploadByHash::<T>::iter_prefix(datanet).next().is_none(),
					Error::<T>::HasPending
				);
				T::Currency::release(
					&HoldReason::DatanetDeposit.into(),
					&d.owner,
					d.deposit,
					Precision::BestEffort,
				)?;
				d.deposit = Zero::zero();
			}
			d.status = status;
			Ok(())
		})?;
		Self::deposit_event(Event::StatusChanged { datanet, status });
		Ok(())
	}
}
