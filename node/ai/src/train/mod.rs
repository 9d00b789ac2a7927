//! LoRA fine-tuning: the ModelFactory worker.
//!
//! candle's fused ops (`softmax_last_dim`, `rms_norm`, `rope_i`) return no gradient, so this
//! module has its own differentiable llama forward built from primitive ops (matmul, exp, sum,
//! narrow, cat...). The base is dequantised to dense weights and frozen; only the LoRA `A`/`B`
//! matrices are `Var`s, updated with AdamW. Batches, shuffling and initialisation are driven
//! by one seed, so a run is deterministic for a given seed, machine and thread count.
//!
//! - `corpus.rs`: training examples, reading a corpus file, encoding an example with the chat
//!   template and its loss mask;
//! - `forward.rs`: the differentiable forward over the frozen dense base and the LoRA variables;
//! - `adamw.rs`: AdamW with its moments in the open;
//! - `checkpoint.rs`: the whole training state after a step, as a canonical file, and the
//!   distance between two states;
//! - `loop.rs`: the training loop (data order, batches, evaluation, checkpoints) and the replay
//!   of a segment of it that verifiers run.

mod adamw;
mod checkpoint;
mod corpus;
mod forward;
mod r#loop;

pub use checkpoint::*;
pub use corpus::*;
pub(crate) use forward::*;
pub use r#loop::*;

use serde::{Deserialize, Serialize};

use crate::{
	error::{Error, Result},
	lora::{LoraConfig, Target},
	model::Model,
};

/// Hyper-parameters of a fine-tune.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
	/// LoRA rank.
	pub rank: usize,
	/// LoRA alpha (update scaled by `alpha / rank`).
	pub alpha: f32,
	/// Modules to adapt.
	pub target_modules: Vec<Target>,
	/// AdamW learning rate.
	pub learning_rate: f64,
	/// AdamW weight decay.
	pub weight_decay: f64,
	/// Passes over the training split.
	pub epochs: usize,
	/// Examples per optimiser step.
	pub batch_size: usize,
	/// Longer examples are truncated to this many tokens.
	pub max_seq_len: usize,
	/// Seed of initialisation, split and shuffling.
	pub seed: u64,
	/// Share of examples held out for evaluation, in percent (at least one example is held out
	/// when there are two or more).
	pub eval_percent: u8,
}

impl Default for TrainConfig {
	fn default() -> Self {
		Self {
			rank: 8,
			alpha: 16.0,
			target_modules: vec![Target::Q, Target::V],
			learning_rate: 1e-3,
			weight_decay: 0.0,
			epochs: 1,
			batch_size: 4,
			max_seq_len: 256,
			seed: 0,
			eval_percent: 10,
		}
	}
}

/// What the progress callback receives after every optimiser step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
	/// Steps done.
	pub step: usize,
	/// Steps in the whole run.
	pub total_steps: usize,
	/// Current epoch (from 0).
	pub epoch: usize,
	/// Loss of this step's batch.
	pub loss: f32,
	/// Training tokens per second so far.
	pub tokens_per_sec: f64,
	/// Estimated seconds left.
	pub eta_secs: f64,
}

/// The outcome of a fine-tune, written next to the adapter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
	/// Base model identity (SHA-256 of its file).
	pub base_model_sha256: String,
	/// Resulting adapter id (hex SHA-256).
	pub adapter_id: String,
	/// Hyper-parameters used.
	pub config: TrainConfig,
	/// `(step, loss)` for every step.
	pub loss_curve: Vec<(usize, f32)>,
	/// Mean token loss on the held-out split before training (`None` without a split).
	pub eval_loss_before: Option<f32>,
	/// Mean token loss on the held-out split after training.
	pub eval_loss_after: Option<f32>,
	/// Examples trained on / held out.
	pub train_examples: usize,
	/// Held-out examples.
	pub eval_examples: usize,
	/// Loss-bearing tokens processed.
	pub train_tokens: usize,
	/// Wall time.
	pub seconds: f64,
	/// `train_tokens / seconds`.
	pub tokens_per_sec: f64,
}

