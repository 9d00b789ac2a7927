//! # OpenLedger runtime
//!
//! The FRAME runtime of the OpenLedger chain:
//!
//! - **OPEN**, the native token: 18 decimals, a fixed supply of exactly 1,000,000,000 OPEN minted
//!   at genesis (see [`currency`] and [`genesis_config_presets`]).
//! - **Consensus**: Aura block production and GRANDPA finality; validators bond OPEN to be
//!   candidates and rotate per session (see [`validators`]).
//! - **EVM**: `pallet-revive` (named `Revive`) with EVM bytecode enabled, so Solidity contracts
//!   deploy unchanged and Ethereum tools talk to the chain through `openledger-eth-rpc`. The EVM
//!   chain id is [`EVM_CHAIN_ID`].
//!
//! Layout: types and the runtime composition live here, pallet `Config` impls in [`configs`],
//! runtime APIs in `apis.rs`, genesis presets in [`genesis_config_presets`].

#![cfg_attr(not(feature = "std"), no_std)]
#![recursion_limit = "256"]

// Make the WASM binary available.
#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

/// The pallets measured by `openledger-node benchmark pallet` (`scripts/weights`);
/// defines `list_benchmarks!` and `add_benchmarks!` for the `Benchmark` runtime API.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benches {
	polkadot_sdk::frame_benchmarking::define_benchmarks!(
		[pallet_agents, crate::Agents]
		[pallet_datanets, crate::Datanets]
		[pallet_inference, crate::Inference]
		[pallet_models, crate::Models]
		[pallet_tokenomics, crate::Tokenomics]
	);
}

mod apis;
pub mod configs;
pub mod genesis_config_presets;
pub mod governance;
pub mod validators;

use alloc::vec::Vec;
use polkadot_sdk::{
	polkadot_sdk_frame::runtime::prelude::*,
	sp_runtime::{
		generic, impl_opaque_keys,
		traits::{BlakeTwo256, IdentifyAccount, Verify},
		MultiAddress, MultiSignature,
	},
	*,
};

pub use apis::RuntimeApi;
pub use configs::EthExtraImpl;

/// The EVM chain id of OpenLedger networks (`eth_chainId`, EIP-155).
///
/// 0x4F50454E is "OPEN" in ASCII; it is not registered to any other chain on chainlist.org.
pub const EVM_CHAIN_ID: u64 = 1_330_660_686;

/// The SS58 address prefix of OpenLedger accounts (`42`, the generic Substrate prefix, so that
/// the standard development keys and tools work unchanged until a prefix is registered).
pub const SS58_PREFIX: u16 = 42;

/// Token symbol shown by wallets and polkadot-js Apps.
pub const TOKEN_SYMBOL: &str = "OPEN";
/// Decimals of the OPEN token (the same as ether, so 1 planck is 1 wei).
pub const TOKEN_DECIMALS: u8 = 18;

/// Amounts of OPEN.
#[allow(
	clippy::arithmetic_side_effects,
	reason = "compile-time constants: an overflow fails the build, never the chain"
)]
pub mod currency {
	use super::Balance;

	/// One OPEN in its smallest unit (1 OPEN = 10^18 units, the same as ether and wei).
	pub const OPEN: Balance = 1_000_000_000_000_000_000;
	/// 0.01 OPEN.
	pub const CENTS: Balance = OPEN / 100;
	/// 0.00001 OPEN.
	pub const MILLICENTS: Balance = CENTS / 1_000;
	/// The fixed total supply: exactly one billion OPEN, all minted at genesis.
	pub const TOTAL_SUPPLY: Balance = 1_000_000_000 * OPEN;
	/// The existential deposit: the smallest balance an account may hold (0.000001 OPEN).
	pub const EXISTENTIAL_DEPOSIT: Balance = MILLICENTS / 10;

	/// The storage deposit for `items` storage items holding `bytes` bytes: 0.001 OPEN per item
	/// and 0.0000001 OPEN per byte. Deposits are held, not spent, and return when the storage is
	/// freed.
	pub const fn deposit(items: u32, bytes: u32) -> Balance {
		(items as Balance) * (CENTS / 10) + (bytes as Balance) * (MILLICENTS / 100)
	}
}

/// Block timing.
#[allow(
	clippy::arithmetic_side_effects,
	reason = "compile-time constants: an overflow fails the build, never the chain"
)]
pub mod time {
	use super::BlockNumber;

	/// The target block time of validators (Aura slot duration), in milliseconds.
	pub const MILLI_SECS_PER_BLOCK: u64 = 6000;
	/// The Aura slot duration, in milliseconds.
	pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
	/// Blocks per minute at the target block time.
	pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
	/// Blocks per hour at the target block time.
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks per day at the target block time.
	pub const DAYS: BlockNumber = HOURS * 24;
}

/// An index to a block.
pub type BlockNumber = u32;
/// Alias to 512-bit hash when used in the context of a transaction signature on the chain.
pub type Signature = MultiSignature;
/// Some way of identifying an account on the chain: a 32-byte public key, or for Ethereum
/// accounts the 20-byte address padded with `0xEE` (see `pallet_revive::AccountId32Mapper`).
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account (in units of 10^-18 OPEN).
pub type Balance = u128;
/// Index of a transaction in the chain.
pub type Nonce = u32;
/// A hash of some data used by the chain.
pub type Hash = sp_core::H256;
/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// Unchecked extrinsic type: Substrate extrinsics plus Ethereum transactions wrapped by revive.
pub type UncheckedExtrinsic =
	pallet_revive::evm::runtime::UncheckedExtrinsic<Address, Signature, EthExtraImpl>;

