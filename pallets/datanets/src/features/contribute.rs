//! Contributing in one extrinsic, and what every completed contribution goes through: the
//! datanet's checks, the daily quota, and queueing for curation.

use crate::{pallet::*, *};
use frame::{prelude::*, token::fungible::MutateHold as _};
use polkadot_sdk::polkadot_sdk_frame as frame;

impl<T: Config> Pallet<T> {
	/// Contributes `data` (at most one chunk) to `datanet` as `who`, holding the deposit.
	///
	/// # Errors
	/// `UnknownDatanet`, `NotOpen`, `NotAllowed`, `Empty`, `TooLarge`, `WrongKind`,
	/// `InvalidUtf8`, `UnknownFormat`, `Duplicate`, `QuotaExceeded`, `TooManyPending`,
	/// `Overflow`, or a balance error for the deposit.
	pub(crate) fn do_contribute(
		who: T::AccountId,
		datanet: DatanetId,
		kind: DataKind,
		data: BoundedVec<u8, T::ChunkSize>,
	) -> DispatchResult {
		let size = data.len() as u32;
		let d = Self::check_can_contribute(datanet, &who, kind, size)?;
		validate::first_bytes(kind, &data).map_err(Error::<T>::from)?;
		validate::utf8_chunk(kind, &[], &data, true).map_err(Error::<T>::from)?;
		let hash = content_hash(size, &[chunk_hash(&data)]);
		ensure!(!ByHash::<T>::contains_key(datanet, hash), Error::<T>::Duplicate);
		ensure!(!UploadByHash::<T>::contains_key(datanet, hash), Error::<T>::Duplicate);
		Self::charge_quota(datanet, &who, &d, size)?;
		T::Currency::hold(&HoldReason::ContributionDeposit.into(), &who, d.rules.deposit)?;
		frame::deps::sp_io::offchain_index::set(&chunk_key(&hash, 0), &data);
		Self::complete(datanet, who, hash, size, kind, d.rules.deposit, 1)
	}

	/// The datanet, if `who` may contribute `size` bytes of `kind` to it now.
	///
	/// # Errors
	/// `UnknownDatanet`, `NotOpen`, `NotAllowed`, `Empty`, `TooLarge`, `WrongKind`,
	/// `TooManyPending`.
	pub(crate) fn check_can_contribute(
		datanet: DatanetId,
		who: &T::AccountId,
		kind: DataKind,
		size: u32,
	) -> Result<DatanetOf<T>, DispatchError> {
		let d = Datanet::<T>::get(datanet).ok_or(Error::<T>::UnknownDatanet)?;
		ensure!(d.status == DatanetStatus::Open, Error::<T>::NotOpen);
		if d.rules.policy == ContributionPolicy::AllowList {
			ensure!(Allowed::<T>::contains_key(datanet, who), Error::<T>::NotAllowed);
		}
		ensure!(size > 0, Error::<T>::Empty);
		ensure!(size <= d.rules.max_size, Error::<T>::TooLarge);
		ensure!(kind == d.kind, Error::<T>::WrongKind);
		ensure!((d.pending as usize) < T::MaxPending::get() as usize, Error::<T>::TooManyPending);
		Ok(d)
	}

	/// The current quota day.
	pub fn today() -> u32 {
		let now = frame_system::Pallet::<T>::block_number();
		let day = now.checked_div(&T::BlocksPerDay::get()).unwrap_or_default();
		day.saturated_into::<u32>()
	}

	/// Charges `size` bytes and one contribution to `who`'s quota in `datanet` today.
	///
	/// # Errors
	/// `QuotaExceeded` (nothing is charged then).
	pub(crate) fn charge_quota(
		datanet: DatanetId,
		who: &T::AccountId,
		d: &DatanetOf<T>,
		size: u32,
	) -> DispatchResult {
		let today = Self::today();
		Usage::<T>::try_mutate(datanet, who, |u| {
			if u.day != today {
				*u = DailyUsage { day: today, bytes: 0, count: 0 };
			}
			let bytes = u.bytes.saturating_add(u64::from(size));
			let count = u.count.saturating_add(1);
			ensure!(
				bytes <= d.rules.daily_bytes && count <= d.rules.daily_count,
				Error::<T>::QuotaExceeded
			);
			u.bytes = bytes;
			u.count = count;
			Ok(())
		})
	}

	/// Records a complete contribution as pending and writes its manifest offchain.
	///
	/// # Errors
	/// `Overflow`, `TooManyPending`, `UnknownDatanet`.
	pub(crate) fn complete(
		datanet: DatanetId,
		contributor: T::AccountId,
		hash: ContentHash,
		size: u32,
		kind: DataKind,
		deposit: BalanceOf<T>,
		chunks: u32,
	) -> DispatchResult {
		let id = NextContributionId::<T>::get();
		NextContributionId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		Pending::<T>::try_mutate(datanet, |p| p.try_push(id))
			.map_err(|_| Error::<T>::TooManyPending)?;
		Datanet::<T>::try_mutate(datanet, |d| -> DispatchResult {
			let d = d.as_mut().ok_or(Error::<T>::UnknownDatanet)?;
			d.pending = d.pending.saturating_add(1);
			Ok(())
		})?;
		Contributions::<T>::insert(
			id,
			Contribution {
				datanet,
				contributor: contributor.clone(),
				hash,
				size,
				kind,
				status: ContributionStatus::Pending,
				deposit,
				block: frame_system::Pallet::<T>::block_number(),
			},
		);
		ByHash::<T>::insert(datanet, hash, id);
		frame::deps::sp_io::offchain_index::set(
			&file_key(&hash),
			&FileManifest { size, chunks }.encode(),
		);
		Self::deposit_event(Event::Contributed {
			datanet,
			contribution: id,
			contributor,
			hash,
			size,
		});
		Ok(())
	}
}
