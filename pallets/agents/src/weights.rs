//! Weights of `pallet_agents`: PROVISIONAL upper estimates, written by hand from the
//! storage each call touches, until `scripts/weights agents` measures them (rerun it after
//! changing a call or its benchmark; the generated file replaces this one).

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]

use polkadot_sdk::polkadot_sdk_frame as frame;

use frame::weights_prelude::*;

/// Weight functions of the calls of `pallet_agents`.
pub trait WeightInfo {
	/// Weight of `register`.
	fn register(m: u32, ) -> Weight;
	/// Weight of `update`.
	fn update(m: u32, ) -> Weight;
	/// Weight of `rotate_key`.
	fn rotate_key() -> Weight;
	/// Weight of `bond_extra`.
	fn bond_extra() -> Weight;
	/// Weight of `unbond`.
	fn unbond() -> Weight;
	/// Weight of `deregister`.
	fn deregister(m: u32, ) -> Weight;
	/// Weight of `withdraw_unbonded`.
	fn withdraw_unbonded() -> Weight;
	/// Weight of `set_parameters`.
	fn set_parameters() -> Weight;
	/// Weight of `reinstate`.
	fn reinstate() -> Weight;
	/// Weight of `fault`.
	fn fault() -> Weight;
}

/// Weights for the runtime, with its database weights (`T::DbWeight`).
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register(m: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 4000)
			.saturating_add(Weight::from_parts(5_000_000, 0).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(m.into())))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(m.into())))
	}
	fn update(m: u32, ) -> Weight {
		Weight::from_parts(45_000_000, 4000)
			.saturating_add(Weight::from_parts(8_000_000, 0).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().reads((4_u64).saturating_mul(m.into())))
			.saturating_add(T::DbWeight::get().writes((4_u64).saturating_mul(m.into())))
	}
	fn rotate_key() -> Weight {
		Weight::from_parts(55_000_000, 4000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(40_000_000, 4000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
	fn unbond() -> Weight {
		Weight::from_parts(25_000_000, 4000)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn deregister(m: u32, ) -> Weight {
		Weight::from_parts(30_000_000, 4000)
			.saturating_add(Weight::from_parts(4_000_000, 0).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(m.into())))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(m.into())))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(45_000_000, 4000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
	fn set_parameters() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn reinstate() -> Weight {
		Weight::from_parts(15_000_000, 4000)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn fault() -> Weight {
		Weight::from_parts(60_000_000, 6000)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
}

/// The same estimates with ParityDB weights, for tests and mocks.
impl WeightInfo for () {
	fn register(m: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 4000)
			.saturating_add(Weight::from_parts(5_000_000, 0).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads(6_u64))
			.saturating_add(ParityDbWeight::get().writes(4_u64))
			.saturating_add(ParityDbWeight::get().reads((2_u64).saturating_mul(m.into())))
			.saturating_add(ParityDbWeight::get().writes((2_u64).saturating_mul(m.into())))
	}
	fn update(m: u32, ) -> Weight {
		Weight::from_parts(45_000_000, 4000)
			.saturating_add(Weight::from_parts(8_000_000, 0).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
			.saturating_add(ParityDbWeight::get().reads((4_u64).saturating_mul(m.into())))
			.saturating_add(ParityDbWeight::get().writes((4_u64).saturating_mul(m.into())))
	}
	fn rotate_key() -> Weight {
		Weight::from_parts(55_000_000, 4000)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(40_000_000, 4000)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(2_u64))
	}
	fn unbond() -> Weight {
		Weight::from_parts(25_000_000, 4000)
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn deregister(m: u32, ) -> Weight {
		Weight::from_parts(30_000_000, 4000)
			.saturating_add(Weight::from_parts(4_000_000, 0).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
			.saturating_add(ParityDbWeight::get().reads((2_u64).saturating_mul(m.into())))
			.saturating_add(ParityDbWeight::get().writes((2_u64).saturating_mul(m.into())))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(45_000_000, 4000)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(4_u64))
	}
	fn set_parameters() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn reinstate() -> Weight {
		Weight::from_parts(15_000_000, 4000)
			.saturating_add(ParityDbWeight::get().reads(1_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn fault() -> Weight {
		Weight::from_parts(60_000_000, 6000)
			.saturating_add(ParityDbWeight::get().reads(5_u64))
			.saturating_add(ParityDbWeight::get().writes(4_u64))
	}
}
