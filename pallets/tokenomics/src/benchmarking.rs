//! Benchmarks of the Tokenomics calls (frame-benchmarking v2). Generate `weights.rs` with
//! `scripts/weights tokenomics`.

use super::*;
use frame::benchmarking::prelude::*;

fn assert_last_event<T: Config>(event: Event<T>) {
	let event: <T as Config>::RuntimeEvent = event.into();
	frame_system::Pallet::<T>::assert_last_event(event.into());
}

fn governance<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::ParamsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_fee_split() -> Result<(), BenchmarkError> {
		let origin = governance::<T>()?;
		let split = FeeSplit {
			treasury: Perbill::from_percent(20),
			model_owner: Perbill::from_percent(30),
			stakers: Perbill::from_percent(10),
			contributors: Perbill::from_percent(40),
		};

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, split);

		assert_last_event::<T>(Event::FeeSplitSet { split });
		Ok(())
	}

	#[benchmark]
	fn set_reward_release() -> Result<(), BenchmarkError> {
		let origin = governance::<T>()?;
		let rate = Perbill::from_percent(2);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, rate);

		assert_last_event::<T>(Event::RewardReleaseSet { rate });
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
