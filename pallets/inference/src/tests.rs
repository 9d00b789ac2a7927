//! Credit, vouchers and settlement: every call and error, the money moved to the planck, both
//! signature schemes. Every test ends with `try_state` (through `run`).

#![allow(clippy::expect_used, clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use crate::{mock::*, *};
use frame::deps::sp_core::{ecdsa, sr25519, Pair};
use frame::testing_prelude::*;
use frame::token::fungible::InspectHold;
use openledger_primitives::ServedModel;
use polkadot_sdk::polkadot_sdk_frame as frame;

fn user_pair() -> sr25519::Pair {
	sr25519::Pair::from_seed(&[1; 32])
}

fn user() -> AccountId {
	AccountId::new(user_pair().public().0)
}

fn agent() -> AccountId {
	account(20)
}

fn voucher(max_spend: Balance, expiry: u64, nonce: u64) -> VoucherOf<Test> {
	Voucher { user: user(), agent: agent(), max_spend, expiry, nonce }
}

fn sign(v: &VoucherOf<Test>) -> VoucherSignature {
	VoucherSignature::Sr25519(user_pair().sign(&Inference::voucher_message(v)).0)
}

fn record(request: u64, model: ServedModel, prompt: u32, completion: u32) -> RecordOf<Test> {
	UsageRecord {
		request,
		model,
		prompt_tokens: prompt,
		completion_tokens: completion,
		prompt_hash: [request as u8; 32],
		completion: BoundedVec::truncate_from(vec![1, 2, 3]),
	}
}

fn records(r: Vec<RecordOf<Test>>) -> RecordsOf<Test> {
	BoundedVec::truncate_from(r)
}

fn settle(v: &VoucherOf<Test>, r: Vec<RecordOf<Test>>) -> DispatchResult {
	Inference::settle(RuntimeOrigin::signed(agent()), v.clone(), sign(v), records(r))
}

fn free(who: &AccountId) -> Balance {
	Balances::free_balance(who)
}

fn held(reason: HoldReason, who: &AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::Inference(reason), who)
}

/// The user funded with 100,000 planck of credit, the agent serving base 1.
fn setup() {
	assert_ok!(Inference::deposit(RuntimeOrigin::signed(user()), 100_000));
	Serving::set(vec![agent()]);
}

mod credit {
	use super::*;

	#[test]
	fn deposits_are_held_and_withdrawn_after_the_delay() {
		run(&[user()], || {
			assert_noop!(
				Inference::deposit(RuntimeOrigin::signed(user()), 0),
				Error::<Test>::ZeroAmount
			);
			assert_ok!(Inference::deposit(RuntimeOrigin::signed(user()), 600));
			assert_ok!(Inference::deposit(RuntimeOrigin::signed(user()), 400));
			System::assert_last_event(
				Event::CreditDeposited { who: user(), amount: 400, held: 1_000 }.into(),
			);
			assert_eq!(held(HoldReason::Credit, &user()), 1_000);
			assert_eq!(free(&user()), 999_000);
			let r = |a| Inference::request_withdraw(RuntimeOrigin::signed(user()), a);
			assert_noop!(r(1_001), Error::<Test>::InsufficientCredit);
			assert_noop!(
				Inference::withdraw(RuntimeOrigin::signed(user())),
				Error::<Test>::NothingToWithdraw
			);
			assert_ok!(r(700));
			System::assert_last_event(
				Event::WithdrawRequested { who: user(), amount: 700, at: 1 + DELAY }.into(),
			);
			System::set_block_number(DELAY);
			assert_noop!(
				Inference::withdraw(RuntimeOrigin::signed(user())),
				Error::<Test>::WithdrawTooEarly
			);
			System::set_block_number(1 + DELAY);
			assert_ok!(Inference::withdraw(RuntimeOrigin::signed(user())));
			System::assert_last_event(
				Event::CreditWithdrawn { who: user(), amount: 700, held: 300 }.into(),
			);
			assert_eq!((held(HoldReason::Credit, &user()), free(&user())), (300, 999_700));
			// the rest, then the record goes
			assert_ok!(r(300));
			System::set_block_number(1 + 2 * DELAY);
			assert_ok!(Inference::withdraw(RuntimeOrigin::signed(user())));
			assert!(Credits::<Test>::get(user()).is_none());
			assert_eq!(free(&user()), 1_000_000, "every planck back");
			// someone without credit
			assert_noop!(r(1), Error::<Test>::InsufficientCredit);
		});
	}

