//! Benchmarks of every Inference call (frame-benchmarking v2), each in its worst case: a deposit
//! onto existing credit; a withdrawal that leaves credit held; a settlement of `r` records, each
//! on a fine-tuned model of its own owner (one payment per record), each with the most
//! completion tokens (offchain-indexed), on a voucher settled before (its state read and
//! checked) with an sr25519 signature, and the same sent by the agent's node (its node key's
//! signature checked too); authorizing a voucher on chain; reaping an expired authorized
//! voucher (its state and its authorization removed).
//!
//! Generate `weights.rs` with `scripts/weights inference`; `cargo test -p pallet-inference
//! --features runtime-benchmarks` runs each benchmark once against the mock runtime.

use super::*;
use alloc::{vec, vec::Vec};
use frame::benchmarking::prelude::*;
use frame::deps::{
	sp_core::sr25519,
	sp_io,
	sp_runtime::{AccountId32, RuntimeAppPublic},
};
use frame::token::fungible::{Inspect, Mutate};

/// The key type the benchmarks' user key is made under in the keystore.
const BENCH_KEY: frame::deps::sp_core::crypto::KeyTypeId =
	frame::deps::sp_core::crypto::KeyTypeId(*b"binf");

/// A user account whose sr25519 key is in the keystore, funded with `funds`.
fn user<T: Config>(funds: BalanceOf<T>) -> (T::AccountId, sr25519::Public) {
	let public = sp_io::crypto::sr25519_generate(BENCH_KEY, None);
	let who = AccountId32::new(public.0);
	T::Currency::set_balance(&who, funds);
	(who, public)
}

/// A large amount: 10¹² times the minimum balance.
fn plenty<T: Config>() -> BalanceOf<T> {
	T::Currency::minimum_balance().saturating_mul(1_000_000_000_000u64.saturated_into())
}

/// Half of [`plenty`].
fn half<T: Config>() -> BalanceOf<T> {
	T::Currency::minimum_balance().saturating_mul(500_000_000_000u64.saturated_into())
}

fn signed_voucher<T: Config>(
	public: &sr25519::Public,
	voucher: &VoucherOf<T>,
) -> Result<VoucherSignature, BenchmarkError> {
	let message = Pallet::<T>::voucher_message(voucher);
	let sig = sp_io::crypto::sr25519_sign(BENCH_KEY, public, &message)
		.ok_or(BenchmarkError::Stop("the keystore did not sign"))?;
	Ok(VoucherSignature::Sr25519(sig.0))
}

fn record<T: Config>(request: u64, model: ServedModel) -> RecordOf<T> {
	let n = T::MaxCompletionTokens::get();
	UsageRecord {
		request,
		model,
		prompt_tokens: 1_000,
		completion_tokens: n,
		prompt_hash: [7; 32],
		completion: BoundedVec::truncate_from((0..n).collect()),
	}
}

