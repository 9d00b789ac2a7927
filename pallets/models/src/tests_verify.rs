//! Verification by refereed replay: the draw of verifiers and segments, the chunked uploads and
//! their errors, verdicts and their errors, the round's rule (registration, dispute, fault,
//! stall), slashing and reopening, the verifiers' records, pruning, and the pool's checks.
//! A child of `tests_fine_tune`, whose helpers it uses; every test ends with `try_state`.

use super::*;
use frame::deps::sp_runtime::testing::UintAuthorityId;
use openledger_ai_primitives::ReplayVerdict;
use openledger_primitives::content_hash_of;

/// Validators 1 to 4 (accounts 1 to 4), trainers 20–22: a job delivered with 10 steps
/// (checkpoints `[0]`, `[1]`, `[2]` after steps 4, 8, 10) and 2 epochs (adapters `[100]` and
/// the final `[0xad]`), its verifiers drawn. Returns the job, its trainer and the block the
/// round ends after.
fn drawn() -> (JobId, AccountId, u64) {
	setup();
	let id = request();
	run_to(3);
	let (agent, _) = assigned(id);
	assert_ok!(accept(agent, id, 1));
	assert_ok!(deliver(agent, id, 1, commitment(10, 2)));
	run_to(5);
	let JobState::Verifying { verify_by, round: 0, .. } = state(id) else {
		panic!("not verifying: {:?}", state(id))
	};
	(id, agent, verify_by)
}

/// The test bytes of file `f`: 20 bytes, three chunks of 8, 8 and 4.
fn bytes_of(f: &[u8; 32]) -> Vec<u8> {
	(0..20u8).map(|i| f[0].wrapping_add(i)).collect()
}

fn chunk_call(
	agent: AccountId,
	id: JobId,
	file: [u8; 32],
	bytes: &[u8],
	index: u32,
) -> (UploadChunk, ChunkOf<Test>, TestSignature) {
	let content = content_hash_of(bytes, CHUNK).expect("chunk size");
	let c = UploadChunk { job: id, attempt: 1, file, content, size: bytes.len() as u32, index };
	let start = (index * CHUNK) as usize;
	let data = bytes.get(start..(start + CHUNK as usize).min(bytes.len())).unwrap_or(&[]).to_vec();
	let data = ChunkOf::<Test>::truncate_from(data);
	let sig = agent_key(agent).sign(&Models::chunk_message(&c, &data)).expect("signs");
	(c, data, sig)
}

fn send_chunk(
	agent: AccountId,
	id: JobId,
	file: [u8; 32],
	bytes: &[u8],
	index: u32,
) -> DispatchResult {
	let (c, data, signature) = chunk_call(agent, id, file, bytes, index);
	Models::upload_job_file(RuntimeOrigin::none(), c, data, signature)
}

fn upload(agent: AccountId, id: JobId, file: [u8; 32]) {
	let bytes = bytes_of(&file);
	for i in 0..bytes.len().div_ceil(CHUNK as usize) as u32 {
		assert_ok!(send_chunk(agent, id, file, &bytes, i));
	}
}

fn upload_needed(agent: AccountId, id: JobId) {
	let (c, v) =
		(Commitments::<Test>::get(id).expect("c"), Verifications::<Test>::get(id).expect("v"));
	for f in Models::needed_files(&c, &v) {
		upload(agent, id, f);
	}
}

fn seats(id: JobId) -> Vec<SeatOf<Test>> {
	Verifications::<Test>::get(id).expect("a round").seats.into_inner()
}

fn verdict(id: JobId, round: u8, seat: u8, v: ReplayVerdict) -> DispatchResult {
	let key = seats(id)[usize::from(seat)].authority.clone();
	let sig = key.sign(&Models::verdict_message(id, round, seat, &v)).expect("signs");
	Models::submit_verdict(RuntimeOrigin::none(), id, round, seat, v, sig)
}

const PASS: ReplayVerdict = ReplayVerdict::Measured { steps: 4, distance_ppb: 0 };
const FAR: ReplayVerdict = ReplayVerdict::Measured { steps: 4, distance_ppb: 1_000_001 };

