//! Fine-tune jobs: requests and their errors, the fee held and refunded, the draw of trainers,
//! accepting and delivering under deadlines, strikes and reassignment, cancellation, the pool's
//! checks and governance's terms. Every test ends with `try_state` (through `run`).

#![allow(
	deprecated,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

use crate::{mock::*, *};
use frame::deps::sp_runtime::RuntimeAppPublic;
use frame::deps::sp_runtime::{
	testing::{TestSignature, H256},
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
};
use frame::testing_prelude::*;
use frame::token::fungible::InspectHold;
use frame::traits::ValidateUnsigned;
use openledger_primitives::{fine_tune::targets, DataVersion, Fault, HyperParams, Outcome};
use polkadot_sdk::polkadot_sdk_frame as frame;

const ALICE: AccountId = 1;
const BOB: AccountId = 2;

fn base_spec() -> BaseModelSpecOf<Test> {
	BaseModelSpec {
		weights_hash: [1; 32],
		name: BoundedVec::truncate_from(b"SmolLM2-135M-Instruct Q4_1".to_vec()),
		format: ModelFormat::Gguf,
		tokenizer: TokenizerSource::Embedded,
		context_length: 2048,
		license: BoundedVec::truncate_from(b"Apache-2.0".to_vec()),
	}
}

fn params() -> HyperParams {
	HyperParams {
		rank: 8,
		alpha: 16,
		targets: targets::Q | targets::V,
		learning_rate: 1_000_000,
		epochs: 2,
		batch: 4,
		max_len: 128,
		eval_percent: 10,
		seed: 42,
	}
}

fn set_data(datanet: u32, version: u32, bytes: u64, price: Balance, licence: &str) {
	DATA.with(|d| {
		d.borrow_mut().insert(
			(datanet, version),
			DataVersion {
				owner: 9,
				commitment: [datanet as u8 + 10 * version as u8; 32],
				accepted: if bytes == 0 { 0 } else { 3 },
				bytes,
				price_per_use: price,
				licence: licence.as_bytes().to_vec(),
				text: !licence.starts_with("image:"),
			},
		)
	});
}

fn set_trainers(t: &[AccountId]) {
	TRAINERS.with(|x| *x.borrow_mut() = t.to_vec());
}

/// A request by Alice from `model` on datanet 0 version 1 with `params`.
fn request_with_model(model: ModelRef, params: HyperParams) -> DispatchResult {
	Models::request_fine_tune(
		RuntimeOrigin::signed(ALICE),
		model,
		BoundedVec::truncate_from(vec![(0, 1)]),
		params,
		10_000,
		200,
	)
}

/// Base model 0, datanet 0 version 1 (10,000 bytes, price 50) and trainers 20, 21, 22.
fn setup() {
	assert_ok!(Models::register_base_model(RuntimeOrigin::root(), base_spec()));
	set_data(0, 1, 10_000, 50, "CC-BY-4.0");
	set_trainers(&[20, 21, 22]);
}

/// The fee of the default request: base 100 + 2 × 10 KiB × 2 epochs + 50 for the data.
const FEE: Balance = 100 + 2 * 10 * 2 + 50;
/// Its delivery window: 10 + 5 × 1 MiB·epoch (rounded up).
const WINDOW: u64 = 15;

fn request_with(
	who: AccountId,
	datanets: Vec<(u32, u32)>,
	p: HyperParams,
	max_fee: Balance,
	deadline: u64,
) -> DispatchResult {
	Models::request_fine_tune(
		RuntimeOrigin::signed(who),
		ModelRef::Base(0),
		BoundedVec::truncate_from(datanets),
		p,
		max_fee,
		deadline,
	)
}

fn request() -> JobId {
	let id = NextJobId::<Test>::get();
	assert_ok!(request_with(ALICE, vec![(0, 1)], params(), FEE, 200));
	id
}