	#[test]
	fn a_pending_withdrawal_stays_spendable_and_releases_what_is_left() {
		run(&[user()], || {
			setup();
			assert_ok!(Inference::request_withdraw(RuntimeOrigin::signed(user()), 100_000));
			// an in-flight voucher settles during the delay: 5,000 tokens of the adapter (15,000)
			let v = voucher(50_000, 100, 1);
			assert_ok!(settle(&v, vec![record(1, ServedModel::Adapter(ADAPTER), 1_000, 4_000)]));
			System::set_block_number(1 + DELAY);
			assert_ok!(Inference::withdraw(RuntimeOrigin::signed(user())));
			System::assert_last_event(
				Event::CreditWithdrawn { who: user(), amount: 85_000, held: 0 }.into(),
			);
		});
	}
}

mod settlement {
	use super::*;

	#[test]
	fn pays_owner_agent_treasury_and_holds_the_contributors_part_to_the_planck() {
		let indexed = run(&[user()], || {
			setup();
			let v = voucher(50_000, 100, 1);
			let (user_free, owner, agent_free, treasury) =
				(free(&user()), free(&Owner::get()), free(&agent()), free(&Treasury::get()));
			// the adapter: 3,000 per 1,000 tokens; 10 + 23 tokens → 99; base 1: 1,000 per
			// 1,000; 1 + 0 tokens → 1 (rounded up)
			assert_ok!(settle(
				&v,
				vec![
					record(4, ServedModel::Adapter(ADAPTER), 10, 23),
					record(9, ServedModel::Base(1), 1, 0),
				]
			));
			// 99 → treasury 9, stakers 9, contributors 39, owner 42 (the remainder);
			// 1 → treasury 0, stakers 0, contributors 0, owner 1 (the treasury's: a base model)
			let paid =
				Paid { total: 100, model_owners: 42, agent: 9, contributors: 39, treasury: 10 };
			System::assert_last_event(
				Event::Settled {
					user: user(),
					agent: agent(),
					nonce: 1,
					records: 2,
					paid,
					spent: 100,
				}
				.into(),
			);
			assert_eq!(held(HoldReason::Credit, &user()), 100_000 - 100);
			assert_eq!(held(HoldReason::ContributorsPot, &user()), 39);
			assert_eq!(free(&user()), user_free, "the user's free balance is untouched");
			assert_eq!(free(&Owner::get()) - owner, 42);
			assert_eq!(free(&agent()) - agent_free, 9);
			assert_eq!(free(&Treasury::get()) - treasury, 10);
			let pot = ContributorPots::<Test>::get(user(), (1, 4)).expect("a pot per record");
			assert_eq!(
				(pot.agent, pot.model, pot.amount),
				(agent(), ServedModel::Adapter(ADAPTER), 39)
			);
			assert!(ContributorPots::<Test>::get(user(), (1, 9)).is_none(), "nothing to hold");
			let state = Vouchers::<Test>::get(user(), 1).expect("kept");
			assert_eq!((state.spent, state.last_request), (100, Some(9)));
		});
		// the completion's token ids are in the offchain index for attribution
		let key = crate::settle::completion_key(&user().into(), 1, 4);
		let tokens: Vec<u32> = vec![1, 2, 3];
		assert_eq!(indexed.get(&key), Some(codec::Encode::encode(&tokens)));
		assert_eq!(indexed.get(&crate::settle::completion_key(&user().into(), 1, 5)), None);
	}