#[test]
fn the_round_rule() {
	use verify::{round_end, RoundEnd::*};
	// round 0: no failure and 2/3 passing registers; a failure or too few answers disputes
	assert_eq!(round_end(0, true, 3, 0, 3), Accept);
	assert_eq!(round_end(0, true, 2, 0, 3), Accept);
	assert_eq!(round_end(0, true, 1, 0, 3), Dispute);
	assert_eq!(round_end(0, true, 2, 1, 3), Dispute);
	assert_eq!(round_end(0, true, 0, 0, 3), Dispute);
	assert_eq!(round_end(0, true, 1, 0, 1), Accept);
	// a missing upload is the trainer's fault in any round
	assert_eq!(round_end(0, false, 3, 0, 3), Guilty);
	assert_eq!(round_end(1, false, 7, 0, 7), Guilty);
	// the dispute: 2/3 of the answers pass or the trainer is found wrong; no answer stalls
	assert_eq!(round_end(1, true, 4, 2, 7), Accept);
	assert_eq!(round_end(1, true, 3, 2, 7), Guilty);
	assert_eq!(round_end(1, true, 0, 1, 7), Guilty);
	assert_eq!(round_end(1, true, 0, 0, 7), Stalled);
}

#[test]
fn verifiers_and_segments_are_drawn_from_the_other_validators() {
	run(|| {
		let (id, _, verify_by) = drawn();
		assert_eq!(verify_by, 5 + 20, "drawn 2 blocks after the delivery at 3");
		let s = seats(id);
		assert_eq!(s.len(), 3);
		let mut who: Vec<_> = s.iter().map(|x| x.account).collect();
		who.sort_unstable();
		who.dedup();
		assert_eq!(who.len(), 3, "three distinct validators");
		assert!(who.iter().all(|a| (1..5).contains(a)));
		let mut segs: Vec<_> = s.iter().map(|x| x.segment).collect();
		segs.sort_unstable();
		assert_eq!(segs, [0, 1, 2], "three segments among three: all of them");
		let v = Verifications::<Test>::get(id).expect("round");
		assert!(!v.self_verified);
		for x in &s {
			assert_eq!(VerifierStats::<Test>::get(&x.authority).assigned, 1);
		}
		// every checkpoint (all segments), both epoch adapters
		let c = Commitments::<Test>::get(id).expect("c");
		assert_eq!(
			Models::needed_files(&c, &v),
			[[0; 32], [1; 32], [2; 32], [100; 32], [0xad; 32]]
		);
		assert_eq!(Models::segment_steps(&Jobs::<Test>::get(id).expect("job"), &c, 0), (0, 4));
		assert_eq!(Models::segment_steps(&Jobs::<Test>::get(id).expect("job"), &c, 2), (8, 10));
	});
}

#[test]
fn the_only_validator_verifies_its_own_operator_s_training() {
	for (validators, self_verified) in [(vec![1], true), (vec![1, 2], false)] {
		run(|| {
			setup();
			let id = request();
			run_to(3);
			let (agent, _) = assigned(id);
			// validator 1 is the trainer's operator (its account is the agent's)
			let set =
				validators.iter().map(|i| (UintAuthorityId(*i), if *i == 1 { agent } else { *i }));
			VALIDATORS.with(|v| *v.borrow_mut() = set.collect());
			assert_ok!(accept(agent, id, 1));
			assert_ok!(deliver(agent, id, 1, commitment(10, 2)));
			run_to(5);
			let v = Verifications::<Test>::get(id).expect("round");
			assert_eq!(v.self_verified, self_verified);
			let who: Vec<_> = v.seats.iter().map(|s| s.account).collect();
			assert_eq!(who, if self_verified { vec![agent] } else { vec![2] });
		});
	}
}

