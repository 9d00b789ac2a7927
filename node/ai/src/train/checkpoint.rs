//! Training checkpoints: the whole state after an optimiser step, in a canonical file.
//!
//! A checkpoint holds the LoRA matrices, AdamW's first and second moments, the step count and
//! where the run stands in its data order (the epoch and the batch of the last step; with the
//! job's seed that fixes every later batch). From one, a verifier replays the next steps and
//! compares what it gets with the trainer's next checkpoint ([`super::replay_segment`]).
//!
//! The file is safetensors: every variable `l{layer}.{module}.{a|b}` with its moments
//! `….m` and `….v`, in the engine's row order, f32, and one metadata entry (the step, the
//! position and the LoRA shape, as JSON with a fixed field order). Its SHA-256 is the
//! checkpoint's id, the hash a trainer commits on chain.

use std::collections::BTreeMap;

use candle_core::{DType, Tensor, Var};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
	error::{Error, Result},
	lora::{le_bytes, LoraConfig, Target},
	model::Model,
};

use super::{adamw::AdamW, LoraVars};

const META_KEY: &str = "openledger_checkpoint";
const FORMAT: u32 = 1;

/// What the metadata entry holds (field order fixed, so the bytes are canonical).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
	format: u32,
	step: usize,
	epoch: usize,
	batch: usize,
	rank: usize,
	alpha: f32,
	targets: Vec<Target>,
}

/// One trained matrix and its AdamW moments, flattened row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
	/// `l{layer}.{module}.{a|b}`.
	pub name: String,
	/// Rows and columns.
	pub shape: (usize, usize),
	/// The matrix.
	pub value: Vec<f32>,
	/// First moment.
	pub m: Vec<f32>,
	/// Second moment.
	pub v: Vec<f32>,
}

/// The training state after `step` optimiser steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
	/// Optimiser steps taken (0: the initial state, before any step).
	pub step: usize,
	/// Epoch of the last step (from 0; 0 at step 0).
	pub epoch: usize,
	/// Batch index of the last step within its epoch (0 at step 0).
	pub batch: usize,
	/// The LoRA shape trained.
	pub lora: LoraConfig,
	/// Every variable, in the training's order (layers, then modules in order, `a` before `b`).
	pub slots: Vec<Slot>,
}

/// A checkpoint's id: SHA-256 of its canonical bytes.
pub type CheckpointId = [u8; 32];

fn floats(t: &Tensor) -> Result<Vec<f32>> {
	Ok(t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?)
}

/// The variables' names and shapes, in training order, for `lora` on `model`.
fn layout(model: &Model, lora: &LoraConfig) -> Vec<(String, (usize, usize))> {
	let mut targets = lora.target_modules.clone();
	targets.sort();
	targets.dedup();
	let mut out = Vec::new();
	for layer in 0..model.config.num_hidden_layers {
		for t in &targets {
			let (d_in, d_out) = t.dims(&model.config);
			let name = format!("l{layer}.{}", t.peft_name());
			out.push((format!("{name}.a"), (lora.rank, d_in)));
			out.push((format!("{name}.b"), (d_out, lora.rank)));
		}
	}
	out
}

impl Checkpoint {
	/// The state of `vars` and `opt` after the batch `batch` of epoch `epoch`.
	pub(crate) fn capture(
		model: &Model,
		vars: &LoraVars,
		opt: &AdamW,
		epoch: usize,
		batch: usize,
	) -> Result<Self> {
		let all = vars.all_vars();
		let names = layout(model, &vars.config);
		let mut slots = Vec::with_capacity(all.len());
		for (((var, m), v), (name, shape)) in
			all.iter().zip(opt.first()).zip(opt.second()).zip(names)
		{
			slots.push(Slot {
				name,
				shape,
				value: floats(var.as_tensor())?,
				m: floats(m.as_tensor())?,
				v: floats(v.as_tensor())?,
			});
		}
		Ok(Self { step: opt.steps(), epoch, batch, lora: vars.config.clone(), slots })
	}

