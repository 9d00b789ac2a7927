//! Benchmarks of every Models call (frame-benchmarking v2), each in its worst case: the longest
//! name and license; an announcement listing `MaxBaseModels` models, from a validator that has
//! announced before (so its record is read and overwritten); a fine-tune on `d` datanet
//! versions; cancelling an assigned job (its agent's load and bucket change); delivering `c`
//! checkpoints and the most epochs; and `process_job`, the per-job work of `on_initialize`, for
//! a trainer that missed its deadline (struck through the agents registry) and a redraw among
//! `p` providers.
//!
//! Generate `weights.rs` with `scripts/weights models`; `cargo test -p pallet-models --features
//! runtime-benchmarks` runs each benchmark once against the mock runtime.

use super::*;
use alloc::{vec, vec::Vec};
use frame::benchmarking::prelude::*;
use frame::deps::sp_runtime::{traits::Saturating, RuntimeAppPublic};
use frame::token::fungible::{Inspect, Mutate};
use openledger_primitives::fine_tune::{limits, targets};

/// The most providers the runtime's agents registry lists per model (its `MaxProviders`).
const MAX_PROVIDERS: u32 = 256;

fn hyper(epochs: u16) -> HyperParams {
	HyperParams {
		rank: 8,
		alpha: 16,
		targets: targets::ALL,
		learning_rate: 1_000_000,
		epochs,
		batch: 4,
		max_len: 256,
		eval_percent: 10,
		seed: 1,
	}
}

/// A funded requester, a base model and the datanet versions of a request.
type Request<T> = (<T as frame_system::Config>::AccountId, ModelId, Vec<(DatanetId, Version)>);

/// A base model, `d` datanet versions and a funded requester; the job's fee.
fn setup_request<T: Config>(d: u32) -> Result<Request<T>, BenchmarkError> {
	let id = NextModelId::<T>::get();
	Pallet::<T>::do_register(spec::<T>(200))?;
	let data: Vec<(DatanetId, Version)> = (0..d).map(T::BenchmarkHelper::datanet_version).collect();
	let fee = Pallet::<T>::resolve(ModelRef::Base(id), &data, &hyper(limits::MAX_EPOCHS))
		.map_err(|_| BenchmarkError::Stop("the request does not resolve"))?
		.fee;
	let who: T::AccountId = account("requester", 0, 0);
	let funds = fee.saturating_mul(2u32.into()).saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(&who, funds);
	Ok((who, id, data))
}

/// A requested job on one datanet version, with the most epochs.
fn requested<T: Config>() -> Result<(JobId, ModelId), BenchmarkError> {
	let (who, base, data) = setup_request::<T>(1)?;
	let deadline = frame_system::Pallet::<T>::block_number()
		.saturating_add(FineTuneParameters::<T>::get().max_deadline);
	let max = T::Currency::balance(&who);
	let (job, _, _) = Pallet::<T>::do_request(
		who,
		ModelRef::Base(base),
		&data,
		hyper(limits::MAX_EPOCHS),
		max,
		deadline,
	)?;
	Ok((job, base))
}