#[test]
fn an_honest_round_registers_the_model_with_its_lineage() {
	run(|| {
		let (id, agent, _) = drawn();
		upload_needed(agent, id);
		System::assert_has_event(
			Event::<Test>::FileUploaded {
				job: id,
				file: [0xad; 32],
				content: content_hash_of(&bytes_of(&[0xad; 32]), CHUNK).expect("hash"),
				size: 20,
			}
			.into(),
		);
		for seat in 0..3 {
			assert_ok!(verdict(id, 0, seat, PASS));
		}
		System::assert_has_event(
			Event::<Test>::ModelRegistered { job: id, adapter: [0xad; 32], owner: ALICE, base: 0 }
				.into(),
		);
		assert_eq!(state(id), JobState::Completed { adapter: [0xad; 32] });
		let a = Adapters::<Test>::get([0xad; 32]).expect("registered");
		assert_eq!((a.base, a.owner, a.status), (0, ALICE, AdapterStatus::Active));
		assert_eq!(a.lineage.datanets.into_inner(), [(0, 1)]);
		assert_eq!((a.lineage.job, a.lineage.parent), (Some(id), None));
		assert!(AdaptersOf::<Test>::contains_key(0, [0xad; 32]));
		// the runtime API's lineage: the exact contributions of version 1 of datanet 0
		let lineage = Models::lineage([0xad; 32]).expect("lineage");
		assert_eq!(lineage.base, 0);
		assert_eq!(
			lineage.generations,
			[Generation {
				adapter: [0xad; 32],
				job: Some(id),
				data: vec![DataUsed { datanet: 0, version: 1, contributions: vec![0, 1, 2] }],
			}]
		);
		assert_eq!((lineage.contributions, lineage.truncated), (vec![0, 1, 2], false));
		assert_eq!(
			Models::adapters_of(0).into_iter().map(|(h, _)| h).collect::<Vec<_>>(),
			[[0xad; 32]]
		);
		assert!(Models::lineage([0xae; 32]).is_none());
		let file = AdapterFiles::<Test>::get([0xad; 32]).expect("file");
		assert_eq!(file.size, 20);
		// the checkpoints are pruned, the adapters kept; the trainer is free again
		let mut kept: Vec<_> = JobFiles::<Test>::iter_prefix(id).map(|(f, _)| f).collect();
		kept.sort_unstable();
		assert_eq!(kept, [[100; 32], [0xad; 32]]);
		assert!(Verifications::<Test>::get(id).is_none());
		assert!(!HasOpenJob::<Test>::contains(&agent));
		assert!(OUTCOMES.with(|o| o.borrow().contains(&(agent, Outcome::VerificationPassed))));
		assert!(faults().is_empty());
		assert_eq!(held(ALICE), 0, "paid out");
		// the owner prices it
		assert_noop!(
			Models::set_model_price(RuntimeOrigin::signed(BOB), [0xad; 32], 5),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			Models::set_model_price(RuntimeOrigin::signed(ALICE), [0xae; 32], 5),
			Error::<Test>::UnknownAdapter
		);
		assert_ok!(Models::set_model_price(RuntimeOrigin::signed(ALICE), [0xad; 32], 5));
		assert_eq!(Adapters::<Test>::get([0xad; 32]).map(|a| a.price_per_1k_tokens), Some(5));
		// paid inference reads the prices: the model at its owner's, the base at the runtime's
		use openledger_primitives::{ModelPrice, ModelPrices, ServedModel};
		let price = |m| <Models as ModelPrices<AccountId, Balance>>::price(&m);
		assert_eq!(
			price(ServedModel::Adapter([0xad; 32])),
			Some(ModelPrice { base: 0, per_1k_tokens: 5, owner: Some(ALICE) })
		);
		assert_eq!(
			price(ServedModel::Base(0)),
			Some(ModelPrice { base: 0, per_1k_tokens: 500, owner: None })
		);
		assert_eq!(price(ServedModel::Adapter([0xae; 32])), None);
		assert_eq!(price(ServedModel::Base(7)), None);
		assert_ok!(Models::retire_base_model(RuntimeOrigin::root(), 0));
		assert_eq!(price(ServedModel::Base(0)), None, "a retired base model is not sold");
	});
}

#[test]
fn two_thirds_passing_and_one_silent_verifier_registers_and_counts_the_miss() {
	run(|| {
		let (id, agent, verify_by) = drawn();
		upload_needed(agent, id);
		assert_ok!(verdict(id, 0, 0, PASS));
		assert_ok!(verdict(id, 0, 1, PASS));
		let silent = seats(id)[2].authority.clone();
		run_to(verify_by + 1);
		assert_eq!(state(id), JobState::Completed { adapter: [0xad; 32] });
		assert_eq!(VerifierStats::<Test>::get(&silent).missed, 1);
		assert_eq!(VerifierStats::<Test>::get(&silent).answered, 0);
	});
}

