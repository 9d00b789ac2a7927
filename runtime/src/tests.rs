//! Runtime tests: genesis supply and vesting, fee payment through a real signed extrinsic, an
//! EVM contract deployed and called through `Revive`, governance origins, validators joining
//! and leaving across sessions, and an AI agent's bond and slash.
#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects,
	reason = "tests"
)]

use crate::{
	currency::{EXISTENTIAL_DEPOSIT, OPEN, TOTAL_SUPPLY},
	genesis_config_presets::{
		allocation, dev_accounts, eth_account, get_preset, DEV_ENDOWMENT, ETH_DEV_ADDRESSES,
		LOCAL_TESTNET_RUNTIME_PRESET,
	},
	validators::CANDIDACY_BOND,
	*,
};
use codec::Encode;
use polkadot_sdk::{
	frame_support::{assert_ok, dispatch::GetDispatchInfo, traits::fungible::Inspect},
	pallet_revive::{AddressMapper, ExecConfig, TransactionLimits},
	sp_consensus_aura::{Slot, AURA_ENGINE_ID},
	sp_core::{H160, U256},
	sp_genesis_builder::DEV_RUNTIME_PRESET,
	sp_io,
	sp_keyring::Sr25519Keyring,
	sp_runtime::{
		generic::{self, Era},
		traits::{Dispatchable, Header as _},
		BuildStorage, Digest, DigestItem,
	},
};
use serde_json::Value;

fn merge(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (k, v) in patch {
				merge(base.entry(k).or_insert(Value::Null), v);
			}
		}
		(base, patch) => *base = patch,
	}
}

/// Test externalities built from a genesis preset exactly as a chain spec would be.
fn ext_for(preset: &str) -> sp_io::TestExternalities {
	ext_with(preset, serde_json::json!({}))
}

/// [`ext_for`] with `overrides` (a JSON object) merged into the preset's patch.
fn ext_with(preset: &str, overrides: Value) -> sp_io::TestExternalities {
	let mut patch: Value =
		serde_json::from_slice(&get_preset(&preset.into()).expect("preset exists")).unwrap();
	merge(&mut patch, overrides);
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	merge(&mut config, patch);
	let config: RuntimeGenesisConfig = serde_json::from_value(config).unwrap();
	sp_io::TestExternalities::new(config.build_storage().unwrap())
}

/// Starts block 1 authored by the first Aura authority (Alice in both presets).
fn start_block_authored_by_first_authority() {
	let slot = Slot::from(1_000u64);
	let digest = Digest { logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, slot.encode())] };
	let header = Header::new(1, Default::default(), Default::default(), Default::default(), digest);
	Executive::initialize_block(&header);
}

fn signed_extrinsic(signer: Sr25519Keyring, nonce: Nonce, call: RuntimeCall) -> UncheckedExtrinsic {
	let tx_ext: TxExtension = (
		frame_system::CheckNonZeroSender::new(),
		frame_system::CheckSpecVersion::new(),
		frame_system::CheckTxVersion::new(),
		frame_system::CheckGenesis::new(),
		frame_system::CheckEra::from(Era::Immortal),
		frame_system::CheckNonce::from(nonce),
		frame_system::CheckWeight::new(),
		pallet_transaction_payment::ChargeTransactionPayment::from(0),
		pallet_revive::evm::tx_extension::SetOrigin::default(),
		frame_system::WeightReclaim::new(),
	);
	let payload = generic::SignedPayload::new(call.clone(), tx_ext.clone()).unwrap();
	let signature = payload.using_encoded(|bytes| signer.sign(bytes));
	pallet_revive::evm::runtime::UncheckedExtrinsic(generic::UncheckedExtrinsic::new_signed(
		call,
		Address::Id(signer.to_account_id()),
		Signature::Sr25519(signature),
		tx_ext,
	))
}

#[test]
fn genesis_supply_is_exactly_one_billion_open_in_every_preset() {
	for preset in [DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET] {
		ext_for(preset).execute_with(|| {
			assert_eq!(Balances::total_issuance(), TOTAL_SUPPLY, "preset {preset}");
			assert_eq!(TOTAL_SUPPLY, 1_000_000_000 * 10u128.pow(18));
			let accounts = dev_accounts();
			// Every account in state, not just the ones we expect: nothing else holds OPEN.
			let sum: Balance = frame_system::Account::<Runtime>::iter()
				.map(|(_, info)| info.data.free + info.data.reserved)
				.sum();
			assert_eq!(sum, TOTAL_SUPPLY, "balances add up to the supply in {preset}");
			assert_eq!(
				frame_system::Account::<Runtime>::iter().count(),
				accounts.len() + allocation::POOLS.len() + 3,
				"dev accounts, the five pools, revive's, the treasury's and the validator pot's accounts"
			);
			let bonded = pallet_collator_selection::CandidateList::<Runtime>::get();
			for who in &accounts {
				let bond = if bonded.iter().any(|c| &c.who == who) { CANDIDACY_BOND } else { 0 };
				assert_eq!(Balances::free_balance(who), DEV_ENDOWMENT - bond);
				assert_eq!(Balances::reserved_balance(who), bond);
			}
		});
	}
}

