//! Fine-tune jobs (ModelFactory): the training set read from the offchain database and checked
//! against the chain's content hashes, the chain's integer hyper-parameters turned into the
//! engine's, training with the chain's checkpoint rule, the adapter kept in the store, and the
//! result in the fixed-point shape the trainer commits on chain.

use codec::Decode;
use openledger_ai::{
	train::{train_from, CheckpointId, CheckpointPlan, Example, TrainConfig},
	AdapterId, LoraAdapter, Target,
};
use openledger_ai_primitives::{AiError, FineTuneOutput, FineTuneSpec};
use openledger_primitives::{
	checkpoint_interval, chunk_hash, chunk_key, content_hash, file_key, fine_tune::targets,
	ContentHash, FileManifest, HyperParams, Perbill, TrainingItem,
};

use crate::{
	progress::{ProgressHub, Stage, TrainingProgress},
	registry::{LoadedModel, Registry},
	LOG_TARGET,
};

/// Most contributions one fine-tune may read.
pub const MAX_ITEMS: usize = 1 << 20;

/// The engine's hyper-parameters for the chain's integer ones.
pub fn train_config(p: &HyperParams) -> TrainConfig {
	const BITS: [(u8, Target); 7] = [
		(targets::Q, Target::Q),
		(targets::K, Target::K),
		(targets::V, Target::V),
		(targets::O, Target::O),
		(targets::GATE, Target::Gate),
		(targets::UP, Target::Up),
		(targets::DOWN, Target::Down),
	];
	TrainConfig {
		rank: usize::from(p.rank),
		alpha: f32::from(p.alpha),
		target_modules: BITS.iter().filter(|(b, _)| p.targets & b != 0).map(|(_, t)| *t).collect(),
		learning_rate: f64::from(p.learning_rate) / 1e9,
		weight_decay: 0.0,
		epochs: usize::from(p.epochs),
		batch_size: usize::from(p.batch),
		max_seq_len: p.max_len as usize,
		seed: p.seed,
		eval_percent: p.eval_percent,
	}
}

/// A contribution's text as a training example: one JSON object with `prompt` and `response`
/// is an instruction example, anything else plain text.
pub fn example_of(text: String) -> Example {
	match serde_json::from_str::<Example>(text.trim()) {
		Ok(e @ Example::Instruction { .. }) => e,
		_ => Example::Text { text },
	}
}

/// The bytes of contribution `item` from the offchain database (its manifest, then its chunks),
/// `None` when any part is missing or they do not hash to the chain's content hash.
pub fn contribution_bytes(
	get: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
	item: &TrainingItem,
) -> Option<Vec<u8>> {
	file_bytes(get, &item.hash, item.size)
}

/// The bytes of the file of content hash `hash` and `size` bytes in the offchain database (a
/// manifest and its chunks, the datanets' layout), or `None` when something is missing or the
/// bytes do not hash to `hash`.
pub fn file_bytes(
	get: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
	hash: &ContentHash,
	size: u32,
) -> Option<Vec<u8>> {
	let manifest = FileManifest::decode(&mut &get(&file_key(hash))?[..]).ok()?;
	if manifest.size != size {
		return None;
	}
	let mut bytes = Vec::with_capacity(size as usize);
	let mut hashes = Vec::with_capacity(manifest.chunks as usize);
	for i in 0..manifest.chunks {
		let chunk = get(&chunk_key(hash, i))?;
		hashes.push(chunk_hash(&chunk));
		bytes.extend_from_slice(&chunk);
		if bytes.len() > size as usize {
			return None;
		}
	}
	(bytes.len() == size as usize && content_hash(size, &hashes) == *hash).then_some(bytes)
}

/// Chunk `index` of the checkpoint or adapter whose SHA-256 is `id` (see
/// `AiBackend::file_chunk`), from the checkpoints directory or the adapter store.
pub fn file_chunk(
	registry: &Registry,
	id: &[u8; 32],
	index: u32,
	chunk_size: u32,
) -> Result<openledger_ai_primitives::FileChunk, AiError> {
	let name = format!("{}.safetensors", openledger_ai::AdapterId(*id));
	let paths = [
		registry.checkpoints_dir().join(&name),
		registry.adapters().path(&openledger_ai::AdapterId(*id)),
	];
	let bytes = paths.iter().find_map(|p| std::fs::read(p).ok()).ok_or(AiError::Unavailable)?;
	if openledger_ai::train::checkpoint_id(&bytes) != *id {
		log::warn!(target: LOG_TARGET, "file {name} does not hash to its name: not uploaded");
		return Err(AiError::Failed);
	}
	let size = u32::try_from(bytes.len()).map_err(|_| AiError::Invalid)?;
	let content =
		openledger_primitives::content_hash_of(&bytes, chunk_size).ok_or(AiError::Invalid)?;
	let start = (index as usize).checked_mul(chunk_size as usize).ok_or(AiError::Invalid)?;
	if start >= bytes.len() {
		return Err(AiError::Invalid);
	}
	let end = start.saturating_add(chunk_size as usize).min(bytes.len());
	let data = bytes.get(start..end).ok_or(AiError::Invalid)?.to_vec();
	Ok(openledger_ai_primitives::FileChunk { size, content, data })
}