impl TrainConfig {
	/// Rejects unusable hyper-parameters.
	pub fn validate(&self, model: &Model) -> Result<()> {
		let bad = |m: String| Err(Error::InvalidTraining(m));
		if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
			return bad(format!("learning rate {} must be positive", self.learning_rate));
		}
		if self.epochs == 0 || self.batch_size == 0 {
			return bad("epochs and batch_size must be at least 1".into());
		}
		if self.max_seq_len < 2 || self.max_seq_len > model.config.max_position_embeddings {
			return bad(format!(
				"max_seq_len {} must be in 2..={}",
				self.max_seq_len, model.config.max_position_embeddings
			));
		}
		if self.eval_percent > 50 {
			return bad("eval_percent must be at most 50".into());
		}
		LoraConfig {
			rank: self.rank,
			alpha: self.alpha,
			target_modules: self.target_modules.clone(),
		}
		.validate()
		.map_err(|e| Error::InvalidTraining(e.to_string()))
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
	use super::*;
	use crate::{config::LlamaConfig, model::Model};
	use candle_core::{DType, Tensor};
	use rand::{Rng, SeedableRng};

	fn tiny() -> Model {
		Model::tiny_random(LlamaConfig::tiny(), 7, false).unwrap()
	}

	/// LoRA vars with a non-zero `B`, so gradients reach `A` too.
	fn vars(model: &Model, dtype: DType) -> LoraVars {
		let cfg = LoraConfig { rank: 4, alpha: 8.0, target_modules: Target::ALL.to_vec() };
		let v = LoraVars::init(model, cfg, 3, dtype).unwrap();
		let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
		for m in &v.pairs {
			for (_, b) in m.values() {
				let n = b.as_tensor().elem_count();
				let data: Vec<f64> = (0..n).map(|_| (rng.random::<f64>() - 0.5) * 0.2).collect();
				let t = Tensor::from_vec(data, b.as_tensor().shape(), model.device()).unwrap();
				b.set(&t.to_dtype(dtype).unwrap()).unwrap();
			}
		}
		v
	}

	fn examples(model: &Model) -> Vec<Encoded> {
		[
			Example::Instruction { prompt: "2+2?".into(), response: "four".into() },
			Example::Text { text: "plain text, longer than the other one".into() },
		]
		.iter()
		.map(|e| encode_example(model, e, 64).unwrap())
		.collect()
	}

	#[test]
	fn gradients_match_finite_differences() {
		let model = tiny();
		let base = DenseBase::new(&model, DType::F64).unwrap();
		let v = vars(&model, DType::F64);
		let ex = examples(&model);
		let refs: Vec<&Encoded> = ex.iter().collect();
		let (loss, _) = batch_loss(&model, &base, Some(&v), &refs).unwrap();
		let grads = loss.backward().unwrap();
		let eps = 1e-6;
		let mut checked = 0;
		for (li, m) in v.pairs.iter().enumerate() {
			for (t, (a, b)) in m {
				if li != 1 && *t != Target::Q {
					continue;
				}
				for var in [a, b] {
					let g = grads.get(var.as_tensor()).expect("gradient").flatten_all().unwrap();
					let g: Vec<f64> = g.to_vec1().unwrap();
					let orig: Vec<f64> = var.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
					for idx in [0, orig.len() / 2, orig.len() - 1] {
						let eval = |delta: f64| {
							let mut p = orig.clone();
							p[idx] += delta;
							var.set(
								&Tensor::from_vec(p, var.as_tensor().shape(), model.device())
									.unwrap(),
							)
							.unwrap();
							let (l, _) = batch_loss(&model, &base, Some(&v), &refs).unwrap();
							l.to_scalar::<f64>().unwrap()
						};
						let numeric = (eval(eps) - eval(-eps)) / (2.0 * eps);
						var.set(
							&Tensor::from_vec(
								orig.clone(),
								var.as_tensor().shape(),
								model.device(),
							)
							.unwrap(),
						)
						.unwrap();
						let err = (numeric - g[idx]).abs() / (numeric.abs() + g[idx].abs() + 1e-8);
						assert!(
							err < 1e-4 || (numeric - g[idx]).abs() < 1e-9,
							"layer {li} {t:?} [{idx}]: analytic {} numeric {numeric}",
							g[idx]
						);
						checked += 1;
					}
				}
			}
		}
		assert!(checked >= 40, "checked {checked} entries");
	}

	#[test]
	fn training_forward_matches_inference_forward() {
		let model = tiny();
		let base = DenseBase::new(&model, DType::F32).unwrap();
		let v = vars(&model, DType::F32);
		let adapter = v.to_adapter(&model).unwrap();
		let ids: Vec<u32> = "Hello, LoRA world!".bytes().map(u32::from).collect();
		let t = Tensor::from_vec(ids.clone(), (1, ids.len()), model.device()).unwrap();
		let logits = forward_train(&model, &base, Some(&v), &t).unwrap();
		let last: Vec<f32> = logits.get(0).unwrap().get(ids.len() - 1).unwrap().to_vec1().unwrap();
		let inference = model.forward_tokens(&ids, Some(&adapter)).unwrap();
		for (a, b) in last.iter().zip(&inference) {
			assert!((a - b).abs() < 1e-3 * (1.0 + b.abs()), "{a} vs {b}");
		}
	}