	#[test]
	fn no_record_is_paid_twice_and_the_maximum_holds_across_settlements() {
		run(&[user()], || {
			setup();
			let v = voucher(200, 100, 1);
			let adapter = ServedModel::Adapter(ADAPTER);
			assert_ok!(settle(&v, vec![record(0, adapter, 30, 20)])); // 150
			assert_noop!(
				settle(&v, vec![record(0, adapter, 30, 20)]),
				Error::<Test>::RequestNotIncreasing
			);
			assert_noop!(
				settle(&v, vec![record(2, adapter, 1, 0), record(1, adapter, 1, 0)]),
				Error::<Test>::RequestNotIncreasing
			);
			// 150 + 60 > 200, refused whole; 150 + 48 fits
			assert_noop!(settle(&v, vec![record(1, adapter, 10, 10)]), Error::<Test>::OverSpend);
			assert_ok!(settle(&v, vec![record(1, adapter, 8, 8)]));
			assert_eq!(Vouchers::<Test>::get(user(), 1).expect("kept").spent, 198);
			// the same nonce with other terms is refused
			let other = voucher(10_000, 100, 1);
			assert_noop!(
				settle(&other, vec![record(5, adapter, 1, 0)]),
				Error::<Test>::VoucherMismatch
			);
		});
	}

	#[test]
	fn bad_vouchers_and_records_are_refused_and_nothing_moves() {
		run(&[user()], || {
			setup();
			let v = voucher(50_000, 100, 1);
			let adapter = ServedModel::Adapter(ADAPTER);
			let rec = || records(vec![record(1, adapter, 10, 10)]);
			// only the voucher's agent may settle it
			assert_noop!(
				Inference::settle(RuntimeOrigin::signed(account(21)), v.clone(), sign(&v), rec()),
				Error::<Test>::WrongAgent
			);
			// a forged signature: another key's, or the user's over other terms
			let forged = VoucherSignature::Sr25519(
				sr25519::Pair::from_seed(&[2; 32]).sign(&Inference::voucher_message(&v)).0,
			);
			let go = |s| Inference::settle(RuntimeOrigin::signed(agent()), v.clone(), s, rec());
			assert_noop!(go(forged), Error::<Test>::BadSignature);
			assert_noop!(go(sign(&voucher(50_001, 100, 1))), Error::<Test>::BadSignature);
			assert_noop!(go(VoucherSignature::Ethereum([0; 65])), Error::<Test>::BadSignature);
			// expired
			System::set_block_number(101);
			assert_noop!(go(sign(&v)), Error::<Test>::VoucherExpired);
			System::set_block_number(100);
			// no records, an unknown model, an agent that does not serve
			assert_noop!(settle(&v, vec![]), Error::<Test>::NoRecords);
			assert_noop!(
				settle(&v, vec![record(1, ServedModel::Base(2), 1, 1)]),
				Error::<Test>::UnknownModel
			);
			Serving::set(vec![]);
			assert_noop!(settle(&v, vec![record(1, adapter, 1, 1)]), Error::<Test>::NotServing);
			Serving::set(vec![agent()]);
			// more than the credit: 40,000 tokens of the adapter cost 120,000 > 100,000
			let big = voucher(1_000_000, 100, 2);
			assert_noop!(
				settle(&big, vec![record(1, adapter, 20_000, 20_000)]),
				Error::<Test>::CreditExhausted
			);
			// the most tokens a record can name: priced without overflow, over the voucher's
			// maximum (checked before the credit)
			assert_noop!(
				settle(&big, vec![record(1, adapter, u32::MAX, u32::MAX)]),
				Error::<Test>::OverSpend
			);
		});
	}

