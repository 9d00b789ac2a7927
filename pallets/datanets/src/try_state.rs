//! Invariants, checked by `try-runtime` and after every unit test.

#![cfg(any(feature = "try-runtime", test))]

use crate::{pallet::*, *};
use alloc::vec::Vec;
use frame::prelude::*;
use polkadot_sdk::polkadot_sdk_frame as frame;

impl<T: Config> Pallet<T> {
	/// Invariants: every datanet's pending count matches its pending list and the contributions'
	/// states; the contribution deposits held equal the deposits of pending contributions plus
	/// open uploads; versions are consecutive with the last commitment matching the frontier; the
	/// accepted count and size match the accepted contributions; the acceptance order holds
	/// every accepted contribution once and rebuilds the commitment.
	pub fn do_try_state() -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame::token::fungible::InspectHold;
		let mut held: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, d) in Datanet::<T>::iter() {
			let pending = Pending::<T>::get(id);
			ensure!(
				pending.len() as u32 == d.pending,
				"pending count differs from the pending list"
			);
			for c in pending.iter() {
				let c = Contributions::<T>::get(c).ok_or("pending contribution missing")?;
				ensure!(
					c.status == ContributionStatus::Pending && c.datanet == id,
					"pending list holds a curated contribution"
				);
				let e = held.entry(c.contributor.clone()).or_insert_with(Zero::zero);
				*e = e.saturating_add(c.deposit);
			}
			// The acceptance order holds each accepted contribution once, at positions
			// `0..accepted`, and its hashes rebuild the commitment.
			let mut frontier = Vec::new();
			for i in 0..d.accepted {
				let c = AcceptedAt::<T>::get(id, i)
					.and_then(Contributions::<T>::get)
					.ok_or("acceptance order has a gap")?;
				ensure!(
					c.datanet == id && matches!(c.status, ContributionStatus::Accepted(_)),
					"acceptance order holds a contribution that is not accepted here"
				);
				merkle::append(&mut frontier, i, c.hash)
					.map_err(|_| "acceptance order too long")?;
			}
			ensure!(
				AcceptedAt::<T>::iter_prefix(id).count() as u32 == d.accepted,
				"acceptance order longer than the accepted count"
			);
			ensure!(
				merkle::commitment(&frontier, d.accepted)
					== merkle::commitment(&Frontier::<T>::get(id), d.accepted),
				"acceptance order does not rebuild the commitment"
			);
			if d.version > 0 {
				let v = Versions::<T>::get(id, d.version).ok_or("latest version missing")?;
				ensure!(v.accepted == d.accepted, "latest version count differs");
				ensure!(v.bytes == d.accepted_bytes, "latest version size differs");
				ensure!(
					v.commitment == merkle::commitment(&Frontier::<T>::get(id), d.accepted),
					"commitment differs from frontier"
				);
			}
			ensure!(
				Versions::<T>::iter_prefix(id).count() as u32 == d.version,
				"versions are not consecutive"
			);
		}
		let mut accepted: BTreeMap<DatanetId, (u32, u64)> = BTreeMap::new();
		for (_, c) in Contributions::<T>::iter() {
			if matches!(c.status, ContributionStatus::Accepted(_)) {
				let e = accepted.entry(c.datanet).or_default();
				*e = (e.0.saturating_add(1), e.1.saturating_add(c.size.into()));
			}
		}
		for (id, d) in Datanet::<T>::iter() {
			ensure!(
				accepted.get(&id).copied().unwrap_or_default() == (d.accepted, d.accepted_bytes),
				"accepted count or size differs from the accepted contributions"
			);
		}
		for (_, u) in Uploads::<T>::iter() {
			let e = held.entry(u.contributor.clone()).or_insert_with(Zero::zero);
			*e = e.saturating_add(u.deposit);
		}
		for (who, amount) in held {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ContributionDeposit.into(), &who)
					== amount,
				"contribution deposits held differ from pending contributions and uploads"
			);
		}
		Ok(())
	}
}