/// Runs blocks up to `n`, each with its own parent hash, calling `on_initialize`.
fn run_to(n: u64) {
	while System::block_number() < n {
		let b = System::block_number() + 1;
		System::initialize(&b, &H256::from_low_u64_be(b * 7919), &Default::default());
		Models::on_initialize(b);
	}
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::FineTuneFee.into(), &who)
}

fn state(id: JobId) -> JobState<AccountId, u64> {
	Jobs::<Test>::get(id).expect("job").state
}

fn assigned(id: JobId) -> (AccountId, u64) {
	match state(id) {
		JobState::Assigned { agent, accept_by } => (agent, accept_by),
		s => panic!("not assigned: {s:?}"),
	}
}

fn sign_accept(agent: AccountId, job: JobId, attempt: u8) -> TestSignature {
	agent_key(agent).sign(&Models::accept_message(job, attempt)).expect("test keys sign")
}

fn accept(agent: AccountId, job: JobId, attempt: u8) -> DispatchResult {
	Models::accept_job(RuntimeOrigin::none(), job, attempt, sign_accept(agent, job, attempt))
}

fn commitment(steps: u32, epochs: usize) -> CommitmentOf<Test> {
	let count = checkpoint_count(steps, checkpoint_interval(steps, 4, 8)) as usize;
	let mut epoch_adapters: Vec<[u8; 32]> = (0..epochs).map(|e| [e as u8 + 100; 32]).collect();
	if let Some(last) = epoch_adapters.last_mut() {
		*last = [0xad; 32];
	}
	TrainingCommitment {
		adapter: [0xad; 32],
		steps,
		checkpoints: BoundedVec::truncate_from((0..count).map(|i| [i as u8; 32]).collect()),
		epoch_adapters: BoundedVec::truncate_from(epoch_adapters),
		report: TrainingReport {
			eval_loss_before: 3_100_000,
			eval_loss_after: 1_200_000,
			tokens: 4_096,
			losses: BoundedVec::truncate_from(vec![2_000_000; count]),
		},
	}
}

fn deliver(agent: AccountId, job: JobId, attempt: u8, c: CommitmentOf<Test>) -> DispatchResult {
	let sig = agent_key(agent).sign(&Models::deliver_message(job, attempt, &c)).expect("signs");
	Models::deliver_job(RuntimeOrigin::none(), job, attempt, c, sig)
}

fn faults() -> Vec<(AccountId, Fault)> {
	FAULTS.with(|f| f.borrow().clone())
}

mod requesting {
	use super::*;

	#[test]
	fn a_request_holds_the_quoted_fee_and_pins_the_data() {
		run(|| {
			setup();
			set_data(3, 2, 300, 7, "Apache-2.0");
			let id = NextJobId::<Test>::get();
			// listed out of order: stored sorted by datanet
			assert_ok!(request_with(ALICE, vec![(3, 2), (0, 1)], params(), 1_000, 200));
			// 10,300 bytes round up to 11 KiB; × 2 epochs × 2 + 100 + 50 + 7
			let fee = 100 + 2 * 11 * 2 + 57;
			System::assert_last_event(
				Event::<Test>::FineTuneRequested { job: id, requester: ALICE, base: 0, fee }.into(),
			);
			assert_eq!(held(ALICE), fee);
			assert_eq!(Balances::free_balance(ALICE), 1_000_000 - fee);
			let job = Jobs::<Test>::get(id).expect("stored");
			assert_eq!(job.fee, fee);
			assert_eq!(job.data_fee, 57);
			assert_eq!(
				job.data.iter().map(|d| (d.datanet, d.version)).collect::<Vec<_>>(),
				[(0, 1), (3, 2)]
			);
			assert_eq!(job.data[0].commitment, [10; 32]);
			assert_eq!(job.data[1].accepted, 3);
			assert_eq!(job.state, JobState::Queued { draw_at: 3 });
			assert_eq!(job.checkpoint_every, 4);
			assert_eq!(Due::<Test>::get(3).into_inner(), [id]);
			let quote = Models::resolve(ModelRef::Base(0), &[(0, 1), (3, 2)], &params())
				.map(|r| r.fee)
				.ok();
			assert_eq!(quote, Some(fee), "the quote is what is held");
		});
	}

