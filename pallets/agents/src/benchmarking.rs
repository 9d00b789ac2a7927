//! Benchmarks of every Agents call (frame-benchmarking v2), each in its worst case: both
//! capabilities on `m` models (so `2m` provider lists change), the longest endpoint, full
//! unbonding lists; `fault` (called by the work pallets, not an extrinsic) slashes through every
//! unbonding chunk and suspends the agent.
//!
//! Generate `weights.rs` with `scripts/weights agents`; `cargo test -p pallet-agents --features
//! runtime-benchmarks` runs each benchmark once against the mock runtime.

use super::*;
use frame::benchmarking::prelude::*;
use frame::deps::sp_runtime::RuntimeAppPublic;
use frame::token::fungible::{Inspect, InspectHold, Mutate};

const BOTH: Capabilities = Capabilities { train: true, serve: true };

/// An account with enough to bond the minimum and fill every unbonding chunk with as much, twice.
fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
	let who: T::AccountId = account(name, i, 0);
	let min = Parameters::<T>::get().min_bond;
	let bonds = T::MaxUnbondingChunks::get().saturating_add(1).saturating_mul(2);
	let amount = min.saturating_mul(bonds.into()).saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(&who, amount);
	who
}

/// A fresh key and its proof for `owner`.
fn key<T: Config>(owner: &T::AccountId) -> Result<(T::AgentKey, SignatureOf<T>), BenchmarkError> {
	let key = T::AgentKey::generate_pair(None);
	let proof = key
		.sign(&Pallet::<T>::key_proof_message(owner))
		.ok_or(BenchmarkError::Stop("the agent key cannot sign"))?;
	Ok((key, proof))
}

/// `m` active base models, from `first` on.
fn models<T: Config>(first: u32, m: u32) -> ModelsOf<T> {
	let mut ids: alloc::vec::Vec<ModelId> =
		(first..first.saturating_add(m)).map(T::BenchmarkHelper::base_model).collect();
	ids.sort_unstable();
	ids.dedup();
	BoundedVec::truncate_from(ids)
}

fn endpoint<T: Config>() -> EndpointOf<T> {
	let mut url = b"https://".to_vec();
	url.resize(T::MaxEndpointLen::get() as usize, b'a');
	BoundedVec::truncate_from(url)
}

/// A registered agent with both capabilities on `m` models and the minimum bond plus `extra`.
fn agent<T: Config>(m: u32, extra: BalanceOf<T>) -> Result<T::AccountId, BenchmarkError> {
	let who = funded::<T>("agent", 0);
	let (key, proof) = key::<T>(&who)?;
	let bond = Parameters::<T>::get().min_bond.saturating_add(extra);
	Pallet::<T>::do_register(
		who.clone(),
		key,
		proof,
		BOTH,
		models::<T>(0, m),
		endpoint::<T>(),
		bond,
	)?;
	Ok(who)
}

/// Fills `who`'s unbonding list to one below the limit, a minimum bond per chunk (the agent
/// must have that much above the minimum).
fn unbond_all_but_one<T: Config>(who: &T::AccountId) -> Result<(), BenchmarkError> {
	let min = Parameters::<T>::get().min_bond;
	for _ in 1..T::MaxUnbondingChunks::get() {
		Pallet::<T>::do_unbond(who.clone(), min)?;
	}
	Ok(())
}

#[benchmarks]
mod benches {
	use super::*;

