//! The slashing arithmetic, pure and integer-only, so that it can be property-tested: what a
//! fault takes, and from which part of the bond.

use crate::types::UnbondingChunk;
use polkadot_sdk::polkadot_sdk_frame::prelude::*;

/// Everything held for an agent: its active bond and every unbonding chunk (saturating: the
/// sum is at most the total issuance, so it never saturates in practice).
pub fn total_held<B: AtLeast32BitUnsigned + Copy, N>(
	bond: B,
	chunks: &[UnbondingChunk<B, N>],
) -> B {
	chunks.iter().fold(bond, |acc, c| acc.saturating_add(c.amount))
}

/// Slashes `share` of everything held (`share × (bond + Σ chunks)`, rounded down, so the agent
/// never loses more than the share), taking it from the active bond first and then from the
/// unbonding chunks, oldest first. Chunks left empty are removed. Returns the amount taken:
/// the bond and chunks afterwards plus that amount equal what they were before, to the planck.
pub fn slash<B: AtLeast32BitUnsigned + Copy, N>(
	share: Perbill,
	bond: &mut B,
	chunks: &mut alloc::vec::Vec<UnbondingChunk<B, N>>,
) -> B {
	let due = share.mul_floor(total_held(*bond, chunks));
	let from_bond = due.min(*bond);
	*bond = bond.saturating_sub(from_bond);
	let mut left = due.saturating_sub(from_bond);
	for c in chunks.iter_mut() {
		if left.is_zero() {
			break;
		}
		let take = left.min(c.amount);
		c.amount = c.amount.saturating_sub(take);
		left = left.saturating_sub(take);
	}
	chunks.retain(|c| !c.amount.is_zero());
	// `due` never exceeds what is held, so `left` is zero here.
	due.saturating_sub(left)
}

#[cfg(test)]
mod tests {
	#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
	use super::*;
	use alloc::vec::Vec;
	use proptest::prelude::*;

	fn chunks(amounts: &[u128]) -> Vec<UnbondingChunk<u128, u32>> {
		amounts
			.iter()
			.enumerate()
			.map(|(i, a)| UnbondingChunk { amount: *a, unlock: i as u32 })
			.collect()
	}

	#[test]
	fn takes_from_the_bond_first_then_the_oldest_chunk() {
		let mut bond = 100u128;
		let mut c = chunks(&[50, 50]);
		// 60 % of 200 = 120: the whole bond, then 20 of the first chunk.
		let taken = slash(Perbill::from_percent(60), &mut bond, &mut c);
		assert_eq!(taken, 120);
		assert_eq!(bond, 0);
		assert_eq!(c.iter().map(|c| c.amount).collect::<Vec<_>>(), [30, 50]);
		assert_eq!(c[0].unlock, 0);
	}

	#[test]
	fn rounds_down_and_drops_emptied_chunks() {
		let mut bond = 0u128;
		let mut c = chunks(&[1, 2]);
		// 50 % of 3 = 1.5 -> 1, all of the first chunk, which goes.
		assert_eq!(slash(Perbill::from_percent(50), &mut bond, &mut c), 1);
		assert_eq!(c.len(), 1);
		assert_eq!(c[0].amount, 2);
		assert_eq!(c[0].unlock, 1);
	}

	proptest! {
		#[test]
		fn slashing_neither_creates_nor_loses_a_planck(
			bond in 0u128..=u64::MAX as u128,
			amounts in proptest::collection::vec(0u128..=u64::MAX as u128, 0..8),
			ppb in 0u32..=1_000_000_000,
		) {
			let share = Perbill::from_parts(ppb);
			let before = total_held(bond, &chunks(&amounts));
			let (mut b, mut c) = (bond, chunks(&amounts));
			let taken = slash(share, &mut b, &mut c);
			prop_assert_eq!(taken, share.mul_floor(before));
			prop_assert_eq!(total_held(b, &c) + taken, before);
			prop_assert!(b <= bond);
			prop_assert!(c.iter().all(|c| c.amount > 0));
			// the bond goes first: a chunk is touched only once the bond is gone
			if b > 0 {
				prop_assert_eq!(c.iter().map(|c| c.amount).sum::<u128>(),
					amounts.iter().sum::<u128>());
			}
		}
	}
}