	#[test]
	fn bad_hyper_parameters_are_refused_field_by_field() {
		run(|| {
			setup();
			let cases = [
				(HyperParams { rank: 0, ..params() }, Error::<Test>::BadRank),
				(HyperParams { alpha: 0, ..params() }, Error::<Test>::BadAlpha),
				(HyperParams { targets: 0, ..params() }, Error::<Test>::BadTargets),
				(
					HyperParams { learning_rate: 200_000_000, ..params() },
					Error::<Test>::BadLearningRate,
				),
				(HyperParams { epochs: 0, ..params() }, Error::<Test>::BadEpochs),
				(HyperParams { batch: 500, ..params() }, Error::<Test>::BadBatch),
				// above the base model's 2,048-token context
				(HyperParams { max_len: 4096, ..params() }, Error::<Test>::BadMaxLen),
				(HyperParams { eval_percent: 60, ..params() }, Error::<Test>::BadEvalSplit),
			];
			for (p, e) in cases {
				assert_noop!(request_with(ALICE, vec![(0, 1)], p, 10_000, 200), e);
			}
			assert_eq!(held(ALICE), 0);
		});
	}

	#[test]
	fn models_data_and_licences_are_checked() {
		run(|| {
			setup();
			set_data(1, 1, 0, 0, "CC-BY-4.0"); // a version with no accepted data
			set_data(2, 1, 100, 0, "CC-BY-NC-4.0");
			set_data(3, 1, 100, 0, "CC-BY-ND-4.0");
			set_data(4, 1, 100, 0, "image:CC-BY-4.0"); // an image datanet
			let r = |d: Vec<(u32, u32)>| request_with(ALICE, d, params(), 10_000, 200);
			assert_noop!(r(vec![]), Error::<Test>::NoData);
			assert_noop!(r(vec![(0, 2)]), Error::<Test>::UnknownDatanetVersion);
			assert_noop!(r(vec![(1, 1)]), Error::<Test>::UnknownDatanetVersion);
			assert_noop!(r(vec![(0, 1), (0, 1)]), Error::<Test>::DuplicateDatanet);
			assert_noop!(r(vec![(2, 1)]), Error::<Test>::LicenceForbidsCommercialUse);
			assert_noop!(r(vec![(3, 1)]), Error::<Test>::LicenceForbidsDerivatives);
			assert_noop!(r(vec![(0, 1), (4, 1)]), Error::<Test>::NotTextData);
			let r = |m: ModelRef| {
				Models::request_fine_tune(
					RuntimeOrigin::signed(ALICE),
					m,
					BoundedVec::truncate_from(vec![(0, 1)]),
					params(),
					10_000,
					200,
				)
			};
			assert_noop!(r(ModelRef::Base(5)), Error::<Test>::UnknownModel);
			assert_noop!(r(ModelRef::Adapter([9; 32])), Error::<Test>::UnknownAdapter);
			let adapter = Adapter {
				base: 0,
				owner: BOB,
				lineage: Lineage { datanets: BoundedVec::new(), job: None, parent: None },
				price_per_1k_tokens: 1,
				status: AdapterStatus::Verifying,
				created_at: 1,
			};
			Adapters::<Test>::insert([9; 32], adapter.clone());
			AdaptersOf::<Test>::insert(0, [9; 32], ());
			assert_noop!(r(ModelRef::Adapter([9; 32])), Error::<Test>::AdapterNotActive);
			Adapters::<Test>::insert([9; 32], Adapter { status: AdapterStatus::Active, ..adapter });
			// continuing an adapter: its file must be where nodes can read it...
			assert_noop!(r(ModelRef::Adapter([9; 32])), Error::<Test>::UnknownAdapter);
			let file = openledger_ai_primitives::AdapterFile { content: [3; 32], size: 1_000 };
			AdapterFiles::<Test>::insert([9; 32], file);
			// ...and its shape the job's (an adapter without a job has no known shape)
			assert_noop!(r(ModelRef::Adapter([9; 32])), Error::<Test>::ParentShapeMismatch);
			assert_ok!(r(ModelRef::Base(0)));
			let lineage = Lineage { datanets: BoundedVec::new(), job: Some(0), parent: None };
			Adapters::<Test>::mutate([9; 32], |a| {
				a.as_mut().expect("inserted above").lineage = lineage;
			});
			for other in [
				HyperParams { rank: 4, ..params() },
				HyperParams { alpha: 8, ..params() },
				HyperParams { targets: targets::Q, ..params() },
			] {
				assert_noop!(
					request_with_model(ModelRef::Adapter([9; 32]), other),
					Error::<Test>::ParentShapeMismatch
				);
			}
			// the same shape with other training parameters continues it
			let faster = HyperParams { learning_rate: 2_000_000, epochs: 1, seed: 7, ..params() };
			assert_ok!(request_with_model(ModelRef::Adapter([9; 32]), faster));
			let job = Jobs::<Test>::get(1).expect("requested");
			assert_eq!((job.base, job.parent), (0, Some([9; 32])));
			let spec = Models::fine_tune_spec(1, &job).expect("a spec");
			let parent = openledger_ai_primitives::CheckpointRef {
				id: [9; 32],
				content: [3; 32],
				size: 1_000,
			};
			assert_eq!(spec.parent, Some(parent));
			assert_ok!(Models::retire_base_model(RuntimeOrigin::root(), 0));
			assert_noop!(r(ModelRef::Base(0)), Error::<Test>::ModelRetired);
			// a parent on a retired base is refused too
			assert_noop!(r(ModelRef::Adapter([9; 32])), Error::<Test>::ModelRetired);
		});
	}

