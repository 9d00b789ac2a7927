//! # OpenLedger AI primitives
//!
//! The bridge between the runtime and the node's AI service. The runtime never runs a model:
//! its offchain workers ask the node through the host functions of [`ai`], which are answered
//! by the [`AiExt`] extension the node hands to offchain workers. Where the extension is
//! absent — block import, a node started with `--ai off`, a node without the model — every
//! function answers [`AiError::Unavailable`] and the pallet skips the work.
//!
//! - [`types`]: the SCALE types the functions speak ([`JobSpec`], [`JobStatus`],
//!   [`EngineStatus`], fixed-point [`Sampling`]);
//! - [`ai`]: the host functions, `#[runtime_interface]`, versioned. Long work never blocks an
//!   offchain worker: [`ai::start_job`] returns a [`Ticket`] and [`ai::poll`] reads it on later
//!   blocks;
//! - std only: the [`AiBackend`] trait the node implements, the [`AiExt`] extension that
//!   carries it, [`NoopBackend`] (everything unavailable) for tests and tools, and
//!   [`HostFunctions`] for every executor that runs the runtime.
//!
//! No candle here, and nothing of the node: this crate is the interface, the node's
//! `openledger-ai-service` is the implementation.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod types;

pub use types::*;

use alloc::vec::Vec;
use sp_runtime_interface::{
	pass_by::{AllocateAndReturnByCodec, PassFatPointerAndDecode},
	runtime_interface,
};

#[cfg(feature = "std")]
use sp_externalities::ExternalitiesExt;

/// What the node's AI service offers the runtime. Every method returns at once: long work is
/// queued by `start_job` and read back by `poll`.
#[cfg(feature = "std")]
pub trait AiBackend: Send + Sync {
	/// The service's state: loaded models, queue lengths, threads.
	fn status(&self) -> Result<EngineStatus, AiError>;
	/// Queues a job; [`AiError::Busy`] when the queue is full, [`AiError::Unavailable`] when
	/// the job's model is not loaded here.
	fn start_job(&self, spec: JobSpec) -> Result<Ticket, AiError>;
	/// Where the job stands; a finished job's ticket is forgotten once read.
	fn poll(&self, ticket: Ticket) -> Result<JobStatus, AiError>;
	/// Chunk `index` (of `chunk_size` bytes) of the checkpoint or adapter whose SHA-256 is
	/// `id`, with the file's size and content hash; [`AiError::Unavailable`] when this node
	/// does not keep that file, [`AiError::Invalid`] for a chunk past its end.
	fn file_chunk(
		&self,
		_id: [u8; 32],
		_index: u32,
		_chunk_size: u32,
	) -> Result<FileChunk, AiError> {
		Err(AiError::Unavailable)
	}
	/// The paid usage this node's endpoint served that is due for settlement (records
	/// filling a settlement, old enough, or under a voucher near its expiry), at most
	/// `max_records` records per voucher; [`AiError::Unavailable`] when the endpoint does not
	/// meter.
	fn due_settlements(&self, _max_records: u32) -> Result<Vec<DueSettlement>, AiError> {
		Err(AiError::Unavailable)
	}
}

/// A backend with nothing behind it: every call is [`AiError::Unavailable`].
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default)]
pub struct NoopBackend;

#[cfg(feature = "std")]
impl AiBackend for NoopBackend {
	fn status(&self) -> Result<EngineStatus, AiError> {
		Err(AiError::Unavailable)
	}
	fn start_job(&self, _: JobSpec) -> Result<Ticket, AiError> {
		Err(AiError::Unavailable)
	}
	fn poll(&self, _: Ticket) -> Result<JobStatus, AiError> {
		Err(AiError::Unavailable)
	}
}

#[cfg(feature = "std")]
sp_externalities::decl_extension! {
	/// The node's AI service, handed to offchain workers.
	pub struct AiExt(std::sync::Arc<dyn AiBackend>);
}

