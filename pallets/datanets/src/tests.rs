//! Unit tests: every call's success and errors, quotas across days, chunked uploads and
//! expiry, deduplication, slashing arithmetic, version commitments.

#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects
)]

use crate::{
	content_hash, merkle, mock::*, types::*, validate, Contributions, Error, Event, HoldReason,
	LicenseOf, MetadataOf, NextContributionId, NextDatanetId, Pending, Records, Uploads, Usage,
	Versions,
};
use polkadot_sdk::polkadot_sdk_frame as frame;

use frame::{
	hashing::blake2_256,
	testing_prelude::*,
	token::fungible::{Inspect, InspectHold},
};

type E = Error<Test>;

fn bv<S: Get<u32>>(b: &[u8]) -> BoundedVec<u8, S> {
	BoundedVec::truncate_from(b.to_vec())
}

fn meta(name: &str) -> MetadataOf<Test> {
	Metadata {
		name: bv(name.as_bytes()),
		summary: bv(b"a summary"),
		tags: BoundedVec::truncate_from(vec![bv(b"llm")]),
	}
}

fn license() -> LicenseOf<Test> {
	License { spdx: bv(b"CC-BY-4.0"), terms_hash: [7; 32] }
}

fn rules(policy: ContributionPolicy) -> Rules<Balance> {
	Rules {
		policy,
		deposit: 100,
		max_size: 400,
		daily_bytes: 1_000,
		daily_count: 5,
		price_per_use: 3,
	}
}

fn create(owner: AccountId, kind: DataKind, policy: ContributionPolicy) -> DatanetId {
	let id = NextDatanetId::<Test>::get();
	assert_ok!(Datanets::create_datanet(
		RuntimeOrigin::signed(owner),
		meta("medical"),
		kind,
		license(),
		rules(policy)
	));
	id
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::ContributionDeposit.into(), &who)
}

fn contribute(who: AccountId, d: DatanetId, data: &[u8]) -> ContributionId {
	let id = NextContributionId::<Test>::get();
	assert_ok!(Datanets::contribute(RuntimeOrigin::signed(who), d, DataKind::Text, bv(data)));
	id
}

/// Content hash of `data` as the client computes it.
fn hash_of(data: &[u8]) -> ContentHash {
	let chunks: Vec<[u8; 32]> = data.chunks(CHUNK as usize).map(blake2_256).collect();
	content_hash(data.len() as u32, &chunks)
}

fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Datanets(e) = r.event { Some(e) } else { None })
		.next_back()
		.expect("an event")
}

