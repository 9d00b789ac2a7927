//! Attribution results: which contributions shaped a model or an answer, and by how much.
//!
//! Shares are [`Perbill`]s built from integers only, so every validator computes the same
//! bytes from the same raw scores.

use alloc::{collections::BTreeMap, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;
use sp_arithmetic::{traits::Saturating, PerThing, Perbill};

use crate::ContributionId;

/// Shares per credited contribution, sorted by id, summing to exactly [`Perbill::one`] — or
/// empty when nothing is credited.
#[derive(
	Clone,
	Debug,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct Attribution {
	/// `(contribution, share)`, ascending by contribution.
	pub scores: Vec<(ContributionId, Perbill)>,
}

impl Attribution {
	/// Canonical bytes (`id` u64 LE, parts per billion u32 LE, in order): what validators
	/// compare.
	pub fn to_bytes(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(self.scores.len().saturating_mul(12));
		for (id, share) in &self.scores {
			out.extend_from_slice(&id.to_le_bytes());
			out.extend_from_slice(&share.deconstruct().to_le_bytes());
		}
		out
	}

	/// Total parts per billion (10⁹ or 0).
	pub fn total(&self) -> u64 {
		self.scores.iter().fold(0u64, |a, (_, p)| a.saturating_add(u64::from(p.deconstruct())))
	}

	/// Contributions ranked by share, highest first (ties: lower id first).
	pub fn ranking(&self) -> Vec<ContributionId> {
		let mut v = self.scores.clone();
		v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
		v.into_iter().map(|(id, _)| id).collect()
	}

	/// Sums the shares per contributor (`owner` maps a contribution to its contributor); the
	/// total is unchanged.
	pub fn by_contributor<C: Ord + Clone>(
		&self,
		owner: impl Fn(ContributionId) -> C,
	) -> Vec<(C, Perbill)> {
		let mut m: BTreeMap<C, Perbill> = BTreeMap::new();
		for (id, share) in &self.scores {
			let e = m.entry(owner(*id)).or_insert_with(Perbill::zero);
			*e = e.saturating_add(*share);
		}
		m.into_iter().collect()
	}
}

/// Turns raw non-negative integer scores into shares summing to exactly 10⁹ parts per
/// billion: each gets `floor(score·10⁹/total)`, and the units left over go one each to the
/// largest remainders (ties: lower id first), round after round. Zero scores are dropped;
/// all-zero gives an empty result.
pub fn normalize_ppb(raw: &BTreeMap<ContributionId, u128>) -> Attribution {
	let ppb = u128::from(Perbill::ACCURACY);
	// Every `v·10⁹` must fit in a u128, and so must the total: scale all scores down by the
	// same number of bits until the exact total is at most `u128::MAX / 10⁹`. (A saturated
	// total would make the shares sum to more than 10⁹.)
	let mut shift = 0u32;
	let total = loop {
		let sum =
			raw.values().try_fold(0u128, |a, v| a.checked_add(v.checked_shr(shift).unwrap_or(0)));
		match sum {
			Some(t) if t <= u128::MAX.checked_div(ppb).unwrap_or(0) => break t,
			_ => shift = shift.saturating_add(8),
		}
	};
	if total == 0 {
		return Attribution::default();
	}
	let mut parts: Vec<(ContributionId, u128, u128)> = raw
		.iter()
		.filter(|(_, v)| **v > 0)
		.map(|(id, v)| {
			let scaled = v.checked_shr(shift).unwrap_or(0).saturating_mul(ppb);
			(*id, scaled.checked_div(total).unwrap_or(0), scaled.checked_rem(total).unwrap_or(0))
		})
		.collect();
	let assigned: u128 = parts.iter().fold(0u128, |a, p| a.saturating_add(p.1));
	let left = ppb.saturating_sub(assigned);
	let mut order: Vec<(u128, ContributionId, usize)> =
		parts.iter().enumerate().map(|(i, p)| (p.2, p.0, i)).collect();
	order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
	let n = order.len() as u128;
	if n > 0 {
		// Round-robin over `order`: every part gets `left / n`, the first `left % n` one more.
		let (each, extra) = (left.checked_div(n).unwrap_or(0), left.checked_rem(n).unwrap_or(0));
		for (k, (_, _, i)) in order.iter().enumerate() {
			let bonus = each.saturating_add(u128::from((k as u128) < extra));
			if let Some(p) = parts.get_mut(*i) {
				p.1 = p.1.saturating_add(bonus);
			}
		}
	}
	Attribution {
		scores: parts
			.into_iter()
			.filter(|p| p.1 > 0)
			.map(|(id, p, _)| {
				(id, Perbill::from_parts(u32::try_from(p).unwrap_or(Perbill::ACCURACY)))
			})
			.collect(),
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn p(parts: u32) -> Perbill {
		Perbill::from_parts(parts)
	}

	#[test]
	fn ppb_sums_exactly_and_breaks_ties_by_id() {
		let raw: BTreeMap<u64, u128> = [(7, 1), (3, 1), (5, 1)].into_iter().collect();
		let a = normalize_ppb(&raw);
		assert_eq!(a.total(), u64::from(Perbill::ACCURACY));
		// 10⁹/3 = 333,333,333 r 1: the extra unit goes to the lowest id.
		assert_eq!(a.scores, vec![(3, p(333_333_334)), (5, p(333_333_333)), (7, p(333_333_333))]);
		assert_eq!(normalize_ppb(&BTreeMap::new()), Attribution::default());
		let zeros: BTreeMap<u64, u128> = [(1, 0), (2, 0)].into_iter().collect();
		assert!(normalize_ppb(&zeros).scores.is_empty());
		let huge: BTreeMap<u64, u128> =
			[(1, u128::MAX / 2), (2, u128::MAX / 4)].into_iter().collect();
		assert_eq!(normalize_ppb(&huge).total(), u64::from(Perbill::ACCURACY));
		for n in 1..40u64 {
			let raw: BTreeMap<u64, u128> = (0..n).map(|i| (i, u128::from(i * i + 1))).collect();
			assert_eq!(normalize_ppb(&raw).total(), u64::from(Perbill::ACCURACY));
		}
		let by = a.by_contributor(|id| id % 2);
		assert_eq!(by, vec![(1, Perbill::one())]);
	}

	/// Found by `normalize_sums_to_one_billion`: scores whose sum overflows a u128 once summed
	/// to 10⁹ + 1 when the total saturated.
	#[test]
	fn totals_beyond_u128_still_sum_to_one_billion() {
		let raw: BTreeMap<u64, u128> = [
			(0, 23_517_278_480_038_662_614_109_724_931_522_560_000),
			(1, 90_136_208_247_944_468_590_637_349_123_682_992_128),
			(2, 132_311_043_342_064_793_330_150_885_794_577_907_712),
			(3, 94_317_837_191_172_905_849_415_111_051_613_044_736),
		]
		.into_iter()
		.collect();
		assert_eq!(normalize_ppb(&raw).total(), 1_000_000_000);
		let max: BTreeMap<u64, u128> = (0..50).map(|i| (i, u128::MAX)).collect();
		assert_eq!(
			normalize_ppb(&max).scores,
			(0..50).map(|i| (i, p(20_000_000))).collect::<Vec<_>>()
		);
	}

	#[test]
	fn canonical_bytes() {
		let a = Attribution { scores: vec![(1, p(400_000_000)), (9, p(600_000_000))] };
		let mut want = Vec::new();
		want.extend_from_slice(&1u64.to_le_bytes());
		want.extend_from_slice(&400_000_000u32.to_le_bytes());
		want.extend_from_slice(&9u64.to_le_bytes());
		want.extend_from_slice(&600_000_000u32.to_le_bytes());
		assert_eq!(a.to_bytes(), want);
	}

	proptest! {
		/// Any non-empty set of positive scores sums to exactly 10⁹, sorted by id, each share
		/// within one unit per round of its exact proportion.
		#[test]
		fn normalize_sums_to_one_billion(
			raw in proptest::collection::btree_map(any::<u64>(), any::<u128>(), 0..40),
		) {
			let a = normalize_ppb(&raw);
			let positive = raw.values().any(|v| *v > 0);
			prop_assert_eq!(a.total(), if positive { 1_000_000_000 } else { 0 });
			prop_assert!(a.scores.windows(2).all(|w| w[0].0 < w[1].0));
			prop_assert!(a.scores.iter().all(|(id, _)| raw.get(id).is_some_and(|v| *v > 0)));
		}

		/// Small totals are exact: every share is its floor or floor + 1.
		#[test]
		fn normalize_is_largest_remainder(
			raw in proptest::collection::btree_map(any::<u64>(), 1u128..1_000_000, 1..30),
		) {
			let a = normalize_ppb(&raw);
			let total: u128 = raw.values().sum();
			for (id, share) in &a.scores {
				let floor = raw[id] * 1_000_000_000 / total;
				let got = u128::from(share.deconstruct());
				prop_assert!(got == floor || got == floor + 1, "{} vs floor {}", got, floor);
			}
		}
	}
}