#[cfg(feature = "std")]
impl AiExt {
	/// Wraps a backend.
	pub fn new(backend: std::sync::Arc<dyn AiBackend>) -> Self {
		Self(backend)
	}
}

/// The externalities extensions an offchain worker gets from the AI service: `AiExt` around
/// `backend`, or none (and the host functions answer "unavailable").
#[cfg(feature = "std")]
pub fn offchain_extensions(
	backend: Option<&std::sync::Arc<dyn AiBackend>>,
) -> Vec<Box<dyn sp_externalities::Extension>> {
	match backend {
		Some(b) => vec![Box::new(AiExt::new(b.clone()))],
		None => Vec::new(),
	}
}

/// The host functions every executor that runs the OpenLedger runtime must register (the node,
/// its `benchmark` command, try-runtime), or the runtime will not instantiate there.
#[cfg(feature = "std")]
pub type HostFunctions = (ai::HostFunctions,);

/// Host functions of the AI service, for offchain workers. Without the [`AiExt`] extension
/// each answers [`AiError::Unavailable`].
#[runtime_interface]
pub trait Ai {
	/// The service's state; [`EngineStatus::models`] lists the base models this node serves.
	fn status(&mut self) -> AllocateAndReturnByCodec<Result<EngineStatus, AiError>> {
		match self.extension::<AiExt>() {
			Some(AiExt(backend)) => backend.status(),
			None => Err(AiError::Unavailable),
		}
	}

	/// Queues a job and returns its ticket at once.
	fn start_job(
		&mut self,
		spec: PassFatPointerAndDecode<JobSpec>,
	) -> AllocateAndReturnByCodec<Result<Ticket, AiError>> {
		match self.extension::<AiExt>() {
			Some(AiExt(backend)) => backend.start_job(spec),
			None => Err(AiError::Unavailable),
		}
	}

	/// Where a job stands.
	fn poll(&mut self, ticket: u64) -> AllocateAndReturnByCodec<Result<JobStatus, AiError>> {
		match self.extension::<AiExt>() {
			Some(AiExt(backend)) => backend.poll(Ticket(ticket)),
			None => Err(AiError::Unavailable),
		}
	}

	/// A chunk of a checkpoint or adapter this node's AI service keeps (see
	/// [`AiBackend::file_chunk`]), for uploading it.
	fn file_chunk(
		&mut self,
		id: PassFatPointerAndDecode<[u8; 32]>,
		index: u32,
		chunk_size: u32,
	) -> AllocateAndReturnByCodec<Result<FileChunk, AiError>> {
		match self.extension::<AiExt>() {
			Some(AiExt(backend)) => backend.file_chunk(id, index, chunk_size),
			None => Err(AiError::Unavailable),
		}
	}

	/// The paid usage due for settlement (see [`AiBackend::due_settlements`]).
	fn due_settlements(
		&mut self,
		max_records: u32,
	) -> AllocateAndReturnByCodec<Result<Vec<DueSettlement>, AiError>> {
		match self.extension::<AiExt>() {
			Some(AiExt(backend)) => backend.due_settlements(max_records),
			None => Err(AiError::Unavailable),
		}
	}
}

/// The base models this node's AI service has loaded, or [`AiError::Unavailable`].
pub fn served_models() -> Result<Vec<WeightsHash>, AiError> {
	ai::status().map(|s| s.models)
}

#[cfg(all(test, feature = "std"))]
#[allow(clippy::expect_used, clippy::panic, clippy::arithmetic_side_effects)]
mod tests {
	use super::*;
	use codec::Encode;
	use openledger_primitives::Perbill;
	use polkadot_sdk::sp_io::TestExternalities;
	use std::sync::{Arc, Mutex};

	/// A backend that answers from memory: one model, jobs finish on their second poll.
	#[derive(Default)]
	struct Fake {
		jobs: Mutex<Vec<(u64, JobSpec, u32)>>,
	}