	/// Variables holding this state's matrices, and its moments as tensors, for resuming.
	pub(crate) fn restore(&self, model: &Model) -> Result<(LoraVars, Vec<Tensor>, Vec<Tensor>)> {
		self.check_layout(model)?;
		let dev = model.device();
		let tensor = |data: &[f32], shape| Tensor::from_vec(data.to_vec(), shape, dev);
		let mut it = self.slots.iter();
		let mut pairs = Vec::new();
		let mut first = Vec::new();
		let mut second = Vec::new();
		let mut targets = self.lora.target_modules.clone();
		targets.sort();
		targets.dedup();
		for _ in 0..model.config.num_hidden_layers {
			let mut m = BTreeMap::new();
			for t in &targets {
				let mut pair = Vec::with_capacity(2);
				for _ in 0..2 {
					let s = it.next().ok_or_else(|| bad("too few tensors"))?;
					pair.push(Var::from_tensor(&tensor(&s.value, s.shape)?)?);
					first.push(tensor(&s.m, s.shape)?);
					second.push(tensor(&s.v, s.shape)?);
				}
				let b = pair.pop().ok_or_else(|| bad("too few tensors"))?;
				let a = pair.pop().ok_or_else(|| bad("too few tensors"))?;
				m.insert(*t, (a, b));
			}
			pairs.push(m);
		}
		Ok((LoraVars { config: self.lora.clone(), pairs }, first, second))
	}

	/// The adapter this state holds (its id is what a model registered from it is named by).
	pub fn adapter(&self, model: &Model) -> Result<crate::lora::LoraAdapter> {
		self.restore(model)?.0.to_adapter(model)
	}

	/// Refuses a checkpoint whose tensors do not fit `model` and its LoRA shape.
	pub fn check_layout(&self, model: &Model) -> Result<()> {
		self.lora.validate().map_err(|e| bad(&e.to_string()))?;
		let want = layout(model, &self.lora);
		if want.len() != self.slots.len() {
			return Err(bad(&format!(
				"{} tensors, the model needs {}",
				self.slots.len(),
				want.len()
			)));
		}
		for ((name, shape), s) in want.iter().zip(&self.slots) {
			let n = shape.0 * shape.1;
			if *name != s.name || *shape != s.shape {
				return Err(bad(&format!(
					"tensor {} {:?}, expected {name} {shape:?}",
					s.name, s.shape
				)));
			}
			if s.value.len() != n || s.m.len() != n || s.v.len() != n {
				return Err(bad(&format!("tensor {name} has the wrong number of values")));
			}
		}
		Ok(())
	}

	/// The canonical file.
	pub fn to_bytes(&self) -> Result<Vec<u8>> {
		let meta = Meta {
			format: FORMAT,
			step: self.step,
			epoch: self.epoch,
			batch: self.batch,
			rank: self.lora.rank,
			alpha: self.lora.alpha,
			targets: self.lora.target_modules.clone(),
		};
		let mut tensors: Vec<(String, Vec<u8>, Vec<usize>)> = Vec::new();
		for s in &self.slots {
			let shape = vec![s.shape.0, s.shape.1];
			tensors.push((s.name.clone(), le_bytes(&s.value), shape.clone()));
			tensors.push((format!("{}.m", s.name), le_bytes(&s.m), shape.clone()));
			tensors.push((format!("{}.v", s.name), le_bytes(&s.v), shape));
		}
		crate::lora::canonical_safetensors(tensors, META_KEY, serde_json::to_string(&meta)?)
	}

