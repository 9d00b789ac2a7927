//! Training tier: how much each training contribution pushed the fine-tune towards an answer.
//!
//! TracIn over saved checkpoints (Pruthi et al. 2020), on LoRA gradients:
//!
//! 1. For an example `z` and a checkpoint `c`, `g = ∇_θ loss(z)` over every LoRA parameter
//!    (`A` and `B` of every targeted module, in canonical order).
//! 2. Project: `p = R·g / √P` with `R` a `P × D` matrix of ±1 drawn from ChaCha8 seeded with a
//!    32-byte seed (later a block hash, so nobody can tune data against it in advance).
//! 3. Normalise `p` to unit length and quantise: `q_j = round(p_j · 2¹⁵)` (i32).
//! 4. `score(z, t) = Σ_c Σ_j q_j(z, c) · q_j(t, c)` in i64: an integer cosine at scale 2³⁰ per
//!    checkpoint.
//!
//! A contribution's score is the sum over checkpoints and test examples; payouts use the
//! positive parts, normalised to parts per billion. Floating-point gradients differ in the last
//! bits between thread counts and CPUs, so results are checked within [`TOLERANCE_PER_PAIR`]
//! per (contribution, test, checkpoint) term, and the chain takes the stake-weighted median of
//! validators' submissions (`docs/architecture.md`, "Agreeing on AI results").

use std::collections::BTreeMap;

use candle_core::{DType, Tensor, Var};
use rand::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

use super::{normalize_ppb, Attribution, ContributionId};
use crate::{
	error::{Error, Result},
	lora::LoraAdapter,
	model::Model,
	train::{batch_loss, encode_example, DenseBase, Example, LoraVars},
};

/// The largest difference allowed per (contribution, test example, checkpoint) term between
/// two honest computations: 2²⁰, i.e. 2⁻¹⁰ ≈ 0.001 in cosine units.
pub const TOLERANCE_PER_PAIR: i64 = 1 << 20;

/// Quantisation scale of a unit vector's components.
const QSCALE: f64 = 32768.0;

/// Parameters of the training tier (part of what validators agree on).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfluenceParams {
	/// Rows of the random projection.
	pub projection_dim: usize,
	/// Seed of the projection (a block hash on chain).
	pub seed: [u8; 32],
	/// Examples are truncated to this many tokens.
	pub max_seq_len: usize,
}

impl Default for InfluenceParams {
	fn default() -> Self {
		Self { projection_dim: 256, seed: [0; 32], max_seq_len: 256 }
	}
}

/// Per-contribution integer scores and the payout they imply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfluenceScores {
	/// `(contribution, Σ integer cosines)`, ascending by contribution; may be negative.
	pub scores: Vec<(ContributionId, i64)>,
	/// Positive parts in parts per billion.
	pub attribution: Attribution,
	/// Terms summed per contribution (checkpoints × test examples): the tolerance multiplier.
	pub terms: u64,
}

impl InfluenceScores {
	/// Contributions ranked by score, highest first (ties: lower id first).
	pub fn ranking(&self) -> Vec<ContributionId> {
		let mut v = self.scores.clone();
		v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
		v.into_iter().map(|(id, _)| id).collect()
	}
}

/// Accepts `claimed` when it has the same contributions as `ours` and every score is within
/// `terms × TOLERANCE_PER_PAIR` of ours.
pub fn verify(ours: &InfluenceScores, claimed: &InfluenceScores) -> bool {
	let tol =
		i64::try_from(ours.terms.max(1)).unwrap_or(i64::MAX).saturating_mul(TOLERANCE_PER_PAIR);
	ours.terms == claimed.terms
		&& ours.scores.len() == claimed.scores.len()
		&& ours
			.scores
			.iter()
			.zip(&claimed.scores)
			.all(|(a, b)| a.0 == b.0 && a.1.abs_diff(b.1) <= tol.unsigned_abs())
}

/// The seeded ±1 matrix, one bit per entry (`D` rows of `P` bits).
struct Projector {
	dim: usize,
	words: usize,
	bits: Vec<u64>,
}