#[test]
fn create_update_and_manage_a_datanet() {
	run(|| {
		let d = create(ALICE, DataKind::Text, ContributionPolicy::Open);
		assert_eq!(
			Balances::balance_on_hold(&HoldReason::DatanetDeposit.into(), &ALICE),
			DATANET_DEPOSIT
		);
		System::assert_last_event(
			Event::<Test>::DatanetCreated { datanet: d, owner: ALICE, kind: DataKind::Text }.into(),
		);
		let info = crate::Datanet::<Test>::get(d).unwrap();
		assert_eq!(
			(info.status, info.version, info.rules.price_per_use),
			(DatanetStatus::Open, 0, 3)
		);

		// Metadata and rules: owner only, validated.
		assert_ok!(Datanets::update_metadata(
			RuntimeOrigin::signed(ALICE),
			d,
			meta("radiology"),
			license()
		));
		assert_noop!(
			Datanets::update_metadata(RuntimeOrigin::signed(BOB), d, meta("x"), license()),
			E::NotOwner
		);
		assert_noop!(
			Datanets::update_metadata(RuntimeOrigin::signed(ALICE), d, meta(""), license()),
			E::BadMetadata
		);
		assert_noop!(
			Datanets::update_metadata(RuntimeOrigin::signed(ALICE), 9, meta("x"), license()),
			E::UnknownDatanet
		);
		let mut r = rules(ContributionPolicy::AllowList);
		assert_ok!(Datanets::set_rules(RuntimeOrigin::signed(ALICE), d, r));
		assert_eq!(
			crate::Datanet::<Test>::get(d).unwrap().rules.policy,
			ContributionPolicy::AllowList
		);
		r.deposit = 1;
		assert_noop!(Datanets::set_rules(RuntimeOrigin::signed(ALICE), d, r), E::BadRules);
		r = rules(ContributionPolicy::Open);
		r.max_size = CHUNK * 8 + 1;
		assert_noop!(Datanets::set_rules(RuntimeOrigin::signed(ALICE), d, r), E::BadRules);
		r.max_size = 10;
		r.daily_count = 0;
		assert_noop!(Datanets::set_rules(RuntimeOrigin::signed(ALICE), d, r), E::BadRules);
		assert_noop!(
			Datanets::set_rules(RuntimeOrigin::signed(BOB), d, rules(ContributionPolicy::Open)),
			E::NotOwner
		);

		// Curators.
		assert_ok!(Datanets::add_curator(RuntimeOrigin::signed(ALICE), d, BOB));
		assert_noop!(
			Datanets::add_curator(RuntimeOrigin::signed(ALICE), d, BOB),
			E::AlreadyCurator
		);
		assert_ok!(Datanets::add_curator(RuntimeOrigin::signed(ALICE), d, CHARLIE));
		assert_noop!(
			Datanets::add_curator(RuntimeOrigin::signed(ALICE), d, DAVE),
			E::TooManyCurators
		);
		assert_noop!(Datanets::add_curator(RuntimeOrigin::signed(BOB), d, DAVE), E::NotOwner);
		assert_ok!(Datanets::remove_curator(RuntimeOrigin::signed(ALICE), d, CHARLIE));
		assert_noop!(
			Datanets::remove_curator(RuntimeOrigin::signed(ALICE), d, CHARLIE),
			E::NoSuchCurator
		);

		// Allow list: owner or curator.
		assert_ok!(Datanets::set_allowed(RuntimeOrigin::signed(BOB), d, DAVE, true));
		assert_noop!(Datanets::set_allowed(RuntimeOrigin::signed(BOB), d, DAVE, true), E::NoChange);
		assert_noop!(
			Datanets::set_allowed(RuntimeOrigin::signed(DAVE), d, DAVE, false),
			E::NotCurator
		);
		assert_ok!(Datanets::set_allowed(RuntimeOrigin::signed(ALICE), d, DAVE, false));

		// Ownership moves with the deposit.
		assert_noop!(
			Datanets::transfer_ownership(RuntimeOrigin::signed(ALICE), d, ALICE),
			E::NoChange
		);
		assert!(
			Datanets::transfer_ownership(RuntimeOrigin::signed(ALICE), d, POOR).is_err(),
			"cannot cover the deposit"
		);
		assert_ok!(Datanets::transfer_ownership(RuntimeOrigin::signed(ALICE), d, CHARLIE));
		assert_eq!(Balances::balance_on_hold(&HoldReason::DatanetDeposit.into(), &ALICE), 0);
		assert_eq!(
			Balances::balance_on_hold(&HoldReason::DatanetDeposit.into(), &CHARLIE),
			DATANET_DEPOSIT
		);
		assert_eq!(crate::Datanet::<Test>::get(d).unwrap().owner, CHARLIE);

		// Status: freeze, reopen, archive (deposit back), then nothing changes.
		assert_noop!(
			Datanets::set_status(RuntimeOrigin::signed(CHARLIE), d, DatanetStatus::Open),
			E::NoChange
		);
		assert_ok!(Datanets::set_status(RuntimeOrigin::signed(CHARLIE), d, DatanetStatus::Frozen));
		assert_ok!(Datanets::set_status(
			RuntimeOrigin::signed(CHARLIE),
			d,
			DatanetStatus::Archived
		));
		assert_eq!(Balances::balance_on_hold(&HoldReason::DatanetDeposit.into(), &CHARLIE), 0);
		assert_noop!(
			Datanets::set_status(RuntimeOrigin::signed(CHARLIE), d, DatanetStatus::Open),
			E::Archived
		);
		assert_noop!(Datanets::add_curator(RuntimeOrigin::signed(CHARLIE), d, DAVE), E::Archived);
		assert_noop!(
			Datanets::set_allowed(RuntimeOrigin::signed(CHARLIE), d, DAVE, true),
			E::Archived
		);
	});
}