#[test]
fn a_trainer_that_does_not_upload_is_slashed_and_the_job_reopened() {
	run(|| {
		let (id, agent, verify_by) = drawn();
		// everything but the last checkpoint
		upload(agent, id, [0; 32]);
		upload(agent, id, [1; 32]);
		upload(agent, id, [100; 32]);
		upload(agent, id, [0xad; 32]);
		run_to(verify_by + 1);
		assert_eq!(faults(), [(agent, Fault::FailedVerification)]);
		System::assert_has_event(
			Event::<Test>::TrainerFaulty { job: id, agent, slashed: MISS_SLASH, reopened: true }
				.into(),
		);
		assert_eq!(state(id), JobState::Queued { draw_at: verify_by + 1 + 2 });
		let job = Jobs::<Test>::get(id).expect("job");
		assert!(job.tried.contains(&agent));
		assert!(Commitments::<Test>::get(id).is_none());
		assert_eq!(JobFiles::<Test>::iter_prefix(id).count(), 0, "all uploads pruned");
		// the verifiers could not answer: no misses counted
		for s in seats_of_stats() {
			assert_eq!(s.missed, 0);
		}
		assert_eq!(held(ALICE), FEE, "the fee stays held for the next trainer");
		// drawn again among the others
		run_to(verify_by + 3);
		let (next, _) = assigned(id);
		assert_ne!(next, agent);
	});
}

fn seats_of_stats() -> Vec<VerifierRecord> {
	VerifierStats::<Test>::iter().map(|(_, r)| r).collect()
}

#[test]
fn a_failure_opens_a_dispute_that_convicts() {
	run(|| {
		let (id, agent, _) = drawn();
		upload_needed(agent, id);
		let failing = seats(id)[0].segment;
		assert_ok!(verdict(id, 0, 0, FAR));
		assert_ok!(verdict(id, 0, 1, PASS));
		assert_ok!(verdict(id, 0, 2, PASS));
		System::assert_has_event(
			Event::<Test>::Disputed { job: id, passed: 2, failed: 1, missing: 0 }.into(),
		);
		let JobState::Verifying { round: 1, verify_by, .. } = state(id) else {
			panic!("no dispute: {:?}", state(id))
		};
		// 2V + 1 = 7 wanted, 4 validators: all of them, on the failing segment
		let s = seats(id);
		assert_eq!(s.len(), 4);
		assert!(s.iter().all(|x| x.segment == failing));
		assert_eq!(verdict(id, 0, 0, PASS), Err(Error::<Test>::WrongJobState.into()));
		assert_ok!(verdict(id, 1, 0, FAR));
		assert_ok!(verdict(id, 1, 1, ReplayVerdict::WrongBytes));
		assert_ok!(verdict(id, 1, 2, PASS));
		let passer = s[2].authority.clone();
		run_to(verify_by + 1);
		assert_eq!(faults(), [(agent, Fault::FailedVerification)]);
		assert!(matches!(state(id), JobState::Queued { .. }));
		assert_eq!(VerifierStats::<Test>::get(&passer).overruled, 1);
		assert_eq!(VerifierStats::<Test>::get(&s[3].authority).missed, 1);
	});
}

#[test]
fn a_dispute_that_passes_registers_and_one_nobody_answers_refunds() {
	run(|| {
		let (id, agent, _) = drawn();
		upload_needed(agent, id);
		assert_ok!(verdict(id, 0, 0, ReplayVerdict::NotThisJob));
		assert_ok!(verdict(id, 0, 1, PASS));
		assert_ok!(verdict(id, 0, 2, PASS));
		for seat in 0..4 {
			assert_ok!(verdict(id, 1, seat, PASS));
		}
		assert_eq!(state(id), JobState::Completed { adapter: [0xad; 32] });
		assert!(faults().is_empty());
	});
	run(|| {
		let (id, agent, verify_by) = drawn();
		upload_needed(agent, id);
		run_to(verify_by + 1);
		let JobState::Verifying { round: 1, verify_by, .. } = state(id) else {
			panic!("no dispute: {:?}", state(id))
		};
		run_to(verify_by + 1);
		assert_eq!(state(id), JobState::Failed(JobFailure::VerificationStalled));
		assert!(faults().is_empty());
		assert_eq!(held(ALICE), 0, "refunded");
		assert_eq!(JobFiles::<Test>::iter_prefix(id).count(), 0);
	});
}