impl Projector {
	fn new(d: usize, p: usize, seed: [u8; 32]) -> Self {
		let words = p.div_ceil(64);
		let mut rng = rand_chacha::ChaCha8Rng::from_seed(seed);
		let bits = (0..d * words).map(|_| rng.next_u64()).collect();
		Self { dim: p, words, bits }
	}

	/// `R·g / √P`, accumulated in f64 in a fixed order.
	fn project(&self, g: &[f32]) -> Vec<f64> {
		let mut acc = vec![0f64; self.words * 64];
		for (i, gi) in g.iter().enumerate() {
			let gi = f64::from(*gi);
			let row = &self.bits[i * self.words..(i + 1) * self.words];
			for (w, word) in row.iter().enumerate() {
				let out = &mut acc[w * 64..(w + 1) * 64];
				let bits = gi.to_bits();
				for (b, o) in out.iter_mut().enumerate() {
					// Bit set: +g; clear: -g (flip the sign bit).
					let flip = (!(word >> b) & 1) << 63;
					*o += f64::from_bits(bits ^ flip);
				}
			}
		}
		acc.truncate(self.dim);
		let s = 1.0 / (self.dim as f64).sqrt();
		acc.iter().map(|v| v * s).collect()
	}
}

/// Normalises and quantises a projected gradient (all zeros stays all zeros).
fn quantise(v: &[f64]) -> Vec<i32> {
	let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
	if norm == 0.0 || !norm.is_finite() {
		return vec![0; v.len()];
	}
	v.iter().map(|x| (x / norm * QSCALE).round() as i32).collect()
}

fn idot(a: &[i32], b: &[i32]) -> i64 {
	a.iter().zip(b).map(|(x, y)| i64::from(*x) * i64::from(*y)).sum()
}

/// Computes gradient sketches and TracIn scores for one base model.
pub struct InfluenceEngine<'m> {
	model: &'m Model,
	base: DenseBase,
	params: InfluenceParams,
	projector: Option<(usize, Projector)>,
}

impl<'m> InfluenceEngine<'m> {
	/// Prepares the dense base (about 0.5 GiB for the default model).
	pub fn new(model: &'m Model, params: InfluenceParams) -> Result<Self> {
		if params.projection_dim == 0 || params.projection_dim > 65_536 {
			return Err(Error::InvalidRequest("projection_dim must be in 1..=65536".into()));
		}
		if params.max_seq_len < 2 {
			return Err(Error::InvalidRequest("max_seq_len must be at least 2".into()));
		}
		Ok(Self { model, base: DenseBase::new(model, DType::F32)?, params, projector: None })
	}

	/// The flattened LoRA gradient of `example`'s loss at `checkpoint`.
	pub fn gradient(&self, checkpoint: &LoraAdapter, example: &Example) -> Result<Vec<f32>> {
		let enc = encode_example(self.model, example, self.params.max_seq_len)
			.ok_or_else(|| Error::InvalidRequest("the example has no token to score".into()))?;
		let vars = LoraVars::from_adapter(self.model, checkpoint, DType::F32)?;
		let (loss, _) = batch_loss(self.model, &self.base, Some(&vars), &[&enc])?;
		let grads = loss.backward()?;
		let mut out = Vec::new();
		for var in vars.all_vars() {
			match grads.get(var.as_tensor()) {
				Some(g) => out.extend(g.flatten_all()?.to_vec1::<f32>()?),
				None => out.extend(std::iter::repeat_n(0f32, var.as_tensor().elem_count())),
			}
		}
		Ok(out)
	}

	/// The quantised unit sketch of `example` at `checkpoint`.
	pub fn sketch(&mut self, checkpoint: &LoraAdapter, example: &Example) -> Result<Vec<i32>> {
		let g = self.gradient(checkpoint, example)?;
		let fresh = !matches!(&self.projector, Some((d, _)) if *d == g.len());
		if fresh {
			self.projector = Some((
				g.len(),
				Projector::new(g.len(), self.params.projection_dim, self.params.seed),
			));
		}
		let Some((_, proj)) = &self.projector else {
			return Err(Error::InvalidRequest("projection unavailable".into()));
		};
		Ok(quantise(&proj.project(&g)))
	}

