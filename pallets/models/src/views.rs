//! Reads for the runtime API.

use crate::{pallet::*, *};
use alloc::vec::Vec;
use frame::prelude::*;
use polkadot_sdk::polkadot_sdk_frame as frame;

impl<T: Config> Pallet<T> {
	fn view(id: ModelId, m: BaseModelOf<T>) -> BaseModelView<BlockNumberFor<T>> {
		BaseModelView {
			id,
			weights_hash: m.spec.weights_hash,
			name: m.spec.name.into_inner(),
			format: m.spec.format,
			tokenizer: m.spec.tokenizer,
			context_length: m.spec.context_length,
			license: m.spec.license.into_inner(),
			status: m.status,
			registered_at: m.registered_at,
		}
	}

	/// Every base model, active and retired, by id (bounded: ids are sequential and every
	/// registration is a governance decision).
	pub fn base_models() -> Vec<BaseModelView<BlockNumberFor<T>>> {
		let mut all: Vec<_> = BaseModels::<T>::iter().map(|(id, m)| Self::view(id, m)).collect();
		all.sort_by_key(|m| m.id);
		all
	}

	/// One base model.
	pub fn base_model(id: ModelId) -> Option<BaseModelView<BlockNumberFor<T>>> {
		BaseModels::<T>::get(id).map(|m| Self::view(id, m))
	}

	/// One adapter.
	pub fn adapter(hash: AdapterHash) -> Option<AdapterOf<T>> {
		Adapters::<T>::get(hash)
	}

	/// What each validator's node last announced (bounded by the validator set).
	pub fn servers() -> Vec<(T::AuthorityId, ServingOf<T>)> {
		Servers::<T>::iter().collect()
	}
}

impl<T: Config> Pallet<T> {
	/// What a request would hold now, or the error it would fail with.
	pub fn quote(
		model: ModelRef,
		datanets: &[(DatanetId, Version)],
		params: &HyperParams,
	) -> Result<BalanceOf<T>, DispatchError> {
		Self::resolve(model, datanets, params).map(|r| r.fee).map_err(Into::into)
	}

	/// One job.
	pub fn job(id: JobId) -> Option<JobOf<T>> {
		Jobs::<T>::get(id)
	}

	/// Jobs with ids from `start`, at most `limit` (capped at 256).
	pub fn jobs(start: JobId, limit: u32) -> Vec<(JobId, JobOf<T>)> {
		let end = NextJobId::<T>::get();
		(start..end)
			.take(limit.min(256) as usize)
			.filter_map(|id| Jobs::<T>::get(id).map(|j| (id, j)))
			.collect()
	}

	/// A delivered job's commitment.
	pub fn commitment(id: JobId) -> Option<CommitmentOf<T>> {
		Commitments::<T>::get(id)
	}
}
