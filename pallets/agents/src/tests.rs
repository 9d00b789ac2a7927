//! Tests by topic: registration, updates and keys, the bond (bonding, unbonding, withdrawing,
//! leaving), faults (slashing, strikes, suspension), what the work pallets see, governance.

// Tests may panic on what they assert.
#![allow(clippy::expect_used, clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use crate::{mock::*, *};
// the pallet, not its storage item of the same name
use crate::mock::Agents;
use frame::deps::sp_runtime::{
	testing::UintAuthorityId, BuildStorage, DispatchError, RuntimeAppPublic,
};
use frame::testing_prelude::*;
use frame::token::fungible::{Inspect, InspectHold};
use polkadot_sdk::polkadot_sdk_frame as frame;

const BOTH: Capabilities = Capabilities { train: true, serve: true };
const TRAIN: Capabilities = Capabilities { train: true, serve: false };
const SERVE: Capabilities = Capabilities { train: false, serve: true };

fn key(n: u64) -> UintAuthorityId {
	UintAuthorityId(n)
}

fn proof(owner: AccountId, k: &UintAuthorityId) -> SignatureOf<Test> {
	k.sign(&Agents::key_proof_message(&owner)).expect("test keys sign")
}

fn models(ids: &[u64]) -> ModelsOf<Test> {
	BoundedVec::truncate_from(ids.to_vec())
}

fn url(s: &str) -> EndpointOf<Test> {
	BoundedVec::truncate_from(s.as_bytes().to_vec())
}

fn try_register(
	who: AccountId,
	k: u64,
	caps: Capabilities,
	ids: &[u64],
	bond: Balance,
) -> DispatchResult {
	let k = key(k);
	let p = proof(who, &k);
	Agents::register(
		RuntimeOrigin::signed(who),
		k,
		p,
		caps,
		models(ids),
		url("https://agent.example:9944"),
		bond,
	)
}

fn register(who: AccountId, bond: Balance) {
	assert_ok!(try_register(who, who + 100, BOTH, &[1, 2], bond));
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::AgentBond.into(), &who)
}

fn agent(who: AccountId) -> AgentOf<Test> {
	pallet::Agents::<Test>::get(who).expect("registered")
}

mod registration {
	use super::*;

	#[test]
	fn registers_an_agent_and_holds_its_bond() {
		run(|| {
			System::set_block_number(7);
			register(1, 150);
			System::assert_last_event(
				Event::<Test>::Registered { agent: 1, key: key(101), bond: 150 }.into(),
			);
			assert_eq!(held(1), 150);
			assert_eq!(Balances::balance(&1), 850);
			let a = agent(1);
			assert_eq!(a.status, AgentStatus::Active);
			assert_eq!(a.models.to_vec(), [1, 2]);
			assert_eq!(a.metrics, Metrics { last_active: 7, ..Default::default() });
			assert_eq!(a.registered_at, 7);
			assert_eq!(AgentByKey::<Test>::get(key(101)), Some(1));
			assert_eq!(AgentCount::<Test>::get(), 1);
			for c in Capability::ALL {
				for m in [1, 2] {
					assert_eq!(Providers::<Test>::get(m, c).to_vec(), [1]);
				}
			}
			let v = Agents::agent(1).expect("view");
			assert_eq!(v.capabilities, [Capability::Train, Capability::Serve]);
			assert_eq!(v.endpoint, b"https://agent.example:9944");
			assert_eq!(Agents::agent_by_key(key(101)).map(|v| v.owner), Some(1));
		});
	}

	#[test]
	fn rejects_a_second_agent_or_a_taken_key() {
		run(|| {
			register(1, 100);
			assert_noop!(try_register(1, 7, BOTH, &[1], 100), Error::<Test>::AlreadyRegistered);
			assert_noop!(try_register(2, 101, BOTH, &[1], 100), Error::<Test>::KeyInUse);
		});
	}

