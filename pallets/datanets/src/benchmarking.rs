//! Benchmarks of every Datanets call (frame-benchmarking v2), each in its worst case: the
//! largest metadata, allow-list datanets, Text data (UTF-8 checked byte by byte), pending lists
//! filled to one below [`Config::MaxPending`], distinct contributors, files of
//! [`Config::MaxChunks`] chunks.
//!
//! Generate `weights.rs` with `scripts/weights` (the node's `benchmark pallet`
//! command); `cargo test -p pallet-datanets --features runtime-benchmarks` runs each benchmark
//! once against the mock runtime.
//!
//! Where a worst case would need hundreds of real contributions or megabytes of chunks in the
//! setup, the setup writes the storage those would leave (padding ids in the pending list, chunk
//! hashes of an upload): the measured call reads and writes exactly what it would in that state.

use super::*;
use alloc::{format, vec, vec::Vec};
use frame::{
	benchmarking::prelude::*,
	hashing::blake2_256,
	token::fungible::{Inspect, InspectHold, Mutate},
};

const SEED: u32 = 0;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	let plenty = T::DatanetDeposit::get()
		.saturating_add(contribution_deposit::<T>())
		.saturating_mul(1_000u32.into())
		.saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(&who, plenty);
	who
}

/// A deposit whose slashed share (10 % by default) is above the existential deposit, so a
/// rejection always moves funds to the slash beneficiary.
fn contribution_deposit<T: Config>() -> BalanceOf<T> {
	T::MinContributionDeposit::get()
		.max(T::Currency::minimum_balance().saturating_mul(100u32.into()))
}

fn bounded<S: Get<u32>>(byte: u8, len: u32) -> BoundedVec<u8, S> {
	BoundedVec::truncate_from(vec![byte; len as usize])
}

fn max_metadata<T: Config>() -> MetadataOf<T> {
	let tag = bounded::<T::MaxTagLen>(b't', T::MaxTagLen::get());
	Metadata {
		name: bounded(b'n', T::MaxNameLen::get()),
		summary: bounded(b's', T::MaxSummaryLen::get()),
		tags: BoundedVec::truncate_from(vec![tag; T::MaxTags::get() as usize]),
	}
}

fn max_license<T: Config>() -> LicenseOf<T> {
	License { spdx: bounded(b'L', T::MaxSpdxLen::get()), terms_hash: [7; 32] }
}

fn max_file<T: Config>() -> u32 {
	T::ChunkSize::get().saturating_mul(T::MaxChunks::get())
}

fn rules<T: Config>(policy: ContributionPolicy) -> Rules<BalanceOf<T>> {
	Rules {
		policy,
		deposit: contribution_deposit::<T>(),
		max_size: max_file::<T>(),
		daily_bytes: u64::MAX,
		daily_count: u32::MAX,
		price_per_use: 1u32.into(),
	}
}

/// An open Text datanet owned by a funded account, with every curator slot but one taken.
fn datanet<T: Config>(
	policy: ContributionPolicy,
) -> Result<(T::AccountId, DatanetId), BenchmarkError> {
	let owner = funded::<T>("owner", 0);
	let id = NextDatanetId::<T>::get();
	Pallet::<T>::do_create(
		owner.clone(),
		max_metadata::<T>(),
		DataKind::Text,
		max_license::<T>(),
		rules::<T>(policy),
	)?;
	let curators = (1..T::MaxCurators::get())
		.map(|i| account::<T::AccountId>("curator", i, SEED))
		.collect::<Vec<_>>();
	Datanet::<T>::mutate(id, |d| {
		if let Some(d) = d {
			d.curators = BoundedVec::truncate_from(curators);
		}
	});
	Ok((owner, id))
}

/// A contributor allowed on `id`.
fn contributor<T: Config>(id: DatanetId, index: u32) -> T::AccountId {
	let who = funded::<T>("contributor", index);
	Allowed::<T>::insert(id, &who, ());
	who
}

