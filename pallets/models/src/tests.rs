//! Tests by topic: registration, retirement, serving announcements (the call, the pool's
//! validation and the offchain worker with and without the AI service).

// The pool's validation is `ValidateUnsigned` (deprecated upstream; see lib.rs). Tests may
// panic on what they assert.
#![allow(
	deprecated,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate::{mock::*, *};
use codec::{Decode, Encode};
use frame::deps::sp_runtime::{
	offchain::{
		testing::{TestOffchainExt, TestTransactionPoolExt},
		OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
	},
	testing::{TestSignature, UintAuthorityId},
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
	BuildStorage, DispatchError,
};
use frame::testing_prelude::*;
use frame::traits::ValidateUnsigned;
use openledger_ai_primitives::{
	AiBackend, AiError, AiExt, EngineStatus, JobSpec, JobStatus, NoopBackend, Ticket,
};
use polkadot_sdk::polkadot_sdk_frame as frame;
use std::sync::Arc;

fn spec(n: u8) -> BaseModelSpecOf<Test> {
	BaseModelSpec {
		weights_hash: [n; 32],
		name: BoundedVec::truncate_from(b"SmolLM2-135M-Instruct Q4_1".to_vec()),
		format: ModelFormat::Gguf,
		tokenizer: TokenizerSource::Embedded,
		context_length: 8192,
		license: BoundedVec::truncate_from(b"Apache-2.0".to_vec()),
	}
}

fn register(n: u8) -> ModelId {
	let id = NextModelId::<Test>::get();
	assert_ok!(Models::register_base_model(RuntimeOrigin::root(), spec(n)));
	id
}

mod registry {
	use super::*;

	#[test]
	fn governance_registers_a_base_model() {
		run(|| {
			let id = register(7);
			assert_eq!(id, 0);
			System::assert_last_event(
				Event::<Test>::BaseModelRegistered { id: 0, weights_hash: [7; 32] }.into(),
			);
			let m = Models::base_model(0).expect("registered");
			assert_eq!(m.weights_hash, [7; 32]);
			assert_eq!(m.status, ModelStatus::Active);
			assert_eq!(m.license, b"Apache-2.0".to_vec());
			assert_eq!(Models::active_model_by_hash(&[7; 32]), Some(0));
			assert_eq!(register(8), 1);
			assert_eq!(ActiveBaseModels::<Test>::get(), 2);
		});
	}