	#[test]
	fn an_ethereum_account_pays_with_a_wallet_signature() {
		// Alith, the well-known development key: address 0xf24F…6cac
		let secret =
			hex_literal(b"5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133");
		let pair = ecdsa::Pair::from_seed(&secret);
		let address = hex_literal::<20>(b"f24ff3a9cf04c71dbc94d0b566f7a27b94566cac");
		let alith = voucher::eth_account(address);
		assert_eq!(&<[u8; 32]>::from(alith.clone())[20..], &[0xEE; 12]);
		run(std::slice::from_ref(&alith), || {
			Serving::set(vec![agent()]);
			assert_ok!(Inference::deposit(RuntimeOrigin::signed(alith.clone()), 10_000));
			let v = Voucher {
				user: alith.clone(),
				agent: agent(),
				max_spend: 1_000,
				expiry: 50,
				nonce: 0,
			};
			let hash = voucher::eip191_hash(&Inference::voucher_message(&v));
			let sig = VoucherSignature::Ethereum(pair.sign_prehashed(&hash).0);
			let rec = records(vec![record(0, ServedModel::Base(1), 500, 500)]);
			assert_ok!(Inference::settle(
				RuntimeOrigin::signed(agent()),
				v.clone(),
				sig.clone(),
				rec
			));
			assert_eq!(held(HoldReason::Credit, &alith), 10_000 - 1_000);
			// the same signature does not pay another account's voucher
			let theirs = Voucher { user: account(3), ..v };
			let rec = records(vec![record(1, ServedModel::Base(1), 1, 0)]);
			assert_noop!(
				Inference::settle(RuntimeOrigin::signed(agent()), theirs, sig, rec),
				Error::<Test>::BadSignature
			);
		});
	}

	#[test]
	fn expired_vouchers_are_reaped_by_anyone() {
		run(&[user()], || {
			setup();
			let v = voucher(50_000, 20, 1);
			assert_ok!(settle(&v, vec![record(1, ServedModel::Base(1), 1, 0)]));
			let reap = || Inference::reap_voucher(RuntimeOrigin::signed(account(5)), user(), 1);
			assert_noop!(reap(), Error::<Test>::NotExpired);
			System::set_block_number(21);
			assert_ok!(reap());
			System::assert_last_event(Event::VoucherReaped { user: user(), nonce: 1 }.into());
			assert_noop!(reap(), Error::<Test>::UnknownVoucher);
			// and it cannot be settled again
			assert_noop!(
				settle(&v, vec![record(2, ServedModel::Base(1), 1, 0)]),
				Error::<Test>::VoucherExpired
			);
		});
	}
}

// `validate_unsigned` is what the pool calls: deprecated upstream with the pallet's use of it.
#[allow(deprecated)]
mod agent_node {
	use super::*;
	use codec::{Decode, Encode};
	use frame::deps::sp_runtime::{
		testing::UintAuthorityId,
		traits::ValidateUnsigned,
		transaction_validity::{InvalidTransaction, TransactionSource},
		RuntimeAppPublic,
	};
	use openledger_ai_primitives::{AiBackend, AiError, AiExt, DueSettlement, Usage};
	use std::sync::Arc;

	fn unsigned(
		v: &VoucherOf<Test>,
		r: Vec<RecordOf<Test>>,
		key: UintAuthorityId,
	) -> crate::Call<Test> {
		let records = records(r);
		let agent_signature =
			key.sign(&Inference::settle_message(v, &records)).expect("test keys sign");
		crate::Call::settle_unsigned {
			voucher: v.clone(),
			signature: sign(v),
			records,
			agent_signature,
		}
	}

	fn dispatch(call: crate::Call<Test>) -> DispatchResult {
		let crate::Call::settle_unsigned { voucher, signature, records, agent_signature } = call
		else {
			panic!("a settlement")
		};
		Inference::settle_unsigned(
			RuntimeOrigin::none(),
			voucher,
			signature,
			records,
			agent_signature,
		)
	}