#[test]
fn creation_needs_the_deposit_and_valid_input() {
	run(|| {
		assert!(Datanets::create_datanet(
			RuntimeOrigin::signed(POOR),
			meta("x"),
			DataKind::Text,
			license(),
			rules(ContributionPolicy::Open)
		)
		.is_err());
		let bad_license = License { spdx: bv(b""), terms_hash: [0; 32] };
		assert_noop!(
			Datanets::create_datanet(
				RuntimeOrigin::signed(ALICE),
				meta("x"),
				DataKind::Text,
				bad_license,
				rules(ContributionPolicy::Open)
			),
			E::BadMetadata
		);
		let mut m = meta("x");
		m.tags = BoundedVec::truncate_from(vec![bv(b"")]);
		assert_noop!(
			Datanets::create_datanet(
				RuntimeOrigin::signed(ALICE),
				m,
				DataKind::Text,
				license(),
				rules(ContributionPolicy::Open)
			),
			E::BadMetadata
		);
		assert_eq!(NextDatanetId::<Test>::get(), 0);
	});
}

#[test]
fn contributions_are_validated_and_deduplicated() {
	run(|| {
		let d = create(ALICE, DataKind::Text, ContributionPolicy::Open);
		let c = contribute(BOB, d, "hello, world".as_bytes());
		let rec = Contributions::<Test>::get(c).unwrap();
		assert_eq!(rec.hash, hash_of(b"hello, world"));
		assert_eq!((rec.size, rec.status, rec.contributor), (12, ContributionStatus::Pending, BOB));
		assert_eq!(held(BOB), 100);
		assert_eq!(Pending::<Test>::get(d).into_inner(), vec![c]);
		assert_eq!(
			last_event(),
			Event::Contributed {
				datanet: d,
				contribution: c,
				contributor: BOB,
				hash: rec.hash,
				size: 12
			}
		);
		let o = |w| RuntimeOrigin::signed(w);
		assert_noop!(
			Datanets::contribute(o(CHARLIE), d, DataKind::Text, bv(b"hello, world")),
			E::Duplicate
		);
		assert_noop!(Datanets::contribute(o(BOB), d, DataKind::Text, bv(b"")), E::Empty);
		assert_noop!(
			Datanets::contribute(o(BOB), d, DataKind::Image, bv(b"\x89PNG\r\n\x1a\n")),
			E::WrongKind
		);
		assert_noop!(
			Datanets::contribute(o(BOB), d, DataKind::Text, bv(b"bad \xff utf8")),
			E::InvalidUtf8
		);
		assert_noop!(
			Datanets::contribute(o(BOB), d, DataKind::Text, bv(b"cut \xe2\x82")),
			E::InvalidUtf8
		);
		assert_noop!(Datanets::contribute(o(BOB), 7, DataKind::Text, bv(b"x")), E::UnknownDatanet);
		assert!(Datanets::contribute(o(POOR), d, DataKind::Text, bv(b"no deposit")).is_err());
		// A smaller max size.
		let mut r = rules(ContributionPolicy::Open);
		r.max_size = 5;
		assert_ok!(Datanets::set_rules(o(ALICE), d, r));
		assert_noop!(Datanets::contribute(o(BOB), d, DataKind::Text, bv(b"too long")), E::TooLarge);
		// Allow-list datanets.
		r.policy = ContributionPolicy::AllowList;
		assert_ok!(Datanets::set_rules(o(ALICE), d, r));
		assert_noop!(Datanets::contribute(o(DAVE), d, DataKind::Text, bv(b"hi")), E::NotAllowed);
		assert_ok!(Datanets::set_allowed(o(ALICE), d, DAVE, true));
		contribute(DAVE, d, b"hi");
		// Frozen datanets take nothing.
		assert_ok!(Datanets::set_status(o(ALICE), d, DatanetStatus::Frozen));
		assert_noop!(Datanets::contribute(o(DAVE), d, DataKind::Text, bv(b"hey")), E::NotOpen);
		// The same content is fine in another datanet.
		let d2 = create(ALICE, DataKind::Text, ContributionPolicy::Open);
		contribute(CHARLIE, d2, b"hello, world");
	});
}