	#[test]
	fn rejects_a_key_proof_made_for_another_owner() {
		run(|| {
			let k = key(7);
			let stolen = proof(1, &k);
			assert_noop!(
				Agents::register(
					RuntimeOrigin::signed(2),
					k,
					stolen,
					BOTH,
					models(&[1]),
					url("http://a"),
					100
				),
				Error::<Test>::BadKeyProof
			);
		});
	}

	#[test]
	fn rejects_bad_profiles() {
		run(|| {
			let none = Capabilities::default();
			assert_noop!(try_register(1, 7, none, &[1], 100), Error::<Test>::NoCapabilities);
			assert_noop!(try_register(1, 7, BOTH, &[], 100), Error::<Test>::BadModelList);
			assert_noop!(try_register(1, 7, BOTH, &[2, 1], 100), Error::<Test>::BadModelList);
			assert_noop!(try_register(1, 7, BOTH, &[2, 2], 100), Error::<Test>::BadModelList);
			assert_noop!(try_register(1, 7, BOTH, &[1, 9], 100), Error::<Test>::UnknownModel);
			for bad in ["ftp://a", "http://", "https://a b", "agent:9944", "http://\u{e9}"] {
				let k = key(7);
				let p = proof(1, &k);
				assert_noop!(
					Agents::register(
						RuntimeOrigin::signed(1),
						k,
						p,
						BOTH,
						models(&[1]),
						url(bad),
						100
					),
					Error::<Test>::BadEndpoint
				);
			}
		});
	}

	#[test]
	fn rejects_a_low_or_unaffordable_bond() {
		run(|| {
			assert_noop!(try_register(1, 7, BOTH, &[1], 99), Error::<Test>::BondTooLow);
			assert_noop!(try_register(1, 7, BOTH, &[1], 1_001), Error::<Test>::InsufficientBalance);
			assert_eq!(held(1), 0);
		});
	}

	#[test]
	fn limits_agents_and_providers() {
		run(|| {
			for who in 1..=3 {
				assert_ok!(try_register(who, who + 100, TRAIN, &[1], 100));
			}
			// model 1 has MAX_PROVIDERS trainers; a server or another model is fine
			assert_noop!(try_register(4, 104, TRAIN, &[1], 100), Error::<Test>::TooManyProviders);
			assert_ok!(try_register(4, 104, SERVE, &[1], 100));
			assert_noop!(try_register(5, 105, SERVE, &[2], 100), Error::<Test>::TooManyAgents);
			assert_eq!(Providers::<Test>::get(1, Capability::Train).to_vec(), [1, 2, 3]);
		});
	}
}

mod profile {
	use super::*;

	#[test]
	fn update_replaces_capabilities_models_and_endpoint() {
		run(|| {
			register(1, 100);
			assert_ok!(Agents::update(
				RuntimeOrigin::signed(1),
				SERVE,
				models(&[2, 3]),
				url("http://10.0.0.1:8080")
			));
			System::assert_last_event(Event::<Test>::Updated { agent: 1 }.into());
			let a = agent(1);
			assert_eq!((a.capabilities, a.models.to_vec()), (SERVE, vec![2, 3]));
			assert_eq!(a.endpoint.to_vec(), b"http://10.0.0.1:8080");
			assert!(Providers::<Test>::get(1, Capability::Train).is_empty());
			assert!(Providers::<Test>::get(2, Capability::Train).is_empty());
			assert_eq!(Providers::<Test>::get(3, Capability::Serve).to_vec(), [1]);
			assert!(!Providers::<Test>::contains_key(1, Capability::Serve));
		});
	}

	#[test]
	fn update_rejects_unknown_agents_and_bad_lists() {
		run(|| {
			assert_noop!(
				Agents::update(RuntimeOrigin::signed(1), BOTH, models(&[1]), url("http://a")),
				Error::<Test>::NotRegistered
			);
			register(1, 100);
			assert_noop!(
				Agents::update(RuntimeOrigin::signed(1), BOTH, models(&[3, 1]), url("http://a")),
				Error::<Test>::BadModelList
			);
			assert_ok!(Agents::deregister(RuntimeOrigin::signed(1)));
			assert_noop!(
				Agents::update(RuntimeOrigin::signed(1), BOTH, models(&[1]), url("http://a")),
				Error::<Test>::AgentLeaving
			);
		});
	}

