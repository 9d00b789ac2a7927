//! EVM precompiles of the OpenLedger runtime, one module each:
//!
//! - [`agents`] at `0x000000000000000000000000000000000A6E0000`: the AI agents registry
//!   (agents, bonds, metrics, eligibility, parameters), read-only;
//! - [`inference`] at `0x000000000000000000000000000000000F1E0000`: model prices and
//!   inference credit; deposit credit and authorize vouchers as the calling account;
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
pub mod inference;
pub mod models;
pub mod tokenomics;

pub use agents::AgentsPrecompile;
pub use datanets::DatanetsPrecompile;
pub use inference::InferencePrecompile;
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

/// The calling account, or a revert naming `what` when the caller has none.
fn caller(
	env: &mut impl polkadot_sdk::pallet_revive::precompiles::Ext<T = Runtime>,
	what: &str,
) -> Result<AccountId, polkadot_sdk::pallet_revive::precompiles::Error> {
	use alloy_core::sol_types::Revert;
	env.caller().account_id().cloned().map_err(|_| {
		polkadot_sdk::pallet_revive::precompiles::Error::Revert(Revert {
			reason: alloc::format!("{what}: the caller has no account"),
		})
	})
}

/// Dispatches `call` as the calling account after charging its benchmarked weight; a failed
/// dispatch reverts with `pallet: Error` (module errors by name, token errors by kind). Refused
/// in a static call.
fn dispatch_as_caller(
	env: &mut impl polkadot_sdk::pallet_revive::precompiles::Ext<T = Runtime>,
	call: crate::RuntimeCall,
	pallet: &str,
	what: &str,
) -> Result<(), polkadot_sdk::pallet_revive::precompiles::Error> {
	use alloy_core::sol_types::Revert;
	use polkadot_sdk::pallet_revive::precompiles::Error;
	use polkadot_sdk::sp_runtime::traits::Dispatchable;
	if env.is_read_only() {
		return Err(Error::Revert(Revert {
			reason: alloc::format!("{what} cannot be called in a static call"),
		}));
	}
	let who = caller(env, what)?;
	let weight = polkadot_sdk::frame_support::dispatch::GetDispatchInfo::get_dispatch_info(&call)
		.call_weight;
	env.charge(weight)?;
	call.dispatch(crate::RuntimeOrigin::signed(who)).map(|_| ()).map_err(|e| {
		// Module errors name the pallet error (`WrongKind`, `NonceUsed`...); token errors say
		// why funds could not move (`FundsUnavailable`...).
		let name: &'static str = match e.error {
			polkadot_sdk::sp_runtime::DispatchError::Module(m) => {
				m.message.unwrap_or("module error")
			}
			polkadot_sdk::sp_runtime::DispatchError::Token(t) => t.into(),
			other => other.into(),
		};
		Error::Revert(Revert { reason: alloc::format!("{pallet}: {name}") })
	})
}

/// `AddressMatcher::Fixed(n)`: the precompile at `0x000…00nnnn0000`. Evaluated at compile time
/// (`MATCHER` is a constant), so a zero `n` fails the build, never a block.
const fn fixed(n: u16) -> AddressMatcher {
	match NonZero::new(n) {
		Some(n) => AddressMatcher::Fixed(n),
		None => panic!("a precompile address must be non-zero; qed"),
	}
}
