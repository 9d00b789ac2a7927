//! EVM precompiles of the OpenLedger runtime, one module each:
//!
//! - [`agents`] at `0x000000000000000000000000000000000A6E0000`: the AI agents registry
//!   (agents, bonds, metrics, eligibility, parameters), read-only;
//! - [`datanets`] at `0x00000000000000000000000000000000044E0000`: read datanets, contributions
//!   and commitments; contribute as the calling account;
//! - [`models`] at `0x00000000000000000000000000000000040D0000`: the model registry, read-only;
//! - [`tokenomics`] at `0x0000000000000000000000000000000007050000`: the economic parameters,
//!   read-only.
//!
//! Gas: a read charges the runtime's benchmarked database weight (`DbWeight`, ParityDB) for
//! exactly the storage items it reads; a call that dispatches charges the call's benchmarked
//! weight. SCALE enums cross the ABI as their one-byte codes (`DataKind::try_from(u8)`, `code()`).

pub mod agents;
pub mod datanets;
pub mod models;
pub mod tokenomics;

pub use agents::AgentsPrecompile;
pub use datanets::DatanetsPrecompile;
pub use models::ModelsPrecompile;
pub use tokenomics::TokenomicsPrecompile;

use crate::{AccountId, Runtime};
use core::num::NonZero;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{RuntimeDbWeight, Weight},
};
use polkadot_sdk::pallet_revive::precompiles::AddressMatcher;

/// The benchmarked weight of `n` storage reads.
fn reads(n: u64) -> Weight {
	<<Runtime as polkadot_sdk::frame_system::Config>::DbWeight as Get<RuntimeDbWeight>>::get()
		.reads(n)
}

fn account_bytes(a: &AccountId) -> [u8; 32] {
	*AsRef::<[u8; 32]>::as_ref(a)
}

/// `AddressMatcher::Fixed(n)`: the precompile at `0x000…00nnnn0000`. Evaluated at compile time
/// (`MATCHER` is a constant), so a zero `n` fails the build, never a block.
const fn fixed(n: u16) -> AddressMatcher {
	match NonZero::new(n) {
		Some(n) => AddressMatcher::Fixed(n),
		None => panic!("a precompile address must be non-zero; qed"),
	}
}