/// The training set of `spec` as engine examples, read and hash-checked.
pub fn examples(spec: &FineTuneSpec, registry: &Registry) -> Result<Vec<Example>, AiError> {
	let mut examples = Vec::with_capacity(spec.data.len());
	for item in &spec.data {
		let Some(bytes) = registry.offchain_bytes(item) else {
			log::warn!(
				target: LOG_TARGET,
				"fine-tune: contribution {} is missing from the offchain database or does not match its hash",
				item.contribution
			);
			return Err(AiError::Unavailable);
		};
		let text = String::from_utf8(bytes).map_err(|_| AiError::Invalid)?;
		examples.push(example_of(text));
	}
	Ok(examples)
}

/// The adapter `spec` continues (`None` for a fresh LoRA): from the adapter store, or else
/// from the offchain database (checked against its content hash and its id, then kept in the
/// store). `Unavailable` while its file has not reached this node.
pub fn parent(
	spec: &FineTuneSpec,
	registry: &Registry,
	model: &LoadedModel,
) -> Result<Option<LoraAdapter>, AiError> {
	let Some(r) = &spec.parent else { return Ok(None) };
	let id = AdapterId(r.id);
	let config = &model.model.config;
	if !registry.adapters().contains(&id) {
		let Some(bytes) = registry.offchain_file(&r.content, r.size) else {
			log::info!(target: LOG_TARGET, "fine-tune job {}: parent adapter {id} is not in the offchain database yet", spec.job);
			return Err(AiError::Unavailable);
		};
		registry.adapters().put_bytes(&id, &bytes, config).map_err(|e| {
			log::warn!(target: LOG_TARGET, "fine-tune job {}: parent adapter {id} refused: {e}", spec.job);
			AiError::Invalid
		})?;
	}
	registry.adapters().load(&id, config).map(Some).map_err(|e| {
		log::warn!(target: LOG_TARGET, "fine-tune job {}: parent adapter {id}: {e}", spec.job);
		AiError::Failed
	})
}

/// Micro-nats, rounded down (a non-finite or negative loss is 0).
fn micro(loss: f32) -> u32 {
	if loss.is_finite() && loss > 0.0 {
		(f64::from(loss) * 1e6).min(f64::from(u32::MAX)) as u32
	} else {
		0
	}
}

/// Whether `spec` is a fine-tune this service could start (the model aside).
pub fn check(spec: &FineTuneSpec) -> Result<(), AiError> {
	let ok = !spec.data.is_empty()
		&& spec.data.len() <= MAX_ITEMS
		&& spec.params.check(u32::MAX).is_ok()
		&& spec.max_checkpoints > 0;
	ok.then_some(()).ok_or(AiError::Invalid)
}

/// Runs fine-tune `spec` to the end, reporting the share of steps done through `progress` and
/// every stage and step to `hub` (the RPC subscription's source).
pub fn run(
	spec: &FineTuneSpec,
	registry: &Registry,
	hub: &ProgressHub,
	progress: impl FnMut(Perbill),
) -> Result<FineTuneOutput, AiError> {
	let out = train_job(spec, registry, hub, progress);
	let stage = if out.is_ok() { Stage::Done } else { Stage::Failed };
	let last = hub.latest(spec.job).unwrap_or_else(|| TrainingProgress::new(spec.job, stage));
	hub.publish(last.finished(stage));
	out
}

