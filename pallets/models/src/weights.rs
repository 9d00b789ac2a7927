//! Weights of `pallet_models`.
//!
//! NOT YET MEASURED: these are upper estimates from each call's storage accesses (the proof
//! sizes of the stored types) and the measured cost of the closest datanets call, pending a
//! run of `scripts/weights models` (which needs the `runtime-benchmarks` node build). Rerun it
//! and commit its output in place of this file.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]

use polkadot_sdk::polkadot_sdk_frame as frame;

use frame::weights_prelude::*;

/// Weight functions of the calls of `pallet_models`.
pub trait WeightInfo {
	/// Weight of `register_base_model`.
	fn register_base_model() -> Weight;
	/// Weight of `retire_base_model`.
	fn retire_base_model() -> Weight;
	/// Weight of `announce_serving` with `m` models listed.
	fn announce_serving(m: u32, ) -> Weight;
}

/// Weights for the runtime, with its database weights (`T::DbWeight`).
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Models::ModelByHash` (r:1 w:1), `Models::ActiveBaseModels` (r:1 w:1),
	/// `Models::NextModelId` (r:1 w:1), `Models::BaseModels` (r:0 w:1)
	fn register_base_model() -> Weight {
		Weight::from_parts(40_000_000, 3_700)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
	/// Storage: `Models::BaseModels` (r:1 w:1), `Models::ActiveBaseModels` (r:1 w:1)
	fn retire_base_model() -> Weight {
		Weight::from_parts(25_000_000, 3_700)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
	/// Storage: `Aura::Authorities` (r:1), `Models::Servers` (r:1 w:1), `Models::BaseModels`
	/// (r:m); one sr25519 verification.
	fn announce_serving(m: u32, ) -> Weight {
		Weight::from_parts(80_000_000, 36_000)
			.saturating_add(Weight::from_parts(5_000_000, 3_700).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(m.into())))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
}

/// The same figures with ParityDB weights, for tests and mocks.
impl WeightInfo for () {
	fn register_base_model() -> Weight {
		Weight::from_parts(40_000_000, 3_700)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(4_u64))
	}
	fn retire_base_model() -> Weight {
		Weight::from_parts(25_000_000, 3_700)
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().writes(2_u64))
	}
	fn announce_serving(m: u32, ) -> Weight {
		Weight::from_parts(80_000_000, 36_000)
			.saturating_add(Weight::from_parts(5_000_000, 3_700).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(m.into())))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
}
