//! Test runtime: System, Balances, Inference, with 32-byte accounts. Models: base model 1
//! (1,000 planck per 1,000 tokens, no owner), adapter `[7; 32]` on base 1 (3,000 planck, owned
//! by [`Owner`]); agents in [`Serving`] can serve base 1. The inference split is the genesis
//! one (treasury 10 %, model owner 40 %, stakers 10 %, contributors 40 %). Every test run
//! through [`run`] checks `do_try_state` at the end.

// A test runtime: a genesis or an invariant that fails is a failed test.
#![allow(clippy::expect_used)]

use crate as pallet_inference;
use openledger_primitives::{Capability, Fault, ModelId, ModelPrice, Outcome, ServedModel};
use polkadot_sdk::{pallet_balances, polkadot_sdk_frame as frame};

use frame::{
	deps::sp_runtime::{testing::UintAuthorityId, AccountId32, BuildStorage},
	runtime::prelude::*,
	testing_prelude::*,
};

type Block = frame_system::mocking::MockBlock<Test>;
pub type Balance = u128;
pub type AccountId = AccountId32;

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
	pub type Inference = pallet_inference;
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

/// An account from one byte.
pub fn account(b: u8) -> AccountId {
	AccountId32::new([b; 32])
}

pub const ADAPTER: [u8; 32] = [7; 32];
pub const DELAY: u64 = 10;

parameter_types! {
	pub Treasury: AccountId = account(99);
	/// The model owner of [`ADAPTER`].
	pub Owner: AccountId = account(50);
	/// The agents that can serve base model 1.
	pub static Serving: Vec<AccountId> = vec![];
	/// The inference split.
	pub Split: openledger_primitives::FeeSplit = openledger_primitives::FeeSplit::DEFAULT;
}

/// Prices: base 1 at 1,000, [`ADAPTER`] (on base 1, owned by [`Owner`]) at 3,000.
pub struct Models;
impl openledger_primitives::ModelPrices<AccountId, Balance> for Models {
	fn price(model: &ServedModel) -> Option<ModelPrice<AccountId, Balance>> {
		match model {
			ServedModel::Base(1) => Some(ModelPrice { base: 1, per_1k_tokens: 1_000, owner: None }),
			ServedModel::Adapter(a) if *a == ADAPTER => {
				Some(ModelPrice { base: 1, per_1k_tokens: 3_000, owner: Some(Owner::get()) })
			}
			_ => None,
		}
	}
}

/// An agent's node key in the tests: its account's first byte.
pub fn agent_key(agent: &AccountId) -> UintAuthorityId {
	let bytes: &[u8; 32] = agent.as_ref();
	UintAuthorityId(u64::from(bytes[0]))
}

/// The agents in [`Serving`] can serve base model 1; each agent's node key is [`agent_key`].
pub struct Agents;
impl openledger_primitives::AgentKeys<AccountId, UintAuthorityId> for Agents {
	fn key_of(agent: &AccountId) -> Option<UintAuthorityId> {
		Some(agent_key(agent))
	}
	fn owner_of(key: &UintAuthorityId) -> Option<AccountId> {
		u8::try_from(key.0).ok().map(account)
	}
}
impl openledger_primitives::AgentRegistry<AccountId, Balance> for Agents {
	fn can_work(agent: &AccountId, capability: Capability, model: ModelId) -> bool {
		capability == Capability::Serve && model == 1 && Serving::get().contains(agent)
	}
	fn providers(_: Capability, _: ModelId) -> Vec<AccountId> {
		Serving::get()
	}
	fn record(_: &AccountId, _: Outcome) {}
	fn fault(_: &AccountId, _: Fault) -> Balance {
		0
	}
}

impl pallet_inference::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type Agents = Agents;
	type AgentKey = UintAuthorityId;
	type UnsignedPriority = ConstU64<{ 1 << 20 }>;
	type InferenceSplit = Split;
	type Treasury = Treasury;
	type WithdrawDelay = ConstU64<DELAY>;
	type MaxRecords = ConstU32<8>;
	type MaxCompletionTokens = ConstU32<64>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchHelper;
}

/// The agent serves base 1; every model is [`ADAPTER`] (owned by [`Owner`]).
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_inference::BenchmarkHelper<AccountId> for BenchHelper {
	fn served_model(agent: &AccountId, _i: u32) -> ServedModel {
		Serving::set(vec![agent.clone()]);
		ServedModel::Adapter(ADAPTER)
	}
}

/// The benchmarks' externalities: the treasury and the model owner funded, a keystore for the
/// user's key.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> TestState {
	use polkadot_sdk::sp_keystore::{testing::MemoryKeystore, KeystoreExt};
	let mut ext = genesis(&[]);
	ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
	ext.execute_with(|| System::set_block_number(1));
	ext
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

/// The test runtime's extrinsics (the offchain worker's unsigned settlements).
pub type Extrinsic = frame::deps::sp_runtime::testing::TestXt<RuntimeCall, ()>;

/// The genesis: `funded` with 1,000,000 planck each, and the treasury and model owner with 1 so
/// they exist.
fn genesis(funded: &[AccountId]) -> TestState {
	let mut balances: Vec<(AccountId, Balance)> =
		funded.iter().map(|a| (a.clone(), 1_000_000)).collect();
	balances.push((Treasury::get(), 1));
	balances.push((Owner::get(), 1));
	let mut storage =
		frame_system::GenesisConfig::<Test>::default().build_storage().expect("genesis");
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut storage)
		.expect("balances genesis");
	TestState::new(storage)
}

/// Runs `test` from block 1 with the given accounts funded (see [`genesis`]), then checks the
/// invariants. Returns what the test wrote to the offchain index.
pub fn run(
	funded: &[AccountId],
	test: impl FnOnce(),
) -> frame::deps::sp_core::offchain::testing::TestPersistentOffchainDB {
	let mut ext = genesis(funded);
	ext.execute_with(|| {
		System::set_block_number(1);
		test();
		Inference::do_try_state().expect("the invariants hold");
	});
	ext.persist_offchain_overlay();
	ext.offchain_db()
}