#[test]
fn images_and_audio_need_known_magic_bytes() {
	run(|| {
		let img = create(ALICE, DataKind::Image, ContributionPolicy::Open);
		let aud = create(ALICE, DataKind::Audio, ContributionPolicy::Open);
		let o = RuntimeOrigin::signed(BOB);
		for ok in [
			&b"\x89PNG\r\n\x1a\nrest"[..],
			b"\xff\xd8\xff\xe0jpeg",
			b"GIF89a..",
			b"RIFF\0\0\0\0WEBPVP8 ",
		] {
			assert_ok!(Datanets::contribute(o.clone(), img, DataKind::Image, bv(ok)));
		}
		assert_noop!(
			Datanets::contribute(o.clone(), img, DataKind::Image, bv(b"plain text")),
			E::UnknownFormat
		);
		assert_noop!(
			Datanets::contribute(o.clone(), img, DataKind::Image, bv(b"RIFF\0\0\0\0WAVEfmt ")),
			E::UnknownFormat
		);
		for ok in [&b"RIFF\0\0\0\0WAVEfmt "[..], b"fLaC....", b"OggS....", b"ID3\x04...."] {
			assert_ok!(Datanets::contribute(o.clone(), aud, DataKind::Audio, bv(ok)));
		}
		assert_noop!(
			Datanets::contribute(o.clone(), aud, DataKind::Audio, bv(b"\x89PNG\r\n\x1a\n")),
			E::UnknownFormat
		);
	});
}

#[test]
fn quotas_are_per_day_per_contributor_per_datanet() {
	run(|| {
		let d = create(ALICE, DataKind::Text, ContributionPolicy::Open);
		let mut r = rules(ContributionPolicy::Open);
		r.daily_count = 2;
		r.daily_bytes = 30;
		assert_ok!(Datanets::set_rules(RuntimeOrigin::signed(ALICE), d, r));
		contribute(BOB, d, b"first");
		contribute(BOB, d, b"second");
		assert_noop!(
			Datanets::contribute(RuntimeOrigin::signed(BOB), d, DataKind::Text, bv(b"third")),
			E::QuotaExceeded
		);
		// Others have their own quota.
		contribute(CHARLIE, d, &[b'a'; 30]);
		assert_noop!(
			Datanets::contribute(RuntimeOrigin::signed(CHARLIE), d, DataKind::Text, bv(b"b")),
			E::QuotaExceeded
		);
		// A new day resets it.
		System::set_block_number(DAY);
		contribute(BOB, d, b"third");
		contribute(CHARLIE, d, b"b");
		assert_eq!(Usage::<Test>::get(d, BOB), DailyUsage { day: 1, bytes: 5, count: 1 });
		// Curation frees pending slots; quotas are a separate limit.
		assert_ok!(Datanets::accept(
			RuntimeOrigin::signed(ALICE),
			d,
			BoundedVec::truncate_from(vec![0, 1, 2, 3])
		));
		// Still within day 1 one block before day 2.
		System::set_block_number(2 * DAY - 1);
		contribute(BOB, d, b"fourth");
		assert_noop!(
			Datanets::contribute(RuntimeOrigin::signed(BOB), d, DataKind::Text, bv(b"fifth")),
			E::QuotaExceeded
		);
	});
}

#[test]
fn pending_is_bounded() {
	run(|| {
		let d = create(ALICE, DataKind::Text, ContributionPolicy::Open);
		for (i, who) in [BOB, BOB, BOB, CHARLIE, CHARLIE, CHARLIE].into_iter().enumerate() {
			contribute(who, d, format!("item {i}").as_bytes());
		}
		assert_noop!(
			Datanets::contribute(RuntimeOrigin::signed(DAVE), d, DataKind::Text, bv(b"seventh")),
			E::TooManyPending
		);
		assert_noop!(
			Datanets::begin_upload(RuntimeOrigin::signed(DAVE), d, DataKind::Text, 10, [1; 32]),
			E::TooManyPending
		);
	});
}