	#[test]
	fn only_governance_registers_and_retires() {
		run(|| {
			assert_noop!(
				Models::register_base_model(RuntimeOrigin::signed(1), spec(7)),
				DispatchError::BadOrigin
			);
			register(7);
			assert_noop!(
				Models::retire_base_model(RuntimeOrigin::signed(1), 0),
				DispatchError::BadOrigin
			);
			assert_noop!(
				Models::retire_base_model(RuntimeOrigin::none(), 0),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn every_registration_error() {
		run(|| {
			register(7);
			assert_noop!(
				Models::register_base_model(RuntimeOrigin::root(), spec(7)),
				Error::<Test>::DuplicateWeights
			);
			let mut s = spec(8);
			s.name = BoundedVec::new();
			assert_noop!(
				Models::register_base_model(RuntimeOrigin::root(), s),
				Error::<Test>::EmptyName
			);
			for bad in [&b""[..], b"Apache 2.0;", b" MIT", b"MIT ", b"GPL/3"] {
				let mut s = spec(8);
				s.license = BoundedVec::truncate_from(bad.to_vec());
				assert_noop!(
					Models::register_base_model(RuntimeOrigin::root(), s),
					Error::<Test>::BadLicense
				);
			}
			let mut s = spec(8);
			s.license = BoundedVec::truncate_from(b"MIT OR (Apache-2.0)".to_vec());
			assert_ok!(Models::register_base_model(RuntimeOrigin::root(), s));
			for ctx in [0, 8193] {
				let mut s = spec(9);
				s.context_length = ctx;
				assert_noop!(
					Models::register_base_model(RuntimeOrigin::root(), s),
					Error::<Test>::BadContextLength
				);
			}
			register(9); // the third: MAX_MODELS active
			assert_noop!(
				Models::register_base_model(RuntimeOrigin::root(), spec(10)),
				Error::<Test>::TooManyModels
			);
		});
	}

	#[test]
	fn retiring_frees_a_slot_and_keeps_the_record() {
		run(|| {
			for n in 0..MAX_MODELS as u8 {
				register(n);
			}
			assert_ok!(Models::retire_base_model(RuntimeOrigin::root(), 1));
			System::assert_last_event(Event::<Test>::BaseModelRetired { id: 1 }.into());
			assert_eq!(Models::base_model(1).map(|m| m.status), Some(ModelStatus::Retired));
			assert_eq!(Models::active_model_by_hash(&[1; 32]), None);
			// the slot is free; the retired file stays registered
			assert_noop!(
				Models::register_base_model(RuntimeOrigin::root(), spec(1)),
				Error::<Test>::DuplicateWeights
			);
			assert_eq!(register(50), 3);
			assert_noop!(
				Models::retire_base_model(RuntimeOrigin::root(), 1),
				Error::<Test>::AlreadyRetired
			);
			assert_noop!(
				Models::retire_base_model(RuntimeOrigin::root(), 99),
				Error::<Test>::UnknownModel
			);
			assert_eq!(
				Models::base_models().iter().map(|m| m.id).collect::<Vec<_>>(),
				[0, 1, 2, 3]
			);
		});
	}

	#[test]
	fn genesis_registers_its_models() {
		let mut t =
			frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
		crate::GenesisConfig::<Test> { base_models: vec![spec(1), spec(2)] }
			.assimilate_storage(&mut t)
			.expect("valid genesis");
		TestState::new(t).execute_with(|| {
			assert_eq!(Models::base_models().len(), 2);
			assert_eq!(Models::active_model_by_hash(&[2; 32]), Some(1));
			check_invariants();
		});
	}
}

mod serving {
	use super::*;

	fn announcement(key: u64, models: Vec<ModelId>, block: u64) -> AnnouncementOf<Test> {
		ServingAnnouncement {
			authority: UintAuthorityId(key),
			models: BoundedVec::truncate_from(models),
			block,
		}
	}

	fn sign(a: &AnnouncementOf<Test>) -> TestSignature {
		TestSignature(a.authority.0, a.encode())
	}

	fn announce(a: AnnouncementOf<Test>) -> DispatchResult {
		let s = sign(&a);
		Models::announce_serving(RuntimeOrigin::none(), a, s)
	}

	#[test]
	fn a_validator_announces_what_it_serves() {
		run(|| {
			register(1);
			register(2);
			System::set_block_number(PERIOD);
			assert_ok!(announce(announcement(3, vec![0, 1], PERIOD)));
			System::assert_last_event(
				Event::<Test>::ServingAnnounced {
					authority: UintAuthorityId(3),
					models: vec![0, 1],
				}
				.into(),
			);
			assert_eq!(
				Servers::<Test>::get(UintAuthorityId(3)).map(|s| s.models.into_inner()),
				Some(vec![0, 1])
			);
		});
	}

	#[test]
	fn every_announcement_error() {
		run(|| {
			register(1);
			register(2);
			assert_ok!(Models::retire_base_model(RuntimeOrigin::root(), 1));
			System::set_block_number(2 * PERIOD);
			let now = 2 * PERIOD;
			assert_noop!(
				Models::announce_serving(
					RuntimeOrigin::signed(1),
					announcement(3, vec![0], now),
					sign(&announcement(3, vec![0], now))
				),
				DispatchError::BadOrigin
			);
			assert_noop!(announce(announcement(10, vec![0], now)), Error::<Test>::NotAnAuthority);
			// signed by another key
			let a = announcement(3, vec![0], now);
			let forged = TestSignature(4, a.encode());
			assert_noop!(
				Models::announce_serving(RuntimeOrigin::none(), a, forged),
				Error::<Test>::NotAnAuthority
			);
			assert_noop!(
				announce(announcement(3, vec![0], now + 1)),
				Error::<Test>::StaleAnnouncement
			);
			assert_noop!(
				announce(announcement(3, vec![0], now - PERIOD)),
				Error::<Test>::StaleAnnouncement
			);
			assert_noop!(announce(announcement(3, vec![1], now)), Error::<Test>::BadModelList); // retired
			assert_noop!(announce(announcement(3, vec![5], now)), Error::<Test>::BadModelList); // unknown
			register(3); // id 2
			assert_noop!(announce(announcement(3, vec![2, 0], now)), Error::<Test>::BadModelList);
			assert_noop!(announce(announcement(3, vec![0, 0], now)), Error::<Test>::BadModelList);
			assert_ok!(announce(announcement(3, vec![0, 2], now)));
			assert_noop!(announce(announcement(3, vec![0], now)), Error::<Test>::StaleAnnouncement);
			// a repeat once per period; a change at once
			System::set_block_number(now + 1);
			assert_noop!(
				announce(announcement(3, vec![0, 2], now + 1)),
				Error::<Test>::StaleAnnouncement
			);
			assert_ok!(announce(announcement(3, vec![0], now + 1)));
			System::set_block_number(now + 1 + PERIOD);
			assert_ok!(announce(announcement(3, vec![0], now + 1 + PERIOD)));
		});
	}

	#[test]
	fn the_pool_admits_only_valid_announcements() {
		run(|| {
			register(1);
			System::set_block_number(PERIOD);
			let a = announcement(3, vec![0], PERIOD);
			let ok =
				Call::<Test>::announce_serving { announcement: a.clone(), signature: sign(&a) };
			let v = Models::validate_unsigned(TransactionSource::External, &ok).expect("valid");
			assert_eq!(v.longevity, PERIOD);
			let forged = Call::<Test>::announce_serving {
				announcement: a.clone(),
				signature: TestSignature(4, a.encode()),
			};
			assert_eq!(
				Models::validate_unsigned(TransactionSource::External, &forged),
				Err(TransactionValidityError::Invalid(InvalidTransaction::BadProof))
			);
			let old = announcement(3, vec![0], PERIOD + 1);
			let stale = Call::<Test>::announce_serving { signature: sign(&old), announcement: old };
			assert_eq!(
				Models::validate_unsigned(TransactionSource::External, &stale),
				Err(TransactionValidityError::Invalid(InvalidTransaction::Stale))
			);
			let retire = Call::<Test>::retire_base_model { id: 0 };
			assert_eq!(
				Models::validate_unsigned(TransactionSource::External, &retire),
				Err(TransactionValidityError::Invalid(InvalidTransaction::Call))
			);
		});
	}

	/// An AI service that has loaded the models with these weights hashes.
	struct Loaded(Vec<WeightsHash>);
	impl AiBackend for Loaded {
		fn status(&self) -> Result<EngineStatus, AiError> {
			Ok(EngineStatus { models: self.0.clone(), queued: 0, running: 0, threads: 1 })
		}
		fn start_job(&self, _: JobSpec) -> Result<Ticket, AiError> {
			Err(AiError::Invalid)
		}
		fn poll(&self, _: Ticket) -> Result<JobStatus, AiError> {
			Err(AiError::Invalid)
		}
	}

	/// Runs block `n`'s offchain worker with `backend` (if any) and returns what it submitted.
	fn offchain_worker(n: u64, backend: Option<Arc<dyn AiBackend>>) -> Vec<Call<Test>> {
		offchain_worker_after(n, backend, || {})
	}

	/// The same, with `setup` run on the state first.
	fn offchain_worker_after(
		n: u64,
		backend: Option<Arc<dyn AiBackend>>,
		setup: impl FnOnce(),
	) -> Vec<Call<Test>> {
		let (offchain, _) = TestOffchainExt::new();
		let (pool, pool_state) = TestTransactionPoolExt::new();
		let mut ext = new_test_ext();
		ext.register_extension(OffchainDbExt::new(offchain.clone()));
		ext.register_extension(OffchainWorkerExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		if let Some(b) = backend {
			ext.register_extension(AiExt::new(b));
		}
		ext.execute_with(|| {
			register(1);
			register(2);
			register(3);
			assert_ok!(Models::retire_base_model(RuntimeOrigin::root(), 2));
			setup();
			System::set_block_number(n);
			// local keys: two validators' and one that is not a validator's
			UintAuthorityId::set_all_keys([4u64, 6, 42]);
			Models::offchain_worker(n);
			let calls: Vec<Call<Test>> = pool_state
				.read()
				.transactions
				.iter()
				.map(|t| {
					let xt = Extrinsic::decode(&mut &t[..]).expect("an extrinsic");
					match xt.function {
						RuntimeCall::Models(c) => c,
						other => panic!("unexpected call {other:?}"),
					}
				})
				.collect();
			// each one is what the pool admits and what the chain records
			for c in &calls {
				assert_ok!(Models::validate_unsigned(TransactionSource::Local, c));
				let Call::announce_serving { announcement, signature } = c.clone() else {
					panic!("not an announcement")
				};
				assert_ok!(Models::announce_serving(
					RuntimeOrigin::none(),
					announcement,
					signature
				));
			}
			check_invariants();
			calls
		})
	}

	#[test]
	fn the_offchain_worker_announces_the_loaded_registered_models() {
		// Loaded: model 0, model 2 (retired), and a file nobody registered.
		let backend = Arc::new(Loaded(vec![[3; 32], [1; 32], [99; 32]]));
		let calls = offchain_worker(7, Some(backend));
		let announced: Vec<(u64, Vec<ModelId>)> = calls
			.into_iter()
			.map(|c| match c {
				Call::announce_serving { announcement, .. } => {
					(announcement.authority.0, announcement.models.into_inner())
				}
				other => panic!("unexpected {other:?}"),
			})
			.collect();
		assert_eq!(announced, vec![(4, vec![0]), (6, vec![0])]);
	}

	#[test]
	fn without_the_ai_service_the_worker_sends_nothing() {
		assert!(offchain_worker(3, None).is_empty());
		assert!(offchain_worker(3, Some(Arc::new(NoopBackend))).is_empty());
	}

	#[test]
	fn the_worker_announces_when_new_changed_or_due() {
		let backend: Arc<dyn AiBackend> = Arc::new(Loaded(vec![[1; 32]]));
		let record = |models: Vec<ModelId>, block: u64| {
			move || {
				for k in [4u64, 6] {
					Servers::<Test>::insert(
						UintAuthorityId(k),
						Serving { models: BoundedVec::truncate_from(models.clone()), block },
					);
				}
			}
		};
		// no record yet: at once, whatever the block
		assert_eq!(offchain_worker(3, Some(backend.clone())).len(), 2);
		// the same list, recently: nothing
		assert!(offchain_worker_after(7, Some(backend.clone()), record(vec![0], 3)).is_empty());
		// the same list, a period old: again
		assert_eq!(offchain_worker_after(8, Some(backend.clone()), record(vec![0], 3)).len(), 2);
		// a changed list: at once
		assert_eq!(offchain_worker_after(4, Some(backend), record(vec![], 3)).len(), 2);
	}
}