	/// Sketches of every training contribution at every checkpoint (computed once per
	/// fine-tune; each paid inference then only sketches its own output).
	pub fn sketch_training_set(
		&mut self,
		checkpoints: &[LoraAdapter],
		train: &[(ContributionId, Example)],
	) -> Result<TrainSketches> {
		if checkpoints.is_empty() {
			return Err(Error::InvalidRequest("no checkpoints".into()));
		}
		let mut order: Vec<usize> = (0..train.len()).collect();
		order.sort_by_key(|i| train[*i].0);
		if order.windows(2).any(|w| train[w[0]].0 == train[w[1]].0) {
			return Err(Error::InvalidRequest("duplicate contribution id".into()));
		}
		let ids = order.iter().map(|i| train[*i].0).collect();
		let mut sketches = Vec::with_capacity(checkpoints.len());
		for ck in checkpoints {
			sketches.push(
				order.iter().map(|i| self.sketch(ck, &train[*i].1)).collect::<Result<Vec<_>>>()?,
			);
		}
		Ok(TrainSketches { ids, sketches })
	}

	/// TracIn scores of the sketched training set for the `test` examples.
	pub fn score(
		&mut self,
		checkpoints: &[LoraAdapter],
		train: &TrainSketches,
		test: &[Example],
	) -> Result<InfluenceScores> {
		if checkpoints.len() != train.sketches.len() {
			return Err(Error::InvalidRequest("sketches were made for other checkpoints".into()));
		}
		let mut scores = vec![0i64; train.ids.len()];
		for (ck, per_train) in checkpoints.iter().zip(&train.sketches) {
			let tests = test.iter().map(|t| self.sketch(ck, t)).collect::<Result<Vec<_>>>()?;
			for (score, s) in scores.iter_mut().zip(per_train) {
				let total: i64 = tests.iter().map(|t| idot(s, t)).sum();
				*score = score.saturating_add(total);
			}
		}
		let raw: BTreeMap<ContributionId, u128> = train
			.ids
			.iter()
			.zip(&scores)
			.map(|(id, s)| (*id, u128::from(u64::try_from(*s).unwrap_or(0))))
			.collect();
		Ok(InfluenceScores {
			scores: train.ids.iter().copied().zip(scores).collect(),
			attribution: normalize_ppb(&raw),
			terms: (checkpoints.len() * test.len()) as u64,
		})
	}

	/// TracIn scores of `train` contributions for the `test` examples over `checkpoints`.
	pub fn tracin(
		&mut self,
		checkpoints: &[LoraAdapter],
		train: &[(ContributionId, Example)],
		test: &[Example],
	) -> Result<InfluenceScores> {
		let sketches = self.sketch_training_set(checkpoints, train)?;
		self.score(checkpoints, &sketches, test)
	}
}

/// Quantised sketches of a training set, `[checkpoint][contribution]`, contributions ascending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainSketches {
	/// Contribution ids, ascending.
	pub ids: Vec<ContributionId>,
	/// `sketches[c][i]`: contribution `ids[i]` at checkpoint `c`.
	pub sketches: Vec<Vec<Vec<i32>>>,
}