#[test]
fn the_allocation_is_exactly_the_published_split_of_one_billion() {
	let percent_of_supply = |pool: &allocation::Pool| pool.amount * 10_000 / TOTAL_SUPPLY;
	let split: Vec<(&str, Balance)> =
		allocation::POOLS.iter().map(|p| (p.name, percent_of_supply(p))).collect();
	// Basis points: 51.71 %, 18.29 %, 15 %, 10 %, 5 %.
	assert_eq!(
		split,
		vec![
			("community", 5171),
			("investors", 1829),
			("team", 1500),
			("ecosystem", 1000),
			("liquidity", 500)
		]
	);
	assert_eq!(allocation::POOLS.iter().map(|p| p.amount).sum::<Balance>(), TOTAL_SUPPLY);
	assert_eq!(allocation::POOLS.iter().map(|p| p.amount % OPEN).sum::<Balance>(), 0, "whole OPEN");
	let ids: std::collections::BTreeSet<_> =
		allocation::POOLS.iter().map(|p| p.account()).collect();
	assert_eq!(ids.len(), 5, "five distinct pool accounts");

	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		let carved = DEV_ENDOWMENT * dev_accounts().len() as Balance + 3 * EXISTENTIAL_DEPOSIT;
		for pool in allocation::POOLS {
			let expected =
				if pool == allocation::ECOSYSTEM { pool.amount - carved } else { pool.amount };
			assert_eq!(Balances::total_balance(&pool.account()), expected, "{}", pool.name);
		}
		assert_eq!(Tokenomics::parameters().total_issuance, TOTAL_SUPPLY);
		assert_eq!(Tokenomics::parameters().max_supply, TOTAL_SUPPLY);
		assert_ok!(Tokenomics::do_try_state());
	});
}

/// What the vesting lock leaves spendable on `who` at block `n`.
fn vested_at(who: &AccountId, n: BlockNumber) -> Balance {
	frame_system::Pallet::<Runtime>::set_block_number(n);
	use polkadot_sdk::frame_support::traits::VestingSchedule;
	let locked = pallet_vesting::Pallet::<Runtime>::vesting_balance(who).unwrap_or(0);
	Balances::total_balance(who) - locked
}

#[test]
fn team_and_investors_vest_linearly_after_a_twelve_month_cliff() {
	use allocation::MONTH;
	ext_for(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		for pool in [allocation::TEAM, allocation::INVESTORS] {
			let who = pool.account();
			let per_block = pool.amount / Balance::from(36 * MONTH);
			assert_eq!(vested_at(&who, 1), 0, "{}: nothing at genesis", pool.name);
			assert_eq!(
				vested_at(&who, 12 * MONTH - 1),
				0,
				"{}: nothing before the cliff",
				pool.name
			);
			assert_eq!(vested_at(&who, 12 * MONTH), 0, "{}: the cliff block itself", pool.name);
			assert_eq!(vested_at(&who, 12 * MONTH + 1), per_block);
			assert_eq!(
				vested_at(&who, 30 * MONTH),
				per_block * Balance::from(18 * MONTH),
				"half way"
			);
			assert!(
				vested_at(&who, 48 * MONTH) >= pool.amount - per_block,
				"{}: all but dust at 48 months",
				pool.name
			);
			assert_eq!(
				vested_at(&who, 48 * MONTH + 1),
				pool.amount,
				"{}: everything after",
				pool.name
			);
		}
	});
}

#[test]
fn the_community_pool_vests_linearly_over_48_months_and_locked_funds_cannot_move() {
	use allocation::MONTH;
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		let pool = allocation::COMMUNITY;
		let who = pool.account();
		let per_block = pool.amount / Balance::from(48 * MONTH);
		assert_eq!(vested_at(&who, 1), per_block);
		assert_eq!(
			vested_at(&who, 12 * MONTH),
			per_block * Balance::from(12 * MONTH),
			"a quarter after a year"
		);
		assert_eq!(vested_at(&who, 48 * MONTH + 1), pool.amount);

		// Before the cliff the team pool cannot transfer a single OPEN, even with the vest call.
		frame_system::Pallet::<Runtime>::set_block_number(10);
		let team = allocation::TEAM.account();
		let origin = RuntimeOrigin::signed(team.clone());
		assert_ok!(Vesting::vest(origin.clone()));
		let to = Sr25519Keyring::Bob.to_account_id();
		let transfer =
			pallet_balances::Call::<Runtime>::transfer_keep_alive { dest: to.into(), value: OPEN };
		assert!(RuntimeCall::Balances(transfer).dispatch(origin).is_err());
		assert_eq!(Balances::total_balance(&team), allocation::TEAM.amount);
	});
}