	#[test]
	fn fee_deadline_and_balance_are_checked_and_nothing_is_lost() {
		run(|| {
			setup();
			assert_noop!(
				request_with(ALICE, vec![(0, 1)], params(), FEE - 1, 200),
				Error::<Test>::FeeAboveMax
			);
			// draw at 3, 3 blocks to accept, 15 to deliver: 21 is the earliest deadline
			assert_noop!(
				request_with(ALICE, vec![(0, 1)], params(), FEE, 20),
				Error::<Test>::DeadlineTooSoon
			);
			assert_ok!(request_with(ALICE, vec![(0, 1)], params(), FEE, 3 + 3 + WINDOW));
			assert_noop!(
				request_with(ALICE, vec![(0, 1)], params(), FEE, 502),
				Error::<Test>::DeadlineTooFar
			);
			// account 30 has no funds: the hold fails and nothing is stored
			assert_noop!(
				request_with(30, vec![(0, 1)], params(), FEE, 200),
				frame::deps::sp_runtime::TokenError::FundsUnavailable
			);
			assert_eq!(NextJobId::<Test>::get(), 1);
		});
	}

	#[test]
	fn a_full_deadline_bucket_moves_the_draw_to_the_next_block() {
		run(|| {
			setup();
			let ids: Vec<JobId> = (0..3).map(|_| request()).collect();
			// MaxDuePerBlock is 2 in the mock
			assert_eq!(Due::<Test>::get(3).into_inner(), ids[..2]);
			assert_eq!(state(ids[2]), JobState::Queued { draw_at: 4 });
		});
	}
}

mod assignment {
	use super::*;

	#[test]
	fn a_later_blocks_hash_draws_one_trainer() {
		run(|| {
			setup();
			let id = request();
			run_to(2);
			assert!(matches!(state(id), JobState::Queued { .. }), "not before the draw block");
			run_to(3);
			let (agent, accept_by) = assigned(id);
			assert!([20, 21, 22].contains(&agent));
			assert_eq!(accept_by, 6);
			System::assert_last_event(
				Event::<Test>::JobAssigned { job: id, agent, attempt: 1, accept_by: 6 }.into(),
			);
			assert_eq!(AgentLoad::<Test>::get(agent).map(|l| l.into_inner()), Some(vec![id]));
			assert!(HasOpenJob::<Test>::contains(&agent));
			assert_eq!(OUTCOMES.with(|o| o.borrow().clone()), [(agent, Outcome::Assigned)]);
			assert_eq!(Due::<Test>::get(7).into_inner(), [id], "acted on after the last block");
		});
	}

