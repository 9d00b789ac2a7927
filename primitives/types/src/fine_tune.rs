//! ModelFactory fine-tunes as the runtime, the trainer's node and the client tools see them: the
//! hyper-parameters a request carries (integers only, so every node reads them alike), the
//! limits the chain enforces on them, the licence rule for training data, and the
//! [`TrainingData`] trait through which `pallet-models` reads datanet versions from
//! `pallet-datanets` without importing it.

use crate::{ContentHash, ContributionId, DatanetId, Version};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The LoRA target modules as a bit set: bit 0 `q_proj`, 1 `k_proj`, 2 `v_proj`, 3 `o_proj`,
/// 4 `gate_proj`, 5 `up_proj`, 6 `down_proj`.
pub mod targets {
	/// `self_attn.q_proj`.
	pub const Q: u8 = 1 << 0;
	/// `self_attn.k_proj`.
	pub const K: u8 = 1 << 1;
	/// `self_attn.v_proj`.
	pub const V: u8 = 1 << 2;
	/// `self_attn.o_proj`.
	pub const O: u8 = 1 << 3;
	/// `mlp.gate_proj`.
	pub const GATE: u8 = 1 << 4;
	/// `mlp.up_proj`.
	pub const UP: u8 = 1 << 5;
	/// `mlp.down_proj`.
	pub const DOWN: u8 = 1 << 6;
	/// Every module.
	pub const ALL: u8 = Q | K | V | O | GATE | UP | DOWN;
	/// The module names in bit order (PEFT's names).
	pub const NAMES: [&str; 7] =
		["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];
}

/// The protocol's bounds on hyper-parameters (inclusive). They keep one job's cost and the
/// replay of one verification segment bounded; the requester picks anything inside them.
pub mod limits {
	/// Largest LoRA rank.
	pub const MAX_RANK: u16 = 256;
	/// Largest LoRA alpha.
	pub const MAX_ALPHA: u16 = 4096;
	/// Largest learning rate, in units of 10⁻⁹ (0.1).
	pub const MAX_LEARNING_RATE: u32 = 100_000_000;
	/// Most passes over the data.
	pub const MAX_EPOCHS: u16 = 32;
	/// Largest batch.
	pub const MAX_BATCH: u16 = 128;
	/// Shortest sequence length in tokens.
	pub const MIN_MAX_LEN: u32 = 16;
	/// Largest held-out share, in percent.
	pub const MAX_EVAL_PERCENT: u8 = 50;
}

/// What a fine-tune trains with. Integers only: the learning rate is in units of 10⁻⁹
/// (`1_000_000` is 1e-3), the held-out split in percent.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HyperParams {
	/// LoRA rank `r`, 1..=[`limits::MAX_RANK`].
	pub rank: u16,
	/// LoRA alpha (the update is scaled by `alpha / r`), 1..=[`limits::MAX_ALPHA`].
	pub alpha: u16,
	/// Target modules, a non-empty subset of [`targets::ALL`].
	pub targets: u8,
	/// AdamW learning rate × 10⁹, 1..=[`limits::MAX_LEARNING_RATE`].
	pub learning_rate: u32,
	/// Passes over the training split, 1..=[`limits::MAX_EPOCHS`].
	pub epochs: u16,
	/// Examples per optimiser step, 1..=[`limits::MAX_BATCH`].
	pub batch: u16,
	/// Tokens per example (longer ones are truncated), [`limits::MIN_MAX_LEN`] up to the base
	/// model's context window.
	pub max_len: u32,
	/// Share of examples held out for the before/after evaluation, 0..=
	/// [`limits::MAX_EVAL_PERCENT`] percent.
	pub eval_percent: u8,
	/// Seed of initialisation, split and shuffling.
	pub seed: u64,
}

/// Which hyper-parameter is out of bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadHyperParam {
	/// `rank` is 0 or above the limit.
	Rank,
	/// `alpha` is 0 or above the limit.
	Alpha,
	/// `targets` is empty or has bits beyond `down_proj`.
	Targets,
	/// `learning_rate` is 0 or above the limit.
	LearningRate,
	/// `epochs` is 0 or above the limit.
	Epochs,
	/// `batch` is 0 or above the limit.
	Batch,
	/// `max_len` is below the minimum or above the base model's context window.
	MaxLen,
	/// `eval_percent` is above the limit.
	EvalSplit,
}