/// Pads the datanet's pending list (and count) to `MaxPending - free` entries with ids no
/// contribution has, so the measured call decodes and encodes a full list.
fn pad_pending<T: Config>(id: DatanetId, free: u32) {
	let target = T::MaxPending::get().saturating_sub(free);
	let mut pending = Pending::<T>::get(id);
	let mut filler = ContributionId::MAX;
	while (pending.len() as u32) < target {
		if pending.try_push(filler).is_err() {
			break;
		}
		filler = filler.saturating_sub(1);
	}
	let count = pending.len() as u32;
	Pending::<T>::insert(id, pending);
	Datanet::<T>::mutate(id, |d| {
		if let Some(d) = d {
			d.pending = count;
		}
	});
}

/// A real pending contribution of `data` from `who`; returns its id.
fn contribute_text<T: Config>(
	id: DatanetId,
	who: &T::AccountId,
	data: Vec<u8>,
) -> Result<ContributionId, BenchmarkError> {
	let next = NextContributionId::<T>::get();
	let data = BoundedVec::try_from(data)
		.map_err(|_| BenchmarkError::Stop("contribution larger than a chunk"))?;
	Pallet::<T>::contribute(RawOrigin::Signed(who.clone()).into(), id, DataKind::Text, data)?;
	Ok(next)
}

/// An upload of `size` bytes with `chunks` chunk hashes already received (the bytes themselves
/// live only in the offchain database, which the calls measured here never read).
fn upload_with_chunks<T: Config>(
	id: DatanetId,
	who: &T::AccountId,
	size: u32,
	chunks: u32,
) -> Result<(UploadId, Vec<[u8; 32]>), BenchmarkError> {
	let hashes = (0..chunks).map(|i| blake2_256(&i.to_le_bytes())).collect::<Vec<_>>();
	let hash = content_hash(size, &hashes);
	let upload = NextUploadId::<T>::get();
	Pallet::<T>::begin_upload(
		RawOrigin::Signed(who.clone()).into(),
		id,
		DataKind::Text,
		size,
		hash,
	)?;
	let received = T::ChunkSize::get().saturating_mul(chunks).min(size);
	Uploads::<T>::mutate(upload, |u| {
		if let Some(u) = u {
			u.chunk_hashes = BoundedVec::truncate_from(hashes.clone());
			u.received = received;
		}
	});
	Ok((upload, hashes))
}