#[test]
fn only_root_changes_the_fee_split_and_it_must_be_whole() {
	use polkadot_sdk::sp_runtime::Perbill;
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		let split = pallet_tokenomics::FeeSplit {
			treasury: Perbill::from_percent(20),
			model_owner: Perbill::from_percent(30),
			stakers: Perbill::from_percent(10),
			contributors: Perbill::from_percent(40),
		};
		let call = RuntimeCall::Tokenomics(pallet_tokenomics::Call::set_fee_split { split });
		let alice = RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id());
		assert!(call.clone().dispatch(alice).is_err());
		let mut broken = split;
		broken.stakers = Perbill::from_percent(11);
		let bad = RuntimeCall::Tokenomics(pallet_tokenomics::Call::set_fee_split { split: broken });
		assert!(bad.dispatch(RuntimeOrigin::root()).is_err());
		assert_ok!(call.dispatch(RuntimeOrigin::root()));
		assert_eq!(Tokenomics::parameters().fee_split, split);
	});
}

#[test]
fn presets_have_expected_validators_and_sudo() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(session_validators(), [Sr25519Keyring::Alice.to_account_id()].into());
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 1);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(Sr25519Keyring::Alice.to_account_id()));
		assert!(crate::governance::origins::FastTracks::<Runtime>::get());
	});
	ext_for(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 2);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 2);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None, "sudo only on the development chain");
		assert!(!crate::governance::origins::FastTracks::<Runtime>::get());
	});
	assert!(get_preset(&"no-such-preset".into()).is_none());
}

#[test]
fn ethereum_dev_accounts_are_funded_at_their_h160_addresses() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		for address in ETH_DEV_ADDRESSES {
			let account = <Runtime as pallet_revive::Config>::AddressMapper::to_account_id(
				&H160::from(address),
			);
			assert_eq!(account, eth_account(address));
			assert_eq!(Balances::free_balance(&account), DEV_ENDOWMENT);
			// What `eth_getBalance` reports: the spendable balance (free minus the existential
			// deposit), 18 decimals, so wei == planck.
			assert_eq!(
				pallet_revive::Pallet::<Runtime>::evm_balance(&H160::from(address)),
				U256::from(DEV_ENDOWMENT - EXISTENTIAL_DEPOSIT)
			);
		}
	});
}

#[test]
fn signed_transfer_pays_a_fee_to_the_block_author_and_keeps_the_supply() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		start_block_authored_by_first_authority();
		let (bob, charlie, alice) = (
			Sr25519Keyring::Bob.to_account_id(),
			Sr25519Keyring::Charlie.to_account_id(),
			Sr25519Keyring::Alice.to_account_id(),
		);
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: charlie.clone().into(),
			value: OPEN,
		});
		let xt = signed_extrinsic(Sr25519Keyring::Bob, 0, call.clone());
		let len = xt.encoded_size() as u32;
		// The pre-dispatch fee: call weight plus the transaction extensions' weight and length.
		let expected_fee = TransactionPayment::compute_fee(len, &xt.get_dispatch_info(), 0);
		assert!(expected_fee > 0);

		assert_ok!(Executive::apply_extrinsic(xt).expect("valid transaction"));

		let fee = DEV_ENDOWMENT - OPEN - Balances::free_balance(&bob);
		assert!(fee > 0 && fee <= expected_fee, "fee {fee} expected at most {expected_fee}");
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::TransactionPayment(
				pallet_transaction_payment::Event::TransactionFeePaid { ref who, actual_fee, .. }
			) if *who == bob && actual_fee == fee
		)));
		assert_eq!(Balances::free_balance(&charlie), DEV_ENDOWMENT + OPEN);
		assert_eq!(
			Balances::free_balance(&alice),
			DEV_ENDOWMENT - CANDIDACY_BOND + fee,
			"author (a bonded validator) receives the fee"
		);
		assert_eq!(Balances::total_issuance(), TOTAL_SUPPLY, "fees move OPEN, never mint it");
		assert_eq!(System::account_nonce(&bob), 1);
	});
}

#[test]
fn transaction_with_a_bad_signature_is_rejected_and_charges_nothing() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		start_block_authored_by_first_authority();
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: Sr25519Keyring::Charlie.to_account_id().into(),
			value: OPEN,
		});
		let good = signed_extrinsic(Sr25519Keyring::Bob, 0, call.clone());
		let generic::Preamble::Signed(_, signature, tx_ext) = good.0.preamble else {
			panic!("built as a signed extrinsic")
		};
		// Claim Bob's signature is Dave's: it no longer verifies.
		let xt = pallet_revive::evm::runtime::UncheckedExtrinsic(
			generic::UncheckedExtrinsic::new_signed(
				call,
				Address::Id(Sr25519Keyring::Dave.to_account_id()),
				signature,
				tx_ext,
			),
		);
		assert!(Executive::apply_extrinsic(xt).is_err());
		assert_eq!(Balances::free_balance(Sr25519Keyring::Dave.to_account_id()), DEV_ENDOWMENT);
		assert_eq!(Balances::free_balance(Sr25519Keyring::Bob.to_account_id()), DEV_ENDOWMENT);
	});
}