	#[test]
	fn rotate_key_moves_the_index() {
		run(|| {
			register(1, 100);
			register(2, 100);
			let k = key(55);
			assert_ok!(Agents::rotate_key(RuntimeOrigin::signed(1), k.clone(), proof(1, &k)));
			System::assert_last_event(
				Event::<Test>::KeyRotated { agent: 1, key: k.clone() }.into(),
			);
			assert_eq!(agent(1).key, k);
			assert_eq!(AgentByKey::<Test>::get(&k), Some(1));
			assert!(!AgentByKey::<Test>::contains_key(key(101)));
			let taken = key(102);
			assert_noop!(
				Agents::rotate_key(RuntimeOrigin::signed(1), taken.clone(), proof(1, &taken)),
				Error::<Test>::KeyInUse
			);
			let k2 = key(56);
			assert_noop!(
				Agents::rotate_key(RuntimeOrigin::signed(1), k2.clone(), proof(2, &k2)),
				Error::<Test>::BadKeyProof
			);
			assert_noop!(
				Agents::rotate_key(RuntimeOrigin::signed(3), k2.clone(), proof(3, &k2)),
				Error::<Test>::NotRegistered
			);
		});
	}
}

mod bond {
	use super::*;

	#[test]
	fn bond_extra_adds_to_the_hold() {
		run(|| {
			register(1, 100);
			assert_ok!(Agents::bond_extra(RuntimeOrigin::signed(1), 50));
			System::assert_last_event(Event::<Test>::Bonded { agent: 1, amount: 50 }.into());
			assert_eq!((agent(1).bond, held(1)), (150, 150));
			assert_noop!(
				Agents::bond_extra(RuntimeOrigin::signed(1), 0),
				Error::<Test>::ZeroAmount
			);
			assert_noop!(
				Agents::bond_extra(RuntimeOrigin::signed(1), 900),
				Error::<Test>::InsufficientBalance
			);
			assert_noop!(
				Agents::bond_extra(RuntimeOrigin::signed(2), 1),
				Error::<Test>::NotRegistered
			);
		});
	}