	#[test]
	fn the_draw_depends_on_the_seed_and_spreads_over_trainers() {
		// the same request drawn under different parent hashes picks every trainer
		let mut picked = std::collections::BTreeSet::new();
		for salt in 0..24u64 {
			new_test_ext().execute_with(|| {
				setup();
				let id = request();
				run_to(2);
				System::initialize(&3, &H256::from_low_u64_be(salt), &Default::default());
				Models::on_initialize(3);
				picked.insert(assigned(id).0);
				check_invariants();
			});
		}
		assert_eq!(picked.into_iter().collect::<Vec<_>>(), [20, 21, 22]);
	}

	#[test]
	fn busy_agents_are_left_out_and_without_trainers_the_job_waits_then_fails() {
		run(|| {
			setup();
			set_trainers(&[20]);
			let first = request();
			let second = request();
			run_to(3);
			// one job per agent: the only trainer takes one, the other waits a period
			let waiting = if assigned(first).0 == 20 { second } else { first };
			assert_eq!(state(waiting), JobState::Queued { draw_at: 6 });
			set_trainers(&[]);
			// deadline 200: it keeps waiting while an assignment could still finish in time
			run_to(200);
			assert_eq!(state(waiting), JobState::Failed(JobFailure::NoTrainer));
			assert!(System::events().iter().any(|e| e.event
				== Event::<Test>::JobFailed {
					job: waiting,
					reason: JobFailure::NoTrainer,
					refunded: FEE
				}
				.into()));
		});
	}

	#[test]
	fn a_trainer_that_does_not_accept_is_struck_and_the_job_drawn_again() {
		run(|| {
			setup();
			let id = request();
			run_to(3);
			let (first, accept_by) = assigned(id);
			run_to(accept_by);
			assert_eq!(assigned(id).0, first, "the last block to accept in is still open");
			run_to(accept_by + 1);
			assert_eq!(faults(), [(first, Fault::MissedDeadline)]);
			assert!(System::events().iter().any(|e| e.event
				== Event::<Test>::TrainerMissed { job: id, agent: first, slashed: MISS_SLASH }
					.into()));
			let (second, _) = assigned(id);
			assert_ne!(second, first, "a trainer that missed is not drawn again");
			let job = Jobs::<Test>::get(id).expect("job");
			assert_eq!((job.attempts, job.tried.into_inner()), (2, vec![first]));
			assert_eq!(AgentLoad::<Test>::get(first), None);
			assert_eq!(held(ALICE), FEE, "the fee stays held");
		});
	}

	#[test]
	fn when_every_attempt_is_missed_the_job_fails_and_the_fee_returns() {
		run(|| {
			setup();
			let id = request();
			// three attempts of 3 blocks each, then the fourth draw fails
			run_to(3 + 4 * 3);
			assert_eq!(state(id), JobState::Failed(JobFailure::TrainersMissed));
			let mut struck: Vec<AccountId> = faults().into_iter().map(|(a, _)| a).collect();
			struck.sort_unstable();
			assert_eq!(struck, [20, 21, 22]);
			assert_eq!(held(ALICE), 0);
			assert_eq!(Balances::free_balance(ALICE), 1_000_000);
			assert!(Due::<Test>::iter().next().is_none());
		});
	}
}

mod training {
	use super::*;