#[test]
fn chunked_upload_assembles_and_checks_the_whole_file_hash() {
	run(|| {
		let d = create(ALICE, DataKind::Text, ContributionPolicy::Open);
		// 150 bytes of text whose multibyte characters straddle chunk boundaries.
		let text: String = "Ωmega résumé 東京 ".repeat(7);
		let data = &text.as_bytes()[..150];
		let data = core::str::from_utf8(data)
			.map(|s| s.as_bytes().to_vec())
			.unwrap_or_else(|e| data[..e.valid_up_to()].to_vec());
		let size = data.len() as u32;
		let hash = hash_of(&data);
		let o = RuntimeOrigin::signed(BOB);
		assert_ok!(Datanets::begin_upload(o.clone(), d, DataKind::Text, size, hash));
		let up = 0;
		assert_eq!(held(BOB), 100);
		assert_noop!(
			Datanets::begin_upload(RuntimeOrigin::signed(CHARLIE), d, DataKind::Text, size, hash),
			E::Duplicate
		);
		let chunks: Vec<&[u8]> = data.chunks(CHUNK as usize).collect();
		assert!(chunks.len() == 3);
		// Out of order, wrong sender, wrong size.
		assert_noop!(Datanets::upload_chunk(o.clone(), up, 1, bv(chunks[1])), E::WrongChunk);
		assert_noop!(
			Datanets::upload_chunk(RuntimeOrigin::signed(CHARLIE), up, 0, bv(chunks[0])),
			E::NotUploader
		);
		assert_noop!(
			Datanets::upload_chunk(o.clone(), up, 0, bv(&chunks[0][..10])),
			E::WrongChunkSize
		);
		assert_noop!(Datanets::upload_chunk(o.clone(), 42, 0, bv(chunks[0])), E::UnknownUpload);
		for (i, c) in chunks.iter().enumerate() {
			assert_noop!(Datanets::finish_upload(o.clone(), up), E::Incomplete);
			assert_ok!(Datanets::upload_chunk(o.clone(), up, i as u32, bv(c)));
		}
		assert_noop!(Datanets::upload_chunk(o.clone(), up, 3, bv(b"x")), E::WrongChunkSize);
		let c = NextContributionId::<Test>::get();
		assert_ok!(Datanets::finish_upload(o.clone(), up));
		let rec = Contributions::<Test>::get(c).unwrap();
		assert_eq!((rec.hash, rec.size), (hash, size));
		assert!(Uploads::<Test>::get(up).is_none());
		assert_eq!(held(BOB), 100, "the deposit stays held until curation");
		// The same file cannot come again, neither whole nor chunked.
		assert_noop!(
			Datanets::begin_upload(RuntimeOrigin::signed(CHARLIE), d, DataKind::Text, size, hash),
			E::Duplicate
		);
		// A single-extrinsic contribution and a one-chunk upload of the same bytes hash alike.
		assert_eq!(hash_of(b"short"), content_hash(5, &[blake2_256(b"short")]));
	});
}

#[test]
fn a_wrong_declared_hash_is_caught_at_the_end() {
	run(|| {
		let d = create(ALICE, DataKind::Text, ContributionPolicy::Open);
		let o = RuntimeOrigin::signed(BOB);
		let data = [b'z'; 100];
		assert_ok!(Datanets::begin_upload(
			o.clone(),
			d,
			DataKind::Text,
			100,
			hash_of(b"something else")
		));
		assert_ok!(Datanets::upload_chunk(o.clone(), 0, 0, bv(&data[..64])));
		assert_ok!(Datanets::upload_chunk(o.clone(), 0, 1, bv(&data[64..])));
		assert_noop!(Datanets::finish_upload(o.clone(), 0), E::HashMismatch);
		// Invalid UTF-8 in a later chunk is refused at that chunk.
		let mut bad = vec![b'a'; 64];
		bad.extend([0xe2, 0x82]);
		let h = hash_of(&bad);
		assert_ok!(Datanets::begin_upload(o.clone(), d, DataKind::Text, bad.len() as u32, h));
		assert_ok!(Datanets::upload_chunk(o.clone(), 1, 0, bv(&bad[..64])));
		assert_noop!(Datanets::upload_chunk(o.clone(), 1, 1, bv(&bad[64..])), E::InvalidUtf8);
		// Uploads larger than the datanet allows never start.
		assert_noop!(
			Datanets::begin_upload(o.clone(), d, DataKind::Text, 401, [3; 32]),
			E::TooLarge
		);
		assert_noop!(
			Datanets::begin_upload(o.clone(), d, DataKind::Image, 10, [3; 32]),
			E::WrongKind
		);
		assert_noop!(Datanets::begin_upload(o, d, DataKind::Text, 0, [3; 32]), E::Empty);
	});
}

