//! AdamW with its state in the open.
//!
//! The maths is candle-nn's `AdamW` (decoupled weight decay, bias-corrected moments), step for
//! step, so adapters trained before and after the switch are byte-identical. It is our own
//! because a checkpoint must hold the moments and the step count, and a verifier must be able to
//! resume from them; candle-nn keeps both private.

use candle_core::{backprop::GradStore, Tensor, Var};

use crate::error::Result;

/// AdamW's constants (candle-nn's defaults; the learning rate and weight decay come from the
/// job).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct AdamParams {
	pub lr: f64,
	pub weight_decay: f64,
	pub beta1: f64,
	pub beta2: f64,
	pub eps: f64,
}

impl AdamParams {
	pub fn new(lr: f64, weight_decay: f64) -> Self {
		Self { lr, weight_decay, beta1: 0.9, beta2: 0.999, eps: 1e-8 }
	}
}

/// The optimiser: the variables it updates, their first and second moments, and the number of
/// steps taken.
pub(crate) struct AdamW {
	params: AdamParams,
	vars: Vec<Var>,
	first: Vec<Var>,
	second: Vec<Var>,
	steps: usize,
}

impl AdamW {
	/// A fresh optimiser (zero moments, no step taken).
	pub fn new(vars: Vec<Var>, params: AdamParams) -> Result<Self> {
		let zeros = |v: &Var| Var::zeros(v.shape(), v.dtype(), v.device());
		let first = vars.iter().map(zeros).collect::<candle_core::Result<Vec<_>>>()?;
		let second = vars.iter().map(zeros).collect::<candle_core::Result<Vec<_>>>()?;
		Ok(Self { params, vars, first, second, steps: 0 })
	}

	/// Resumes after `steps` steps with the given moments (in the order of the variables).
	pub fn resume(
		vars: Vec<Var>,
		params: AdamParams,
		steps: usize,
		first: &[Tensor],
		second: &[Tensor],
	) -> Result<Self> {
		let mut opt = Self::new(vars, params)?;
		for (m, t) in opt.first.iter().zip(first).chain(opt.second.iter().zip(second)) {
			m.set(t)?;
		}
		opt.steps = steps;
		Ok(opt)
	}

	/// Steps taken.
	pub fn steps(&self) -> usize {
		self.steps
	}

	/// First moments, in the order of the variables.
	pub fn first(&self) -> &[Var] {
		&self.first
	}

	/// Second moments, in the order of the variables.
	pub fn second(&self) -> &[Var] {
		&self.second
	}

	/// Backpropagates `loss` and takes one step.
	pub fn backward_step(&mut self, loss: &Tensor) -> Result<()> {
		let grads = loss.backward()?;
		self.step(&grads)
	}

	fn step(&mut self, grads: &GradStore) -> Result<()> {
		self.steps = self.steps.saturating_add(1);
		let p = self.params;
		let t = i32::try_from(self.steps).unwrap_or(i32::MAX);
		let scale_m = 1f64 / (1f64 - p.beta1.powi(t));
		let scale_v = 1f64 / (1f64 - p.beta2.powi(t));
		for ((theta, m), v) in self.vars.iter().zip(&self.first).zip(&self.second) {
			let Some(g) = grads.get(theta) else { continue };
			let next_m = ((m.as_tensor() * p.beta1)? + (g * (1.0 - p.beta1))?)?;
			let next_v = ((v.as_tensor() * p.beta2)? + (g.sqr()? * (1.0 - p.beta2))?)?;
			let m_hat = (&next_m * scale_m)?;
			let v_hat = (&next_v * scale_v)?;
			let decayed = (theta.as_tensor() * (1f64 - p.lr * p.weight_decay))?;
			let adjusted = (m_hat / (v_hat.sqrt()? + p.eps)?)?;
			let next_theta = (decayed - (adjusted * p.lr)?)?;
			m.set(&next_m)?;
			v.set(&next_v)?;
			theta.set(&next_theta)?;
		}
		Ok(())
	}
}
