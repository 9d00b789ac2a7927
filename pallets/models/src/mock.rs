//! Test runtime: System, Balances, Models. Authorities are `UintAuthorityId`s 1 to 9. Every
//! test run through [`run`] checks `do_try_state` at the end.

#![allow(clippy::arithmetic_side_effects, reason = "test fixtures on small constants")]

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
	type RuntimeHoldReason = RuntimeHoldReason;
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

/// A fine-tune's terms in the tests: base fee 100, 2 per KiB·epoch, draw after 2 blocks, 3 to
/// accept, 10 + 5 per MiB·epoch to deliver, 3 attempts, 1 job per agent, deadlines up to 500
/// blocks ahead, a checkpoint every 4 steps.
pub fn test_params() -> pallet_models::FineTuneParamsOf<Test> {
	pallet_models::FineTuneParams {
		base_fee: 100,
		price_per_kib_epoch: 2,
		draw_delay: 2,
		accept_period: 3,
		delivery_base: 10,
		delivery_per_mib_epoch: 5,
		max_attempts: 3,
		max_jobs_per_agent: 1,
		max_deadline: 500,
		checkpoint_every: 4,
		verifiers: 3,
		verify_period: 20,
		tolerance_ppb: 1_000_000,
	}
}

parameter_types! {
	pub DefaultFineTune: pallet_models::FineTuneParamsOf<Test> = test_params();
	/// The runtime's default training split.
	pub TrainingSplit: openledger_primitives::FeeSplit = openledger_primitives::FeeSplit::TRAINING;
	/// The treasury: account 99 (funded, so it exists).
	pub const TreasuryAccount: AccountId = 99;
}

/// The agent key of account `a`.
pub fn agent_key(a: AccountId) -> UintAuthorityId {
	UintAuthorityId(1000 + a)
}

thread_local! {
	/// Trainer agents of base model 0, sorted.
	pub static TRAINERS: core::cell::RefCell<Vec<AccountId>> = const { core::cell::RefCell::new(Vec::new()) };
	/// Faults recorded, in order.
	pub static FAULTS: core::cell::RefCell<Vec<(AccountId, openledger_primitives::Fault)>> = const { core::cell::RefCell::new(Vec::new()) };
	/// Outcomes recorded, in order.
	pub static OUTCOMES: core::cell::RefCell<Vec<(AccountId, openledger_primitives::Outcome)>> = const { core::cell::RefCell::new(Vec::new()) };
	/// Datanet versions: (datanet, version) → data.
	pub static DATA: core::cell::RefCell<alloc::collections::BTreeMap<(u32, u32), openledger_primitives::DataVersion<AccountId, Balance>>> = const { core::cell::RefCell::new(alloc::collections::BTreeMap::new()) };
}

/// Bytes per uploaded chunk in the tests.
pub const CHUNK: u32 = 8;

