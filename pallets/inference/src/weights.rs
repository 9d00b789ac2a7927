//! Weights of the pallet's calls.
//!
//! Not yet generated: the pallet is not in the runtime, and its benchmarks come with its
//! runtime integration (the node's `benchmark pallet` command, as for the other pallets).
//! Until then the `()` implementation gives each call a conservative upper bound measured against nothing: it
//! must not be used by a runtime.

use polkadot_sdk::polkadot_sdk_frame::weights_prelude::*;

/// Weight functions needed by the pallet.
pub trait WeightInfo {
	/// `deposit`.
	fn deposit() -> Weight;
	/// `request_withdraw`.
	fn request_withdraw() -> Weight;
	/// `withdraw`.
	fn withdraw() -> Weight;
	/// `settle` with `r` records.
	fn settle(r: u32) -> Weight;
	/// `reap_voucher`.
	fn reap_voucher() -> Weight;
}

/// For tests only (see the module docs).
impl WeightInfo for () {
	fn deposit() -> Weight {
		Weight::from_parts(50_000_000, 4_000)
	}
	fn request_withdraw() -> Weight {
		Weight::from_parts(20_000_000, 4_000)
	}
	fn withdraw() -> Weight {
		Weight::from_parts(50_000_000, 4_000)
	}
	fn settle(r: u32) -> Weight {
		Weight::from_parts(150_000_000, 20_000)
			.saturating_add(Weight::from_parts(60_000_000, 8_000).saturating_mul(r.into()))
	}
	fn reap_voucher() -> Weight {
		Weight::from_parts(20_000_000, 4_000)
	}
}
