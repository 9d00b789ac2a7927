//! The training loop: shuffled batches, AdamW on the LoRA variables, evaluation loss before and
//! after, the adapter after every epoch and checkpoints of the whole state; and the replay of a
//! segment of a run from one checkpoint, which is how validators check a trainer.

use std::time::Instant;

use candle_core::DType;
use rand::{seq::SliceRandom, Rng, SeedableRng};

use crate::{error::Error, error::Result, lora::LoraAdapter, lora::LoraConfig, model::Model};

use super::{adamw::AdamParams, adamw::AdamW, *};

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
	/// Id of the [`Checkpoint`] after that step (SHA-256 of its canonical bytes).
	pub hash: [u8; 32],
	/// Mean batch loss over the interval it closes.
	pub mean_loss: f32,
}

/// The run's data after encoding: the training split, the held-out split, the seed of the LoRA
/// initialisation and the generator that shuffles each epoch, all fixed by `cfg.seed`.
struct Prepared {
	train_set: Vec<Encoded>,
	eval: Vec<Encoded>,
	init_seed: u64,
	rng: rand_chacha::ChaCha8Rng,
}

fn prepare(model: &Model, examples: &[Example], cfg: &TrainConfig) -> Result<Prepared> {
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
	let init_seed = rng.random();
	Ok(Prepared { train_set: encoded, eval, init_seed, rng })
}

fn lora_config(cfg: &TrainConfig) -> LoraConfig {
	LoraConfig { rank: cfg.rank, alpha: cfg.alpha, target_modules: cfg.target_modules.clone() }
}

/// The order batches come in: each epoch reshuffles the training split (cumulatively, from the
/// generator `prepare` left), and batches are consecutive runs of `batch_size` examples.
struct DataOrder {
	set: Vec<Encoded>,
	rng: rand_chacha::ChaCha8Rng,
	batch_size: usize,
	steps_per_epoch: usize,
	produced: usize,
}

impl DataOrder {
	fn new(prep: Prepared, batch_size: usize) -> (Self, Vec<Encoded>) {
		let steps_per_epoch = prep.train_set.len().div_ceil(batch_size);
		let order =
			Self { set: prep.train_set, rng: prep.rng, batch_size, steps_per_epoch, produced: 0 };
		(order, prep.eval)
	}

	/// The next step's epoch, batch index and examples.
	fn next_batch(&mut self) -> (usize, usize, Vec<&Encoded>) {
		let (epoch, batch) = self.position(self.produced);
		if batch == 0 {
			self.set.shuffle(&mut self.rng);
		}
		self.produced += 1;
		let end = ((batch + 1) * self.batch_size).min(self.set.len());
		(epoch, batch, self.set[batch * self.batch_size..end].iter().collect())
	}

	/// Epoch and batch of the step after `done` steps.
	fn position(&self, done: usize) -> (usize, usize) {
		(done / self.steps_per_epoch, done % self.steps_per_epoch)
	}
}

/// One optimiser step on `batch`; returns its loss and loss-bearing tokens.
fn train_step(
	model: &Model,
	base: &DenseBase,
	vars: &LoraVars,
	opt: &mut AdamW,
	batch: &[&Encoded],
) -> Result<(f32, usize)> {
	let (loss, n) = batch_loss(model, base, Some(vars), batch)?;
	opt.backward_step(&loss)?;
	let loss = loss.to_scalar::<f32>()?;
	if !loss.is_finite() {
		return Err(Error::InvalidTraining(format!(
			"loss became {loss} at step {}: lower the learning rate",
			opt.steps()
		)));
	}
	Ok((loss, n))
}

/// Where checkpoints are taken and what is done with them.
pub struct CheckpointPlan<'a> {
	/// Steps between two checkpoints, given the run's total steps (the chain's rule for a job
	/// depends on it, known once the examples are encoded); one is also taken after the last
	/// step.
	pub interval: &'a dyn Fn(usize) -> usize,
	/// Receives every checkpoint's step, id and canonical bytes (a trainer keeps them until
	/// verification picks its segments).
	pub keep: &'a mut KeepCheckpoint<'a>,
}

/// What [`CheckpointPlan::keep`] is called with: the step, the checkpoint's id and its bytes.
pub type KeepCheckpoint<'a> = dyn FnMut(usize, &CheckpointId, &[u8]) -> Result<()> + 'a;

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

/// [`train_checkpointed`], also taking a [`Checkpoint`] (the whole training state) as `plan`
/// says, returning a [`StepCheckpoint`] for each.
pub fn train_planned(
	model: &Model,
	examples: &[Example],
	cfg: &TrainConfig,
	plan: Option<CheckpointPlan<'_>>,
	progress: impl FnMut(&Progress),
) -> Result<TrainOutput> {
	train_from(model, examples, cfg, None, plan, progress)
}

