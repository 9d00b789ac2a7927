//! Weights of the Datanets pallet.
//!
//! NOT YET BENCHMARKED: these are estimates from each call's storage accesses (ParityDB
//! weights) plus a per-byte cost for hashing and offchain indexing; they are to be replaced by
//! the output of the node's `benchmark pallet` command once it exists (see the open issue).

use polkadot_sdk::polkadot_sdk_frame as frame;

use frame::weights_prelude::*;

/// Weight functions of the calls.
pub trait WeightInfo {
	fn create_datanet() -> Weight;
	fn update_metadata() -> Weight;
	fn set_rules() -> Weight;
	fn add_curator() -> Weight;
	fn remove_curator() -> Weight;
	fn set_allowed() -> Weight;
	fn transfer_ownership() -> Weight;
	fn set_status() -> Weight;
	fn contribute(bytes: u32) -> Weight;
	fn begin_upload() -> Weight;
	fn upload_chunk(bytes: u32) -> Weight;
	fn finish_upload() -> Weight;
	fn abandon_upload(chunks: u32) -> Weight;
	fn accept(n: u32) -> Weight;
	fn reject() -> Weight;
	fn set_reject_slash() -> Weight;
}

/// Estimated weights for a runtime (see the module note).
pub struct SubstrateWeight<T>(PhantomData<T>);

fn rw(r: u64, w: u64) -> Weight {
	ParityDbWeight::get().reads_writes(r, w)
}

const BASE: u64 = 30_000_000;
const BASE2: u64 = 60_000_000;
/// Hashing, copying and indexing one byte.
const PER_BYTE: u64 = 4_000;

impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn create_datanet() -> Weight {
		Weight::from_parts(BASE, 2_000).saturating_add(rw(3, 3))
	}
	fn update_metadata() -> Weight {
		Weight::from_parts(BASE, 2_000).saturating_add(rw(1, 1))
	}
	fn set_rules() -> Weight {
		Weight::from_parts(BASE, 2_000).saturating_add(rw(1, 1))
	}
	fn add_curator() -> Weight {
		Weight::from_parts(BASE, 4_000).saturating_add(rw(1, 1))
	}
	fn remove_curator() -> Weight {
		Weight::from_parts(BASE, 4_000).saturating_add(rw(1, 1))
	}
	fn set_allowed() -> Weight {
		Weight::from_parts(BASE, 2_000).saturating_add(rw(2, 1))
	}
	fn transfer_ownership() -> Weight {
		Weight::from_parts(BASE2, 4_000).saturating_add(rw(5, 5))
	}
	fn set_status() -> Weight {
		Weight::from_parts(BASE, 4_000).saturating_add(rw(4, 3))
	}
	fn contribute(bytes: u32) -> Weight {
		Weight::from_parts(BASE2.saturating_add(PER_BYTE.saturating_mul(u64::from(bytes))), 8_000).saturating_add(rw(9, 9))
	}
	fn begin_upload() -> Weight {
		Weight::from_parts(BASE2, 8_000).saturating_add(rw(8, 7))
	}
	fn upload_chunk(bytes: u32) -> Weight {
		Weight::from_parts(BASE.saturating_add(PER_BYTE.saturating_mul(u64::from(bytes))), 12_000).saturating_add(rw(1, 1))
	}
	fn finish_upload() -> Weight {
		Weight::from_parts(BASE2, 12_000).saturating_add(rw(5, 7))
	}
	fn abandon_upload(chunks: u32) -> Weight {
		Weight::from_parts(BASE.saturating_add(1_000_000u64.saturating_mul(u64::from(chunks))), 12_000).saturating_add(rw(3, 4))
	}
	fn accept(n: u32) -> Weight {
		Weight::from_parts(BASE.saturating_add(20_000_000u64.saturating_mul(u64::from(n))), 8_000)
			.saturating_add(rw(4u64.saturating_add(4u64.saturating_mul(u64::from(n))), 4u64.saturating_add(4u64.saturating_mul(u64::from(n)))))
	}
	fn reject() -> Weight {
		Weight::from_parts(BASE2, 8_000).saturating_add(rw(7, 7))
	}
	fn set_reject_slash() -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(rw(0, 1))
	}
}

impl WeightInfo for () {
	fn create_datanet() -> Weight {
		Weight::zero()
	}
	fn update_metadata() -> Weight {
		Weight::zero()
	}
	fn set_rules() -> Weight {
		Weight::zero()
	}
	fn add_curator() -> Weight {
		Weight::zero()
	}
	fn remove_curator() -> Weight {
		Weight::zero()
	}
	fn set_allowed() -> Weight {
		Weight::zero()
	}
	fn transfer_ownership() -> Weight {
		Weight::zero()
	}
	fn set_status() -> Weight {
		Weight::zero()
	}
	fn contribute(_: u32) -> Weight {
		Weight::zero()
	}
	fn begin_upload() -> Weight {
		Weight::zero()
	}
	fn upload_chunk(_: u32) -> Weight {
		Weight::zero()
	}
	fn finish_upload() -> Weight {
		Weight::zero()
	}
	fn abandon_upload(_: u32) -> Weight {
		Weight::zero()
	}
	fn accept(_: u32) -> Weight {
		Weight::zero()
	}
	fn reject() -> Weight {
		Weight::zero()
	}
	fn set_reject_slash() -> Weight {
		Weight::zero()
	}
}