#[test]
fn abandoned_uploads_expire_and_return_the_deposit() {
	run(|| {
		let d = create(ALICE, DataKind::Text, ContributionPolicy::Open);
		let o = RuntimeOrigin::signed(BOB);
		assert_ok!(Datanets::begin_upload(o.clone(), d, DataKind::Text, 100, [9; 32]));
		assert_ok!(Datanets::upload_chunk(o.clone(), 0, 0, bv(&[b'q'; 64])));
		assert_noop!(Datanets::abandon_upload(RuntimeOrigin::signed(CHARLIE), 0), E::NotExpired);
		// Archiving waits for uploads too.
		assert_noop!(
			Datanets::set_status(RuntimeOrigin::signed(ALICE), d, DatanetStatus::Archived),
			E::HasPending
		);
		System::set_block_number(1 + LIFETIME + 1);
		assert_noop!(Datanets::upload_chunk(o.clone(), 0, 1, bv(&[b'q'; 36])), E::Expired);
		assert_noop!(Datanets::finish_upload(o.clone(), 0), E::Expired);
		let before = Balances::balance(&BOB);
		assert_ok!(Datanets::abandon_upload(RuntimeOrigin::signed(CHARLIE), 0));
		assert_eq!(last_event(), Event::UploadAbandoned { upload: 0, expired: true });
		assert_eq!(held(BOB), 0);
		assert_eq!(Balances::balance(&BOB), before + 100);
		assert_noop!(Datanets::abandon_upload(RuntimeOrigin::signed(CHARLIE), 0), E::UnknownUpload);
		// The uploader may cancel at any time.
		assert_ok!(Datanets::begin_upload(o.clone(), d, DataKind::Text, 10, [8; 32]));
		assert_ok!(Datanets::abandon_upload(o, 1));
		assert_eq!(last_event(), Event::UploadAbandoned { upload: 1, expired: false });
		assert_ok!(Datanets::set_status(RuntimeOrigin::signed(ALICE), d, DatanetStatus::Archived));
	});
}

#[test]
fn accepting_returns_deposits_and_advances_versions_with_commitments() {
	run(|| {
		let d = create(ALICE, DataKind::Text, ContributionPolicy::Open);
		assert_ok!(Datanets::add_curator(RuntimeOrigin::signed(ALICE), d, CHARLIE));
		let ids: Vec<ContributionId> =
			(0..5).map(|i| contribute(BOB, d, format!("sample {i}").as_bytes())).collect();
		let before = Balances::balance(&BOB);
		let batch1 = BoundedVec::truncate_from(vec![ids[2], ids[0]]);
		assert_noop!(
			Datanets::accept(RuntimeOrigin::signed(DAVE), d, batch1.clone()),
			E::NotCurator
		);
		assert_noop!(
			Datanets::accept(RuntimeOrigin::signed(CHARLIE), d, BoundedVec::new()),
			E::Empty
		);
		assert_ok!(Datanets::accept(RuntimeOrigin::signed(CHARLIE), d, batch1));
		let h = |i: usize| Contributions::<Test>::get(ids[i]).unwrap().hash;
		let v1 = Versions::<Test>::get(d, 1).unwrap();
		assert_eq!(v1.accepted, 2);
		assert_eq!(v1.bytes, 16, "two 8-byte samples");
		assert_eq!(v1.commitment, merkle::commitment_of(&[h(2), h(0)]), "acceptance order");
		assert_eq!(Balances::balance(&BOB), before + 200);
		assert_eq!(
			Contributions::<Test>::get(ids[0]).unwrap().status,
			ContributionStatus::Accepted(1)
		);
		// Curated contributions cannot be curated again; unknown or foreign ids are refused.
		assert_noop!(
			Datanets::accept(
				RuntimeOrigin::signed(ALICE),
				d,
				BoundedVec::truncate_from(vec![ids[0]])
			),
			E::NotPending
		);
		assert_noop!(
			Datanets::accept(RuntimeOrigin::signed(ALICE), d, BoundedVec::truncate_from(vec![77])),
			E::UnknownContribution
		);
		let d2 = create(ALICE, DataKind::Text, ContributionPolicy::Open);
		assert_noop!(
			Datanets::accept(
				RuntimeOrigin::signed(ALICE),
				d2,
				BoundedVec::truncate_from(vec![ids[1]])
			),
			E::UnknownContribution
		);
		// A batch failing half-way changes nothing.
		assert_noop!(
			Datanets::accept(
				RuntimeOrigin::signed(ALICE),
				d,
				BoundedVec::truncate_from(vec![ids[1], ids[0]])
			),
			E::NotPending
		);
		assert_ok!(Datanets::accept(
			RuntimeOrigin::signed(ALICE),
			d,
			BoundedVec::truncate_from(vec![ids[4], ids[1], ids[3]])
		));
		let v2 = Versions::<Test>::get(d, 2).unwrap();
		assert_eq!(v2.commitment, merkle::commitment_of(&[h(2), h(0), h(4), h(1), h(3)]));
		assert_ne!(v1.commitment, v2.commitment);
		assert_eq!(v2.bytes, 40);
		// what a fine-tune pins: the version, its size, the price and licence of the datanet
		use openledger_primitives::TrainingData;
		let pinned = <Datanets as TrainingData<_, _>>::version(d, 2).unwrap();
		assert_eq!(
			(pinned.owner, pinned.commitment, pinned.accepted, pinned.bytes),
			(ALICE, v2.commitment, 5, 40)
		);
		assert!(pinned.text, "a Text datanet can be trained on");
		let kinds = [DataKind::Text, DataKind::Image, DataKind::Audio, DataKind::Tabular];
		assert_eq!(kinds.map(DataKind::is_text), [true, false, false, true]);
		assert!(<Datanets as TrainingData<AccountId, Balance>>::version(d, 3).is_none());
		let info = crate::Datanet::<Test>::get(d).unwrap();
		assert_eq!((info.version, info.accepted, info.pending), (2, 5, 0));
		assert_eq!(Records::<Test>::get(d, BOB), ContributorRecord { accepted: 5, rejected: 0 });
		assert_eq!(held(BOB), 0);
		match last_event() {
			Event::Accepted { version, commitment, contributions, .. } => {
				assert_eq!((version, commitment), (2, v2.commitment));
				assert_eq!(contributions, vec![ids[4], ids[1], ids[3]]);
			}
			e => panic!("{e:?}"),
		}
	});
}

