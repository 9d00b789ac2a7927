//! Test runtime: System, Balances, Tokenomics. Every test runs `do_try_state` at the end.

use crate as pallet_tokenomics;
use polkadot_sdk::{pallet_balances, polkadot_sdk_frame as frame};

use frame::{deps::sp_runtime::BuildStorage, runtime::prelude::*, testing_prelude::*};

type Block = frame_system::mocking::MockBlock<Test>;
pub type Balance = u128;
pub type AccountId = u64;

#[frame_construct_runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Tokenomics = pallet_tokenomics;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = frame::deps::sp_runtime::traits::IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type AccountStore = System;
	type ExistentialDeposit = ConstU128<1>;
}

pub const SUPPLY: Balance = 1_000_000;

parameter_types! {
	pub const Slash: Perbill = Perbill::from_percent(10);
}

impl pallet_tokenomics::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type ParamsOrigin = frame_system::EnsureRoot<AccountId>;
	type ContributionSlash = Slash;
	type MaxSupply = ConstU128<SUPPLY>;
	type WeightInfo = ();
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;

pub fn new_test_ext() -> TestState {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	let _ = pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, SUPPLY - 400), (BOB, 400)],
		..Default::default()
	}
	.assimilate_storage(&mut t);
	let _ = pallet_tokenomics::GenesisConfig::<Test>::default().assimilate_storage(&mut t);
	let mut ext = TestState::new(t);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs a test and checks the pallet's invariants afterwards.
pub fn run(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		if let Err(e) = Tokenomics::do_try_state() {
			panic!("try_state: {e:?}");
		}
	});
}