/// Runs the chain's draw of `job` at its draw block, with `agent` the only trainer.
fn assigned_to<T: Config>(
	job: JobId,
	base: ModelId,
	agent: &T::AccountId,
) -> Result<T::AgentKey, BenchmarkError> {
	let key = T::BenchmarkHelper::trainer_key(base, agent);
	let Some(JobState::Queued { draw_at }) = Jobs::<T>::get(job).map(|j| j.state) else {
		return Err(BenchmarkError::Stop("the job is not queued"));
	};
	frame_system::Pallet::<T>::set_block_number(draw_at);
	Pallet::<T>::process_due(draw_at);
	match Jobs::<T>::get(job).map(|j| j.state) {
		Some(JobState::Assigned { agent: a, .. }) if a == *agent => Ok(key),
		_ => Err(BenchmarkError::Stop("the job was not assigned to the trainer")),
	}
}

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
		assert_eq!(ActiveBaseModels::<T>::get(), active.saturating_sub(1));
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

	#[benchmark]
	fn request_fine_tune(
		d: Linear<1, { T::MaxLineageDatanets::get() }>,
	) -> Result<(), BenchmarkError> {
		let (who, base, data) = setup_request::<T>(d)?;
		let deadline = frame_system::Pallet::<T>::block_number()
			.saturating_add(FineTuneParameters::<T>::get().max_deadline);
		let max = T::Currency::balance(&who);
		let job = NextJobId::<T>::get();
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who),
			ModelRef::Base(base),
			BoundedVec::truncate_from(data),
			hyper(limits::MAX_EPOCHS),
			max,
			deadline,
		);
		assert!(Jobs::<T>::contains_key(job));
		Ok(())
	}

	#[benchmark]
	fn cancel_fine_tune() -> Result<(), BenchmarkError> {
		let (job, base) = requested::<T>()?;
		let agent: T::AccountId = account("trainer-first", 0, 0);
		assigned_to::<T>(job, base, &agent)?;
		let requester =
			Jobs::<T>::get(job).map(|j| j.requester).ok_or(BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(requester), job);
		assert_eq!(Jobs::<T>::get(job).map(|j| j.state), Some(JobState::Cancelled));
		Ok(())
	}

	#[benchmark]
	fn accept_job() -> Result<(), BenchmarkError> {
		let (job, base) = requested::<T>()?;
		let agent: T::AccountId = account("trainer-first", 0, 0);
		let key = assigned_to::<T>(job, base, &agent)?;
		let signature = key
			.sign(&Pallet::<T>::accept_message(job, 1))
			.ok_or(BenchmarkError::Stop("the agent key cannot sign"))?;
		#[extrinsic_call]
		_(RawOrigin::None, job, 1, signature);
		assert!(matches!(Jobs::<T>::get(job).map(|j| j.state), Some(JobState::Training { .. })));
		Ok(())
	}

	#[benchmark]
	fn deliver_job(c: Linear<1, { T::MaxCheckpoints::get() }>) -> Result<(), BenchmarkError> {
		let (job, base) = requested::<T>()?;
		let agent: T::AccountId = account("trainer-first", 0, 0);
		let key = assigned_to::<T>(job, base, &agent)?;
		let signature = key
			.sign(&Pallet::<T>::accept_message(job, 1))
			.ok_or(BenchmarkError::Stop("the agent key cannot sign"))?;
		Pallet::<T>::do_accept(job, 1, &signature)?;
		let every = Jobs::<T>::get(job).map(|j| j.checkpoint_every).unwrap_or(1);
		let steps = c.saturating_mul(every);
		let hashes = |n: u32, tag: u8| (0..n).map(|i| [tag ^ (i as u8); 32]).collect::<Vec<_>>();
		let mut epochs = hashes(u32::from(limits::MAX_EPOCHS), 0x55);
		if let Some(last) = epochs.last_mut() {
			*last = [0xad; 32];
		}
		let commitment = TrainingCommitment {
			adapter: [0xad; 32],
			steps,
			checkpoints: BoundedVec::truncate_from(hashes(c, 0)),
			epoch_adapters: BoundedVec::truncate_from(epochs),
			report: TrainingReport {
				eval_loss_before: 3_000_000,
				eval_loss_after: 1_000_000,
				tokens: u64::from(steps) * 1024,
				losses: BoundedVec::truncate_from(vec![1_000_000; c as usize]),
			},
		};
		let signature = key
			.sign(&Pallet::<T>::deliver_message(job, 1, &commitment))
			.ok_or(BenchmarkError::Stop("the agent key cannot sign"))?;
		#[extrinsic_call]
		_(RawOrigin::None, job, 1, commitment, signature);
		assert!(Commitments::<T>::contains_key(job));
		Ok(())
	}

	#[benchmark]
	fn set_fine_tune_parameters() -> Result<(), BenchmarkError> {
		let origin =
			T::ParamsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let mut params = FineTuneParameters::<T>::get();
		params.max_attempts = 2;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params);
		assert_eq!(FineTuneParameters::<T>::get().max_attempts, 2);
		Ok(())
	}

	#[benchmark]
	fn process_job(p: Linear<0, MAX_PROVIDERS>) -> Result<(), BenchmarkError> {
		let (job, base) = requested::<T>()?;
		let agent: T::AccountId = account("trainer-first", 0, 0);
		assigned_to::<T>(job, base, &agent)?;
		T::BenchmarkHelper::trainers(base, p);
		let Some(due) = Jobs::<T>::get(job).and_then(|j| j.state.due()) else {
			return Err(BenchmarkError::Stop("the job is not due"));
		};
		frame_system::Pallet::<T>::set_block_number(due);
		#[block]
		{
			Pallet::<T>::process_due(due);
		}
		let state = Jobs::<T>::get(job).map(|j| j.state);
		assert!(matches!(state, Some(JobState::Assigned { .. } | JobState::Queued { .. })));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