	impl AiBackend for Fake {
		fn status(&self) -> Result<EngineStatus, AiError> {
			Ok(EngineStatus { models: vec![[7; 32]], queued: 0, running: 0, threads: 1 })
		}
		fn start_job(&self, spec: JobSpec) -> Result<Ticket, AiError> {
			let JobSpec::Generate(g) = &spec else { return Err(AiError::Unavailable) };
			if g.model != [7; 32] {
				return Err(AiError::Unavailable);
			}
			let mut jobs = self.jobs.lock().map_err(|_| AiError::Failed)?;
			let id = jobs.len() as u64;
			jobs.push((id, spec, 0));
			Ok(Ticket(id))
		}
		fn poll(&self, ticket: Ticket) -> Result<JobStatus, AiError> {
			let mut jobs = self.jobs.lock().map_err(|_| AiError::Failed)?;
			let job = jobs.iter_mut().find(|j| j.0 == ticket.0).ok_or(AiError::Invalid)?;
			job.2 += 1;
			if job.2 < 2 {
				return Ok(JobStatus::Running { progress: Perbill::from_percent(50) });
			}
			let JobSpec::Generate(g) = &job.1 else { return Err(AiError::Invalid) };
			let tokens = vec![1, 2, 3];
			Ok(JobStatus::Done(JobOutput::Generated {
				commitment: generation_commitment(g, &tokens),
				tokens,
				text: b"abc".to_vec(),
				prompt_tokens: g.prompt.len() as u32,
			}))
		}
	}

	fn spec(model: WeightsHash) -> JobSpec {
		JobSpec::Generate(GenerateSpec {
			model,
			adapter: None,
			prompt: b"hi".to_vec(),
			sampling: Sampling::greedy(3),
		})
	}

	fn with_backend(backend: Arc<dyn AiBackend>) -> TestExternalities {
		let mut ext = TestExternalities::default();
		ext.register_extension(AiExt::new(backend));
		ext
	}

	#[test]
	fn without_the_extension_everything_is_unavailable() {
		TestExternalities::default().execute_with(|| {
			assert_eq!(ai::status(), Err(AiError::Unavailable));
			assert_eq!(served_models(), Err(AiError::Unavailable));
			assert_eq!(ai::start_job(spec([7; 32])), Err(AiError::Unavailable));
			assert_eq!(ai::poll(0), Err(AiError::Unavailable));
		});
	}

	#[test]
	fn the_noop_backend_is_unavailable() {
		with_backend(Arc::new(NoopBackend)).execute_with(|| {
			assert_eq!(served_models(), Err(AiError::Unavailable));
			assert_eq!(ai::start_job(spec([7; 32])), Err(AiError::Unavailable));
		});
	}

	#[test]
	fn a_job_round_trips_through_the_extension() {
		with_backend(Arc::new(Fake::default())).execute_with(|| {
			assert_eq!(served_models(), Ok(vec![[7; 32]]));
			assert_eq!(ai::start_job(spec([9; 32])), Err(AiError::Unavailable));
			let t = ai::start_job(spec([7; 32])).expect("model 7 is loaded");
			assert_eq!(
				ai::poll(t.0),
				Ok(JobStatus::Running { progress: Perbill::from_percent(50) })
			);
			let Ok(JobStatus::Done(JobOutput::Generated { tokens, commitment, .. })) =
				ai::poll(t.0)
			else {
				panic!("the job finishes on its second poll")
			};
			let JobSpec::Generate(g) = spec([7; 32]) else { panic!("a generation") };
			assert_eq!(commitment, generation_commitment(&g, &tokens));
			assert_eq!(ai::poll(99), Err(AiError::Invalid));
		});
	}

	#[test]
	fn the_encoding_of_a_job_is_stable() {
		// Pinned: a node and a runtime of different releases must agree on these bytes.
		let bytes = spec([7; 32]).encode();
		assert_eq!(bytes.first(), Some(&0)); // JobSpec::Generate
		assert_eq!(bytes.len(), 1 + 32 + 1 + 1 + 2 + 4 + 4 + 8 + 4);
	}
}
