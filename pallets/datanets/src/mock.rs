//! Test runtime: System, Balances, Datanets. Every test runs `do_try_state` at the end.

use crate as pallet_datanets;
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
	pub type Datanets = pallet_datanets;
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

pub const TREASURY: AccountId = 999;
pub const DATANET_DEPOSIT: Balance = 1_000;
pub const CHUNK: u32 = 64;
pub const DAY: u64 = 100;
pub const LIFETIME: u64 = 20;

parameter_types! {
	pub const Treasury: AccountId = TREASURY;
}

impl pallet_datanets::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type SlashBeneficiary = Treasury;
	type DatanetDeposit = ConstU128<DATANET_DEPOSIT>;
	type MinContributionDeposit = ConstU128<10>;
	type ChunkSize = ConstU32<CHUNK>;
	type MaxChunks = ConstU32<8>;
	type UploadLifetime = ConstU64<LIFETIME>;
	type BlocksPerDay = ConstU64<DAY>;
	type MaxPending = ConstU32<6>;
	type MaxAcceptBatch = ConstU32<4>;
	type MaxCurators = ConstU32<2>;
	type MaxNameLen = ConstU32<32>;
	type MaxSummaryLen = ConstU32<64>;
	type MaxTags = ConstU32<3>;
	type MaxTagLen = ConstU32<8>;
	type MaxSpdxLen = ConstU32<16>;
	type WeightInfo = ();
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
pub const DAVE: AccountId = 4;
pub const POOR: AccountId = 5;
pub const START: Balance = 1_000_000;

pub fn new_test_ext() -> TestState {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	let _ = pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(ALICE, START),
			(BOB, START),
			(CHARLIE, START),
			(DAVE, START),
			(POOR, 50),
			(TREASURY, 1),
		],
		..Default::default()
	}
	.assimilate_storage(&mut t);
	let mut ext = TestState::new(t);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs a test and checks the pallet's invariants afterwards.
pub fn run(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		if let Err(e) = Datanets::do_try_state() {
			panic!("try_state: {e:?}");
		}
	});
}