	#[test]
	fn the_assigned_trainer_accepts_and_delivers() {
		run(|| {
			setup();
			let id = request();
			run_to(3);
			let (agent, _) = assigned(id);
			run_to(4);
			assert_ok!(accept(agent, id, 1));
			let deliver_by = 4 + WINDOW;
			System::assert_last_event(
				Event::<Test>::JobAccepted { job: id, agent, deliver_by }.into(),
			);
			assert_eq!(state(id), JobState::Training { agent, deliver_by });
			// 10 steps at K = 4: checkpoints after steps 4, 8 and 10
			let c = commitment(10, 2);
			assert_eq!(c.checkpoints.len(), 3);
			run_to(deliver_by);
			assert_ok!(deliver(agent, id, 1, c.clone()));
			System::assert_last_event(
				Event::<Test>::JobDelivered { job: id, agent, adapter: [0xad; 32] }.into(),
			);
			assert_eq!(
				state(id),
				JobState::Delivered { agent, at: deliver_by, draw_at: deliver_by + 2 }
			);
			assert_eq!(Commitments::<Test>::get(id), Some(c));
			assert!(OUTCOMES.with(|o| o.borrow().contains(&(agent, Outcome::Completed))));
			assert!(HasOpenJob::<Test>::contains(&agent), "held until verified");
			run_to(deliver_by + 1);
			assert!(faults().is_empty());
			assert_eq!(held(ALICE), FEE);
		});
	}

	#[test]
	fn accepting_needs_the_assigned_agents_key_the_attempt_and_time() {
		run(|| {
			setup();
			let id = request();
			assert_noop!(accept(20, id, 0), Error::<Test>::WrongJobState);
			run_to(3);
			let (agent, accept_by) = assigned(id);
			let other = if agent == 20 { 21 } else { 20 };
			assert_noop!(
				Models::accept_job(RuntimeOrigin::none(), id, 1, sign_accept(other, id, 1)),
				Error::<Test>::BadAgentSignature
			);
			assert_noop!(accept(agent, id, 2), Error::<Test>::WrongJobState);
			assert_noop!(accept(agent, 7, 1), Error::<Test>::UnknownJob);
			assert_noop!(
				Models::accept_job(RuntimeOrigin::signed(agent), id, 1, sign_accept(agent, id, 1)),
				DispatchError::BadOrigin
			);
			// within the block after the last, before on_initialize has struck it
			System::set_block_number(accept_by + 1);
			assert_noop!(accept(agent, id, 1), Error::<Test>::DeadlinePassed);
		});
	}

	#[test]
	fn a_commitment_must_match_the_job() {
		run(|| {
			setup();
			let id = request();
			run_to(3);
			let (agent, _) = assigned(id);
			assert_noop!(deliver(agent, id, 1, commitment(10, 2)), Error::<Test>::WrongJobState);
			assert_ok!(accept(agent, id, 1));
			let mut short = commitment(10, 2);
			short.checkpoints.truncate(2);
			let mut losses = commitment(10, 2);
			losses.report.losses.truncate(1);
			let mut wrong_final = commitment(10, 2);
			wrong_final.adapter = [1; 32];
			for bad in [commitment(0, 2), commitment(10, 1), short, losses, wrong_final] {
				assert_noop!(deliver(agent, id, 1, bad), Error::<Test>::BadCommitment);
			}
			// 100 steps with at most 8 checkpoints: the interval widens to 13, 8 checkpoints
			assert_eq!(checkpoint_interval(100, 4, 8), 13);
			assert_ok!(deliver(agent, id, 1, commitment(100, 2)));
		});
	}

	#[test]
	fn a_trainer_that_does_not_deliver_is_struck_and_the_job_drawn_again() {
		run(|| {
			setup();
			let id = request();
			run_to(3);
			let (first, _) = assigned(id);
			assert_ok!(accept(first, id, 1));
			let deliver_by = 3 + WINDOW;
			run_to(deliver_by + 1);
			assert_eq!(faults(), [(first, Fault::MissedDeadline)]);
			let (second, _) = assigned(id);
			assert_ne!(second, first);
			assert_noop!(deliver(first, id, 1, commitment(10, 2)), Error::<Test>::WrongJobState);
		});
	}