fn assert_last_event<T: Config>(event: Event<T>) {
	let event: <T as Config>::RuntimeEvent = event.into();
	frame_system::Pallet::<T>::assert_last_event(event.into());
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_datanet() {
		let owner = funded::<T>("owner", 0);
		let id = NextDatanetId::<T>::get();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(owner.clone()),
			max_metadata::<T>(),
			DataKind::Text,
			max_license::<T>(),
			rules::<T>(ContributionPolicy::AllowList),
		);

		assert_last_event::<T>(Event::DatanetCreated { datanet: id, owner, kind: DataKind::Text });
	}

	#[benchmark]
	fn update_metadata() -> Result<(), BenchmarkError> {
		let (owner, id) = datanet::<T>(ContributionPolicy::Open)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, max_metadata::<T>(), max_license::<T>());

		assert_last_event::<T>(Event::MetadataUpdated { datanet: id });
		Ok(())
	}

	#[benchmark]
	fn set_rules() -> Result<(), BenchmarkError> {
		let (owner, id) = datanet::<T>(ContributionPolicy::Open)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, rules::<T>(ContributionPolicy::AllowList));

		assert_last_event::<T>(Event::RulesUpdated { datanet: id });
		Ok(())
	}

	#[benchmark]
	fn add_curator() -> Result<(), BenchmarkError> {
		let (owner, id) = datanet::<T>(ContributionPolicy::Open)?;
		let curator: T::AccountId = account("curator", u32::MAX, SEED);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, curator.clone());

		assert_last_event::<T>(Event::CuratorAdded { datanet: id, curator });
		Ok(())
	}

	#[benchmark]
	fn remove_curator() -> Result<(), BenchmarkError> {
		let (owner, id) = datanet::<T>(ContributionPolicy::Open)?;
		let last = T::MaxCurators::get().saturating_sub(1);
		let curator: T::AccountId = account("curator", last, SEED);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, curator.clone());

		assert_last_event::<T>(Event::CuratorRemoved { datanet: id, curator });
		Ok(())
	}

	#[benchmark]
	fn set_allowed() -> Result<(), BenchmarkError> {
		let (_, id) = datanet::<T>(ContributionPolicy::AllowList)?;
		// A curator at the end of the list: the longest membership check.
		let curator: T::AccountId =
			account("curator", T::MaxCurators::get().saturating_sub(1), SEED);
		let who: T::AccountId = account("contributor", 0, SEED);

		#[extrinsic_call]
		_(RawOrigin::Signed(curator), id, who.clone(), true);

		assert_last_event::<T>(Event::AllowListChanged { datanet: id, who, allowed: true });
		Ok(())
	}

	#[benchmark]
	fn transfer_ownership() -> Result<(), BenchmarkError> {
		let (owner, id) = datanet::<T>(ContributionPolicy::Open)?;
		let new_owner = funded::<T>("new owner", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner.clone()), id, new_owner.clone());

		assert_last_event::<T>(Event::OwnershipTransferred {
			datanet: id,
			from: owner,
			to: new_owner,
		});
		Ok(())
	}

	/// Archiving: the status change that also scans for uploads and releases the deposit.
	#[benchmark]
	fn set_status() -> Result<(), BenchmarkError> {
		let (owner, id) = datanet::<T>(ContributionPolicy::Open)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(owner.clone()), id, DatanetStatus::Archived);

		assert_last_event::<T>(Event::StatusChanged {
			datanet: id,
			status: DatanetStatus::Archived,
		});
		assert_eq!(
			T::Currency::balance_on_hold(&HoldReason::DatanetDeposit.into(), &owner),
			Zero::zero()
		);
		Ok(())
	}

	#[benchmark]
	fn contribute(b: Linear<1, { T::ChunkSize::get() }>) -> Result<(), BenchmarkError> {
		let (_, id) = datanet::<T>(ContributionPolicy::AllowList)?;
		let who = contributor::<T>(id, 0);
		pad_pending::<T>(id, 1);
		let data: BoundedVec<u8, T::ChunkSize> = bounded(b'a', b);
		let contribution = NextContributionId::<T>::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, DataKind::Text, data);

		let hash = Contributions::<T>::get(contribution)
			.ok_or(BenchmarkError::Stop("no contribution"))?
			.hash;
		assert_last_event::<T>(Event::Contributed {
			datanet: id,
			contribution,
			contributor: who,
			hash,
			size: b,
		});
		Ok(())
	}

	#[benchmark]
	fn begin_upload() -> Result<(), BenchmarkError> {
		let (_, id) = datanet::<T>(ContributionPolicy::AllowList)?;
		let who = contributor::<T>(id, 0);
		pad_pending::<T>(id, 1);
		let size = max_file::<T>();
		let upload = NextUploadId::<T>::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, DataKind::Text, size, [9; 32]);

		assert_last_event::<T>(Event::UploadStarted {
			upload,
			datanet: id,
			contributor: who,
			size,
		});
		Ok(())
	}

	/// The last chunk of a file of `MaxChunks` chunks, `b` bytes long.
	#[benchmark]
	fn upload_chunk(b: Linear<1, { T::ChunkSize::get() }>) -> Result<(), BenchmarkError> {
		let (_, id) = datanet::<T>(ContributionPolicy::AllowList)?;
		let who = contributor::<T>(id, 0);
		let full = T::MaxChunks::get().saturating_sub(1);
		let size = T::ChunkSize::get().saturating_mul(full).saturating_add(b);
		let (upload, _) = upload_with_chunks::<T>(id, &who, size, full)?;
		let data: BoundedVec<u8, T::ChunkSize> = bounded(b'a', b);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), upload, full, data);

		assert_last_event::<T>(Event::ChunkReceived { upload, index: full, received: size });
		Ok(())
	}

	#[benchmark]
	fn finish_upload() -> Result<(), BenchmarkError> {
		let (_, id) = datanet::<T>(ContributionPolicy::AllowList)?;
		let who = contributor::<T>(id, 0);
		pad_pending::<T>(id, 1);
		let size = max_file::<T>();
		let (upload, hashes) = upload_with_chunks::<T>(id, &who, size, T::MaxChunks::get())?;
		let contribution = NextContributionId::<T>::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), upload);

		let hash = content_hash(size, &hashes);
		assert_last_event::<T>(Event::Contributed {
			datanet: id,
			contribution,
			contributor: who,
			hash,
			size,
		});
		Ok(())
	}

	/// An expired upload of `c` received chunks, reaped by someone else.
	#[benchmark]
	fn abandon_upload(c: Linear<0, { T::MaxChunks::get() }>) -> Result<(), BenchmarkError> {
		let (_, id) = datanet::<T>(ContributionPolicy::AllowList)?;
		let who = contributor::<T>(id, 0);
		let (upload, _) = upload_with_chunks::<T>(id, &who, max_file::<T>(), c)?;
		let after = frame_system::Pallet::<T>::block_number()
			.saturating_add(T::UploadLifetime::get())
			.saturating_add(1u32.into());
		frame_system::Pallet::<T>::set_block_number(after);
		let reaper = funded::<T>("reaper", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(reaper), upload);

		assert_last_event::<T>(Event::UploadAbandoned { upload, expired: true });
		assert_eq!(
			T::Currency::balance_on_hold(&HoldReason::ContributionDeposit.into(), &who),
			Zero::zero()
		);
		Ok(())
	}

	/// `n` contributions from `n` contributors, accepted by the last curator, out of a full
	/// pending list.
	#[benchmark]
	fn accept(
		n: Linear<1, { T::MaxAcceptBatch::get().min(T::MaxPending::get()) }>,
	) -> Result<(), BenchmarkError> {
		let (_, id) = datanet::<T>(ContributionPolicy::AllowList)?;
		let mut ids = Vec::new();
		for i in 0..n {
			let who = contributor::<T>(id, i);
			ids.push(contribute_text::<T>(id, &who, format!("contribution {i}").into_bytes())?);
		}
		pad_pending::<T>(id, 0);
		let curator: T::AccountId =
			account("curator", T::MaxCurators::get().saturating_sub(1), SEED);
		let batch: BoundedVec<ContributionId, T::MaxAcceptBatch> =
			BoundedVec::truncate_from(ids.clone());

		#[extrinsic_call]
		_(RawOrigin::Signed(curator), id, batch);

		let version = Datanet::<T>::get(id).ok_or(BenchmarkError::Stop("no datanet"))?.version;
		assert_eq!(version, 1);
		let commitment =
			Versions::<T>::get(id, version).ok_or(BenchmarkError::Stop("no version"))?.commitment;
		assert_last_event::<T>(Event::Accepted {
			datanet: id,
			contributions: ids,
			version,
			commitment,
		});
		Ok(())
	}

	/// A rejected contribution the size of the largest file (the most offchain chunks to drop)
	/// out of a full pending list, with a non-zero slash.
	#[benchmark]
	fn reject() -> Result<(), BenchmarkError> {
		let (_, id) = datanet::<T>(ContributionPolicy::AllowList)?;
		let who = contributor::<T>(id, 0);
		let contribution = contribute_text::<T>(id, &who, b"to be rejected".to_vec())?;
		Contributions::<T>::mutate(contribution, |c| {
			if let Some(c) = c {
				c.size = max_file::<T>();
			}
		});
		pad_pending::<T>(id, 0);
		let curator: T::AccountId =
			account("curator", T::MaxCurators::get().saturating_sub(1), SEED);
		let slashed = ContributionSlash::<T>::get().mul_floor(contribution_deposit::<T>());

		#[extrinsic_call]
		_(RawOrigin::Signed(curator), id, contribution, RejectReason::Malformed);

		assert_last_event::<T>(Event::Rejected {
			datanet: id,
			contribution,
			reason: RejectReason::Malformed,
			slashed,
		});
		Ok(())
	}

	#[benchmark]
	fn set_contribution_slash() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let share = Perbill::from_percent(25);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, share);

		assert_last_event::<T>(Event::ContributionSlashSet { share });
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
