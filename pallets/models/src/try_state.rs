//! Invariants, checked by `try-runtime` and after every unit test.

#![cfg(any(feature = "try-runtime", test))]

use crate::{pallet::*, *};
use frame::prelude::*;
use polkadot_sdk::polkadot_sdk_frame as frame;

impl<T: Config> Pallet<T> {
	/// Invariants: the hash index and the base models match one to one, ids are below
	/// `NextModelId`, the active count is right and within `MaxBaseModels`; every adapter's
	/// base exists and is listed under it; every serving record lists only existing models,
	/// sorted without repeats.
	pub fn do_try_state() -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
		let next = NextModelId::<T>::get();
		let mut active = 0u32;
		let mut count = 0usize;
		for (id, m) in BaseModels::<T>::iter() {
			ensure!(id < next, "a base model id is not below NextModelId");
			ensure!(
				ModelByHash::<T>::get(m.spec.weights_hash) == Some(id),
				"a base model is missing from the hash index"
			);
			if m.status == ModelStatus::Active {
				active = active.saturating_add(1);
			}
			count = count.saturating_add(1);
		}
		ensure!(ModelByHash::<T>::iter().count() == count, "the hash index has stale entries");
		ensure!(ActiveBaseModels::<T>::get() == active, "ActiveBaseModels is wrong");
		ensure!(active <= T::MaxBaseModels::get(), "more active base models than MaxBaseModels");
		let mut listed = 0usize;
		for (hash, a) in Adapters::<T>::iter() {
			ensure!(BaseModels::<T>::contains_key(a.base), "an adapter's base model is missing");
			ensure!(AdaptersOf::<T>::contains_key(a.base, hash), "an adapter is not listed");
			listed = listed.saturating_add(1);
		}
		ensure!(AdaptersOf::<T>::iter().count() == listed, "the adapter list has stale entries");
		for (_, s) in Servers::<T>::iter() {
			ensure!(
				s.models.windows(2).all(|w| matches!(w, [x, y] if x < y)),
				"a serving record is not sorted"
			);
			ensure!(
				s.models.iter().all(BaseModels::<T>::contains_key),
				"a serving record names an unknown model"
			);
		}
		Ok(())
	}
}