	/// Parses a checkpoint file and checks it fits `model`.
	pub fn from_bytes(bytes: &[u8], model: &Model) -> Result<Self> {
		let st = safetensors::SafeTensors::deserialize(bytes)?;
		let (_, header) = safetensors::SafeTensors::read_metadata(bytes)?;
		let meta = header
			.metadata()
			.as_ref()
			.and_then(|m| m.get(META_KEY))
			.ok_or_else(|| bad("no checkpoint metadata"))?;
		let meta: Meta = serde_json::from_str(meta)?;
		if meta.format != FORMAT {
			return Err(bad(&format!("format {} (this engine reads {FORMAT})", meta.format)));
		}
		let lora = LoraConfig { rank: meta.rank, alpha: meta.alpha, target_modules: meta.targets };
		lora.validate().map_err(|e| bad(&e.to_string()))?;
		let read = |name: &str, shape: (usize, usize)| -> Result<Vec<f32>> {
			let t = st.tensor(name).map_err(|_| bad(&format!("no tensor {name}")))?;
			if t.dtype() != safetensors::Dtype::F32 || t.shape() != [shape.0, shape.1] {
				return Err(bad(&format!("tensor {name} is not f32 {shape:?}")));
			}
			Ok(t.data()
				.chunks_exact(4)
				.map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
				.collect())
		};
		let names = layout(model, &lora);
		if st.len() != names.len() * 3 {
			return Err(bad(&format!("{} tensors, the model needs {}", st.len(), names.len() * 3)));
		}
		let mut slots = Vec::with_capacity(names.len());
		for (name, shape) in names {
			slots.push(Slot {
				value: read(&name, shape)?,
				m: read(&format!("{name}.m"), shape)?,
				v: read(&format!("{name}.v"), shape)?,
				name,
				shape,
			});
		}
		let ckpt = Self { step: meta.step, epoch: meta.epoch, batch: meta.batch, lora, slots };
		if ckpt.to_bytes()? != bytes {
			return Err(bad("not in canonical form"));
		}
		Ok(ckpt)
	}

	/// SHA-256 of the canonical bytes.
	pub fn id(&self) -> Result<CheckpointId> {
		Ok(checkpoint_id(&self.to_bytes()?))
	}
}

/// The id of checkpoint bytes: their SHA-256.
pub fn checkpoint_id(bytes: &[u8]) -> CheckpointId {
	Sha256::digest(bytes).into()
}

fn bad(reason: &str) -> Error {
	Error::InvalidTraining(format!("bad checkpoint: {reason}"))
}

/// How far a replayed state is from the claimed one, relative to how far training moved.
///
/// Three relative L2 distances, and the largest is returned: the matrices
/// `‖θ_replayed − θ_claimed‖ / ‖θ_replayed − θ_start‖` (a claim that did not train is at 1, one
/// that trained with another learning rate or skipped a step is off by a large fraction of the
/// update), and each moment `‖m_replayed − m_claimed‖ / ‖m_replayed‖` (a tampered optimiser
/// state). The scales are the verifier's own replay, which the claim cannot move. 0 when they
/// are bit-identical.
pub fn distance(start: &Checkpoint, replayed: &Checkpoint, claimed: &Checkpoint) -> f64 {
	if replayed.slots.len() != claimed.slots.len() || start.slots.len() != claimed.slots.len() {
		return f64::INFINITY;
	}
	let mut diff = [0f64; 3];
	let mut norm = [0f64; 3];
	let sq = |x: f32| f64::from(x) * f64::from(x);
	for ((s, r), c) in start.slots.iter().zip(&replayed.slots).zip(&claimed.slots) {
		for ((s, r), c) in s.value.iter().zip(&r.value).zip(&c.value) {
			diff[0] += sq(r - c);
			norm[0] += sq(r - s);
		}
		for (k, (rv, cv)) in [(&r.m, &c.m), (&r.v, &c.v)].into_iter().enumerate() {
			for (r, c) in rv.iter().zip(cv) {
				diff[k + 1] += sq(r - c);
				norm[k + 1] += sq(*r);
			}
		}
	}
	diff.iter()
		.zip(&norm)
		.map(|(d, n)| if *d == 0.0 { 0.0 } else { (d / n.max(f64::MIN_POSITIVE)).sqrt() })
		.fold(0.0, f64::max)
}