#[test]
fn a_tampered_file_whose_chunks_do_not_make_its_content_hash_starts_again() {
	run(|| {
		let (id, agent, _) = drawn();
		let good = bytes_of(&[0; 32]);
		let (c, _, _) = chunk_call(agent, id, [0; 32], &good, 0);
		// chunks of other bytes under the good content hash
		let bad = bytes_of(&[9; 32]);
		for index in 0..3u32 {
			let start = (index * CHUNK) as usize;
			let data = ChunkOf::<Test>::truncate_from(
				bad[start..(start + CHUNK as usize).min(bad.len())].to_vec(),
			);
			let chunk = UploadChunk { index, ..c };
			let sig = agent_key(agent).sign(&Models::chunk_message(&chunk, &data)).expect("signs");
			assert_ok!(Models::upload_job_file(RuntimeOrigin::none(), chunk, data, sig));
		}
		System::assert_last_event(Event::<Test>::FileRefused { job: id, file: [0; 32] }.into());
		assert!(JobFiles::<Test>::get(id, [0; 32]).is_none());
		upload(agent, id, [0; 32]);
		assert!(Models::file_done(id, &[0; 32]));
	});
}

#[test]
fn uploads_are_checked() {
	run(|| {
		let (id, agent, verify_by) = drawn();
		let f = [0; 32];
		let bytes = bytes_of(&f);
		assert_noop!(
			send_chunk(agent, id, [5; 32], &bytes_of(&[5; 32]), 0),
			Error::<Test>::FileNotNeeded
		);
		// out of order, then the wrong length for a middle chunk
		assert_noop!(send_chunk(agent, id, f, &bytes, 1), Error::<Test>::BadChunk);
		let (c, _, _) = chunk_call(agent, id, f, &bytes, 0);
		let short = ChunkOf::<Test>::truncate_from(vec![1, 2]);
		let sig = agent_key(agent).sign(&Models::chunk_message(&c, &short)).expect("signs");
		assert_noop!(
			Models::upload_job_file(RuntimeOrigin::none(), c, short, sig),
			Error::<Test>::BadChunk
		);
		// a file larger than MaxFileChunks chunks
		let huge = vec![0u8; (CHUNK * 4 + 1) as usize];
		assert_noop!(send_chunk(agent, id, f, &huge, 0), Error::<Test>::BadChunk);
		// another key, a stale attempt
		let (c, data, _) = chunk_call(agent, id, f, &bytes, 0);
		let other = agent_key(99).sign(&Models::chunk_message(&c, &data)).expect("signs");
		assert_noop!(
			Models::upload_job_file(RuntimeOrigin::none(), c, data.clone(), other),
			Error::<Test>::BadAgentSignature
		);
		let stale = UploadChunk { attempt: 2, ..c };
		let sig = agent_key(agent).sign(&Models::chunk_message(&stale, &data)).expect("signs");
		assert_noop!(
			Models::upload_job_file(RuntimeOrigin::none(), stale, data.clone(), sig),
			Error::<Test>::WrongJobState
		);
		// a size that changes between chunks
		assert_ok!(send_chunk(agent, id, f, &bytes, 0));
		let longer: Vec<u8> = bytes.iter().copied().chain([0]).collect();
		assert_noop!(send_chunk(agent, id, f, &longer, 1), Error::<Test>::BadChunk);
		assert_ok!(send_chunk(agent, id, f, &bytes, 1));
		assert_ok!(send_chunk(agent, id, f, &bytes, 2));
		assert_noop!(send_chunk(agent, id, f, &bytes, 0), Error::<Test>::AlreadyUploaded);
		// past the round
		run_to(verify_by + 1);
		assert!(matches!(state(id), JobState::Queued { .. }));
		assert_noop!(
			send_chunk(agent, id, [1; 32], &bytes_of(&[1; 32]), 0),
			Error::<Test>::WrongJobState
		);
	});
}

#[test]
fn verdicts_are_checked() {
	run(|| {
		let (id, agent, verify_by) = drawn();
		upload_needed(agent, id);
		let s = seats(id);
		// signed by another seat's key
		let sig = s[1].authority.sign(&Models::verdict_message(id, 0, 0, &PASS)).expect("signs");
		assert_noop!(
			Models::submit_verdict(RuntimeOrigin::none(), id, 0, 0, PASS, sig),
			Error::<Test>::NotAVerifier
		);
		assert_noop!(verdict(id, 1, 0, PASS), Error::<Test>::WrongJobState);
		let sig = s[0].authority.sign(&Models::verdict_message(id, 0, 9, &PASS)).expect("signs");
		assert_noop!(
			Models::submit_verdict(RuntimeOrigin::none(), id, 0, 9, PASS, sig),
			Error::<Test>::NotAVerifier
		);
		assert_ok!(verdict(id, 0, 0, PASS));
		assert_noop!(verdict(id, 0, 0, PASS), Error::<Test>::AlreadyAnswered);
		System::set_block_number(verify_by + 1);
		assert_noop!(verdict(id, 0, 1, PASS), Error::<Test>::DeadlinePassed);
		System::set_block_number(verify_by);
		let sig =
			UintAuthorityId(1).sign(&Models::verdict_message(99, 0, 0, &PASS)).expect("signs");
		assert_noop!(
			Models::submit_verdict(RuntimeOrigin::none(), 99, 0, 0, PASS, sig),
			Error::<Test>::UnknownJob
		);
	});
}