/// `Counter.sol` compiled by solc 0.8.30 (see `runtime/fixtures/`).
const COUNTER_BIN: &str = include_str!("../fixtures/Counter.bin");

fn abi_u256(v: u64) -> Vec<u8> {
	let mut word = [0u8; 32];
	U256::from(v).to_big_endian().iter().enumerate().for_each(|(i, b)| word[i] = *b);
	word.to_vec()
}

#[test]
fn evm_contract_deploys_and_runs_through_revive() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		start_block_authored_by_first_authority();
		let alith = eth_account(ETH_DEV_ADDRESSES[0]);
		let mut code = array_bytes::hex2bytes(COUNTER_BIN.trim()).expect("fixture is hex");
		assert_eq!(code.first(), Some(&0x60), "EVM init code starts with PUSH1");
		// EVM constructor arguments follow the init code, as in an Ethereum deployment.
		code.extend(abi_u256(7));

		// Deploy with constructor argument 7, as a `Revive` call from Alith.
		let deploy = RuntimeCall::Revive(pallet_revive::Call::instantiate_with_code {
			value: 0,
			weight_limit: Weight::from_parts(500_000_000_000, 1024 * 1024),
			storage_deposit_limit: 10 * OPEN,
			code,
			data: vec![],
			salt: None,
		});
		assert_ok!(deploy.dispatch(RuntimeOrigin::signed(alith.clone())));
		let contract = System::events()
			.into_iter()
			.find_map(|r| match r.event {
				RuntimeEvent::Revive(pallet_revive::Event::Instantiated { contract, .. }) => {
					Some(contract)
				}
				_ => None,
			})
			.expect("Instantiated event");

		let read_count = || -> U256 {
			let result = pallet_revive::Pallet::<Runtime>::bare_call(
				RuntimeOrigin::signed(alith.clone()),
				contract,
				U256::zero(),
				TransactionLimits::WeightAndDeposit {
					weight_limit: Weight::from_parts(100_000_000_000, 1024 * 1024),
					deposit_limit: OPEN,
				},
				vec![0x06, 0x66, 0x1a, 0xbd], // count()
				&ExecConfig::new_substrate_tx(),
			);
			let ret = result.result.expect("count() succeeds");
			assert!(!ret.did_revert());
			U256::from_big_endian(&ret.data)
		};
		assert_eq!(read_count(), U256::from(7));

		// increment(by) through the dispatchable `call`.
		let increment = |by: u64| {
			let mut data = vec![0x7c, 0xf5, 0xda, 0xb0];
			data.extend(abi_u256(by));
			RuntimeCall::Revive(pallet_revive::Call::call {
				dest: contract,
				value: 0,
				weight_limit: Weight::from_parts(100_000_000_000, 1024 * 1024),
				storage_deposit_limit: OPEN,
				data,
			})
		};
		assert_ok!(increment(5).dispatch(RuntimeOrigin::signed(alith.clone())));
		assert_eq!(read_count(), U256::from(12));
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::Revive(pallet_revive::Event::ContractEmitted { contract: c, .. }) if c == contract
		)));

		// increment(0) reverts with the contract's reason and changes nothing.
		let reverted = increment(0).dispatch(RuntimeOrigin::signed(alith.clone()));
		assert_eq!(
			reverted.map_err(|e| e.error),
			Err(pallet_revive::Error::<Runtime>::ContractReverted.into())
		);
		assert_eq!(read_count(), U256::from(12));

		// revive mints one existential deposit into each new contract account and deactivates
		// it: it cannot be spent and is burned with the contract. Active issuance stays fixed.
		assert_eq!(Balances::total_issuance(), TOTAL_SUPPLY + EXISTENTIAL_DEPOSIT);
		assert_eq!(Balances::active_issuance(), TOTAL_SUPPLY);
	});
}

#[test]
fn chain_constants_match_the_documentation() {
	assert_eq!(
		<<Runtime as pallet_revive::Config>::ChainId as polkadot_sdk::sp_core::Get<u64>>::get(),
		EVM_CHAIN_ID
	);
	assert_eq!(EVM_CHAIN_ID, 0x4F50_454E);
	assert_eq!(
		<<Runtime as frame_system::Config>::SS58Prefix as polkadot_sdk::sp_core::Get<u16>>::get(),
		SS58_PREFIX
	);
	assert_eq!(TOKEN_DECIMALS, 18);
	assert_eq!(<<Runtime as pallet_revive::Config>::NativeToEthRatio as polkadot_sdk::sp_core::Get<u32>>::get(), 1);
}