fn train_job(
	spec: &FineTuneSpec,
	registry: &Registry,
	hub: &ProgressHub,
	mut progress: impl FnMut(Perbill),
) -> Result<FineTuneOutput, AiError> {
	let model = registry.by_hash(&spec.model).ok_or(AiError::Unavailable)?;
	hub.publish(TrainingProgress::new(spec.job, Stage::ReadingData));
	let read = std::time::Instant::now();
	let examples = examples(spec, registry)?;
	log::info!(
		target: LOG_TARGET,
		"fine-tune job {}: {} contributions read and checked in {:.3} ms",
		spec.job,
		examples.len(),
		read.elapsed().as_secs_f64() * 1e3
	);
	let parent = parent(spec, registry, &model)?;
	let cfg = train_config(&spec.params);
	let (every, max) = (spec.checkpoint_every, spec.max_checkpoints);
	let interval = move |steps: usize| checkpoint_interval(steps as u32, every, max) as usize;
	let dir = registry.checkpoints_dir();
	let mut keep = |_: usize, id: &CheckpointId, bytes: &[u8]| -> openledger_ai::Result<()> {
		let path = dir.join(format!("{}.safetensors", openledger_ai::AdapterId(*id)));
		std::fs::write(&path, bytes).map_err(|e| openledger_ai::Error::Io { path, source: e })
	};
	let plan = CheckpointPlan { interval: &interval, keep: &mut keep };
	let began = std::time::Instant::now();
	let out = train_from(&model.model, &examples, &cfg, parent.as_ref(), Some(plan), |p| {
		hub.publish(TrainingProgress::step(spec.job, p));
		progress(Perbill::from_rational(p.step as u64, p.total_steps.max(1) as u64))
	})
	.map_err(|e| {
		log::warn!(target: LOG_TARGET, "fine-tune failed: {e}");
		match e {
			openledger_ai::Error::InvalidTraining(_) => AiError::Invalid,
			_ => AiError::Failed,
		}
	})?;
	// the per-epoch adapters are uploaded with the final one (the training tier of attribution
	// reads them)
	for a in out.checkpoints.iter().chain([&out.adapter]) {
		registry.adapters().put(a, &model.model.config).map_err(|e| {
			log::warn!(target: LOG_TARGET, "fine-tune: an adapter could not be stored: {e}");
			AiError::Failed
		})?;
	}
	let id = out.adapter.id();
	log::info!(
		target: LOG_TARGET,
		"fine-tune done: adapter {id}, {} steps in {:.3} s, held-out loss {:?} → {:?}",
		out.report.loss_curve.len(),
		began.elapsed().as_secs_f64(),
		out.report.eval_loss_before,
		out.report.eval_loss_after
	);
	Ok(FineTuneOutput {
		adapter: id.0,
		steps: out.report.loss_curve.len() as u32,
		checkpoints: out.step_checkpoints.iter().map(|c| c.hash).collect(),
		losses: out.step_checkpoints.iter().map(|c| micro(c.mean_loss)).collect(),
		epoch_adapters: out.checkpoints.iter().map(|a| a.id().0).collect(),
		eval_loss_before: out.report.eval_loss_before.map_or(0, micro),
		eval_loss_after: out.report.eval_loss_after.map_or(0, micro),
		tokens: out.report.train_tokens as u64,
	})
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
	use super::*;
	use std::collections::BTreeMap;

	#[test]
	fn the_chain_hyper_parameters_map_to_the_engine() {
		let p = HyperParams {
			rank: 4,
			alpha: 8,
			targets: targets::Q | targets::V | targets::DOWN,
			learning_rate: 2_000_000,
			epochs: 2,
			batch: 3,
			max_len: 64,
			eval_percent: 20,
			seed: 7,
		};
		let c = train_config(&p);
		assert_eq!(c.target_modules, vec![Target::Q, Target::V, Target::Down]);
		assert!((c.learning_rate - 2e-3).abs() < 1e-12);
		assert_eq!((c.rank, c.epochs, c.batch_size, c.max_seq_len, c.seed), (4, 2, 3, 64, 7));
	}

	#[test]
	fn instruction_contributions_are_recognised() {
		assert!(matches!(
			example_of(r#"{"prompt":"capital?","response":"Quintara"}"#.into()),
			Example::Instruction { .. }
		));
		assert!(matches!(example_of("{not json".into()), Example::Text { .. }));
		assert!(matches!(example_of(r#"{"text":"x"}"#.into()), Example::Text { .. }));
	}

	#[test]
	fn contribution_bytes_are_checked_against_the_chain_hash() {
		let chunks: [&[u8]; 2] = [b"hello ", b"world"];
		let hash = content_hash(11, &[chunk_hash(chunks[0]), chunk_hash(chunks[1])]);
		let mut db: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
		db.insert(file_key(&hash), codec::Encode::encode(&FileManifest { size: 11, chunks: 2 }));
		db.insert(chunk_key(&hash, 0), chunks[0].to_vec());
		db.insert(chunk_key(&hash, 1), chunks[1].to_vec());
		let item = TrainingItem { contribution: 1, hash, size: 11 };
		let get = |k: &[u8]| db.get(k).cloned();
		assert_eq!(contribution_bytes(&get, &item).as_deref(), Some(&b"hello world"[..]));
		db.insert(chunk_key(&hash, 1), b"worle".to_vec());
		let get = |k: &[u8]| db.get(k).cloned();
		assert_eq!(contribution_bytes(&get, &item), None, "a changed chunk is refused");
		db.remove(&chunk_key(&hash, 1));
		let get = |k: &[u8]| db.get(k).cloned();
		assert_eq!(contribution_bytes(&get, &item), None, "a missing chunk is refused");
	}
}