#[test]
fn the_pool_orders_a_file_s_chunks_and_drops_stale_ones() {
	run(|| {
		let (id, agent, _) = drawn();
		let f = [0; 32];
		let bytes = bytes_of(&f);
		let validate = |index| {
			let (c, data, signature) = chunk_call(agent, id, f, &bytes, index);
			Models::validate_unsigned(
				TransactionSource::External,
				&Call::upload_job_file { chunk: c, data, signature },
			)
		};
		let first = validate(0).expect("valid");
		assert!(first.requires.is_empty());
		let later = validate(2).expect("valid, waiting");
		assert_eq!(later.requires.len(), 1);
		assert_eq!(later.requires[0], validate(1).expect("valid").provides[0]);
		assert_ok!(send_chunk(agent, id, f, &bytes, 0));
		assert_eq!(validate(0), Err(TransactionValidityError::Invalid(InvalidTransaction::Stale)));
		assert!(validate(1).expect("valid").requires.is_empty(), "its predecessor is on chain");
		// a verdict from a key that is not the seat's is a bad proof
		let s = seats(id);
		let sig = s[1].authority.sign(&Models::verdict_message(id, 0, 0, &PASS)).expect("signs");
		assert_eq!(
			Models::validate_unsigned(
				TransactionSource::External,
				&Call::submit_verdict { job: id, round: 0, seat: 0, verdict: PASS, signature: sig }
			),
			Err(TransactionValidityError::Invalid(InvalidTransaction::BadProof))
		);
	});
}

#[test]
fn verification_terms_are_validated() {
	run(|| {
		let p = test_params();
		for bad in [
			FineTuneParams { verifiers: 0, ..p },
			FineTuneParams { verifiers: MAX_VERIFIERS + 1, ..p },
			FineTuneParams { verify_period: 0, ..p },
		] {
			assert_noop!(
				Models::set_fine_tune_parameters(RuntimeOrigin::root(), bad),
				Error::<Test>::BadParameters
			);
		}
	});
}

fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

#[test]
fn an_accepted_job_pays_every_planck_of_its_fee() {
	run(|| {
		let (id, agent, _) = drawn();
		upload_needed(agent, id);
		let s = seats(id);
		let everyone: Vec<AccountId> = [1, 2, 3, 4, 9, 99, agent].into();
		let before: Vec<Balance> = everyone.iter().map(|a| free(*a)).collect();
		// two pass, one silent: the round still registers (2 of 3), and only the two are paid
		assert_ok!(verdict(id, 0, 0, PASS));
		assert_ok!(verdict(id, 0, 1, PASS));
		let JobState::Verifying { verify_by, .. } = state(id) else { panic!("settled early") };
		run_to(verify_by + 1);
		assert_eq!(state(id), JobState::Completed { adapter: [0xad; 32] });
		// FEE = 190: 50 to the datanet's owner (9); compute 140 by the training split:
		// treasury 5 % = 7, base model owner 5 % = 7 (a base model: the treasury's), stakers
		// 70 % = 98, contributors 20 % = 28. Stakers: a fifth (19) split by 2 passing
		// verifiers, 9 each; the trainer 98 − 18 = 80.
		let delta =
			|a: AccountId| free(a) - before[everyone.iter().position(|x| *x == a).expect("listed")];
		let (v0, v1) = (s[0].account, s[1].account);
		let got = |a: AccountId| {
			let mut g = 0;
			if a == v0 || a == v1 {
				g += 9;
			}
			if a == 9 {
				g += 50;
			}
			if a == 99 {
				g += 14;
			}
			if a == agent {
				g += 80;
			}
			// (the requester, account 1, may be a verifier: its part is released to it)
			g
		};
		for a in &everyone {
			assert_eq!(delta(*a), got(*a), "account {a}");
		}
		assert_eq!(ContributorPots::<Test>::get(id), Some(28));
		assert_eq!(Balances::balance_on_hold(&HoldReason::ContributorsPot.into(), &ALICE), 28);
		assert_eq!(held(ALICE), 0);
		let paid = 50 + 9 + 9 + 80 + 14 + 28;
		assert_eq!(paid, FEE, "every planck");
		System::assert_has_event(
			Event::<Test>::TrainingPaid {
				job: id,
				payout: payment::Payout {
					data: 50,
					trainer: (agent, 80),
					verifiers: vec![(v0, 9), (v1, 9)],
					model_owner: 0,
					contributors: 28,
					treasury: 14,
				},
			}
			.into(),
		);
	});
}

