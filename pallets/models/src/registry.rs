//! Base models: registration and retirement (governance only).

use crate::{pallet::*, *};
use frame::prelude::*;
use polkadot_sdk::polkadot_sdk_frame as frame;

impl<T: Config> Pallet<T> {
	/// Registers `spec` under the next id.
	///
	/// # Errors
	/// `DuplicateWeights` when the weights hash is registered already (retired included),
	/// `EmptyName`, `BadLicense` (not an SPDX expression), `BadContextLength` (zero or above
	/// `MaxContextLength`), `TooManyModels` (`MaxBaseModels` active already).
	pub(crate) fn do_register(spec: BaseModelSpecOf<T>) -> DispatchResult {
		ensure!(!ModelByHash::<T>::contains_key(spec.weights_hash), Error::<T>::DuplicateWeights);
		ensure!(!spec.name.is_empty(), Error::<T>::EmptyName);
		ensure!(spec.license_is_spdx(), Error::<T>::BadLicense);
		ensure!(
			spec.context_length > 0 && spec.context_length <= T::MaxContextLength::get(),
			Error::<T>::BadContextLength
		);
		let active = ActiveBaseModels::<T>::get();
		ensure!(active < T::MaxBaseModels::get(), Error::<T>::TooManyModels);
		let id = NextModelId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::TooManyModels)?;
		ModelByHash::<T>::insert(spec.weights_hash, id);
		BaseModels::<T>::insert(
			id,
			BaseModel {
				spec,
				status: ModelStatus::Active,
				registered_at: frame_system::Pallet::<T>::block_number(),
			},
		);
		NextModelId::<T>::put(next);
		ActiveBaseModels::<T>::put(active.saturating_add(1));
		Ok(())
	}

	/// Retires base model `id`.
	///
	/// # Errors
	/// `UnknownModel`, `AlreadyRetired`.
	pub(crate) fn do_retire(id: ModelId) -> DispatchResult {
		BaseModels::<T>::try_mutate(id, |m| -> DispatchResult {
			let m = m.as_mut().ok_or(Error::<T>::UnknownModel)?;
			ensure!(m.status == ModelStatus::Active, Error::<T>::AlreadyRetired);
			m.status = ModelStatus::Retired;
			ActiveBaseModels::<T>::mutate(|n| *n = n.saturating_sub(1));
			Ok(())
		})
	}

	/// The active base model registered with `hash`, if any.
	pub fn active_model_by_hash(hash: &WeightsHash) -> Option<ModelId> {
		let id = ModelByHash::<T>::get(hash)?;
		let m = BaseModels::<T>::get(id)?;
		(m.status == ModelStatus::Active).then_some(id)
	}
}