/// The LoRA variables a run starts from: PEFT's initialisation from the seed, or the weights of
/// the `parent` adapter it continues (whose shape must be the run's).
fn initial_vars(
	model: &Model,
	cfg: &TrainConfig,
	init_seed: u64,
	parent: Option<&LoraAdapter>,
) -> Result<LoraVars> {
	match parent {
		None => LoraVars::init(model, lora_config(cfg), init_seed, DType::F32),
		Some(a) => LoraVars::continuing(model, lora_config(cfg), a),
	}
}

/// [`train_planned`] continuing the `parent` adapter (`None`: a fresh LoRA): the run starts from
/// its weights with fresh optimiser moments; data order, split and batches come from the seed as
/// for a fresh run.
pub fn train_from(
	model: &Model,
	examples: &[Example],
	cfg: &TrainConfig,
	parent: Option<&LoraAdapter>,
	mut plan: Option<CheckpointPlan<'_>>,
	mut progress: impl FnMut(&Progress),
) -> Result<TrainOutput> {
	let prep = prepare(model, examples, cfg)?;
	let vars = initial_vars(model, cfg, prep.init_seed, parent)?;
	let base = DenseBase::new(model, DType::F32)?;
	let mut opt =
		AdamW::new(vars.all_vars(), AdamParams::new(cfg.learning_rate, cfg.weight_decay))?;
	let (mut order, eval) = DataOrder::new(prep, cfg.batch_size);
	let eval_before = mean_loss(model, &base, Some(&vars), &eval, cfg.batch_size)?;
	let total_steps = order.steps_per_epoch * cfg.epochs;
	let start = Instant::now();
	let mut tokens = 0usize;
	let mut curve = Vec::with_capacity(total_steps);
	let mut checkpoints = Vec::with_capacity(cfg.epochs);
	let every = plan.as_ref().map(|p| (p.interval)(total_steps).max(1));
	let mut step_checkpoints = Vec::new();
	let mut interval_loss = (0f64, 0usize);
	for step in 1..=total_steps {
		let (epoch, batch, examples) = order.next_batch();
		let (loss, n) = train_step(model, &base, &vars, &mut opt, &examples)?;
		tokens += n;
		curve.push((step, loss));
		interval_loss = (interval_loss.0 + f64::from(loss), interval_loss.1 + 1);
		if let (Some(every), Some(plan)) = (every, plan.as_mut()) {
			if step.is_multiple_of(every) || step == total_steps {
				let bytes = Checkpoint::capture(model, &vars, &opt, epoch, batch)?.to_bytes()?;
				let hash = checkpoint_id(&bytes);
				(plan.keep)(step, &hash, &bytes)?;
				let mean_loss = (interval_loss.0 / interval_loss.1.max(1) as f64) as f32;
				step_checkpoints.push(StepCheckpoint { step, hash, mean_loss });
				interval_loss = (0.0, 0);
			}
		}
		if batch + 1 == order.steps_per_epoch {
			checkpoints.push(vars.to_adapter(model)?);
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
		train_examples: order.set.len(),
		eval_examples: eval.len(),
		train_tokens: tokens,
		seconds,
		tokens_per_sec: tokens as f64 / seconds.max(1e-9),
	};
	Ok(TrainOutput { adapter, report, checkpoints, step_checkpoints })
}

/// Steps a run of `cfg` on `examples` takes.
pub fn total_steps(model: &Model, examples: &[Example], cfg: &TrainConfig) -> Result<usize> {
	let prep = prepare(model, examples, cfg)?;
	Ok(prep.train_set.len().div_ceil(cfg.batch_size) * cfg.epochs)
}

/// The state a run of `cfg` on `examples` continuing `parent` (`None`: a fresh LoRA) starts
/// from, before its first step: what a verifier replays the first segment from.
pub fn initial_state(
	model: &Model,
	examples: &[Example],
	cfg: &TrainConfig,
	parent: Option<&LoraAdapter>,
) -> Result<Checkpoint> {
	let prep = prepare(model, examples, cfg)?;
	let vars = initial_vars(model, cfg, prep.init_seed, parent)?;
	let opt = AdamW::new(vars.all_vars(), AdamParams::new(cfg.learning_rate, cfg.weight_decay))?;
	Checkpoint::capture(model, &vars, &opt, 0, 0)
}

/// Replays a run of `cfg` on `examples` from `start` (`None`: the initial state) until
/// `end_step` steps are done, and returns the state it reaches. The data order is rebuilt from
/// the seed, so only the segment's own steps are computed.
pub fn replay_segment(
	model: &Model,
	examples: &[Example],
	cfg: &TrainConfig,
	start: Option<&Checkpoint>,
	end_step: usize,
) -> Result<Checkpoint> {
	let prep = prepare(model, examples, cfg)?;
	let params = AdamParams::new(cfg.learning_rate, cfg.weight_decay);
	let (vars, mut opt, mut last) = match start {
		None => {
			let vars = initial_vars(model, cfg, prep.init_seed, None)?;
			let opt = AdamW::new(vars.all_vars(), params)?;
			(vars, opt, (0, 0))
		}
		Some(c) => {
			if c.lora != lora_config(cfg) {
				return Err(Error::InvalidTraining(
					"the start checkpoint's LoRA shape is not the job's".into(),
				));
			}
			let (vars, first, second) = c.restore(model)?;
			let opt = AdamW::resume(vars.all_vars(), params, c.step, &first, &second)?;
			(vars, opt, (c.epoch, c.batch))
		}
	};
	let (mut order, _) = DataOrder::new(prep, cfg.batch_size);
	let total = order.steps_per_epoch * cfg.epochs;
	let from = opt.steps();
	if end_step < from || end_step > total {
		return Err(Error::InvalidTraining(format!(
			"segment {from}..{end_step} is outside the run's {total} steps"
		)));
	}
	if from > 0 && order.position(from - 1) != last {
		return Err(Error::InvalidTraining(format!(
			"the start checkpoint says epoch {}, batch {} after step {from}; the data order \
			 says {:?}",
			last.0,
			last.1,
			order.position(from - 1)
		)));
	}
	for _ in 0..from {
		order.next_batch();
	}
	// dequantising the base is the costly part of a replay's set-up: only when there are steps
	if end_step > from {
		let base = DenseBase::new(model, DType::F32)?;
		for _ in from..end_step {
			let (epoch, batch, examples) = order.next_batch();
			train_step(model, &base, &vars, &mut opt, &examples)?;
			last = (epoch, batch);
		}
	}
	Checkpoint::capture(model, &vars, &opt, last.0, last.1)
}

/// The largest [`distance`] at which a replayed segment passes. An honest replay on the same
/// kernel path and thread count is bit-identical (distance 0); across paths the measured
/// distances are far below this (docs/model-factory.md, "Verification"), and the dishonest
/// cases the tests try are above 0.1.
pub const REPLAY_TOLERANCE: f64 = 1e-3;

/// A verifier's finding on one segment.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentCheck {
	/// Id of the start checkpoint (of the initial state when none was given).
	pub start: CheckpointId,
	/// Id of the claimed end checkpoint.
	pub claimed: CheckpointId,
	/// Steps replayed.
	pub steps: usize,
	/// [`distance`] between the replayed and the claimed end state (infinite when their
	/// position in the data order differs).
	pub distance: f64,
}