	#[test]
	fn training_is_deterministic_and_learns() {
		let model = tiny();
		let corpus: Vec<Example> = (0..6)
			.map(|i| Example::Instruction {
				prompt: format!("item {i}?"),
				response: "zebra".into(),
			})
			.collect();
		let cfg = TrainConfig {
			epochs: 8,
			batch_size: 2,
			learning_rate: 1e-2,
			max_seq_len: 64,
			eval_percent: 34,
			..TrainConfig::default()
		};
		let mut steps = 0;
		let (a1, r1) = train(&model, &corpus, &cfg, |p| {
			steps = p.step;
			assert!(p.loss.is_finite() && p.total_steps >= p.step);
		})
		.unwrap();
		let (a2, r2) = train(&model, &corpus, &cfg, |_| {}).unwrap();
		assert_eq!(a1.id(), a2.id(), "same seed, same adapter bytes");
		assert_eq!(r1.loss_curve, r2.loss_curve);
		assert_eq!(steps, r1.loss_curve.len());
		assert!(r1.eval_loss_after.unwrap() < r1.eval_loss_before.unwrap());
		let other = TrainConfig { seed: 1, ..cfg.clone() };
		let (a3, _) = train(&model, &corpus, &other, |_| {}).unwrap();
		assert_ne!(a1.id(), a3.id(), "another seed, another adapter");
	}

	/// Trains with checkpoints every `interval(total)` steps; returns the output and the files.
	fn planned(
		model: &Model,
		corpus: &[Example],
		cfg: &TrainConfig,
		interval: &dyn Fn(usize) -> usize,
	) -> (TrainOutput, Vec<Vec<u8>>) {
		let mut files = Vec::new();
		let mut keep = |_: usize, _: &CheckpointId, b: &[u8]| {
			files.push(b.to_vec());
			Ok(())
		};
		let out = train_planned(
			model,
			corpus,
			cfg,
			Some(CheckpointPlan { interval, keep: &mut keep }),
			|_| {},
		)
		.unwrap();
		(out, files)
	}

	/// 12 steps (7 examples, batches of 2, 3 epochs), checkpoints after steps 5, 10 and 12.
	fn replay_setup() -> (Model, Vec<Example>, TrainConfig, TrainOutput, Vec<Vec<u8>>) {
		let model = tiny();
		let corpus: Vec<Example> = (0..7)
			.map(|i| Example::Instruction {
				prompt: format!("what is item {i}?"),
				response: format!("item {i} is a zebra"),
			})
			.collect();
		let cfg = TrainConfig {
			epochs: 3,
			batch_size: 2,
			eval_percent: 0,
			max_seq_len: 64,
			learning_rate: 1e-2,
			..TrainConfig::default()
		};
		let (out, files) = planned(&model, &corpus, &cfg, &|_| 5);
		(model, corpus, cfg, out, files)
	}

	#[test]
	fn honest_segments_replay_bit_for_bit() {
		let (model, corpus, cfg, out, files) = replay_setup();
		let ids: Vec<CheckpointId> = out.step_checkpoints.iter().map(|c| c.hash).collect();
		// from the initial state (which the verifier computes itself) and from each checkpoint
		let first = check_segment(&model, &corpus, &cfg, None, &files[0]).unwrap();
		assert_eq!((first.claimed, first.steps, first.distance), (ids[0], 5, 0.0));
		let second = check_segment(&model, &corpus, &cfg, Some(&files[0]), &files[1]).unwrap();
		assert_eq!((second.start, second.claimed, second.steps), (ids[0], ids[1], 5));
		assert_eq!(second.distance, 0.0);
		let third = check_segment(&model, &corpus, &cfg, Some(&files[1]), &files[2]).unwrap();
		assert_eq!((third.steps, third.distance), (2, 0.0));
		// a replay of the whole run ends on the final adapter
		let whole = replay_segment(&model, &corpus, &cfg, None, 12).unwrap();
		assert_eq!(whole.id().unwrap(), ids[2]);
		assert_eq!(total_steps(&model, &corpus, &cfg).unwrap(), 12);
	}