impl HyperParams {
	/// Checks every field against [`limits`] and the base model's `context_length`.
	pub fn check(&self, context_length: u32) -> Result<(), BadHyperParam> {
		use limits::*;
		let within = |v: u32, max: u32| (1..=max).contains(&v);
		if !within(self.rank.into(), MAX_RANK.into()) {
			return Err(BadHyperParam::Rank);
		}
		if !within(self.alpha.into(), MAX_ALPHA.into()) {
			return Err(BadHyperParam::Alpha);
		}
		if self.targets == 0 || self.targets & !targets::ALL != 0 {
			return Err(BadHyperParam::Targets);
		}
		if !within(self.learning_rate, MAX_LEARNING_RATE) {
			return Err(BadHyperParam::LearningRate);
		}
		if !within(self.epochs.into(), MAX_EPOCHS.into()) {
			return Err(BadHyperParam::Epochs);
		}
		if !within(self.batch.into(), MAX_BATCH.into()) {
			return Err(BadHyperParam::Batch);
		}
		if self.max_len < MIN_MAX_LEN || self.max_len > context_length {
			return Err(BadHyperParam::MaxLen);
		}
		if self.eval_percent > MAX_EVAL_PERCENT {
			return Err(BadHyperParam::EvalSplit);
		}
		Ok(())
	}

	/// The target module names (PEFT's), in bit order.
	pub fn target_names(&self) -> Vec<&'static str> {
		targets::NAMES
			.iter()
			.enumerate()
			.filter(|(bit, _)| self.targets & (1u8 << bit) != 0)
			.map(|(_, name)| *name)
			.collect()
	}
}

/// Why a datanet's licence bars a paid fine-tune.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LicenceBar {
	/// It forbids derivative works (an `ND` term, as in `CC-BY-ND-4.0`): a fine-tuned model is
	/// one.
	NoDerivatives,
	/// It forbids commercial use (an `NC` term, as in `CC-BY-NC-4.0`): every fine-tune is paid
	/// and its model sold per token.
	NonCommercial,
}

/// Whether an SPDX licence expression allows training a paid model on the data. The expression
/// is split into terms at `-`, spaces and brackets; an `ND` term bars derivatives, an `NC` term
/// commercial use (Creative Commons' naming, which is where such terms appear in SPDX). Anything
/// else — permissive, copyleft, proprietary `LicenseRef-…` — is the datanet owner's choice to
/// offer for training.
pub fn licence_permits_paid_training(spdx: &[u8]) -> Result<(), LicenceBar> {
	let terms = spdx.split(|c| matches!(*c, b'-' | b' ' | b'(' | b')'));
	let mut bar = None;
	for term in terms {
		if term.eq_ignore_ascii_case(b"ND") {
			return Err(LicenceBar::NoDerivatives);
		}
		if term.eq_ignore_ascii_case(b"NC") {
			bar = Some(LicenceBar::NonCommercial);
		}
	}
	bar.map_or(Ok(()), Err)
}

/// A datanet version as a fine-tune pins it: the commitment fixes exactly which contributions
/// (the first `accepted` in acceptance order) the job trains on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataVersion<AccountId, Balance> {
	/// The datanet's owner (paid `price_per_use`).
	pub owner: AccountId,
	/// Merkle commitment of the version's accepted contributions.
	pub commitment: [u8; 32],
	/// Accepted contributions the version covers.
	pub accepted: u32,
	/// Their total size in bytes.
	pub bytes: u64,
	/// What one fine-tune pays the datanet for using it.
	pub price_per_use: Balance,
	/// The datanet's SPDX licence.
	pub licence: Vec<u8>,
	/// Whether its contributions are UTF-8 text (the `Text` and `Tabular` kinds), which is all
	/// a language-model fine-tune can train on.
	pub text: bool,
}

/// One accepted contribution of a training set: the trainer reads its bytes from the offchain
/// database (under [`crate::chunk_key`] and [`crate::file_key`]) and checks them against `hash`.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct TrainingItem {
	/// The contribution.
	pub contribution: ContributionId,
	/// Its content hash.
	pub hash: ContentHash,
	/// Its size in bytes.
	pub size: u32,
}

