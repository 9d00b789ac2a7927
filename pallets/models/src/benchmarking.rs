//! Benchmarks of every Models call (frame-benchmarking v2), each in its worst case: the longest
//! name and license; an announcement listing `MaxBaseModels` models, from a validator that has
//! announced before (so its record is read and overwritten).
//!
//! Generate `weights.rs` with `scripts/weights models`; `cargo test -p pallet-models --features
//! runtime-benchmarks` runs each benchmark once against the mock runtime.

use super::*;
use alloc::{vec, vec::Vec};
use frame::benchmarking::prelude::*;
use frame::deps::sp_runtime::RuntimeAppPublic;

fn spec<T: Config>(n: u8) -> BaseModelSpecOf<T> {
	BaseModelSpec {
		weights_hash: [n; 32],
		name: BoundedVec::truncate_from(vec![b'n'; T::MaxNameLen::get() as usize]),
		format: ModelFormat::Gguf,
		tokenizer: TokenizerSource::Embedded,
		context_length: T::MaxContextLength::get(),
		license: BoundedVec::truncate_from(vec![b'A'; T::MaxSpdxLen::get() as usize]),
	}
}

#[benchmarks]
mod benches {
	use super::*;

	#[benchmark]
	fn register_base_model() -> Result<(), BenchmarkError> {
		let origin =
			T::RegistrarOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, spec::<T>(1));
		assert!(ModelByHash::<T>::contains_key([1; 32]));
		Ok(())
	}

	#[benchmark]
	fn retire_base_model() -> Result<(), BenchmarkError> {
		// A chain's genesis may register models already (the dev chain does): retire the new one.
		let id = NextModelId::<T>::get();
		Pallet::<T>::do_register(spec::<T>(1))?;
		let active = ActiveBaseModels::<T>::get();
		let origin =
			T::RegistrarOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id);
		assert_eq!(ActiveBaseModels::<T>::get(), active - 1);
		assert_eq!(BaseModels::<T>::get(id).map(|m| m.status), Some(ModelStatus::Retired));
		Ok(())
	}

	#[benchmark]
	fn announce_serving(m: Linear<0, { T::MaxBaseModels::get() }>) -> Result<(), BenchmarkError> {
		// `m` active models in all, counting any the genesis registered.
		let mut n = 0u8;
		while ActiveBaseModels::<T>::get() < m {
			Pallet::<T>::do_register(spec::<T>(n))?;
			n = n.wrapping_add(1);
		}
		let mut active: Vec<ModelId> = BaseModels::<T>::iter()
			.filter(|(_, b)| b.status == ModelStatus::Active)
			.map(|(id, _)| id)
			.collect();
		active.sort_unstable();
		active.truncate(m as usize);
		let authority = T::BenchmarkHelper::authority();
		let period = T::AnnouncePeriod::get();
		Servers::<T>::insert(
			&authority,
			Serving { models: BoundedVec::new(), block: BlockNumberFor::<T>::zero() },
		);
		frame_system::Pallet::<T>::set_block_number(period);
		let models: BoundedVec<ModelId, T::MaxBaseModels> = BoundedVec::truncate_from(active);
		let announcement =
			ServingAnnouncement { authority: authority.clone(), models, block: period };
		let signature =
			authority.sign(&announcement.encode()).ok_or(BenchmarkError::Stop("cannot sign"))?;
		#[extrinsic_call]
		_(RawOrigin::None, announcement, signature);
		assert_eq!(Servers::<T>::get(&authority).map(|s| s.models.len() as u32), Some(m));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
