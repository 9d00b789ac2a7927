//! Chunked uploads of files larger than one chunk: begin, chunks in order, finish (hash
//! checked), or abandon (by the uploader, or by anyone after expiry).

use crate::{pallet::*, *};
use frame::{prelude::*, token::fungible::MutateHold as _};
use polkadot_sdk::polkadot_sdk_frame as frame;

impl<T: Config> Pallet<T> {
	/// Starts `who`'s upload of a `size`-byte file with content hash `hash` to `datanet`,
	/// holding the deposit and charging the quota.
	///
	/// # Errors
	/// As [`Pallet::do_contribute`], plus `TooLarge` beyond `ChunkSize · MaxChunks`.
	pub(crate) fn do_begin_upload(
		who: T::AccountId,
		datanet: DatanetId,
		kind: DataKind,
		size: u32,
		hash: ContentHash,
	) -> DispatchResult {
		let d = Self::check_can_contribute(datanet, &who, kind, size)?;
		let max_file = T::ChunkSize::get().saturating_mul(T::MaxChunks::get());
		ensure!(size <= max_file, Error::<T>::TooLarge);
		ensure!(!ByHash::<T>::contains_key(datanet, hash), Error::<T>::Duplicate);
		ensure!(!UploadByHash::<T>::contains_key(datanet, hash), Error::<T>::Duplicate);
		Self::charge_quota(datanet, &who, &d, size)?;
		T::Currency::hold(&HoldReason::ContributionDeposit.into(), &who, d.rules.deposit)?;
		let id = NextUploadId::<T>::get();
		NextUploadId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		let now = frame_system::Pallet::<T>::block_number();
		Uploads::<T>::insert(
			id,
			Upload {
				contributor: who.clone(),
				datanet,
				kind,
				size,
				hash,
				chunk_hashes: BoundedVec::new(),
				received: 0,
				utf8_carry: BoundedVec::new(),
				deposit: d.rules.deposit,
				expires: now.saturating_add(T::UploadLifetime::get()),
			},
		);
		UploadByHash::<T>::insert(datanet, hash, id);
		Self::deposit_event(Event::UploadStarted { upload: id, datanet, contributor: who, size });
		Ok(())
	}

	/// Stores chunk `index` of `who`'s upload offchain.
	///
	/// # Errors
	/// `UnknownUpload`, `NotUploader`, `Expired`, `WrongChunk`, `WrongChunkSize`,
	/// `InvalidUtf8`, `UnknownFormat`.
	pub(crate) fn do_upload_chunk(
		who: T::AccountId,
		upload: UploadId,
		index: u32,
		data: BoundedVec<u8, T::ChunkSize>,
	) -> DispatchResult {
		let received = Uploads::<T>::try_mutate(upload, |u| -> Result<u32, DispatchError> {
			let u = u.as_mut().ok_or(Error::<T>::UnknownUpload)?;
			ensure!(u.contributor == who, Error::<T>::NotUploader);
			ensure!(frame_system::Pallet::<T>::block_number() <= u.expires, Error::<T>::Expired);
			ensure!(index as usize == u.chunk_hashes.len(), Error::<T>::WrongChunk);
			let len = data.len() as u32;
			let received = u.received.checked_add(len).ok_or(Error::<T>::WrongChunkSize)?;
			let last = received == u.size;
			ensure!(len > 0 && received <= u.size, Error::<T>::WrongChunkSize);
			ensure!(last || len == T::ChunkSize::get(), Error::<T>::WrongChunkSize);
			if index == 0 {
				validate::first_bytes(u.kind, &data).map_err(Error::<T>::from)?;
			}
			let carry = validate::utf8_chunk(u.kind, &u.utf8_carry, &data, last)
				.map_err(Error::<T>::from)?;
			u.utf8_carry = BoundedVec::truncate_from(carry);
			u.chunk_hashes.try_push(chunk_hash(&data)).map_err(|_| Error::<T>::WrongChunkSize)?;
			u.received = received;
			frame::deps::sp_io::offchain_index::set(&chunk_key(&u.hash, index), &data);
			Ok(received)
		})?;
		Self::deposit_event(Event::ChunkReceived { upload, index, received });
		Ok(())
	}

	/// Completes `who`'s upload after checking the whole-file hash.
	///
	/// # Errors
	/// `UnknownUpload`, `NotUploader`, `Expired`, `Incomplete`, `HashMismatch`,
	/// `TooManyPending`, `Overflow`.
	pub(crate) fn do_finish_upload(who: T::AccountId, upload: UploadId) -> DispatchResult {
		let u = Uploads::<T>::get(upload).ok_or(Error::<T>::UnknownUpload)?;
		ensure!(u.contributor == who, Error::<T>::NotUploader);
		ensure!(frame_system::Pallet::<T>::block_number() <= u.expires, Error::<T>::Expired);
		ensure!(u.received == u.size && u.utf8_carry.is_empty(), Error::<T>::Incomplete);
		ensure!(content_hash(u.size, &u.chunk_hashes) == u.hash, Error::<T>::HashMismatch);
		Uploads::<T>::remove(upload);
		UploadByHash::<T>::remove(u.datanet, u.hash);
		Self::complete(
			u.datanet,
			who,
			u.hash,
			u.size,
			u.kind,
			u.deposit,
			u.chunk_hashes.len() as u32,
		)
	}

	/// Drops an upload (`who` is its uploader, or anyone after expiry); the deposit returns.
	///
	/// # Errors
	/// `UnknownUpload`, `NotExpired`.
	pub(crate) fn do_abandon_upload(who: T::AccountId, upload: UploadId) -> DispatchResult {
		let u = Uploads::<T>::get(upload).ok_or(Error::<T>::UnknownUpload)?;
		let expired = frame_system::Pallet::<T>::block_number() > u.expires;
		ensure!(who == u.contributor || expired, Error::<T>::NotExpired);
		T::Currency::release(
			&HoldReason::ContributionDeposit.into(),
			&u.contributor,
			u.deposit,
			Precision::BestEffort,
		)?;
		for i in 0..u.chunk_hashes.len() as u32 {
			frame::deps::sp_io::offchain_index::clear(&chunk_key(&u.hash, i));
		}
		Uploads::<T>::remove(upload);
		UploadByHash::<T>::remove(u.datanet, u.hash);
		Self::deposit_event(Event::UploadAbandoned { upload, expired });
		Ok(())
	}
}