mod payment_maths {
	use super::*;
	use openledger_primitives::FeeSplit;
	use proptest::prelude::*;

	proptest! {
		/// The compute fee's parts always sum to it, whatever the split and the number of
		/// passing verifiers; the verifiers together get at most a fifth of the stakers' part.
		#[test]
		fn the_shares_sum_to_the_compute_fee(
			compute in 0u128..u128::MAX / 2,
			t in 0u32..=1_000_000_000,
			o in 0u32..=1_000_000_000,
			st in 0u32..=1_000_000_000,
			verifiers in 0u32..40,
		) {
			let (t, o) = (t.min(1_000_000_000), o.min(1_000_000_000 - t));
			let st = st.min(1_000_000_000 - t - o);
			let split = FeeSplit {
				treasury: Perbill::from_parts(t),
				model_owner: Perbill::from_parts(o),
				stakers: Perbill::from_parts(st),
				contributors: Perbill::from_parts(1_000_000_000 - t - o - st),
			};
			prop_assert!(split.is_whole());
			let s = payment::shares(compute, &split, verifiers);
			let total = s.trainer + s.per_verifier * u128::from(verifiers) + s.model_owner
				+ s.contributors + s.treasury;
			prop_assert_eq!(total, compute);
			let stakers = split.stakers.mul_floor(compute);
			prop_assert!(s.per_verifier * u128::from(verifiers) <= stakers / 5);
			prop_assert_eq!(s.trainer + s.per_verifier * u128::from(verifiers), stakers);
		}
	}
}

#[test]
fn lineage_walks_the_parents_and_gathers_every_contribution_once() {
	run(|| {
		setup();
		set_data(1, 2, 10_000, 0, "MIT");
		let record = |datanets: Vec<(u32, u32)>, job, parent| Adapter {
			base: 0,
			owner: BOB,
			lineage: Lineage { datanets: BoundedVec::truncate_from(datanets), job, parent },
			price_per_1k_tokens: 0,
			status: AdapterStatus::Active,
			created_at: 1,
		};
		let insert = |hash: [u8; 32], datanets: Vec<(u32, u32)>, job, parent| {
			Adapters::<Test>::insert(hash, record(datanets, job, parent));
			AdaptersOf::<Test>::insert(0, hash, ());
		};
		// grandparent on datanet 0, parent on datanets 0 and 1, child on datanet 1
		insert([1; 32], vec![(0, 1)], Some(7), None);
		insert([2; 32], vec![(0, 1), (1, 2)], Some(8), Some([1; 32]));
		insert([3; 32], vec![(1, 2)], None, Some([2; 32]));
		let l = Models::lineage([3; 32]).expect("known");
		let chain: Vec<_> = l.generations.iter().map(|g| (g.adapter, g.job)).collect();
		assert_eq!(chain, [([3; 32], None), ([2; 32], Some(8)), ([1; 32], Some(7))]);
		assert_eq!(l.generations[1].data.len(), 2);
		assert_eq!(l.generations[0].data[0].contributions, [1000, 1001, 1002]);
		assert_eq!(l.contributions, [0, 1, 2, 1000, 1001, 1002], "sorted, each once");
		assert!(!l.truncated);
		// a chain longer than the walk is cut and says so
		let depth = MAX_LINEAGE_DEPTH as u8;
		for i in 10..10 + depth {
			insert([i; 32], vec![(0, 1)], None, Some([i + 1; 32]));
		}
		insert([10 + depth; 32], vec![(1, 2)], None, None);
		let l = Models::lineage([10; 32]).expect("known");
		assert_eq!(l.generations.len(), MAX_LINEAGE_DEPTH as usize);
		assert!(l.truncated);
		assert_eq!(l.contributions, [0, 1, 2], "the cut generation's data is not included");
	});
}