	#[test]
	fn the_agent_s_node_key_settles_and_the_pool_keeps_one_per_first_request() {
		run(&[user()], || {
			setup();
			let v = voucher(50_000, 100, 1);
			let adapter = ServedModel::Adapter(ADAPTER);
			let good = unsigned(&v, vec![record(1, adapter, 10, 10)], agent_key(&agent()));
			let valid = Inference::validate_unsigned(TransactionSource::External, &good)
				.expect("signed by the agent's node key");
			assert_eq!(valid.provides, vec![("openledger/settle", user(), 1u64, 1u64).encode()]);
			// another key, or the agent's key over other records
			let other = unsigned(&v, vec![record(1, adapter, 10, 10)], UintAuthorityId(21));
			assert_eq!(
				Inference::validate_unsigned(TransactionSource::External, &other),
				Err(InvalidTransaction::BadProof.into())
			);
			assert_noop!(dispatch(other), Error::<Test>::BadAgentSignature);
			assert_ok!(dispatch(good.clone()));
			assert_eq!(Vouchers::<Test>::get(user(), 1).expect("kept").spent, 60);
			// settled: the pool refuses it as stale, and so does a later block
			assert_eq!(
				Inference::validate_unsigned(TransactionSource::External, &good),
				Err(InvalidTransaction::Stale.into())
			);
			assert_noop!(dispatch(good), Error::<Test>::RequestNotIncreasing);
			// an expired voucher is stale in the pool
			let late = unsigned(&v, vec![record(2, adapter, 1, 1)], agent_key(&agent()));
			System::set_block_number(101);
			assert_eq!(
				Inference::validate_unsigned(TransactionSource::External, &late),
				Err(InvalidTransaction::Stale.into())
			);
		});
	}

	/// An endpoint that offers one voucher's usage.
	struct Offering(Vec<u8>);
	impl AiBackend for Offering {
		fn status(&self) -> Result<openledger_ai_primitives::EngineStatus, AiError> {
			Err(AiError::Unavailable)
		}
		fn start_job(
			&self,
			_: openledger_ai_primitives::JobSpec,
		) -> Result<openledger_ai_primitives::Ticket, AiError> {
			Err(AiError::Unavailable)
		}
		fn poll(
			&self,
			_: openledger_ai_primitives::Ticket,
		) -> Result<openledger_ai_primitives::JobStatus, AiError> {
			Err(AiError::Unavailable)
		}
		fn due_settlements(&self, max: u32) -> Result<Vec<DueSettlement>, AiError> {
			let usage = |request| Usage {
				request,
				model: ServedModel::Adapter(ADAPTER),
				prompt_tokens: 10,
				completion_tokens: 3,
				prompt_hash: [request as u8; 32],
				completion: vec![5, 6, 7],
			};
			let records = (1..=max as u64 + 2).map(usage).collect();
			Ok(vec![DueSettlement { voucher: self.0.clone(), records }])
		}
	}

	#[test]
	fn the_offchain_worker_sends_what_the_endpoint_offers_signed_with_the_node_key() {
		use frame::deps::sp_core::offchain::{testing::TestTransactionPoolExt, TransactionPoolExt};
		let v = voucher(50_000, 100, 1);
		let (pool, state) = TestTransactionPoolExt::new();
		// the genesis `run` starts from, so the voucher's signature covers the same genesis hash
		let genesis =
			frame_system::GenesisConfig::<Test>::default().build_storage().expect("genesis");
		let mut ext = frame::testing_prelude::TestState::new(genesis);
		ext.register_extension(TransactionPoolExt::new(pool));
		let mut txs = Vec::new();
		let api_key = ext.execute_with(|| {
			System::set_block_number(1);
			// no endpoint here: nothing is sent
			UintAuthorityId::set_all_keys(vec![agent_key(&agent()).0]);
			Inference::offchain_worker(1);
			assert!(state.read().transactions.is_empty(), "no endpoint");
			SignedVoucher { voucher: v.clone(), signature: sign(&v) }.encode()
		});
		ext.register_extension(AiExt::new(Arc::new(Offering(api_key))));
		ext.execute_with(|| {
			UintAuthorityId::set_all_keys(vec![33u64]);
			Inference::offchain_worker(1);
			assert!(state.read().transactions.is_empty(), "not this node's agent");
			UintAuthorityId::set_all_keys(vec![agent_key(&agent()).0]);
			Inference::offchain_worker(1);
			txs = state.read().transactions.clone();
		});
		assert_eq!(txs.len(), 1);
		let xt = Extrinsic::decode(&mut txs[0].as_slice()).expect("an extrinsic");
		let RuntimeCall::Inference(call) = xt.function else { panic!("an inference call") };
		let crate::Call::settle_unsigned { records, .. } = &call else { panic!("a settlement") };
		// at most MaxRecords (8) of the 10 offered
		assert_eq!(
			records.iter().map(|r| r.request).collect::<Vec<_>>(),
			(1..=8).collect::<Vec<_>>()
		);
		run(&[user()], || {
			setup();
			assert_ok!(Inference::validate_unsigned(TransactionSource::External, &call));
			assert_ok!(dispatch(call));
			assert_eq!(Vouchers::<Test>::get(user(), 1).expect("kept").last_request, Some(8));
		});
	}
}

