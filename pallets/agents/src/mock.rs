//! Test runtime: System, Balances, Agents. Agent keys are `UintAuthorityId`s; base models 1 to
//! 6 are active (tests may retire some through [`ActiveModels`]); accounts in [`Busy`] have
//! open work. Every test run through [`run`] checks `do_try_state` at the end.

use crate as pallet_agents;
use crate::Params;
use polkadot_sdk::{pallet_balances, polkadot_sdk_frame as frame};

use frame::{
	deps::sp_runtime::{testing::UintAuthorityId, BuildStorage},
	runtime::prelude::*,
	testing_prelude::*,
};

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
	pub type Agents = pallet_agents;
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
	type RuntimeHoldReason = RuntimeHoldReason;
}

pub const TREASURY: AccountId = 99;
pub const MIN_BOND: Balance = 100;
pub const PERIOD: u64 = 10;
pub const MAX_PROVIDERS: u32 = 3;
pub const MAX_CHUNKS: u32 = 2;

parameter_types! {
	pub const Treasury: AccountId = TREASURY;
	pub DefaultParams: Params<Balance, u64> = Params {
		min_bond: MIN_BOND,
		unbonding_period: PERIOD,
		missed_slash: Perbill::from_percent(10),
		fraud_slash: Perbill::from_percent(50),
		strikes_before_suspension: 3,
	};
	/// The active base models.
	pub static ActiveModels: Vec<u64> = vec![1, 2, 3, 4, 5, 6];
	/// The accounts with open work.
	pub static Busy: Vec<AccountId> = vec![];
}

pub struct BaseModels;
impl Contains<u64> for BaseModels {
	fn contains(id: &u64) -> bool {
		ActiveModels::get().contains(id)
	}
}

pub struct Workload;
impl Contains<AccountId> for Workload {
	fn contains(who: &AccountId) -> bool {
		Busy::get().contains(who)
	}
}

impl pallet_agents::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ParamsOrigin = frame_system::EnsureRoot<AccountId>;
	type SlashBeneficiary = Treasury;
	type AgentKey = UintAuthorityId;
	type BaseModels = BaseModels;
	type Workload = Workload;
	type DefaultParams = DefaultParams;
	type MaxAgents = ConstU32<4>;
	type MaxModelsPerAgent = ConstU32<3>;
	type MaxEndpointLen = ConstU32<64>;
	type MaxUnbondingChunks = ConstU32<MAX_CHUNKS>;
	type MaxProviders = ConstU32<MAX_PROVIDERS>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchHelper;
}

/// Models 1 to 6 are active in the mock.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_agents::BenchmarkHelper for BenchHelper {
	fn base_model(n: u32) -> u64 {
		u64::from(n).saturating_add(1)
	}
}

/// Accounts 1 to 6 have 1,000 each; the treasury has 1.
pub fn new_test_ext() -> TestState {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	let mut balances: Vec<(AccountId, Balance)> = (1..=6).map(|a| (a, 1_000)).collect();
	balances.push((TREASURY, 1));
	let _ = pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut t);
	let mut ext = TestState::new(t);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Checks the pallet's invariants; every test calls it at its end.
pub fn check_invariants() {
	if let Err(e) = Agents::do_try_state() {
		panic!("try_state: {e:?}");
	}
}

/// Runs a test and checks the pallet's invariants afterwards.
pub fn run(test: impl FnOnce()) {
	ActiveModels::set(vec![1, 2, 3, 4, 5, 6]);
	Busy::set(vec![]);
	new_test_ext().execute_with(|| {
		test();
		check_invariants();
	});
}
