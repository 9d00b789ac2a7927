//! Proof of Attribution: which contributions shaped a model and an answer.
//!
//! - [`exact`]: the inference tier — maximal spans of a model output found in the tokenised
//!   training contributions with a suffix-array index; integer arithmetic only, bit-identical on
//!   every machine and thread count.
//! - [`influence`]: the training tier — TracIn over saved checkpoints with LoRA gradients
//!   projected by a seeded random ±1 matrix, normalised and quantised to integers; equal within
//!   a stated tolerance across thread counts and machines.
//! - [`bm25`]: the lexical baseline every method is measured against.
//! - [`eval`]: the evaluation harness behind `scripts/eval-attribution`.
//!
//! Results are plain data meant for the chain: contribution ids (`u64`), parts-per-billion
//! (`u32`) summing to exactly 10⁹, sorted by contribution id. See `docs/proof-of-attribution.md`.

pub mod bm25;
pub mod eval;
pub mod exact;
pub mod influence;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A contribution's on-chain id.
pub type ContributionId = u64;

/// 10⁹: the total every non-empty attribution sums to.
pub const PPB: u32 = 1_000_000_000;

/// Scores in parts per billion, one entry per credited contribution, sorted by id, summing to
/// exactly [`PPB`] — or empty when nothing is credited.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
	/// `(contribution, parts per billion)`, ascending by contribution.
	pub scores: Vec<(ContributionId, u32)>,
}

impl Attribution {
	/// Canonical bytes (`id` u64 LE, `ppb` u32 LE, in order): what validators compare.
	pub fn to_bytes(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(self.scores.len() * 12);
		for (id, ppb) in &self.scores {
			out.extend_from_slice(&id.to_le_bytes());
			out.extend_from_slice(&ppb.to_le_bytes());
		}
		out
	}

	/// Total parts per billion (10⁹ or 0).
	pub fn total(&self) -> u64 {
		self.scores.iter().map(|(_, p)| u64::from(*p)).sum()
	}

	/// Contributions ranked by score, highest first (ties: lower id first).
	pub fn ranking(&self) -> Vec<ContributionId> {
		let mut v = self.scores.clone();
		v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
		v.into_iter().map(|(id, _)| id).collect()
	}

	/// Sums the scores per contributor (`owner` maps a contribution to its contributor);
	/// the total is unchanged.
	pub fn by_contributor<C: Ord + Clone>(&self, owner: impl Fn(ContributionId) -> C) -> Vec<(C, u32)> {
		let mut m: BTreeMap<C, u32> = BTreeMap::new();
		for (id, ppb) in &self.scores {
			let e = m.entry(owner(*id)).or_insert(0);
			*e = e.saturating_add(*ppb);
		}
		m.into_iter().collect()
	}
}

/// Turns raw non-negative integer scores into parts per billion summing to exactly 10⁹:
/// each gets `floor(score·10⁹/total)`, and the units left over go one each to the largest
/// remainders (ties: lower id first). Zero scores are dropped; all-zero gives an empty result.
pub fn normalize_ppb(raw: &BTreeMap<ContributionId, u128>) -> Attribution {
	let total: u128 = raw.values().fold(0u128, |a, v| a.saturating_add(*v));
	if total == 0 {
		return Attribution::default();
	}
	let ppb = u128::from(PPB);
	let mut parts: Vec<(ContributionId, u128, u128)> = raw
		.iter()
		.filter(|(_, v)| **v > 0)
		.map(|(id, v)| {
			// v ≤ total, so v·10⁹ cannot overflow for totals below 2^98; scale down first
			// if a caller ever gets close.
			let (v, t) = if total > (u128::MAX / ppb) { (*v >> 32, total >> 32) } else { (*v, total) };
			let t = t.max(1);
			(*id, v * ppb / t, v * ppb % t)
		})
		.collect();
	let assigned: u128 = parts.iter().map(|p| p.1).sum();
	let mut left = ppb.saturating_sub(assigned);
	let mut order: Vec<usize> = (0..parts.len()).collect();
	order.sort_by(|a, b| parts[*b].2.cmp(&parts[*a].2).then(parts[*a].0.cmp(&parts[*b].0)));
	let mut i = 0;
	while left > 0 && !order.is_empty() {
		parts[order[i % order.len()]].1 += 1;
		left -= 1;
		i += 1;
	}
	Attribution {
		scores: parts
			.into_iter()
			.filter(|p| p.1 > 0)
			.map(|(id, p, _)| (id, u32::try_from(p).unwrap_or(PPB)))
			.collect(),
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn ppb_sums_exactly_and_breaks_ties_by_id() {
		let raw: BTreeMap<u64, u128> = [(7, 1), (3, 1), (5, 1)].into_iter().collect();
		let a = normalize_ppb(&raw);
		assert_eq!(a.total(), u64::from(PPB));
		// 10⁹/3 = 333,333,333 r 1: the extra unit goes to the lowest id.
		assert_eq!(a.scores, vec![(3, 333_333_334), (5, 333_333_333), (7, 333_333_333)]);
		assert_eq!(normalize_ppb(&BTreeMap::new()), Attribution::default());
		let zeros: BTreeMap<u64, u128> = [(1, 0), (2, 0)].into_iter().collect();
		assert!(normalize_ppb(&zeros).scores.is_empty());
		let huge: BTreeMap<u64, u128> = [(1, u128::MAX / 2), (2, u128::MAX / 4)].into_iter().collect();
		assert_eq!(normalize_ppb(&huge).total(), u64::from(PPB));
		for n in 1..40u64 {
			let raw: BTreeMap<u64, u128> = (0..n).map(|i| (i, u128::from(i * i + 1))).collect();
			assert_eq!(normalize_ppb(&raw).total(), u64::from(PPB));
		}
		let by = a.by_contributor(|id| id % 2);
		assert_eq!(by, vec![(1, PPB)]);
	}
}