#[test]
fn tracks_are_short_on_the_dev_chain_and_realistic_elsewhere() {
	use crate::{governance::tracks, time::DAYS};
	use polkadot_sdk::pallet_referenda::TracksInfo as _;
	type Tracks = <Runtime as pallet_referenda::Config>::Tracks;
	let names = |set: &[pallet_referenda::Track<u16, Balance, BlockNumber>]| {
		set.iter()
			.map(|t| String::from_utf8_lossy(&t.info.name).trim_end_matches('\0').to_string())
			.collect::<Vec<_>>()
	};
	assert_eq!(
		names(tracks::production()),
		["root", "whitelisted_caller", "treasurer", "economic_parameters", "model_registrar"]
	);
	assert_eq!(names(tracks::fast()), names(tracks::production()));
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		assert!(
			Tracks::tracks().all(|t| t.info.decision_period <= 20 && t.info.confirm_period <= 2)
		);
		assert_ok!(Tracks::check_integrity());
	});
	ext_for(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let root = Tracks::info(tracks::id::ROOT).unwrap();
		assert_eq!(root.decision_period, 28 * DAYS);
		let economic = Tracks::info(tracks::id::ECONOMIC_PARAMETERS).unwrap();
		assert_eq!((economic.decision_period, economic.confirm_period), (14 * DAYS, DAYS));
		assert_ok!(Tracks::check_integrity());
	});
}

#[test]
fn only_the_economic_track_or_root_changes_economic_parameters() {
	use crate::governance::origins::Origin;
	use polkadot_sdk::sp_runtime::Perbill;
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		let rate = |p| {
			RuntimeCall::Tokenomics(pallet_tokenomics::Call::set_reward_release {
				rate: Perbill::from_percent(p),
			})
		};
		assert!(rate(1).dispatch(RuntimeOrigin::from(Origin::Treasurer)).is_err());
		assert!(rate(1).dispatch(RuntimeOrigin::from(Origin::WhitelistedCaller)).is_err());
		assert_ok!(rate(1).dispatch(RuntimeOrigin::from(Origin::EconomicParameters)));
		assert_ok!(rate(2).dispatch(RuntimeOrigin::root()));
		let slash = RuntimeCall::Datanets(pallet_datanets::Call::set_contribution_slash {
			share: Perbill::from_percent(20),
		});
		assert_ok!(slash.dispatch(RuntimeOrigin::from(Origin::EconomicParameters)));
		assert_eq!(Tokenomics::parameters().contribution_slash, Perbill::from_percent(20));
	});
}

#[test]
fn the_presets_register_the_default_model_and_only_the_registrar_track_or_root_changes_it() {
	use crate::governance::origins::Origin;
	for preset in [DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET] {
		ext_for(preset).execute_with(|| {
			let models = Models::base_models();
			assert_eq!(models.len(), 1);
			assert_eq!(models[0].weights_hash, crate::genesis_config_presets::DEFAULT_MODEL_SHA256);
			assert_eq!(models[0].license, b"Apache-2.0".to_vec());
			assert_eq!(models[0].status, pallet_models::ModelStatus::Active);
		});
	}
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		let mut spec = crate::genesis_config_presets::default_base_model();
		spec.weights_hash = [9; 32];
		let register =
			|| RuntimeCall::Models(pallet_models::Call::register_base_model { spec: spec.clone() });
		let alice = Sr25519Keyring::Alice.to_account_id();
		assert!(register().dispatch(RuntimeOrigin::signed(alice)).is_err());
		assert!(register().dispatch(RuntimeOrigin::from(Origin::EconomicParameters)).is_err());
		assert!(register().dispatch(RuntimeOrigin::from(Origin::Treasurer)).is_err());
		assert_ok!(register().dispatch(RuntimeOrigin::from(Origin::ModelRegistrar)));
		let retire = |id| RuntimeCall::Models(pallet_models::Call::retire_base_model { id });
		assert!(retire(1).dispatch(RuntimeOrigin::from(Origin::WhitelistedCaller)).is_err());
		assert_ok!(retire(1).dispatch(RuntimeOrigin::root()));
		assert_eq!(
			Models::base_model(1).map(|m| m.status),
			Some(pallet_models::ModelStatus::Retired)
		);
	});
}

/// A local-testnet genesis with `session_length`-block sessions, and a keystore for generating
/// session keys.
fn local_with_sessions_of(session_length: BlockNumber) -> sp_io::TestExternalities {
	use polkadot_sdk::sp_keystore::{testing::MemoryKeystore, KeystoreExt};
	let overrides = serde_json::json!({ "validators": { "sessionLength": session_length } });
	let mut ext = ext_with(LOCAL_TESTNET_RUNTIME_PRESET, overrides);
	ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
	ext
}