#[test]
fn rejecting_slashes_the_governance_share_to_the_treasury() {
	run(|| {
		let d = create(ALICE, DataKind::Text, ContributionPolicy::Open);
		let c = contribute(BOB, d, b"spam");
		let before = Balances::balance(&BOB);
		let t0 = Balances::balance(&TREASURY);
		assert_noop!(
			Datanets::reject(RuntimeOrigin::signed(DAVE), d, c, RejectReason::Malformed),
			E::NotCurator
		);
		assert_ok!(Datanets::reject(RuntimeOrigin::signed(ALICE), d, c, RejectReason::Malformed));
		// Default share 10 % of the 100 deposit.
		assert_eq!(
			last_event(),
			Event::Rejected {
				datanet: d,
				contribution: c,
				reason: RejectReason::Malformed,
				slashed: 10
			}
		);
		assert_eq!(Balances::balance(&TREASURY), t0 + 10);
		assert_eq!(Balances::balance(&BOB), before + 90);
		assert_eq!(
			Contributions::<Test>::get(c).unwrap().status,
			ContributionStatus::Rejected(RejectReason::Malformed)
		);
		assert_eq!(Records::<Test>::get(d, BOB), ContributorRecord { accepted: 0, rejected: 1 });
		assert_noop!(
			Datanets::reject(RuntimeOrigin::signed(ALICE), d, c, RejectReason::Malformed),
			E::NotPending
		);
		// Rejected content cannot be resubmitted.
		assert_noop!(
			Datanets::contribute(RuntimeOrigin::signed(BOB), d, DataKind::Text, bv(b"spam")),
			E::Duplicate
		);
		// Governance sets the share; only governance.
		assert_noop!(
			Datanets::set_contribution_slash(
				RuntimeOrigin::signed(ALICE),
				Perbill::from_percent(50)
			),
			BadOrigin
		);
		assert_ok!(Datanets::set_contribution_slash(
			RuntimeOrigin::root(),
			Perbill::from_rational(1u32, 3u32)
		));
		let c2 = contribute(CHARLIE, d, b"more spam");
		let t1 = Balances::balance(&TREASURY);
		assert_ok!(Datanets::reject(RuntimeOrigin::signed(ALICE), d, c2, RejectReason::OffTopic));
		assert_eq!(Balances::balance(&TREASURY), t1 + 33, "floor(100/3)");
		assert_eq!(held(CHARLIE), 0);
		assert_ok!(Datanets::set_contribution_slash(RuntimeOrigin::root(), Perbill::zero()));
		let c3 = contribute(DAVE, d, b"free");
		assert_ok!(Datanets::reject(RuntimeOrigin::signed(ALICE), d, c3, RejectReason::OffTopic));
		assert_eq!(Balances::balance(&TREASURY), t1 + 33);
		assert_ok!(Datanets::set_contribution_slash(RuntimeOrigin::root(), Perbill::one()));
		let c4 = contribute(DAVE, d, b"all of it");
		assert_ok!(Datanets::reject(RuntimeOrigin::signed(ALICE), d, c4, RejectReason::OffTopic));
		assert_eq!(Balances::balance(&TREASURY), t1 + 133);
	});
}

