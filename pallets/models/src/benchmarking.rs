//! Benchmarks of every Models call (frame-benchmarking v2), each in its worst case: the longest
//! name and license; an announcement listing `MaxBaseModels` models, from a validator that has
//! announced before (so its record is read and overwritten).
//!
//! Generate `weights.rs` with `scripts/weights models`; `cargo test -p pallet-models --features
//! runtime-benchmarks` runs each benchmark once against the mock runtime.

use super::*;
use alloc::vec;
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
		Pallet::<T>::do_register(spec::<T>(1))?;
		let origin =
			T::RegistrarOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 0);
		assert_eq!(ActiveBaseModels::<T>::get(), 0);
		Ok(())
	}

	#[benchmark]
	fn announce_serving(m: Linear<0, { T::MaxBaseModels::get() }>) -> Result<(), BenchmarkError> {
		for i in 0..m {
			Pallet::<T>::do_register(spec::<T>(i as u8))?;
		}
		let authority = T::BenchmarkHelper::authority();
		let period = T::AnnouncePeriod::get();
		Servers::<T>::insert(
			&authority,
			Serving { models: BoundedVec::new(), block: BlockNumberFor::<T>::zero() },
		);
		frame_system::Pallet::<T>::set_block_number(period);
		let models: BoundedVec<ModelId, T::MaxBaseModels> =
			BoundedVec::truncate_from((0..u64::from(m)).collect());
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