/// Runs the next block as a real one without extrinsics (`on_initialize`, the timestamp
/// inherent, `on_finalize`), authored by `who`: its Aura slot is the next one that falls to
/// `who`'s index in the session's validators.
fn author_next_block(who: &AccountId) {
	let validators = pallet_session::Validators::<Runtime>::get();
	let index = validators.iter().position(|v| v == who).expect("author is a validator") as u64;
	let count = validators.len() as u64;
	let mut slot = u64::from(pallet_aura::CurrentSlot::<Runtime>::get()) + 1;
	while slot % count != index {
		slot += 1;
	}
	let number = System::block_number() + 1;
	let parent = frame_system::BlockHash::<Runtime>::get(number - 1);
	let digest =
		Digest { logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, Slot::from(slot).encode())] };
	Executive::initialize_block(&Header::new(
		number,
		Default::default(),
		Default::default(),
		parent,
		digest,
	));
	assert_ok!(Timestamp::set(RuntimeOrigin::none(), slot * crate::time::SLOT_DURATION));
	Executive::finalize_block();
	assert_eq!(pallet_collator_selection::LastAuthoredBlock::<Runtime>::get(who), number);
}

fn session_validators() -> std::collections::BTreeSet<AccountId> {
	pallet_session::Validators::<Runtime>::get().into_iter().collect()
}

#[test]
fn local_testnet_starts_with_alice_and_bob_bonded_and_their_keys_as_authorities() {
	use polkadot_sdk::sp_runtime::traits::Zero;
	ext_for(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let (alice, bob) =
			(Sr25519Keyring::Alice.to_account_id(), Sr25519Keyring::Bob.to_account_id());
		let candidates = pallet_collator_selection::CandidateList::<Runtime>::get();
		assert_eq!(
			candidates.iter().map(|c| (c.who.clone(), c.deposit)).collect::<Vec<_>>(),
			vec![(alice.clone(), CANDIDACY_BOND), (bob.clone(), CANDIDACY_BOND)]
		);
		assert!(
			pallet_collator_selection::Invulnerables::<Runtime>::get().is_empty(),
			"everyone is bonded"
		);
		assert_eq!(pallet_collator_selection::CandidacyBond::<Runtime>::get(), CANDIDACY_BOND);
		assert_eq!(session_validators(), [alice.clone(), bob.clone()].into());
		let aura: std::collections::BTreeSet<_> =
			pallet_aura::Authorities::<Runtime>::get().into_iter().collect();
		assert_eq!(
			aura,
			[Sr25519Keyring::Alice.public().into(), Sr25519Keyring::Bob.public().into()].into()
		);
		assert_eq!(crate::configs::SessionLength::get(), crate::time::HOURS);
		// The pot exists (its existential deposit was carved from the ecosystem pool).
		let pot = pallet_collator_selection::Pallet::<Runtime>::account_id();
		assert_eq!(Balances::free_balance(&pot), EXISTENTIAL_DEPOSIT);
		assert!(!Balances::free_balance(&pot).is_zero());
	});
}