	#[test]
	fn unbonding_waits_for_the_period_and_keeps_the_minimum() {
		run(|| {
			register(1, 300);
			assert_noop!(Agents::unbond(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
			assert_noop!(
				Agents::unbond(RuntimeOrigin::signed(1), 201),
				Error::<Test>::BelowMinBond
			);
			assert_noop!(
				Agents::unbond(RuntimeOrigin::signed(1), 301),
				Error::<Test>::BelowMinBond
			);
			assert_ok!(Agents::unbond(RuntimeOrigin::signed(1), 100));
			System::assert_last_event(
				Event::<Test>::Unbonding { agent: 1, amount: 100, unlock: 1 + PERIOD }.into(),
			);
			System::set_block_number(2);
			assert_ok!(Agents::unbond(RuntimeOrigin::signed(1), 50));
			// MAX_CHUNKS = 2
			assert_noop!(
				Agents::unbond(RuntimeOrigin::signed(1), 10),
				Error::<Test>::TooManyUnbondingChunks
			);
			// still held while unbonding
			assert_eq!((agent(1).bond, held(1)), (150, 300));
			System::set_block_number(PERIOD);
			assert_noop!(
				Agents::withdraw_unbonded(RuntimeOrigin::signed(1)),
				Error::<Test>::NothingToWithdraw
			);
			System::set_block_number(1 + PERIOD);
			assert_ok!(Agents::withdraw_unbonded(RuntimeOrigin::signed(1)));
			System::assert_last_event(Event::<Test>::Withdrawn { agent: 1, amount: 100 }.into());
			assert_eq!((held(1), Balances::balance(&1)), (200, 800));
			assert_eq!(agent(1).unbonding.len(), 1);
			System::set_block_number(2 + PERIOD);
			assert_ok!(Agents::withdraw_unbonded(RuntimeOrigin::signed(1)));
			assert_eq!((held(1), Balances::balance(&1)), (150, 850));
			assert!(agent(1).unbonding.is_empty());
		});
	}

	#[test]
	fn deregistering_unbonds_everything_then_removes_the_record() {
		run(|| {
			register(1, 200);
			Busy::set(vec![1]);
			assert_noop!(Agents::deregister(RuntimeOrigin::signed(1)), Error::<Test>::HasOpenWork);
			Busy::set(vec![]);
			assert_ok!(Agents::deregister(RuntimeOrigin::signed(1)));
			System::assert_last_event(
				Event::<Test>::Deregistered { agent: 1, unlock: 1 + PERIOD }.into(),
			);
			let a = agent(1);
			assert_eq!((a.status, a.bond, held(1)), (AgentStatus::Leaving, 0, 200));
			assert!(!Agents::can_work(&1, Capability::Train, 1));
			assert!(Providers::<Test>::iter().next().is_none());
			assert_noop!(Agents::deregister(RuntimeOrigin::signed(1)), Error::<Test>::AgentLeaving);
			assert_noop!(Agents::unbond(RuntimeOrigin::signed(1), 1), Error::<Test>::AgentLeaving);
			assert_noop!(
				Agents::bond_extra(RuntimeOrigin::signed(1), 1),
				Error::<Test>::AgentLeaving
			);
			assert_noop!(
				Agents::withdraw_unbonded(RuntimeOrigin::signed(1)),
				Error::<Test>::NothingToWithdraw
			);
			System::set_block_number(1 + PERIOD);
			assert_ok!(Agents::withdraw_unbonded(RuntimeOrigin::signed(1)));
			System::assert_last_event(Event::<Test>::Removed { agent: 1 }.into());
			assert_eq!((held(1), Balances::balance(&1)), (0, 1_000));
			assert_eq!(AgentCount::<Test>::get(), 0);
			// the key and the account are free again
			assert_ok!(try_register(2, 101, BOTH, &[1], 100));
			assert_ok!(try_register(1, 111, BOTH, &[1], 100));
		});
	}

	#[test]
	fn deregister_rejects_unknown_agents() {
		run(|| {
			assert_noop!(
				Agents::deregister(RuntimeOrigin::signed(1)),
				Error::<Test>::NotRegistered
			);
			assert_noop!(
				Agents::withdraw_unbonded(RuntimeOrigin::signed(1)),
				Error::<Test>::NotRegistered
			);
		});
	}

	#[test]
	fn a_deregistering_agent_needs_a_free_chunk() {
		run(|| {
			register(1, 300);
			assert_ok!(Agents::unbond(RuntimeOrigin::signed(1), 100));
			assert_ok!(Agents::unbond(RuntimeOrigin::signed(1), 100));
			assert_noop!(
				Agents::deregister(RuntimeOrigin::signed(1)),
				Error::<Test>::TooManyUnbondingChunks
			);
		});
	}
}

mod faults {
	use super::*;

	#[test]
	fn a_missed_deadline_slashes_the_missed_share_to_the_treasury() {
		run(|| {
			register(1, 200);
			System::set_block_number(5);
			assert_eq!(Agents::fault(&1, Fault::MissedDeadline), 20);
			System::assert_last_event(
				Event::<Test>::Slashed { agent: 1, fault: Fault::MissedDeadline, amount: 20 }
					.into(),
			);
			let a = agent(1);
			assert_eq!((a.bond, a.strikes, a.metrics.jobs_missed), (180, 1, 1));
			assert_eq!(a.metrics.last_active, 5);
			assert_eq!(held(1), 180);
			assert_eq!(Balances::balance(&TREASURY), 21);
			// total issuance is unchanged: the slash moved money, it did not burn it
			assert_eq!(Balances::total_issuance(), 6_001);
		});
	}

	#[test]
	fn failed_verification_slashes_the_bond_then_the_unbonding_chunks() {
		run(|| {
			register(1, 300);
			assert_ok!(Agents::unbond(RuntimeOrigin::signed(1), 200));
			// 50 % of 300 = 150: all 100 of the bond, 50 of the chunk
			assert_eq!(Agents::fault(&1, Fault::FailedVerification), 150);
			let a = agent(1);
			assert_eq!((a.bond, a.unbonding[0].amount), (0, 150));
			assert_eq!(a.metrics.verifications_failed, 1);
			assert_eq!((held(1), Balances::balance(&TREASURY)), (150, 151));
			// a bond below the minimum gets no work
			assert!(!Agents::can_work(&1, Capability::Train, 1));
		});
	}

	#[test]
	fn a_leaving_agent_is_still_slashed_during_unbonding() {
		run(|| {
			register(1, 200);
			assert_ok!(Agents::deregister(RuntimeOrigin::signed(1)));
			assert_eq!(Agents::fault(&1, Fault::FailedVerification), 100);
			assert_eq!(held(1), 100);
			System::set_block_number(1 + PERIOD);
			assert_ok!(Agents::withdraw_unbonded(RuntimeOrigin::signed(1)));
			assert_eq!(Balances::balance(&1), 900);
		});
	}

	#[test]
	fn a_fully_slashed_leaving_agent_can_be_removed_at_once() {
		run(|| {
			assert_ok!(Agents::set_parameters(
				RuntimeOrigin::root(),
				Params { fraud_slash: Perbill::one(), ..DefaultParams::get() }
			));
			register(1, 200);
			assert_ok!(Agents::deregister(RuntimeOrigin::signed(1)));
			assert_eq!(Agents::fault(&1, Fault::FailedVerification), 200);
			assert!(agent(1).unbonding.is_empty());
			assert_ok!(Agents::withdraw_unbonded(RuntimeOrigin::signed(1)));
			System::assert_last_event(Event::<Test>::Removed { agent: 1 }.into());
		});
	}

	#[test]
	fn strikes_suspend_and_governance_reinstates() {
		run(|| {
			register(1, 900);
			Agents::fault(&1, Fault::MissedDeadline);
			Agents::fault(&1, Fault::MissedDeadline);
			assert!(Agents::can_work(&1, Capability::Serve, 2));
			Agents::fault(&1, Fault::FailedVerification);
			System::assert_last_event(Event::<Test>::Suspended { agent: 1, strikes: 3 }.into());
			let a = agent(1);
			assert_eq!((a.status, a.strikes), (AgentStatus::Suspended, 3));
			assert!(!Agents::can_work(&1, Capability::Serve, 2));
			assert!(Agents::providers(Capability::Serve, 2).is_empty());
			// 900 − 10 % = 810, − 10 % = 729, − 50 % (364.5, rounded down to 364) = 365
			assert_eq!(a.bond, 365);
			// a suspended agent still counts faults but is not suspended twice
			Agents::fault(&1, Fault::MissedDeadline);
			assert_eq!(agent(1).strikes, 4);
			assert_noop!(Agents::reinstate(RuntimeOrigin::signed(1), 1), DispatchError::BadOrigin);
			assert_ok!(Agents::reinstate(RuntimeOrigin::root(), 1));
			System::assert_last_event(Event::<Test>::Reinstated { agent: 1 }.into());
			let a = agent(1);
			assert_eq!((a.status, a.strikes), (AgentStatus::Active, 0));
			assert!(Agents::can_work(&1, Capability::Serve, 2));
			assert_noop!(Agents::reinstate(RuntimeOrigin::root(), 1), Error::<Test>::NotSuspended);
			assert_noop!(Agents::reinstate(RuntimeOrigin::root(), 2), Error::<Test>::NotRegistered);
		});
	}

	#[test]
	fn zero_strike_limit_never_suspends() {
		run(|| {
			assert_ok!(Agents::set_parameters(
				RuntimeOrigin::root(),
				Params { strikes_before_suspension: 0, ..DefaultParams::get() }
			));
			register(1, 900);
			for _ in 0..5 {
				Agents::fault(&1, Fault::MissedDeadline);
			}
			assert_eq!(agent(1).status, AgentStatus::Active);
		});
	}

	#[test]
	fn faults_of_unknown_agents_cost_nothing() {
		run(|| {
			assert_eq!(Agents::fault(&9, Fault::FailedVerification), 0);
			Agents::record(&9, Outcome::Completed);
			assert!(pallet::Agents::<Test>::get(9).is_none());
		});
	}
}

mod work {
	use super::*;

	#[test]
	fn outcomes_are_counted() {
		run(|| {
			register(1, 100);
			System::set_block_number(9);
			Agents::record(&1, Outcome::Assigned);
			Agents::record(&1, Outcome::Assigned);
			Agents::record(&1, Outcome::Completed);
			Agents::record(&1, Outcome::VerificationPassed);
			assert_eq!(
				agent(1).metrics,
				Metrics {
					jobs_assigned: 2,
					jobs_completed: 1,
					verifications_passed: 1,
					last_active: 9,
					..Default::default()
				}
			);
		});
	}

	#[test]
	fn only_active_bonded_declaring_agents_can_work() {
		run(|| {
			assert_ok!(try_register(3, 103, TRAIN, &[1, 2], 100));
			assert_ok!(try_register(1, 101, BOTH, &[1], 100));
			assert_ok!(try_register(2, 102, SERVE, &[1], 100));
			assert!(Agents::can_work(&1, Capability::Train, 1));
			assert!(!Agents::can_work(&1, Capability::Train, 2), "model not held");
			assert!(!Agents::can_work(&2, Capability::Train, 1), "capability not declared");
			assert!(!Agents::can_work(&4, Capability::Train, 1), "not registered");
			assert_eq!(Agents::providers(Capability::Train, 1), [1, 3]);
			assert_eq!(Agents::eligible(Capability::Serve, 1), [1, 2]);
			// a retired base model gets no work
			ActiveModels::set(vec![2, 3]);
			assert!(Agents::providers(Capability::Train, 1).is_empty());
			assert_eq!(Agents::providers(Capability::Train, 2), [3]);
			ActiveModels::set(vec![1, 2, 3]);
			// governance raises the minimum bond: bonds below it get no work until topped up
			assert_ok!(Agents::set_parameters(
				RuntimeOrigin::root(),
				Params { min_bond: 150, ..DefaultParams::get() }
			));
			assert!(Agents::providers(Capability::Train, 1).is_empty());
			assert_ok!(Agents::bond_extra(RuntimeOrigin::signed(3), 50));
			assert_eq!(Agents::providers(Capability::Train, 1), [3]);
			assert_eq!(Agents::agents().iter().map(|a| a.owner).collect::<Vec<_>>(), [1, 2, 3]);
		});
	}
}

mod governance {
	use super::*;

	#[test]
	fn parameters_are_set_by_governance_and_checked() {
		run(|| {
			assert_eq!(Parameters::<Test>::get(), DefaultParams::get());
			let p = Params {
				min_bond: 500,
				unbonding_period: 3,
				missed_slash: Perbill::from_percent(1),
				fraud_slash: Perbill::from_percent(100),
				strikes_before_suspension: 1,
			};
			assert_noop!(
				Agents::set_parameters(RuntimeOrigin::signed(1), p.clone()),
				DispatchError::BadOrigin
			);
			for bad in
				[Params { min_bond: 0, ..p.clone() }, Params { unbonding_period: 0, ..p.clone() }]
			{
				assert_noop!(
					Agents::set_parameters(RuntimeOrigin::root(), bad),
					Error::<Test>::BadParameters
				);
			}
			assert_ok!(Agents::set_parameters(RuntimeOrigin::root(), p.clone()));
			System::assert_last_event(Event::<Test>::ParametersSet { params: p.clone() }.into());
			assert_eq!(Parameters::<Test>::get(), p);
			assert_noop!(try_register(1, 7, BOTH, &[1], 499), Error::<Test>::BondTooLow);
		});
	}

	#[test]
	fn genesis_may_set_parameters() {
		let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().expect("ok");
		let p = Params { min_bond: 7, ..DefaultParams::get() };
		pallet::GenesisConfig::<Test> { params: Some(p.clone()) }
			.assimilate_storage(&mut t)
			.expect("valid");
		TestState::new(t).execute_with(|| assert_eq!(Parameters::<Test>::get(), p));
	}
}
