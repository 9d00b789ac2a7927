//! Read-only views for the runtime API.

use crate::{pallet::*, *};
use alloc::vec::Vec;
use frame::prelude::*;
use polkadot_sdk::polkadot_sdk_frame as frame;

impl<T: Config> Pallet<T> {
	/// Datanets with ids from `start`, at most `limit` of them (for the runtime API).
	pub fn datanet_views(
		start: DatanetId,
		limit: u32,
	) -> Vec<DatanetView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		let end = NextDatanetId::<T>::get();
		(start..end)
			.take(limit.min(1024) as usize)
			.filter_map(|id| Datanet::<T>::get(id).map(|d| Self::view(id, d)))
			.collect()
	}

	pub(crate) fn view(
		id: DatanetId,
		d: DatanetOf<T>,
	) -> DatanetView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> {
		DatanetView {
			id,
			owner: d.owner,
			curators: d.curators.into_inner(),
			name: d.metadata.name.into_inner(),
			summary: d.metadata.summary.into_inner(),
			tags: d.metadata.tags.into_iter().map(|t| t.into_inner()).collect(),
			kind: d.kind,
			spdx: d.license.spdx.into_inner(),
			terms_hash: d.license.terms_hash,
			rules: d.rules,
			status: d.status,
			version: d.version,
			accepted: d.accepted,
			accepted_bytes: d.accepted_bytes,
			pending: d.pending,
			created: d.created,
		}
	}

	/// Contributions of `datanet` passing `filter`, with ids from `start`, at most `limit`
	/// (for the runtime API; scans contribution ids in order).
	pub fn contributions_of(
		datanet: DatanetId,
		filter: StatusFilter,
		start: ContributionId,
		limit: u32,
	) -> Vec<(ContributionId, ContributionOf<T>)> {
		let limit = limit.min(1024) as usize;
		if filter == StatusFilter::Pending {
			return Pending::<T>::get(datanet)
				.into_iter()
				.filter(|id| *id >= start)
				.filter_map(|id| Contributions::<T>::get(id).map(|c| (id, c)))
				.take(limit)
				.collect();
		}
		let end = NextContributionId::<T>::get();
		(start..end)
			.filter_map(|id| Contributions::<T>::get(id).map(|c| (id, c)))
			.filter(|(_, c)| c.datanet == datanet && filter.matches(c.status))
			.take(limit)
			.collect()
	}
}

impl<T: Config> openledger_primitives::TrainingData<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn version(
		datanet: DatanetId,
		version: Version,
	) -> Option<openledger_primitives::DataVersion<T::AccountId, BalanceOf<T>>> {
		let d = Datanet::<T>::get(datanet)?;
		let v = Versions::<T>::get(datanet, version)?;
		Some(openledger_primitives::DataVersion {
			owner: d.owner,
			commitment: v.commitment,
			accepted: v.accepted,
			bytes: v.bytes,
			price_per_use: d.rules.price_per_use,
			licence: d.license.spdx.into_inner(),
			text: d.kind.is_text(),
		})
	}

	fn training_set(datanet: DatanetId, accepted: u32) -> Vec<openledger_primitives::TrainingItem> {
		(0..accepted)
			.map_while(|i| AcceptedAt::<T>::get(datanet, i))
			.filter_map(|id| {
				Contributions::<T>::get(id).map(|c| openledger_primitives::TrainingItem {
					contribution: id,
					hash: c.hash,
					size: c.size,
				})
			})
			.collect()
	}
}