#[test]
fn a_bonded_candidate_joins_at_the_second_session_and_an_idle_validator_is_removed() {
	use polkadot_sdk::{
		pallet_collator_selection::Error as SelectionError, pallet_session::Error as SessionError,
	};
	local_with_sessions_of(10).execute_with(|| {
		let [alice, bob, charlie, dave] = [
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
		]
		.map(|k| k.to_account_id());
		assert_eq!(crate::configs::KickThreshold::get(), 20);
		author_next_block(&alice);

		// Charlie's node generates keys with a proof that Charlie holds them
		// (`author_rotateKeysWithOwner`); a wrong proof and an unkeyed candidate are refused.
		let generated = opaque::SessionKeys::generate(&charlie.encode(), None);
		let (keys, proof) = (generated.keys, generated.proof.encode());
		let set_keys = |who: &AccountId, proof: Vec<u8>| {
			Session::set_keys(RuntimeOrigin::signed(who.clone()), keys.clone(), proof)
		};
		assert_eq!(set_keys(&charlie, vec![]), Err(SessionError::<Runtime>::InvalidProof.into()));
		assert_eq!(
			set_keys(&dave, proof.clone()),
			Err(SessionError::<Runtime>::InvalidProof.into())
		);
		assert_eq!(
			CollatorSelection::register_as_candidate(RuntimeOrigin::signed(dave.clone()))
				.map_err(|e| e.error),
			Err(SelectionError::<Runtime>::ValidatorNotRegistered.into())
		);
		assert_ok!(set_keys(&charlie, proof));
		assert_ok!(CollatorSelection::register_as_candidate(RuntimeOrigin::signed(
			charlie.clone()
		)));
		assert_eq!(
			Balances::reserved_balance(&charlie),
			CANDIDACY_BOND + crate::configs::SessionKeyDeposit::get()
		);

		// Sessions rotate at blocks 10, 20, …; a set chosen at one rotation starts at the next.
		while System::block_number() < 19 {
			let author = if System::block_number().is_multiple_of(2) { &alice } else { &bob };
			author_next_block(author);
		}
		assert_eq!(pallet_session::CurrentIndex::<Runtime>::get(), 1);
		assert_eq!(session_validators(), [alice.clone(), bob.clone()].into());
		assert!(pallet_session::QueuedKeys::<Runtime>::get().iter().any(|(v, _)| v == &charlie));
		author_next_block(&alice); // block 20: session 2, Charlie validates
		assert_eq!(pallet_session::CurrentIndex::<Runtime>::get(), 2);
		assert_eq!(session_validators(), [alice.clone(), bob.clone(), charlie.clone()].into());
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 3);
		assert!(pallet_aura::Authorities::<Runtime>::get().contains(&keys.aura));
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 3);
		author_next_block(&charlie);

		// Bob stops authoring (last block 19). At the boundary where his last block is a full
		// kick threshold (20 blocks) old, he is removed and his bond returned; the set without
		// him starts a session later.
		let mut kicked_at = None;
		while System::block_number() < 50 {
			let author = if System::block_number().is_multiple_of(2) { &alice } else { &charlie };
			author_next_block(author);
			if System::events().iter().any(|r| {
				r.event
					== RuntimeEvent::CollatorSelection(
						pallet_collator_selection::Event::CandidateRemoved {
							account_id: bob.clone(),
						},
					)
			}) {
				kicked_at = Some(System::block_number());
			}
		}
		assert_eq!(
			kicked_at,
			Some(40),
			"removed at the first session boundary 20 blocks after block 19"
		);
		assert_eq!(Balances::reserved_balance(&bob), 0, "bond returned");
		assert_eq!(session_validators(), [alice.clone(), charlie.clone()].into());
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 2);
		assert!(pallet_collator_selection::CandidateList::<Runtime>::get()
			.iter()
			.all(|c| c.who != bob));

		// Leaving returns the bond; the set shrinks to Alice two sessions later.
		assert_ok!(CollatorSelection::leave_intent(RuntimeOrigin::signed(charlie.clone())));
		assert_eq!(Balances::reserved_balance(&charlie), crate::configs::SessionKeyDeposit::get());
		for _ in 0..60 {
			author_next_block(&alice);
		}
		assert_eq!(session_validators(), [alice.clone()].into());
		assert_eq!(Balances::total_issuance(), TOTAL_SUPPLY, "validator set changes mint nothing");
	});
}

#[test]
fn an_agent_registers_with_a_proved_sr25519_key_and_is_slashed_to_the_treasury() {
	use crate::governance::origins::Origin;
	use pallet_agents::{AgentRegistry, Capabilities, Capability, Fault};
	use polkadot_sdk::sp_core::{sr25519, Pair};
	use polkadot_sdk::sp_runtime::{BoundedVec, Perbill};
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		let bob = Sr25519Keyring::Bob.to_account_id();
		let pair = sr25519::Pair::from_string("//Bob//agent", None).unwrap();
		let key = pallet_agents::crypto::AgentId::from(pair.public());
		let proof = pallet_agents::crypto::AgentSignature::from(
			pair.sign(&Agents::key_proof_message(&bob)),
		);
		let register = |proof: pallet_agents::crypto::AgentSignature| {
			RuntimeCall::Agents(pallet_agents::Call::register {
				key: key.clone(),
				proof,
				capabilities: Capabilities { train: true, serve: false },
				models: BoundedVec::truncate_from(vec![0]),
				endpoint: BoundedVec::truncate_from(b"https://bob.example".to_vec()),
				bond: 1_000 * OPEN,
			})
		};
		// a proof made for Alice does not register Bob's key
		let alice = Sr25519Keyring::Alice.to_account_id();
		let wrong = pallet_agents::crypto::AgentSignature::from(
			pair.sign(&Agents::key_proof_message(&alice)),
		);
		assert!(register(wrong).dispatch(RuntimeOrigin::signed(bob.clone())).is_err());
		assert_ok!(register(proof).dispatch(RuntimeOrigin::signed(bob.clone())));
		assert!(Agents::can_work(&bob, Capability::Train, 0));
		assert_eq!(Agents::eligible(Capability::Train, 0), vec![bob.clone()]);

		// 20 % of the bond goes to the treasury on a failed verification
		let treasury = crate::configs::TreasuryAccount::get();
		let before = Balances::balance(&treasury);
		assert_eq!(Agents::fault(&bob, Fault::FailedVerification), 200 * OPEN);
		assert_eq!(Balances::balance(&treasury), before + 200 * OPEN);
		assert_eq!(Balances::total_issuance(), TOTAL_SUPPLY);
		// below the minimum bond now: no work until it bonds more
		assert!(!Agents::can_work(&bob, Capability::Train, 0));
		assert_ok!(Agents::bond_extra(RuntimeOrigin::signed(bob.clone()), 200 * OPEN));
		assert!(Agents::can_work(&bob, Capability::Train, 0));

		// a retired base model gets no work (the runtime wires the registry's active models)
		assert_ok!(Models::retire_base_model(RuntimeOrigin::root(), 0));
		assert!(!Agents::can_work(&bob, Capability::Train, 0));

		// the parameters belong to the economic-parameters track (or root)
		let mut params = pallet_agents::Parameters::<Runtime>::get();
		params.fraud_slash = Perbill::from_percent(50);
		let set = |p: pallet_agents::ParamsOf<Runtime>| {
			RuntimeCall::Agents(pallet_agents::Call::set_parameters { params: p })
		};
		assert!(set(params.clone()).dispatch(RuntimeOrigin::signed(alice)).is_err());
		assert!(set(params.clone()).dispatch(RuntimeOrigin::from(Origin::Treasurer)).is_err());
		assert_ok!(set(params).dispatch(RuntimeOrigin::from(Origin::EconomicParameters)));
		assert_eq!(
			pallet_agents::Parameters::<Runtime>::get().fraud_slash,
			Perbill::from_percent(50)
		);
		// the hold is exactly the bond: 1,000 − 200 slashed + 200 bonded again
		use polkadot_sdk::frame_support::traits::fungible::InspectHold;
		let reason = RuntimeHoldReason::Agents(pallet_agents::HoldReason::AgentBond);
		assert_eq!(Balances::balance_on_hold(&reason, &bob), 1_000 * OPEN);
	});
}