	#[test]
	fn dishonest_segments_are_caught() {
		let (model, corpus, cfg, _, files) = replay_setup();
		let start = Checkpoint::from_bytes(&files[0], &model).unwrap();
		let honest = Checkpoint::from_bytes(&files[1], &model).unwrap();
		let check = |claim: &Checkpoint| {
			let d =
				check_segment(&model, &corpus, &cfg, Some(&files[0]), &claim.to_bytes().unwrap())
					.unwrap()
					.distance;
			println!("claim after step {}: distance {d:.3e}", claim.step);
			d
		};
		// a wrong learning rate: the trainer's steps 6..=10 at three times the job's rate
		let fast = TrainConfig { learning_rate: cfg.learning_rate * 3.0, ..cfg.clone() };
		let wrong_lr = replay_segment(&model, &corpus, &fast, Some(&start), 10).unwrap();
		assert!(check(&wrong_lr) > 0.1, "wrong learning rate: {}", check(&wrong_lr));
		// a skipped step: four steps done, five claimed
		let mut skipped = replay_segment(&model, &corpus, &cfg, Some(&start), 9).unwrap();
		(skipped.step, skipped.epoch, skipped.batch) = (honest.step, honest.epoch, honest.batch);
		assert!(check(&skipped) > 0.1, "skipped step: {}", check(&skipped));
		// no training at all: the start state relabelled as the end
		let mut idle = start.clone();
		(idle.step, idle.epoch, idle.batch) = (honest.step, honest.epoch, honest.batch);
		assert!((check(&idle) - 1.0).abs() < 1e-9, "idle: {}", check(&idle));
		// a tampered optimiser state
		let mut moments = honest.clone();
		moments.slots[3].v.iter_mut().for_each(|v| *v *= 4.0);
		assert!(check(&moments) > 0.1, "tampered moments: {}", check(&moments));
		// a claim in the wrong place of the data order
		let mut moved = honest.clone();
		moved.batch += 1;
		assert_eq!(check(&moved), f64::INFINITY);
		// a tampered weight changes the file's id, so it no longer matches the commitment
		let mut tampered = honest.clone();
		tampered.slots[1].value[0] += 1e-6;
		assert_ne!(tampered.id().unwrap(), honest.id().unwrap());
		assert!(check(&honest) == 0.0);
	}

	#[test]
	fn a_run_continues_its_parent_adapter_and_its_replay_checks_that() {
		let (model, _, cfg, parent_run, _) = replay_setup();
		let parent = parent_run.adapter;
		let facts: Vec<Example> = (0..5)
			.map(|i| Example::Instruction {
				prompt: format!("where is gate {i}?"),
				response: format!("gate {i} is north"),
			})
			.collect();
		let child_cfg = TrainConfig { epochs: 2, seed: 7, ..cfg.clone() };
		// the initial state is the parent's weights with fresh moments, before any step
		let initial = initial_state(&model, &facts, &child_cfg, Some(&parent)).unwrap();
		assert_eq!(initial.step, 0);
		assert_eq!(initial.adapter(&model).unwrap().id(), parent.id());
		let mut files = Vec::new();
		let mut keep = |_: usize, _: &CheckpointId, b: &[u8]| {
			files.push(b.to_vec());
			Ok(())
		};
		let plan = CheckpointPlan { interval: &|_| 2, keep: &mut keep };
		let child =
			train_from(&model, &facts, &child_cfg, Some(&parent), Some(plan), |_| {}).unwrap();
		let fresh = train_planned(&model, &facts, &child_cfg, None, |_| {}).unwrap();
		assert_ne!(child.adapter.id(), parent.id());
		assert_ne!(child.adapter.id(), fresh.adapter.id(), "the parent's weights are the start");
		// the verifier replays the first segment from the parent's initial state: bit for bit
		let start = initial.to_bytes().unwrap();
		let first = check_segment(&model, &facts, &child_cfg, Some(&start), &files[0]).unwrap();
		assert_eq!((first.steps, first.distance), (2, 0.0));
		// a trainer that ignored the parent and trained a fresh LoRA is caught
		let ignored = check_segment(&model, &facts, &child_cfg, None, &files[0]).unwrap();
		assert!(ignored.distance > 0.1, "ignored parent: {}", ignored.distance);
		// a parent of another LoRA shape cannot be continued
		let rank4 = TrainConfig { rank: 4, ..child_cfg.clone() };
		assert!(matches!(
			initial_state(&model, &facts, &rank4, Some(&parent)),
			Err(Error::InvalidTraining(_))
		));
		let alpha = TrainConfig { alpha: 8.0, ..child_cfg.clone() };
		assert!(matches!(
			train_from(&model, &facts, &alpha, Some(&parent), None, |_| {}),
			Err(Error::InvalidTraining(_))
		));
	}