	#[benchmark]
	fn register(m: Linear<1, { T::MaxModelsPerAgent::get() }>) -> Result<(), BenchmarkError> {
		let who = funded::<T>("agent", 0);
		let (key, proof) = key::<T>(&who)?;
		let bond = Parameters::<T>::get().min_bond;
		let models = models::<T>(0, m);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), key, proof, BOTH, models, endpoint::<T>(), bond);
		assert_eq!(AgentCount::<T>::get(), 1);
		Ok(())
	}

	#[benchmark]
	fn update(m: Linear<1, { T::MaxModelsPerAgent::get() }>) -> Result<(), BenchmarkError> {
		let max = T::MaxModelsPerAgent::get();
		let who = agent::<T>(max, Zero::zero())?;
		// every old list is left and `m` of them joined again: as many list writes as
		// disjoint models would take, without needing more base models than one agent holds
		let new = models::<T>(0, m);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), BOTH, new.clone(), endpoint::<T>());
		assert_eq!(Agents::<T>::get(&who).map(|a| a.models), Some(new));
		Ok(())
	}

	#[benchmark]
	fn rotate_key() -> Result<(), BenchmarkError> {
		let who = agent::<T>(1, Zero::zero())?;
		let (key, proof) = key::<T>(&who)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), key.clone(), proof);
		assert_eq!(AgentByKey::<T>::get(key), Some(who));
		Ok(())
	}

	#[benchmark]
	fn bond_extra() -> Result<(), BenchmarkError> {
		let who = agent::<T>(1, Zero::zero())?;
		let min = Parameters::<T>::get().min_bond;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), min);
		assert_eq!(Agents::<T>::get(&who).map(|a| a.bond), Some(min.saturating_add(min)));
		Ok(())
	}

	#[benchmark]
	fn unbond() -> Result<(), BenchmarkError> {
		let min = Parameters::<T>::get().min_bond;
		let chunks = T::MaxUnbondingChunks::get();
		let who = agent::<T>(1, min.saturating_mul(chunks.into()))?;
		unbond_all_but_one::<T>(&who)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), min);
		assert_eq!(Agents::<T>::get(&who).map(|a| a.unbonding.len() as u32), Some(chunks));
		Ok(())
	}

	#[benchmark]
	fn deregister(m: Linear<1, { T::MaxModelsPerAgent::get() }>) -> Result<(), BenchmarkError> {
		let who = agent::<T>(m, Zero::zero())?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert_eq!(Agents::<T>::get(&who).map(|a| a.status), Some(AgentStatus::Leaving));
		Ok(())
	}

	#[benchmark]
	fn withdraw_unbonded() -> Result<(), BenchmarkError> {
		// a leaving agent with a full list of matured chunks: all released, the record removed
		let min = Parameters::<T>::get().min_bond;
		let who = agent::<T>(1, min.saturating_mul(T::MaxUnbondingChunks::get().into()))?;
		unbond_all_but_one::<T>(&who)?;
		Pallet::<T>::do_deregister(who.clone())?;
		let period = Parameters::<T>::get().unbonding_period;
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number().saturating_add(period),
		);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Agents::<T>::contains_key(&who));
		assert!(T::Currency::balance_on_hold(&HoldReason::AgentBond.into(), &who).is_zero());
		Ok(())
	}

	#[benchmark]
	fn set_parameters() -> Result<(), BenchmarkError> {
		let origin =
			T::ParamsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let mut params = Parameters::<T>::get();
		params.strikes_before_suspension = params.strikes_before_suspension.saturating_add(1);
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params.clone());
		assert_eq!(Parameters::<T>::get(), params);
		Ok(())
	}

	#[benchmark]
	fn reinstate() -> Result<(), BenchmarkError> {
		let who = agent::<T>(1, Zero::zero())?;
		Agents::<T>::mutate(&who, |a| {
			if let Some(a) = a {
				a.status = AgentStatus::Suspended;
				a.strikes = 3;
			}
		});
		let origin =
			T::ParamsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());
		assert_eq!(Agents::<T>::get(&who).map(|a| a.status), Some(AgentStatus::Active));
		Ok(())
	}

	#[benchmark]
	fn fault() -> Result<(), BenchmarkError> {
		// the whole bond and every chunk slashed, and the last strike: suspended
		let min = Parameters::<T>::get().min_bond;
		let who = agent::<T>(1, min.saturating_mul(T::MaxUnbondingChunks::get().into()))?;
		unbond_all_but_one::<T>(&who)?;
		let mut params = Parameters::<T>::get();
		params.fraud_slash = Perbill::one();
		params.strikes_before_suspension = 1;
		Parameters::<T>::put(params);
		T::Currency::set_balance(&T::SlashBeneficiary::get(), T::Currency::minimum_balance());
		let slashed;
		#[block]
		{
			slashed = <Pallet<T> as AgentRegistry<_, _>>::fault(&who, Fault::FailedVerification);
		}
		assert!(!slashed.is_zero());
		assert_eq!(Agents::<T>::get(&who).map(|a| a.status), Some(AgentStatus::Suspended));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