/// The agent, the voucher, its signature and the records of a settlement.
type Settlement<T> =
	(<T as frame_system::Config>::AccountId, VoucherOf<T>, VoucherSignature, RecordsOf<T>);

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn deposit() -> Result<(), BenchmarkError> {
		let (who, _) = user::<T>(plenty::<T>());
		let amount = T::Currency::minimum_balance().saturating_mul(1_000u32.into());
		Pallet::<T>::do_deposit(&who, amount)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);
		let held = Credits::<T>::get(&who).map(|c| c.held);
		assert_eq!(held, Some(amount.saturating_mul(2u32.into())));
		Ok(())
	}

	#[benchmark]
	fn request_withdraw() -> Result<(), BenchmarkError> {
		let (who, _) = user::<T>(plenty::<T>());
		let amount = T::Currency::minimum_balance().saturating_mul(1_000u32.into());
		Pallet::<T>::do_deposit(&who, amount)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);
		assert!(Credits::<T>::get(&who).is_some_and(|c| c.unlocking.is_some()));
		Ok(())
	}

	#[benchmark]
	fn withdraw() -> Result<(), BenchmarkError> {
		let (who, _) = user::<T>(plenty::<T>());
		let amount = T::Currency::minimum_balance().saturating_mul(1_000u32.into());
		Pallet::<T>::do_deposit(&who, amount.saturating_mul(2u32.into()))?;
		Pallet::<T>::do_request_withdraw(&who, amount)?;
		let later =
			frame_system::Pallet::<T>::block_number().saturating_add(T::WithdrawDelay::get());
		frame_system::Pallet::<T>::set_block_number(later);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert_eq!(Credits::<T>::get(&who).map(|c| c.held), Some(amount));
		Ok(())
	}

	/// A voucher settled once before, and `r` records of the most completion tokens, each on
	/// its own model.
	fn settlement<T: Config>(r: u32) -> Result<Settlement<T>, BenchmarkError> {
		let agent: T::AccountId = account("agent", 0, 0);
		T::Currency::set_balance(&agent, plenty::<T>());
		let models: Vec<ServedModel> =
			(0..=r).map(|i| T::BenchmarkHelper::served_model(&agent, i)).collect();
		let (who, public) = user::<T>(plenty::<T>());
		Pallet::<T>::do_deposit(&who, half::<T>())?;
		let expiry = frame_system::Pallet::<T>::block_number().saturating_add(1_000u32.into());
		let voucher = Voucher {
			user: who.clone(),
			agent: agent.clone(),
			max_spend: plenty::<T>(),
			expiry,
			nonce: 1,
		};
		let signature = signed_voucher::<T>(&public, &voucher)?;
		// an earlier settlement, so the voucher's state is read and checked
		let first = models.first().copied().ok_or(BenchmarkError::Stop("no model"))?;
		let earlier = BoundedVec::truncate_from(vec![record::<T>(0, first)]);
		Pallet::<T>::do_settle(&agent, &voucher, &signature, &earlier)?;
		let records: RecordsOf<T> = BoundedVec::truncate_from(
			(1..=r).filter_map(|i| Some(record::<T>(i.into(), *models.get(i as usize)?))).collect(),
		);
		Ok((agent, voucher, signature, records))
	}

	#[benchmark]
	fn settle(r: Linear<1, { T::MaxRecords::get() }>) -> Result<(), BenchmarkError> {
		let (agent, voucher, signature, records) = settlement::<T>(r)?;
		let who = voucher.user.clone();
		#[extrinsic_call]
		_(RawOrigin::Signed(agent), voucher, signature, records);
		assert_eq!(Vouchers::<T>::get(&who, 1).and_then(|s| s.last_request), Some(r.into()));
		Ok(())
	}

	#[benchmark]
	fn settle_unsigned(r: Linear<1, { T::MaxRecords::get() }>) -> Result<(), BenchmarkError> {
		let (agent, voucher, signature, records) = settlement::<T>(r)?;
		let who = voucher.user.clone();
		let key = T::Agents::key_of(&agent).ok_or(BenchmarkError::Stop("no agent key"))?;
		let agent_signature = key
			.sign(&Pallet::<T>::settle_message(&voucher, &records))
			.ok_or(BenchmarkError::Stop("the agent key is not in the keystore"))?;
		#[extrinsic_call]
		_(RawOrigin::None, voucher, signature, records, agent_signature);
		assert_eq!(Vouchers::<T>::get(&who, 1).and_then(|s| s.last_request), Some(r.into()));
		Ok(())
	}

	#[benchmark]
	fn reap_voucher() -> Result<(), BenchmarkError> {
		// an authorized voucher: its state and its authorization go
		let agent: T::AccountId = account("agent", 0, 0);
		let (who, _) = user::<T>(plenty::<T>());
		let expiry = frame_system::Pallet::<T>::block_number();
		let voucher =
			Voucher { user: who.clone(), agent, max_spend: plenty::<T>(), expiry, nonce: 1 };
		Pallet::<T>::do_authorize(&who, &voucher)?;
		frame_system::Pallet::<T>::set_block_number(expiry.saturating_add(One::one()));
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), who.clone(), 1);
		assert!(Vouchers::<T>::get(&who, 1).is_none());
		assert!(Authorizations::<T>::get(&who, 1).is_none());
		Ok(())
	}

	#[benchmark]
	fn authorize_voucher() -> Result<(), BenchmarkError> {
		let agent: T::AccountId = account("agent", 0, 0);
		let (who, _) = user::<T>(plenty::<T>());
		let expiry = frame_system::Pallet::<T>::block_number().saturating_add(1_000u32.into());
		let voucher =
			Voucher { user: who.clone(), agent, max_spend: plenty::<T>(), expiry, nonce: 1 };
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), voucher);
		assert!(Authorizations::<T>::get(&who, 1).is_some());
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