/// Replays the segment from `start` (checkpoint bytes, or `None` for the initial state) to the
/// step of `claimed` and measures how far the claim is from the replay. The caller compares the
/// ids with the committed hashes and the distance with the tolerance.
pub fn check_segment(
	model: &Model,
	examples: &[Example],
	cfg: &TrainConfig,
	start: Option<&[u8]>,
	claimed: &[u8],
) -> Result<SegmentCheck> {
	let claimed_id = checkpoint_id(claimed);
	let claimed = Checkpoint::from_bytes(claimed, model)?;
	let (start, start_id) = match start {
		Some(bytes) => (Checkpoint::from_bytes(bytes, model)?, checkpoint_id(bytes)),
		None => {
			let initial = replay_segment(model, examples, cfg, None, 0)?;
			let id = initial.id()?;
			(initial, id)
		}
	};
	let distance = check_checkpoints(model, examples, cfg, &start, &claimed)?;
	Ok(SegmentCheck {
		start: start_id,
		claimed: claimed_id,
		steps: claimed.step.saturating_sub(start.step),
		distance,
	})
}

/// [`check_segment`] on checkpoints already parsed: the [`distance`] from the replay of
/// `start` to the step of `claimed` (infinite when their position in the data order differs).
pub fn check_checkpoints(
	model: &Model,
	examples: &[Example],
	cfg: &TrainConfig,
	start: &Checkpoint,
	claimed: &Checkpoint,
) -> Result<f64> {
	if claimed.lora != start.lora {
		return Err(Error::InvalidTraining(
			"the two checkpoints have different LoRA shapes".into(),
		));
	}
	let replayed = replay_segment(model, examples, cfg, Some(start), claimed.step)?;
	Ok(if (replayed.epoch, replayed.batch) == (claimed.epoch, claimed.batch) {
		super::distance(start, &replayed, claimed)
	} else {
		f64::INFINITY
	})
}