impl LoraVars {
	/// Trainable copies of an adapter's matrices (for gradients at a checkpoint).
	pub(crate) fn from_adapter(model: &Model, adapter: &LoraAdapter, dtype: DType) -> Result<Self> {
		let dev = model.device();
		let mut pairs = Vec::with_capacity(adapter.layers.len());
		for layer in &adapter.layers {
			let mut m = BTreeMap::new();
			for (t, p) in layer {
				let a = Tensor::from_vec(p.a.clone(), (p.rank, p.d_in), dev)?.to_dtype(dtype)?;
				let b = Tensor::from_vec(p.b.clone(), (p.d_out, p.rank), dev)?.to_dtype(dtype)?;
				m.insert(*t, (Var::from_tensor(&a)?, Var::from_tensor(&b)?));
			}
			pairs.push(m);
		}
		Ok(Self { config: adapter.config.clone(), pairs })
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use crate::{
		config::LlamaConfig,
		lora::Target,
		train::{train_checkpointed, TrainConfig},
	};

	fn setup() -> (Model, Vec<LoraAdapter>, Vec<(ContributionId, Example)>) {
		let model = Model::tiny_random(LlamaConfig::tiny(), 3, false).unwrap();
		let train: Vec<(ContributionId, Example)> = (0..6)
			.map(|i| {
				(
					10 + i as u64,
					Example::Instruction {
						prompt: format!("key {i}?"),
						response: format!("value {}", i * 7),
					},
				)
			})
			.collect();
		let ex: Vec<Example> = train.iter().map(|(_, e)| e.clone()).collect();
		let cfg = TrainConfig {
			epochs: 3,
			batch_size: 2,
			learning_rate: 1e-2,
			eval_percent: 0,
			target_modules: vec![Target::Q, Target::V, Target::Down],
			max_seq_len: 64,
			..TrainConfig::default()
		};
		let out = train_checkpointed(&model, &ex, &cfg, |_| {}).unwrap();
		assert_eq!(out.checkpoints.len(), 3);
		(model, out.checkpoints, train)
	}

	#[test]
	fn scores_agree_across_thread_counts_within_tolerance() {
		let (model, cks, train) = setup();
		let test = [Example::Instruction { prompt: "key 3?".into(), response: "value 21".into() }];
		let params = InfluenceParams { projection_dim: 128, seed: [7; 32], max_seq_len: 64 };
		let run = |threads: usize| {
			let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
			pool.install(|| {
				InfluenceEngine::new(&model, params.clone())
					.unwrap()
					.tracin(&cks, &train, &test)
					.unwrap()
			})
		};
		let (one, two) = (run(1), run(2));
		assert!(verify(&one, &two), "{:?}\n{:?}", one.scores, two.scores);
		assert_eq!(one.terms, 3);
		assert_eq!(one.attribution.total(), 1_000_000_000);
		// The example itself is its own strongest influence.
		assert_eq!(one.ranking()[0], 13);
		// A forged score outside the tolerance is rejected.
		let mut forged = one.clone();
		forged.scores[0].1 += 4 * TOLERANCE_PER_PAIR;
		assert!(!verify(&one, &forged));
		let mut fewer = one.clone();
		fewer.scores.pop();
		assert!(!verify(&one, &fewer));
		// Another seed projects differently but ranks the same way at the top.
		let other =
			InfluenceEngine::new(&model, InfluenceParams { seed: [8; 32], ..params.clone() })
				.unwrap()
				.tracin(&cks, &train, &test)
				.unwrap();
		assert_ne!(other.scores, one.scores);
		assert_eq!(other.ranking()[0], 13);
	}

	#[test]
	fn sketches_are_unit_vectors_and_inputs_are_checked() {
		let (model, cks, train) = setup();
		let mut engine = InfluenceEngine::new(
			&model,
			InfluenceParams { projection_dim: 64, ..Default::default() },
		)
		.unwrap();
		let s = engine.sketch(&cks[0], &train[0].1).unwrap();
		assert_eq!(s.len(), 64);
		let norm2 = idot(&s, &s);
		assert!((norm2 - (1i64 << 30)).abs() < 1 << 18, "{norm2}");
		assert!(engine.tracin(&[], &train, &[train[0].1.clone()]).is_err());
		let dup = vec![train[0].clone(), train[0].clone()];
		assert!(engine.tracin(&cks, &dup, &[train[0].1.clone()]).is_err());
		assert!(engine.sketch(&cks[0], &Example::Text { text: String::new() }).is_err());
		assert!(InfluenceEngine::new(
			&model,
			InfluenceParams { projection_dim: 0, ..Default::default() }
		)
		.is_err());
	}
}
