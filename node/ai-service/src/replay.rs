//! Replay jobs (ModelFactory verification): a verifier's node reads the trainer's uploaded
//! checkpoints from its offchain database, checks them against the committed hashes and the
//! chain's checkpoint steps, replays the segment with the job's own data and hyper-parameters,
//! and reports the distance in the fixed point the chain compares with its tolerance.

use openledger_ai::train::{check_checkpoints, checkpoint_id, initial_state, Checkpoint};
use openledger_ai_primitives::{AdapterCheck, AiError, CheckpointRef, ReplaySpec, ReplayVerdict};

use crate::{fine_tune, registry::Registry, LOG_TARGET};

/// The engine's distance in parts per billion, saturating (infinity is `u64::MAX`).
pub fn ppb(distance: f64) -> u64 {
	if distance.is_nan() {
		return u64::MAX;
	}
	// `as` saturates: infinity and anything past u64::MAX become u64::MAX
	(distance * 1e9).max(0.0) as u64
}

/// Runs replay `spec` to its verdict. `Unavailable` when the model, the training data or an
/// uploaded checkpoint is not in this node yet (the verifier retries later).
pub fn run(spec: &ReplaySpec, registry: &Registry) -> Result<ReplayVerdict, AiError> {
	let began = std::time::Instant::now();
	let model = registry.by_hash(&spec.job.model).ok_or(AiError::Unavailable)?;
	let examples = fine_tune::examples(&spec.job, registry)?;
	let cfg = fine_tune::train_config(&spec.job.params);
	let read = |r: &CheckpointRef| {
		registry.offchain_file(&r.content, r.size).ok_or_else(|| {
			log::info!(
				target: LOG_TARGET,
				"replay: checkpoint {} is not in the offchain database yet",
				openledger_ai::AdapterId(r.id)
			);
			AiError::Unavailable
		})
	};
	let end = read(&spec.end)?;
	let start = spec.start.as_ref().map(read).transpose()?;
	let refs = spec.start.iter().zip(&start).chain([(&spec.end, &end)]);
	if refs.into_iter().any(|(r, bytes)| checkpoint_id(bytes) != r.id) {
		return Ok(ReplayVerdict::WrongBytes);
	}
	let parse = |bytes: &[u8]| Checkpoint::from_bytes(bytes, &model.model);
	let start = match start.as_deref().map(parse).transpose() {
		Ok(Some(c)) => c,
		// the initial state: a fresh LoRA from the seed, or the parent's weights (read only
		// for the first segment, the one that starts from it)
		Ok(None) => match initial_state(
			&model.model,
			&examples,
			&cfg,
			fine_tune::parent(&spec.job, registry, &model)?.as_ref(),
		) {
			Ok(initial) => initial,
			Err(_) => return Ok(ReplayVerdict::NotThisJob),
		},
		Err(_) => return Ok(ReplayVerdict::NotThisJob),
	};
	let Ok(end) = parse(&end) else { return Ok(ReplayVerdict::NotThisJob) };
	let (s, e) = (start.step, end.step);
	if (s as u64, e as u64) != (u64::from(spec.steps.0), u64::from(spec.steps.1)) || s > e {
		return Ok(ReplayVerdict::NotThisJob);
	}
	if let Some(check) = &spec.adapter {
		if !adapter_matches(check, &read, &model.model)? {
			return Ok(ReplayVerdict::WrongAdapter);
		}
	}
	let inputs = began.elapsed().as_secs_f64();
	match check_checkpoints(&model.model, &examples, &cfg, &start, &end) {
		Ok(distance) if distance.is_finite() => {
			let verdict = ReplayVerdict::Measured {
				steps: u32::try_from(e - s).unwrap_or(u32::MAX),
				distance_ppb: ppb(distance),
			};
			let total = began.elapsed().as_secs_f64();
			log::info!(
				target: LOG_TARGET,
				"replay of steps {s}..{e} done: distance {distance:.3e} in {total:.3} s (inputs read \
				 and checked in {inputs:.3} s, replay {:.3} s)",
				total - inputs
			);
			Ok(verdict)
		}
		Ok(_) | Err(openledger_ai::Error::InvalidTraining(_)) => Ok(ReplayVerdict::NotThisJob),
		Err(e) => {
			log::warn!(target: LOG_TARGET, "replay failed: {e}");
			Err(AiError::Failed)
		}
	}
}

/// Whether the uploaded final adapter is exactly the committed bytes and the adapter of the
/// job's last checkpoint (which must itself be the committed bytes and parse for `model`).
fn adapter_matches(
	check: &AdapterCheck,
	read: &dyn Fn(&CheckpointRef) -> Result<Vec<u8>, AiError>,
	model: &openledger_ai::Model,
) -> Result<bool, AiError> {
	let (last, adapter) = (read(&check.last)?, read(&check.adapter)?);
	if checkpoint_id(&last) != check.last.id || checkpoint_id(&adapter) != check.adapter.id {
		return Ok(false);
	}
	let Ok(last) = Checkpoint::from_bytes(&last, model) else { return Ok(false) };
	Ok(match last.adapter(model) {
		Ok(a) => a.id().0 == check.adapter.id,
		Err(_) => false,
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn distances_become_saturating_parts_per_billion() {
		assert_eq!(ppb(0.0), 0);
		assert_eq!(ppb(2.58e-6), 2_580);
		assert_eq!(ppb(1.0), 1_000_000_000);
		assert_eq!(ppb(f64::INFINITY), u64::MAX);
		assert_eq!(ppb(f64::NAN), u64::MAX);
		assert_eq!(ppb(-1.0), 0);
	}
}