	#[test]
	fn malformed_checkpoints_are_refused() {
		let (model, corpus, cfg, _, files) = replay_setup();
		let bad = |bytes: &[u8]| {
			matches!(
				check_segment(&model, &corpus, &cfg, None, bytes),
				Err(Error::InvalidTraining(_) | Error::SafeTensors(_) | Error::Json(_))
			)
		};
		assert!(bad(b"not a checkpoint"));
		assert!(bad(&files[0][..files[0].len() - 4]), "truncated");
		// an adapter file is not a checkpoint
		let adapter = Checkpoint::from_bytes(&files[0], &model).unwrap().adapter(&model).unwrap();
		assert!(bad(&adapter.to_safetensors(&model.config).unwrap()));
		// a checkpoint of another LoRA shape than the job's
		let other = TrainConfig { rank: 4, ..cfg.clone() };
		let theirs = replay_segment(&model, &corpus, &other, None, 5).unwrap();
		assert!(bad(&theirs.to_bytes().unwrap()));
		// a segment past the end of the run, or going backwards
		let mut late = Checkpoint::from_bytes(&files[2], &model).unwrap();
		late.step = 13;
		assert!(bad(&late.to_bytes().unwrap()));
		assert!(matches!(
			check_segment(&model, &corpus, &cfg, Some(&files[1]), &files[0]),
			Err(Error::InvalidTraining(_))
		));
	}

	#[test]
	fn planned_checkpoints_follow_the_interval_and_the_last_step() {
		let model = tiny();
		let corpus: Vec<Example> =
			(0..7).map(|i| Example::Text { text: format!("sample number {i}") }).collect();
		// 7 examples, none held out, batches of 2: 4 steps an epoch, 3 epochs, 12 steps.
		let cfg = TrainConfig {
			epochs: 3,
			batch_size: 2,
			eval_percent: 0,
			max_seq_len: 64,
			..TrainConfig::default()
		};
		let interval = |steps: usize| {
			assert_eq!(steps, 12);
			5
		};
		let (out, files) = planned(&model, &corpus, &cfg, &interval);
		let steps: Vec<usize> = out.step_checkpoints.iter().map(|c| c.step).collect();
		assert_eq!(steps, [5, 10, 12]);
		let curve = &out.report.loss_curve;
		let mean = |r: core::ops::Range<usize>| {
			(curve[r.clone()].iter().map(|(_, l)| f64::from(*l)).sum::<f64>() / r.len() as f64)
				as f32
		};
		assert!((out.step_checkpoints[0].mean_loss - mean(0..5)).abs() < 1e-5);
		assert!((out.step_checkpoints[2].mean_loss - mean(10..12)).abs() < 1e-5);
		// each hash is of the file kept; the last is of the final adapter, after step 12 =
		// epoch 2, batch 3
		for (c, bytes) in out.step_checkpoints.iter().zip(&files) {
			assert_eq!(c.hash, checkpoint_id(bytes));
		}
		let last = Checkpoint::from_bytes(&files[2], &model).unwrap();
		assert_eq!((last.step, last.epoch, last.batch), (12, 2, 3));
		assert_eq!(last.adapter(&model).unwrap().id(), out.adapter.id());
		let (again, _) = planned(&model, &corpus, &cfg, &interval);
		assert_eq!(again.step_checkpoints, out.step_checkpoints, "deterministic");
		let none = train_checkpointed(&model, &corpus, &cfg, |_| {}).unwrap();
		assert!(none.step_checkpoints.is_empty());
		assert_eq!(none.adapter.id(), out.adapter.id(), "checkpointing does not change training");
	}

	#[test]
	fn bad_training_setups_are_refused() {
		let model = tiny();
		let corpus = vec![Example::Text { text: "abc".into() }];
		let bad = [
			TrainConfig { learning_rate: 0.0, ..TrainConfig::default() },
			TrainConfig { epochs: 0, ..TrainConfig::default() },
			TrainConfig { rank: 0, ..TrainConfig::default() },
			TrainConfig { target_modules: vec![], ..TrainConfig::default() },
			TrainConfig { max_seq_len: 100_000, ..TrainConfig::default() },
		];
		for cfg in bad {
			assert!(matches!(train(&model, &corpus, &cfg, |_| {}), Err(Error::InvalidTraining(_))));
		}
		let empty: Vec<Example> = vec![Example::Text { text: String::new() }];
		assert!(matches!(
			train(&model, &empty, &TrainConfig::default(), |_| {}),
			Err(Error::InvalidTraining(_))
		));
	}
}