#[test]
fn pending_deposits_block_archiving_and_the_invariants_hold() {
	run(|| {
		let d = create(ALICE, DataKind::Text, ContributionPolicy::Open);
		let c = contribute(BOB, d, b"pending");
		assert_noop!(
			Datanets::set_status(RuntimeOrigin::signed(ALICE), d, DatanetStatus::Archived),
			E::HasPending
		);
		assert_ok!(Datanets::do_try_state());
		// Curation still works while frozen.
		assert_ok!(Datanets::set_status(RuntimeOrigin::signed(ALICE), d, DatanetStatus::Frozen));
		assert_ok!(Datanets::accept(
			RuntimeOrigin::signed(ALICE),
			d,
			BoundedVec::truncate_from(vec![c])
		));
		assert_ok!(Datanets::set_status(RuntimeOrigin::signed(ALICE), d, DatanetStatus::Archived));
		assert_noop!(
			Datanets::reject(RuntimeOrigin::signed(ALICE), d, c, RejectReason::Other),
			E::Archived
		);
		assert_eq!(Balances::total_balance_on_hold(&ALICE), 0);
	});
}

#[test]
fn incremental_merkle_matches_the_reference() {
	for n in [0usize, 1, 2, 3, 5, 8, 13, 33] {
		let leaves: Vec<[u8; 32]> = (0..n).map(|i| blake2_256(&i.to_le_bytes())).collect();
		let mut frontier = Vec::new();
		for (i, l) in leaves.iter().enumerate() {
			merkle::append(&mut frontier, i as u32, *l).unwrap();
		}
		assert_eq!(
			merkle::commitment(&frontier, n as u32),
			merkle::commitment_of(&leaves),
			"n = {n}"
		);
	}
}

#[test]
fn utf8_carry_works_across_chunks() {
	use validate::*;
	let s = "é東".as_bytes(); // 2 + 3 bytes
	let carry = utf8_chunk(DataKind::Text, &[], &s[..3], false).unwrap();
	assert_eq!(carry, s[2..3].to_vec());
	assert_eq!(utf8_chunk(DataKind::Text, &carry, &s[3..], true).unwrap(), Vec::<u8>::new());
	assert_eq!(utf8_chunk(DataKind::Text, &[], &s[..3], true), Err(Invalid::Utf8));
	assert_eq!(utf8_chunk(DataKind::Image, &[], &[0xff], true).unwrap(), Vec::<u8>::new());
}

#[test]
fn enum_codes_are_their_scale_encoding() {
	use codec::Encode;
	for r in [
		RejectReason::Other,
		RejectReason::OffTopic,
		RejectReason::LowQuality,
		RejectReason::Malformed,
		RejectReason::LicenseViolation,
		RejectReason::Harmful,
	] {
		assert_eq!(r.encode(), vec![r.code()]);
		assert_eq!(RejectReason::try_from(r.code()).unwrap(), r);
	}
	for k in [DataKind::Text, DataKind::Image, DataKind::Audio, DataKind::Tabular] {
		assert_eq!(DataKind::try_from(k.code()).unwrap(), k);
	}
	assert_eq!(DatanetStatus::try_from(2).unwrap(), DatanetStatus::Archived);
	assert!(RejectReason::try_from(6).is_err());
	assert!(DataKind::try_from(4).is_err());
}