/// The datanets registry, for the pallet that sells fine-tunes.
pub trait TrainingData<AccountId, Balance> {
	/// Version `version` of `datanet`, if both exist and the version has data.
	fn version(datanet: DatanetId, version: Version) -> Option<DataVersion<AccountId, Balance>>;
	/// The first `accepted` accepted contributions of `datanet`, in acceptance order (what a
	/// version with that count commits to); fewer when the datanet has fewer.
	fn training_set(datanet: DatanetId, accepted: u32) -> Vec<TrainingItem>;
}

/// No datanets.
impl<AccountId, Balance> TrainingData<AccountId, Balance> for () {
	fn version(_: DatanetId, _: Version) -> Option<DataVersion<AccountId, Balance>> {
		None
	}
	fn training_set(_: DatanetId, _: u32) -> Vec<TrainingItem> {
		Vec::new()
	}
}

/// Steps between the checkpoints of a job of `steps` steps: the job's `every` (K), widened so
/// that at most `max` checkpoints are committed. The chain and the trainer's node both use it.
pub fn checkpoint_interval(steps: u32, every: u32, max: u32) -> u32 {
	let every = every.max(1);
	let widest = steps.div_ceil(max.max(1));
	every.max(widest)
}

/// Checkpoints committed for `steps` steps at `interval`: one per interval, the last after the
/// final step.
pub fn checkpoint_count(steps: u32, interval: u32) -> u32 {
	steps.div_ceil(interval.max(1))
}

/// The step after which checkpoint `k` (from 0) is taken: the end of interval `k`, or the last
/// step.
pub fn checkpoint_step(k: u32, interval: u32, steps: u32) -> u32 {
	k.saturating_add(1).saturating_mul(interval.max(1)).min(steps)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn ok() -> HyperParams {
		HyperParams {
			rank: 8,
			alpha: 16,
			targets: targets::Q | targets::V,
			learning_rate: 1_000_000,
			epochs: 2,
			batch: 4,
			max_len: 128,
			eval_percent: 10,
			seed: 7,
		}
	}

	#[test]
	fn hyper_params_are_checked_field_by_field() {
		assert_eq!(ok().check(2048), Ok(()));
		assert_eq!(ok().target_names(), ["q_proj", "v_proj"]);
		let cases: [(HyperParams, BadHyperParam); 10] = [
			(HyperParams { rank: 0, ..ok() }, BadHyperParam::Rank),
			(HyperParams { rank: 257, ..ok() }, BadHyperParam::Rank),
			(HyperParams { alpha: 0, ..ok() }, BadHyperParam::Alpha),
			(HyperParams { targets: 0, ..ok() }, BadHyperParam::Targets),
			(HyperParams { targets: 0x80 | targets::Q, ..ok() }, BadHyperParam::Targets),
			(HyperParams { learning_rate: 0, ..ok() }, BadHyperParam::LearningRate),
			(HyperParams { epochs: 33, ..ok() }, BadHyperParam::Epochs),
			(HyperParams { batch: 0, ..ok() }, BadHyperParam::Batch),
			(HyperParams { max_len: 4096, ..ok() }, BadHyperParam::MaxLen),
			(HyperParams { eval_percent: 51, ..ok() }, BadHyperParam::EvalSplit),
		];
		for (params, bad) in cases {
			assert_eq!(params.check(2048), Err(bad), "{params:?}");
		}
		assert_eq!(HyperParams { max_len: 15, ..ok() }.check(2048), Err(BadHyperParam::MaxLen));
	}

	#[test]
	fn licences_with_nd_or_nc_terms_bar_paid_training() {
		for ok in ["Apache-2.0", "CC-BY-4.0", "CC-BY-SA-4.0", "MIT OR Apache-2.0", "CC0-1.0"] {
			assert_eq!(licence_permits_paid_training(ok.as_bytes()), Ok(()), "{ok}");
		}
		assert_eq!(licence_permits_paid_training(b"CC-BY-NC-4.0"), Err(LicenceBar::NonCommercial));
		assert_eq!(
			licence_permits_paid_training(b"CC-BY-NC-ND-4.0"),
			Err(LicenceBar::NoDerivatives)
		);
		assert_eq!(
			licence_permits_paid_training(b"MIT AND (CC-BY-ND-4.0)"),
			Err(LicenceBar::NoDerivatives)
		);
		// terms, not substrings: "NCSA" and "BSD" pass
		assert_eq!(licence_permits_paid_training(b"NCSA"), Ok(()));
	}
}