/// The transaction extensions that are added to the runtime.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	// Must come after every extension that relies on a signed origin.
	pallet_revive::evm::tx_extension::SetOrigin<Runtime>,
	// Last, so that it sees the refunds of the extensions before it.
	frame_system::WeightReclaim<Runtime>,
);

/// Executive: handles dispatch to the various modules.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
>;

/// Opaque types: what the node sees of blocks without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use polkadot_sdk::sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as sp_runtime::traits::Hash>::Output;

	impl_opaque_keys! {
		/// The session keys of a validator: Aura for block production, GRANDPA for finality.
		pub struct SessionKeys {
			pub aura: Aura,
			pub grandpa: Grandpa,
		}
	}
}

/// The runtime version.
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("openledger"),
	impl_name: alloc::borrow::Cow::Borrowed("openledger-node"),
	authoring_version: 1,
	spec_version: 100,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

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
	pub struct Runtime;

	/// Accounts, blocks, events: the core of every FRAME runtime.
	#[runtime::pallet_index(0)]
	pub type System = frame_system::Pallet<Runtime>;

	/// On-chain time, set by the block author's inherent.
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp::Pallet<Runtime>;

	/// Aura block production: validators author blocks in turn, one slot each.
	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura::Pallet<Runtime>;

	/// GRANDPA finality.
	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa::Pallet<Runtime>;

	/// OPEN balances.
	#[runtime::pallet_index(10)]
	pub type Balances = pallet_balances::Pallet<Runtime>;

	/// Transaction fees in OPEN.
	#[runtime::pallet_index(11)]
	pub type TransactionPayment = pallet_transaction_payment::Pallet<Runtime>;

	/// Vesting of the genesis allocation (team, investors, community pool).
	#[runtime::pallet_index(12)]
	pub type Vesting = pallet_vesting::Pallet<Runtime>;

	/// The fee split and the other economic parameters; the fixed-supply guard.
	#[runtime::pallet_index(13)]
	pub type Tokenomics = pallet_tokenomics::Pallet<Runtime>;

	// Pallets are declared in index order, the order genesis and hooks run in.
	//
	// Validators (see `validators`). Since genesis and hooks run in pallet-index order, these
	// indices matter: Balances (10) exists before the bonds are reserved, the bonded candidates
	// (15, 16) before the first session (17), and the author of a block is noted (14) against
	// the validator set it was authored under, before the session rotates (17) and hands Aura
	// and GRANDPA their new authorities.

	/// The author of each block, as an account.
	#[runtime::pallet_index(14)]
	pub type Authorship = pallet_authorship::Pallet<Runtime>;

	/// Validator candidacy with an OPEN bond; removal of idle validators.
	#[runtime::pallet_index(15)]
	pub type CollatorSelection = pallet_collator_selection::Pallet<Runtime>;

	/// The session length and the validators bonded at genesis.
	#[runtime::pallet_index(16)]
	pub type Validators = validators::pallet_validators::Pallet<Runtime>;

	/// Sessions: session keys and the validator set of each session.
	#[runtime::pallet_index(17)]
	pub type Session = pallet_session::Pallet<Runtime>;

	/// Privileged calls during the chain's bootstrap (development networks only).
	#[runtime::pallet_index(20)]
	pub type Sudo = pallet_sudo::Pallet<Runtime>;

	/// Batches and derivative dispatch.
	#[runtime::pallet_index(21)]
	pub type Utility = pallet_utility::Pallet<Runtime>;

	/// The EVM: Solidity contracts and Ethereum transactions.
	#[runtime::pallet_index(30)]
	pub type Revive = pallet_revive::Pallet<Runtime>;

	/// Datanets: contributed data, curated, replicated to every node.
	#[runtime::pallet_index(40)]
	pub type Datanets = pallet_datanets::Pallet<Runtime>;

	/// The model registry: base models, derived adapters, which validators serve what.
	#[runtime::pallet_index(41)]
	pub type Models = pallet_models::Pallet<Runtime>;

	/// AI agents: bonded operators that train and serve models, with metrics and slashing.
	#[runtime::pallet_index(42)]
	pub type Agents = pallet_agents::Pallet<Runtime>;

	/// Paid inference: credit, user-signed vouchers, per-token settlement by serving agents.
	#[runtime::pallet_index(43)]
	pub type Inference = pallet_inference::Pallet<Runtime>;

	/// Scheduled dispatch (referenda enactment).
	#[runtime::pallet_index(50)]
	pub type Scheduler = pallet_scheduler::Pallet<Runtime>;

	/// Preimages of proposed calls.
	#[runtime::pallet_index(51)]
	pub type Preimage = pallet_preimage::Pallet<Runtime>;

	/// OpenGov referenda on tracks.
	#[runtime::pallet_index(52)]
	pub type Referenda = pallet_referenda::Pallet<Runtime>;

	/// Voting with conviction (OPEN locked for longer counts more).
	#[runtime::pallet_index(53)]
	pub type ConvictionVoting = pallet_conviction_voting::Pallet<Runtime>;

	/// The custom governance origins, one per track.
	#[runtime::pallet_index(54)]
	pub type Origins = governance::origins::Pallet<Runtime>;

	/// Calls whitelisted by the technical committee, dispatched by the whitelisted-caller track.
	#[runtime::pallet_index(55)]
	pub type Whitelist = pallet_whitelist::Pallet<Runtime>;

	/// The technical committee.
	#[runtime::pallet_index(56)]
	pub type TechnicalCommittee = pallet_collective::Pallet<Runtime, Instance1>;

	/// The protocol treasury (`py/trsry`).
	#[runtime::pallet_index(57)]
	pub type Treasury = pallet_treasury::Pallet<Runtime>;
}

pub mod precompiles;

#[cfg(test)]
mod tests;