thread_local! {
	/// The validators (authority, account): by default authorities 1 to 4 with accounts 1 to 4.
	pub static VALIDATORS: core::cell::RefCell<Vec<(UintAuthorityId, AccountId)>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// The validators the tests set.
pub struct MockValidators;
impl pallet_models::ValidatorSet<UintAuthorityId, AccountId> for MockValidators {
	fn validators() -> Vec<(UintAuthorityId, AccountId)> {
		VALIDATORS.with(|v| v.borrow().clone())
	}
}

/// The slash of a missed deadline in the mock registry.
pub const MISS_SLASH: Balance = 7;

/// A registry whose trainers (of base model 0 only) are set by the tests; faults slash
/// [`MISS_SLASH`] and are recorded.
pub struct MockAgents;
impl openledger_primitives::AgentRegistry<AccountId, Balance> for MockAgents {
	fn can_work(a: &AccountId, c: openledger_primitives::Capability, m: u64) -> bool {
		c == openledger_primitives::Capability::Train
			&& m == 0 && TRAINERS.with(|t| t.borrow().contains(a))
	}
	fn providers(c: openledger_primitives::Capability, m: u64) -> Vec<AccountId> {
		if c == openledger_primitives::Capability::Train && m == 0 {
			TRAINERS.with(|t| t.borrow().clone())
		} else {
			Vec::new()
		}
	}
	fn record(a: &AccountId, o: openledger_primitives::Outcome) {
		OUTCOMES.with(|x| x.borrow_mut().push((*a, o)));
	}
	fn fault(a: &AccountId, f: openledger_primitives::Fault) -> Balance {
		FAULTS.with(|x| x.borrow_mut().push((*a, f)));
		MISS_SLASH
	}
}
impl openledger_primitives::AgentKeys<AccountId, UintAuthorityId> for MockAgents {
	fn key_of(a: &AccountId) -> Option<UintAuthorityId> {
		TRAINERS.with(|t| t.borrow().contains(a)).then(|| agent_key(*a))
	}
	fn owner_of(k: &UintAuthorityId) -> Option<AccountId> {
		let a = k.0.checked_sub(1000)?;
		TRAINERS.with(|t| t.borrow().contains(&a)).then_some(a)
	}
}

/// Datanet versions set by the tests.
pub struct MockData;
impl openledger_primitives::TrainingData<AccountId, Balance> for MockData {
	fn version(d: u32, v: u32) -> Option<openledger_primitives::DataVersion<AccountId, Balance>> {
		DATA.with(|x| x.borrow().get(&(d, v)).cloned())
	}
	/// Contribution `d * 1000 + i` at position `i`, hash `[d as u8 + i as u8; 32]`, 10 bytes.
	fn training_set(d: u32, accepted: u32) -> Vec<openledger_primitives::TrainingItem> {
		(0..accepted)
			.map(|i| openledger_primitives::TrainingItem {
				contribution: u64::from(d * 1000 + i),
				hash: [(d + i) as u8; 32],
				size: 10,
			})
			.collect()
	}
}

impl pallet_models::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ParamsOrigin = frame_system::EnsureRoot<AccountId>;
	type Agents = MockAgents;
	type AgentKey = UintAuthorityId;
	type TrainingData = MockData;
	type DefaultFineTuneParams = DefaultFineTune;
	type MaxDuePerBlock = ConstU32<2>;
	type MaxCheckpoints = ConstU32<8>;
	type Validators = MockValidators;
	type TrainingSplit = TrainingSplit;
	type BasePricePer1k = ConstU128<500>;
	type Treasury = TreasuryAccount;
	type ChunkSize = ConstU32<CHUNK>;
	type MaxFileChunks = ConstU32<4>;
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
impl pallet_models::BenchmarkHelper<UintAuthorityId, AccountId, UintAuthorityId> for BenchHelper {
	fn authority() -> UintAuthorityId {
		UintAuthorityId(1)
	}
	fn trainers(_model: u64, n: u32) -> Vec<AccountId> {
		let all: Vec<AccountId> = (0..u64::from(n)).map(|i| 10_000 + i).collect();
		TRAINERS.with(|t| *t.borrow_mut() = all.clone());
		all
	}
	fn trainer_key(_model: u64, agent: &AccountId) -> UintAuthorityId {
		// thread-locals survive the benchmark runs that storage does not: start afresh
		TRAINERS.with(|t| *t.borrow_mut() = vec![*agent]);
		agent_key(*agent)
	}
	fn datanet_version(n: u32) -> (u32, u32) {
		DATA.with(|x| {
			x.borrow_mut().insert(
				(n, 1),
				openledger_primitives::DataVersion {
					owner: 9,
					commitment: [n as u8; 32],
					accepted: 10,
					bytes: 10_000,
					price_per_use: 50,
					licence: b"CC-BY-4.0".to_vec(),
					text: true,
				},
			)
		});
		(n, 1)
	}
}

/// Funded accounts: 1 to 9 and the trainers 20 to 29, 1,000,000 each.
pub fn new_test_ext() -> TestState {
	TRAINERS.with(|t| t.borrow_mut().clear());
	FAULTS.with(|t| t.borrow_mut().clear());
	OUTCOMES.with(|t| t.borrow_mut().clear());
	DATA.with(|t| t.borrow_mut().clear());
	VALIDATORS.with(|v| *v.borrow_mut() = (1..5).map(|i| (UintAuthorityId(i), i)).collect());
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	let balances = (1..10).chain(20..30).chain([99]).map(|a| (a, 1_000_000)).collect();
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut t)
		.unwrap_or_default();
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