#[test]
fn paid_inference_settles_at_the_base_price_through_the_governance_split() {
	use pallet_agents::Capabilities;
	use pallet_inference::{ServedModel, UsageRecord, Voucher, VoucherSignature};
	use polkadot_sdk::frame_support::traits::fungible::InspectHold;
	use polkadot_sdk::sp_core::{sr25519, Pair};
	use polkadot_sdk::sp_runtime::BoundedVec;
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		start_block_authored_by_first_authority();
		let (bob, ferdie) =
			(Sr25519Keyring::Bob.to_account_id(), Sr25519Keyring::Ferdie.to_account_id());
		// Bob serves base model 0
		let pair = sr25519::Pair::from_string("//Bob//server", None).unwrap();
		assert_ok!(Agents::register(
			RuntimeOrigin::signed(bob.clone()),
			pair.public().into(),
			pair.sign(&Agents::key_proof_message(&bob)).into(),
			Capabilities { train: false, serve: true },
			BoundedVec::truncate_from(vec![0]),
			BoundedVec::truncate_from(b"https://bob.example".to_vec()),
			1_000 * OPEN,
		));
		assert_ok!(Inference::deposit(RuntimeOrigin::signed(ferdie.clone()), OPEN));
		let voucher = Voucher {
			user: ferdie.clone(),
			agent: bob.clone(),
			max_spend: OPEN,
			expiry: 100,
			nonce: 7,
		};
		let signature = VoucherSignature::Sr25519(
			Sr25519Keyring::Ferdie.pair().sign(&Inference::voucher_message(&voucher)).0,
		);
		// 600 + 400 tokens at the base price of 0.001 OPEN per 1,000: 0.001 OPEN
		let record = UsageRecord {
			request: 0,
			model: ServedModel::Base(0),
			prompt_tokens: 600,
			completion_tokens: 400,
			prompt_hash: [1; 32],
			completion: BoundedVec::truncate_from(vec![5; 400]),
		};
		let treasury = crate::configs::TreasuryAccount::get();
		let (bob_before, treasury_before) = (Balances::balance(&bob), Balances::balance(&treasury));
		assert_ok!(Inference::settle(
			RuntimeOrigin::signed(bob.clone()),
			voucher,
			signature,
			BoundedVec::truncate_from(vec![record]),
		));
		// the genesis inference split: treasury 10 %, model owner 40 % (a base model: the
		// treasury's), stakers 10 % (the agent), contributors 40 % (held)
		let cost = OPEN / 1_000;
		assert_eq!(Balances::balance(&bob) - bob_before, cost / 10);
		assert_eq!(Balances::balance(&treasury) - treasury_before, cost / 2);
		let pot = RuntimeHoldReason::Inference(pallet_inference::HoldReason::ContributorsPot);
		let credit = RuntimeHoldReason::Inference(pallet_inference::HoldReason::Credit);
		assert_eq!(Balances::balance_on_hold(&pot, &ferdie), cost * 2 / 5);
		assert_eq!(Balances::balance_on_hold(&credit, &ferdie), OPEN - cost);
		assert_eq!(Balances::total_issuance(), TOTAL_SUPPLY);
	});
}