	#[test]
	fn a_missed_delivery_with_no_time_left_fails_the_job() {
		run(|| {
			setup();
			let id = NextJobId::<Test>::get();
			assert_ok!(request_with(ALICE, vec![(0, 1)], params(), FEE, 22));
			run_to(3);
			let (agent, _) = assigned(id);
			run_to(6);
			assert_ok!(accept(agent, id, 1));
			assert_eq!(state(id), JobState::Training { agent, deliver_by: 21 });
			run_to(22);
			// no time for another trainer: the job fails and the fee returns
			assert_eq!(state(id), JobState::Failed(JobFailure::TrainersMissed));
			assert_eq!(held(ALICE), 0);
		});
	}
}

mod cancelling {
	use super::*;

	#[test]
	fn the_requester_cancels_until_a_trainer_accepts() {
		run(|| {
			setup();
			let queued = request();
			assert_noop!(
				Models::cancel_fine_tune(RuntimeOrigin::signed(BOB), queued),
				Error::<Test>::NotRequester
			);
			assert_noop!(
				Models::cancel_fine_tune(RuntimeOrigin::signed(ALICE), 9),
				Error::<Test>::UnknownJob
			);
			assert_ok!(Models::cancel_fine_tune(RuntimeOrigin::signed(ALICE), queued));
			System::assert_last_event(
				Event::<Test>::JobCancelled { job: queued, refunded: FEE }.into(),
			);
			assert_eq!(state(queued), JobState::Cancelled);
			assert_eq!(held(ALICE), 0);
			assert!(Due::<Test>::get(3).is_empty());

			let assigned_job = request();
			run_to(5);
			let (agent, _) = assigned(assigned_job);
			assert_ok!(Models::cancel_fine_tune(RuntimeOrigin::signed(ALICE), assigned_job));
			assert!(!HasOpenJob::<Test>::contains(&agent), "the agent is free, not struck");
			run_to(20);
			assert!(faults().is_empty());

			let started = request();
			run_to(22);
			let (agent, _) = assigned(started);
			assert_ok!(accept(agent, started, 1));
			assert_noop!(
				Models::cancel_fine_tune(RuntimeOrigin::signed(ALICE), started),
				Error::<Test>::TrainingStarted
			);
			assert_noop!(
				Models::cancel_fine_tune(RuntimeOrigin::signed(ALICE), queued),
				Error::<Test>::TrainingStarted
			);
			assert_eq!(held(ALICE), FEE);
			assert_eq!(Balances::free_balance(ALICE), 1_000_000 - FEE);
		});
	}
}

mod pool {
	use super::*;

	#[test]
	fn the_pool_admits_only_the_assigned_agents_signed_work() {
		run(|| {
			setup();
			let id = request();
			run_to(3);
			let (agent, _) = assigned(id);
			let call = |signer: AccountId, attempt: u8| Call::<Test>::accept_job {
				job: id,
				attempt,
				signature: sign_accept(signer, id, attempt),
			};
			let v = Models::validate_unsigned(TransactionSource::External, &call(agent, 1));
			assert!(v.is_ok(), "{v:?}");
			let other = if agent == 20 { 21 } else { 20 };
			assert_eq!(
				Models::validate_unsigned(TransactionSource::External, &call(other, 1)),
				Err(TransactionValidityError::Invalid(InvalidTransaction::BadProof))
			);
			assert_eq!(
				Models::validate_unsigned(TransactionSource::External, &call(agent, 3)),
				Err(TransactionValidityError::Invalid(InvalidTransaction::Stale))
			);
			assert_ok!(accept(agent, id, 1));
			let c = commitment(10, 2);
			let sig = agent_key(agent).sign(&Models::deliver_message(id, 1, &c)).expect("signs");
			let deliver =
				Call::<Test>::deliver_job { job: id, attempt: 1, commitment: c, signature: sig };
			assert!(Models::validate_unsigned(TransactionSource::External, &deliver).is_ok());
			let mut bad = commitment(10, 2);
			bad.checkpoints.truncate(1);
			let sig = agent_key(agent).sign(&Models::deliver_message(id, 1, &bad)).expect("signs");
			let deliver =
				Call::<Test>::deliver_job { job: id, attempt: 1, commitment: bad, signature: sig };
			assert_eq!(
				Models::validate_unsigned(TransactionSource::External, &deliver),
				Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(1)))
			);
			// a forged signature under the right key id
			let forged = TestSignature(agent_key(agent).0, b"something else".to_vec());
			let call = Call::<Test>::accept_job { job: id, attempt: 1, signature: forged };
			assert!(Models::validate_unsigned(TransactionSource::External, &call).is_err());
		});
	}
}

