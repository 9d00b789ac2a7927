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
//! - `loop.rs`: the training loop (batches, AdamW, evaluation, per-epoch checkpoints).

mod corpus;
mod forward;
mod r#loop;

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
		let out = train_planned(&model, &corpus, &cfg, Some(&interval), |_| {}).unwrap();
		let steps: Vec<usize> = out.step_checkpoints.iter().map(|c| c.step).collect();
		assert_eq!(steps, [5, 10, 12]);
		let curve = &out.report.loss_curve;
		let mean = |r: core::ops::Range<usize>| {
			(curve[r.clone()].iter().map(|(_, l)| f64::from(*l)).sum::<f64>() / r.len() as f64)
				as f32
		};
		assert!((out.step_checkpoints[0].mean_loss - mean(0..5)).abs() < 1e-5);
		assert!((out.step_checkpoints[2].mean_loss - mean(10..12)).abs() < 1e-5);
		// the last checkpoint is of the final adapter, after step 12 = epoch 2, batch 3
		assert_eq!(out.step_checkpoints[2].hash, checkpoint_hash(&out.adapter.id(), 12, 2, 3));
		let again = train_planned(&model, &corpus, &cfg, Some(&interval), |_| {}).unwrap();
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