/// `N` bytes from their hex digits.
fn hex_literal<const N: usize>(hex: &[u8]) -> [u8; N] {
	let digit = |c: u8| match c {
		b'0'..=b'9' => c - b'0',
		b'a'..=b'f' => c - b'a' + 10,
		_ => panic!("not a hex digit"),
	};
	let mut out = [0u8; N];
	for (i, b) in out.iter_mut().enumerate() {
		*b = digit(hex[2 * i]) << 4 | digit(hex[2 * i + 1]);
	}
	out
}

mod authorized {
	use super::*;

	#[test]
	fn a_voucher_authorized_on_chain_settles_without_a_signature() {
		run(&[user()], || {
			setup();
			let v = voucher(50_000, 100, 3);
			let adapter = ServedModel::Adapter(ADAPTER);
			let rec = |r| records(vec![record(r, adapter, 10, 10)]);
			let settle_authorized = |r| {
				Inference::settle(
					RuntimeOrigin::signed(agent()),
					v.clone(),
					VoucherSignature::Authorized,
					rec(r),
				)
			};
			// not authorized yet: refused like a bad signature
			assert_noop!(settle_authorized(1), Error::<Test>::BadSignature);
			// only the user authorizes, before expiry, once per nonce
			assert_noop!(
				Inference::authorize_voucher(RuntimeOrigin::signed(agent()), v.clone()),
				Error::<Test>::NotTheUser
			);
			assert_ok!(Inference::authorize_voucher(RuntimeOrigin::signed(user()), v.clone()));
			System::assert_last_event(
				Event::VoucherAuthorized {
					user: user(),
					agent: agent(),
					nonce: 3,
					max_spend: 50_000,
					expiry: 100,
				}
				.into(),
			);
			assert_noop!(
				Inference::authorize_voucher(RuntimeOrigin::signed(user()), v.clone()),
				Error::<Test>::NonceUsed
			);
			// other terms under the authorized nonce are not authorized
			let other = voucher(60_000, 100, 3);
			assert_noop!(
				Inference::settle(
					RuntimeOrigin::signed(agent()),
					other,
					VoucherSignature::Authorized,
					rec(1)
				),
				Error::<Test>::BadSignature
			);
			assert_ok!(settle_authorized(1));
			assert_eq!(Vouchers::<Test>::get(user(), 3).expect("kept").spent, 60);
			// a settled nonce cannot be authorized
			assert_ok!(settle(&voucher(1_000, 100, 4), vec![record(1, adapter, 1, 1)]));
			assert_noop!(
				Inference::authorize_voucher(RuntimeOrigin::signed(user()), voucher(1_000, 100, 4)),
				Error::<Test>::NonceUsed
			);
			// expired: refused, and reaped with its authorization
			System::set_block_number(101);
			assert_noop!(
				Inference::authorize_voucher(RuntimeOrigin::signed(user()), voucher(1, 100, 9)),
				Error::<Test>::VoucherExpired
			);
			assert_ok!(Inference::reap_voucher(RuntimeOrigin::signed(agent()), user(), 3));
			assert!(Authorizations::<Test>::get(user(), 3).is_none());
		});
	}
}
