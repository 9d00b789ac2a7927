//! Test runtime: System, Balances, Models. Authorities are `UintAuthorityId`s 1 to 9. Every
//! test run through [`run`] checks `do_try_state` at the end.

use crate as pallet_models;
use polkadot_sdk::{pallet_balances, polkadot_sdk_frame as frame};

use frame::{
	deps::sp_runtime::{testing::UintAuthorityId, BuildStorage},
	runtime::prelude::*,
	testing_prelude::*,
};

type Block = frame_system::mocking::MockBlock<Test>;
pub type Balance = u128;
pub type AccountId = u64;
/// What the offchain worker puts into the (test) transaction pool.
pub type Extrinsic = frame::deps::sp_runtime::testing::TestXt<RuntimeCall, ()>;

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
	pub type Models = pallet_models;
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

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = Extrinsic;
}

impl<C> frame_system::offchain::CreateBare<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_bare(call: RuntimeCall) -> Extrinsic {
		Extrinsic::new_bare(call)
	}
}

/// Validators: keys 1 to 9.
pub struct Authorities;
impl Contains<UintAuthorityId> for Authorities {
	fn contains(k: &UintAuthorityId) -> bool {
		(1..10).contains(&k.0)
	}
}

pub const PERIOD: u64 = 5;
pub const MAX_MODELS: u32 = 3;

impl pallet_models::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RegistrarOrigin = frame_system::EnsureRoot<AccountId>;
	type AuthorityId = UintAuthorityId;
	type IsAuthority = Authorities;
	type AnnouncePeriod = ConstU64<PERIOD>;
	type UnsignedPriority = ConstU64<{ 1 << 20 }>;
	type MaxBaseModels = ConstU32<MAX_MODELS>;
	type MaxNameLen = ConstU32<32>;
	type MaxSpdxLen = ConstU32<16>;
	type MaxContextLength = ConstU32<8192>;
	type MaxLineageDatanets = ConstU32<4>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchHelper;
}

/// Validator 1, for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_models::BenchmarkHelper<UintAuthorityId> for BenchHelper {
	fn authority() -> UintAuthorityId {
		UintAuthorityId(1)
	}
}

pub fn new_test_ext() -> TestState {
	let t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	let mut ext = TestState::new(t);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Checks the pallet's invariants; every test calls it at its end.
pub fn check_invariants() {
	if let Err(e) = Models::do_try_state() {
		panic!("try_state: {e:?}");
	}
}

/// Runs a test and checks the pallet's invariants afterwards.
pub fn run(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		check_invariants();
	});
}