mod governance {
	use super::*;

	#[test]
	fn governance_sets_the_terms_within_bounds() {
		run(|| {
			let mut p = test_params();
			p.base_fee = 1;
			assert_noop!(
				Models::set_fine_tune_parameters(RuntimeOrigin::signed(ALICE), p),
				DispatchError::BadOrigin
			);
			assert_ok!(Models::set_fine_tune_parameters(RuntimeOrigin::root(), p));
			System::assert_last_event(Event::<Test>::FineTuneParametersSet { params: p }.into());
			assert_eq!(FineTuneParameters::<Test>::get(), p);
			for bad in [
				FineTuneParams { draw_delay: 1, ..p },
				FineTuneParams { accept_period: 0, ..p },
				FineTuneParams { delivery_base: 0, ..p },
				FineTuneParams { max_attempts: 0, ..p },
				FineTuneParams { max_attempts: 9, ..p },
				FineTuneParams { max_jobs_per_agent: 0, ..p },
				FineTuneParams { max_jobs_per_agent: MAX_JOBS_PER_AGENT + 1, ..p },
				FineTuneParams { checkpoint_every: 0, ..p },
				FineTuneParams { max_deadline: 14, ..p },
			] {
				assert_noop!(
					Models::set_fine_tune_parameters(RuntimeOrigin::root(), bad),
					Error::<Test>::BadParameters
				);
			}
		});
	}
}

mod maths {
	use super::*;
	use proptest::prelude::*;

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(64))]
		/// The held fee is exactly base + price × ⌈bytes / 1024⌉ × epochs + the datanets'
		/// prices, and a failed job returns every planck of it.
		#[test]
		fn the_fee_is_exact_and_returns_whole(
			bytes in proptest::collection::vec(1u64..5_000_000, 1..4),
			prices in proptest::collection::vec(0u128..1_000, 4),
			epochs in 1u16..=4,
			base in 0u128..1_000,
			per_kib in 0u128..10,
		) {
			new_test_ext().execute_with(|| {
				assert_ok!(Models::register_base_model(RuntimeOrigin::root(), base_spec()));
				let mut p = test_params();
				p.base_fee = base;
				p.price_per_kib_epoch = per_kib;
				p.max_deadline = 10_000;
				assert_ok!(Models::set_fine_tune_parameters(RuntimeOrigin::root(), p));
				for (i, b) in bytes.iter().enumerate() {
					set_data(i as u32, 1, *b, prices[i], "MIT");
				}
				let total: u64 = bytes.iter().sum();
				let expected = base
					+ per_kib * u128::from(total.div_ceil(1024)) * u128::from(epochs)
					+ prices[..bytes.len()].iter().sum::<u128>();
				let data = (0..bytes.len() as u32).map(|d| (d, 1)).collect();
				let id = NextJobId::<Test>::get();
				assert_ok!(request_with(ALICE, data, HyperParams { epochs, ..params() }, u128::MAX, 9_000));
				assert_eq!(held(ALICE), expected);
				assert_eq!(Jobs::<Test>::get(id).map(|j| j.fee), Some(expected));
				run_to(9_001); // no trainers: the job fails
				assert_eq!(held(ALICE), 0);
				assert_eq!(Balances::free_balance(ALICE), 1_000_000);
				check_invariants();
			});
		}
	}
}

#[path = "tests_verify.rs"]
mod verification;
