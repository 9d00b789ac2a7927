//! The training loop: shuffled batches, AdamW on the LoRA variables, evaluation loss before and
//! after, and the adapter after every epoch.

use std::time::Instant;

use candle_core::DType;
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::{seq::SliceRandom, Rng, SeedableRng};

use crate::{error::Error, error::Result, lora::LoraAdapter, lora::LoraConfig, model::Model};

use super::*;

fn mean_loss(
	model: &Model,
	base: &DenseBase,
	lora: Option<&LoraVars>,
	set: &[Encoded],
	bs: usize,
) -> Result<Option<f32>> {
	if set.is_empty() {
		return Ok(None);
	}
	let mut total = 0f64;
	let mut count = 0usize;
	for chunk in set.chunks(bs.max(1)) {
		let refs: Vec<&Encoded> = chunk.iter().collect();
		let (loss, n) = batch_loss(model, base, lora, &refs)?;
		total += f64::from(loss.to_dtype(DType::F32)?.to_scalar::<f32>()?) * n as f64;
		count += n;
	}
	Ok(Some((total / count.max(1) as f64) as f32))
}

/// A fine-tune's adapter, report, and the adapter as it was after every epoch (the checkpoints
/// TracIn attribution replays).
#[derive(Clone, Debug)]
pub struct TrainOutput {
	/// The final adapter.
	pub adapter: LoraAdapter,
	/// Loss curve and metrics.
	pub report: TrainReport,
	/// Snapshot after each epoch (the last equals `adapter`).
	pub checkpoints: Vec<LoraAdapter>,
	/// Checkpoints every interval of steps and after the last step ([`train_planned`]; empty
	/// without a plan).
	pub step_checkpoints: Vec<StepCheckpoint>,
}

/// A checkpoint taken during training: after step `step` (from 1), its hash and the mean
/// training loss of the steps since the previous one.
#[derive(Clone, Debug, PartialEq)]
pub struct StepCheckpoint {
	/// The step it was taken after.
	pub step: usize,
	/// [`checkpoint_hash`] of the state after that step.
	pub hash: [u8; 32],
	/// Mean batch loss over the interval it closes.
	pub mean_loss: f32,
}

/// The hash a checkpoint commits to: SHA-256 of the domain `openledger/train-checkpoint`, the
/// adapter's id after the step, the step, the epoch (from 0) and the batch index within it (all
/// u32 little-endian). With the job's seed these fix where training stands; the optimiser's
/// moments are not yet part of it.
pub fn checkpoint_hash(
	adapter: &crate::AdapterId,
	step: usize,
	epoch: usize,
	batch: usize,
) -> [u8; 32] {
	use sha2::{Digest, Sha256};
	let mut h = Sha256::new();
	h.update(b"openledger/train-checkpoint");
	h.update(adapter.0);
	for n in [step, epoch, batch] {
		h.update((n as u32).to_le_bytes());
	}
	h.finalize().into()
}

/// Fine-tunes a LoRA adapter on `examples`, calling `progress` after every step.
pub fn train(
	model: &Model,
	examples: &[Example],
	cfg: &TrainConfig,
	progress: impl FnMut(&Progress),
) -> Result<(LoraAdapter, TrainReport)> {
	let out = train_checkpointed(model, examples, cfg, progress)?;
	Ok((out.adapter, out.report))
}

/// [`train`], also returning a checkpoint per epoch.
pub fn train_checkpointed(
	model: &Model,
	examples: &[Example],
	cfg: &TrainConfig,
	progress: impl FnMut(&Progress),
) -> Result<TrainOutput> {
	train_planned(model, examples, cfg, None, progress)
}

