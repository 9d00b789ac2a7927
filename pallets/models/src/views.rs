//! Reads for the runtime API.

use crate::{pallet::*, *};
use alloc::vec::Vec;
use frame::prelude::*;
use openledger_primitives::TrainingData;
use polkadot_sdk::polkadot_sdk_frame as frame;

/// Most generations [`Pallet::lineage`] walks (a model, its parent, …).
pub const MAX_LINEAGE_DEPTH: u32 = 64;

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

	/// The adapters of base model `base`, any status (bounded by what governance and paid
	/// fine-tunes registered; read by nodes and explorers, never by a call).
	pub fn adapters_of(base: ModelId) -> Vec<(AdapterHash, AdapterOf<T>)> {
		AdaptersOf::<T>::iter_key_prefix(base)
			.filter_map(|hash| Adapters::<T>::get(hash).map(|a| (hash, a)))
			.collect()
	}

	/// The lineage of adapter `hash`: each generation with the exact contributions of the
	/// datanet versions it was trained on, up through its parents, and all of them together.
	/// `None` for an unknown adapter. The walk stops after [`MAX_LINEAGE_DEPTH`] generations
	/// and says so in `truncated`.
	pub fn lineage(hash: AdapterHash) -> Option<LineageView> {
		let first = Adapters::<T>::get(hash)?;
		let base = first.base;
		let mut generations = Vec::new();
		let mut all = Vec::new();
		let mut next = Some((hash, first));
		while let Some((adapter, record)) = next.take() {
			let data: Vec<DataUsed> = record
				.lineage
				.datanets
				.iter()
				.map(|&(datanet, version)| {
					let accepted =
						T::TrainingData::version(datanet, version).map_or(0, |v| v.accepted);
					let contributions: Vec<_> = T::TrainingData::training_set(datanet, accepted)
						.into_iter()
						.map(|item| item.contribution)
						.collect();
					all.extend_from_slice(&contributions);
					DataUsed { datanet, version, contributions }
				})
				.collect();
			generations.push(Generation { adapter, job: record.lineage.job, data });
			next = record.lineage.parent.and_then(|p| Adapters::<T>::get(p).map(|a| (p, a)));
			if generations.len() >= MAX_LINEAGE_DEPTH as usize {
				break;
			}
		}
		all.sort_unstable();
		all.dedup();
		Some(LineageView { base, generations, contributions: all, truncated: next.is_some() })
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

/// Prices for paid inference (`pallet-inference`): an active fine-tuned model at its owner's
/// price, its owner paid the model owner's share; an active base model at
/// [`Config::BasePricePer1k`], with no owner account (governance registers base models).
impl<T: Config> openledger_primitives::ModelPrices<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn price(
		model: &openledger_primitives::ServedModel,
	) -> Option<openledger_primitives::ModelPrice<T::AccountId, BalanceOf<T>>> {
		use openledger_primitives::{ModelPrice, ServedModel};
		match model {
			ServedModel::Base(id) => {
				BaseModels::<T>::get(id).filter(|m| m.status == ModelStatus::Active)?;
				Some(ModelPrice { base: *id, per_1k_tokens: T::BasePricePer1k::get(), owner: None })
			}
			ServedModel::Adapter(hash) => {
				let a = Adapters::<T>::get(hash).filter(|a| a.status == AdapterStatus::Active)?;
				Some(ModelPrice {
					base: a.base,
					per_1k_tokens: a.price_per_1k_tokens,
					owner: Some(a.owner),
				})
			}
		}
	}
}
