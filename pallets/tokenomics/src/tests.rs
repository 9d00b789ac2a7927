//! Unit tests of the Tokenomics pallet.

use crate::{mock::*, Error, Event, FeeSplit, Parameters};
use polkadot_sdk::polkadot_sdk_frame as frame;

use frame::{
	testing_prelude::*,
	token::fungible::{Inspect, Mutate},
};

fn split(t: u32, o: u32, s: u32, c: u32) -> FeeSplit {
	FeeSplit {
		treasury: Perbill::from_percent(t),
		model_owner: Perbill::from_percent(o),
		stakers: Perbill::from_percent(s),
		contributors: Perbill::from_percent(c),
	}
}

#[test]
fn genesis_sets_the_defaults_and_the_supply_is_whole() {
	run(|| {
		assert_eq!(
			Tokenomics::parameters(),
			Parameters {
				fee_split: FeeSplit::DEFAULT,
				contribution_slash: Perbill::from_percent(10),
				reward_release: Perbill::from_parts(500_000),
				max_supply: SUPPLY,
				total_issuance: SUPPLY,
				active_issuance: SUPPLY,
			}
		);
		assert!(FeeSplit::DEFAULT.is_whole());
	});
}

#[test]
fn governance_sets_a_whole_fee_split() {
	run(|| {
		let new = split(20, 30, 10, 40);
		assert_ok!(Tokenomics::set_fee_split(RuntimeOrigin::root(), new));
		assert_eq!(Tokenomics::fee_split(), new);
		System::assert_last_event(Event::FeeSplitSet { split: new }.into());
	});
}

#[test]
fn a_split_that_is_not_exactly_100_percent_is_refused() {
	run(|| {
		for bad in
			[split(20, 30, 10, 39), split(20, 30, 10, 41), split(0, 0, 0, 0), split(100, 100, 0, 0)]
		{
			assert_noop!(
				Tokenomics::set_fee_split(RuntimeOrigin::root(), bad),
				Error::<Test>::SplitNotWhole
			);
		}
		// One part per billion off is still off.
		let mut almost = split(25, 25, 25, 25);
		almost.stakers = Perbill::from_parts(249_999_999);
		assert_noop!(
			Tokenomics::set_fee_split(RuntimeOrigin::root(), almost),
			Error::<Test>::SplitNotWhole
		);
		assert_eq!(Tokenomics::fee_split(), FeeSplit::DEFAULT);
	});
}

#[test]
fn only_the_governance_origin_changes_parameters() {
	run(|| {
		let new = split(20, 30, 10, 40);
		assert_noop!(
			Tokenomics::set_fee_split(RuntimeOrigin::signed(ALICE), new),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Tokenomics::set_reward_release(RuntimeOrigin::signed(BOB), Perbill::from_percent(1)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Tokenomics::set_fee_split(RuntimeOrigin::none(), new),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn unchanged_values_are_refused() {
	run(|| {
		assert_noop!(
			Tokenomics::set_fee_split(RuntimeOrigin::root(), FeeSplit::DEFAULT),
			Error::<Test>::NoChange
		);
		assert_noop!(
			Tokenomics::set_reward_release(RuntimeOrigin::root(), Perbill::from_parts(500_000)),
			Error::<Test>::NoChange
		);
	});
}

#[test]
fn reward_release_is_set_with_an_event() {
	run(|| {
		assert_ok!(Tokenomics::set_reward_release(RuntimeOrigin::root(), Perbill::from_percent(1)));
		System::assert_last_event(
			Event::RewardReleaseSet { rate: Perbill::from_percent(1) }.into(),
		);
		assert_eq!(Tokenomics::parameters().reward_release, Perbill::from_percent(1));
	});
}

#[test]
fn dividing_a_payment_loses_nothing() {
	for amount in [0u128, 1, 7, 999, 1_000_000_007, u128::MAX] {
		for s in [FeeSplit::DEFAULT, split(33, 34, 0, 33), split(0, 100, 0, 0), split(1, 1, 1, 97)]
		{
			let parts = s.divide(amount);
			let sum = parts.iter().fold(0u128, |a, p| a.saturating_add(*p));
			assert_eq!(sum, amount, "{s:?} of {amount}");
		}
	}
	assert_eq!(FeeSplit::DEFAULT.divide(1_000u128), [100, 400, 100, 400]);
}

#[test]
fn try_state_catches_issuance_above_the_fixed_supply() {
	new_test_ext().execute_with(|| {
		assert_ok!(Tokenomics::do_try_state());
		assert_ok!(<Balances as Mutate<AccountId>>::mint_into(&BOB, 1));
		assert_eq!(<Balances as Inspect<AccountId>>::total_issuance(), SUPPLY + 1);
		assert!(Tokenomics::do_try_state().is_err());
	});
}

#[test]
fn deactivated_funds_do_not_count_against_the_supply() {
	use frame::token::fungible::Unbalanced;
	new_test_ext().execute_with(|| {
		// What the EVM pallet does for a new contract account: mint an existential deposit and
		// deactivate it.
		assert_ok!(<Balances as Mutate<AccountId>>::mint_into(&BOB, 1));
		<Balances as Unbalanced<AccountId>>::deactivate(1);
		assert_eq!(Tokenomics::parameters().total_issuance, SUPPLY + 1);
		assert_eq!(Tokenomics::parameters().active_issuance, SUPPLY);
		assert_ok!(Tokenomics::do_try_state());
	});
}

#[test]
fn governance_sets_the_training_fee_split_apart_from_the_inference_one() {
	run(|| {
		assert_eq!(Tokenomics::training_fee_split(), FeeSplit::TRAINING);
		assert!(FeeSplit::TRAINING.is_whole());
		let new = split(10, 0, 80, 10);
		assert_ok!(Tokenomics::set_training_fee_split(RuntimeOrigin::root(), new));
		assert_eq!(Tokenomics::training_fee_split(), new);
		assert_eq!(Tokenomics::fee_split(), FeeSplit::DEFAULT, "inference unchanged");
		System::assert_last_event(Event::TrainingFeeSplitSet { split: new }.into());
		assert_noop!(
			Tokenomics::set_training_fee_split(RuntimeOrigin::root(), split(10, 0, 80, 11)),
			Error::<Test>::SplitNotWhole
		);
		assert_noop!(
			Tokenomics::set_training_fee_split(RuntimeOrigin::root(), new),
			Error::<Test>::NoChange
		);
		assert_noop!(
			Tokenomics::set_training_fee_split(RuntimeOrigin::signed(ALICE), FeeSplit::TRAINING),
			DispatchError::BadOrigin
		);
	});
}