/// [`train_checkpointed`], also taking a [`StepCheckpoint`] every `interval(total_steps)` steps
/// and after the last step when `interval` is given (the chain's rule for a job's checkpoints
/// depends on how many steps the run has, known once the examples are encoded).
pub fn train_planned(
	model: &Model,
	examples: &[Example],
	cfg: &TrainConfig,
	interval: Option<&dyn Fn(usize) -> usize>,
	mut progress: impl FnMut(&Progress),
) -> Result<TrainOutput> {
	cfg.validate(model)?;
	let mut encoded: Vec<Encoded> =
		examples.iter().filter_map(|e| encode_example(model, e, cfg.max_seq_len)).collect();
	if encoded.is_empty() {
		return Err(Error::InvalidTraining("no example has a token to learn".into()));
	}
	let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed);
	encoded.shuffle(&mut rng);
	let n_eval = if encoded.len() >= 2 {
		(encoded.len() * usize::from(cfg.eval_percent) / 100).max(usize::from(cfg.eval_percent > 0))
	} else {
		0
	};
	let eval: Vec<Encoded> = encoded.drain(..n_eval).collect();
	let mut train_set = encoded;
	let base = DenseBase::new(model, DType::F32)?;
	let lora_cfg =
		LoraConfig { rank: cfg.rank, alpha: cfg.alpha, target_modules: cfg.target_modules.clone() };
	let vars = LoraVars::init(model, lora_cfg, rng.random(), DType::F32)?;
	let mut opt = AdamW::new(
		vars.all_vars(),
		ParamsAdamW { lr: cfg.learning_rate, weight_decay: cfg.weight_decay, ..Default::default() },
	)?;
	let eval_before = mean_loss(model, &base, Some(&vars), &eval, cfg.batch_size)?;
	let steps_per_epoch = train_set.len().div_ceil(cfg.batch_size);
	let total_steps = steps_per_epoch * cfg.epochs;
	let start = Instant::now();
	let mut tokens = 0usize;
	let mut curve = Vec::with_capacity(total_steps);
	let mut step = 0usize;
	let mut checkpoints = Vec::with_capacity(cfg.epochs);
	let every = interval.map(|f| f(total_steps).max(1));
	let mut step_checkpoints = Vec::new();
	let mut interval_loss = (0f64, 0usize);
	for epoch in 0..cfg.epochs {
		train_set.shuffle(&mut rng);
		for (batch, chunk) in train_set.chunks(cfg.batch_size).enumerate() {
			let refs: Vec<&Encoded> = chunk.iter().collect();
			let (loss, n) = batch_loss(model, &base, Some(&vars), &refs)?;
			opt.backward_step(&loss)?;
			let loss = loss.to_scalar::<f32>()?;
			if !loss.is_finite() {
				return Err(Error::InvalidTraining(format!(
					"loss became {loss} at step {step}: lower the learning rate"
				)));
			}
			step += 1;
			tokens += n;
			curve.push((step, loss));
			interval_loss = (interval_loss.0 + f64::from(loss), interval_loss.1 + 1);
			if let Some(every) = every {
				if step.is_multiple_of(every) || step == total_steps {
					let hash = checkpoint_hash(&vars.to_adapter(model)?.id(), step, epoch, batch);
					let mean_loss = (interval_loss.0 / interval_loss.1.max(1) as f64) as f32;
					step_checkpoints.push(StepCheckpoint { step, hash, mean_loss });
					interval_loss = (0.0, 0);
				}
			}
			let secs = start.elapsed().as_secs_f64().max(1e-9);
			progress(&Progress {
				step,
				total_steps,
				epoch,
				loss,
				tokens_per_sec: tokens as f64 / secs,
				eta_secs: secs / step as f64 * (total_steps - step) as f64,
			});
		}
		checkpoints.push(vars.to_adapter(model)?);
	}
	let seconds = start.elapsed().as_secs_f64();
	let eval_after = mean_loss(model, &base, Some(&vars), &eval, cfg.batch_size)?;
	let adapter = checkpoints.last().cloned().map_or_else(|| vars.to_adapter(model), Ok)?;
	let report = TrainReport {
		base_model_sha256: model.info.sha256.clone(),
		adapter_id: adapter.id().to_string(),
		config: cfg.clone(),
		loss_curve: curve,
		eval_loss_before: eval_before,
		eval_loss_after: eval_after,
		train_examples: train_set.len(),
		eval_examples: eval.len(),
		train_tokens: tokens,
		seconds,
		tokens_per_sec: tokens as f64 / seconds.max(1e-9),
	};
	Ok(TrainOutput { adapter, report, checkpoints, step_checkpoints })
}
