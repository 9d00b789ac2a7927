//! Incremental Merkle tree of accepted content (the deposit-contract construction): a binary
//! tree of depth [`DEPTH`] whose leaves are content hashes in acceptance order, empty leaves
//! zero, inner nodes `blake2_256(left ‖ right)`. Only the frontier (one node per level) is
//! stored, so appending and computing the root cost `DEPTH` hashes whatever the size.
//! A version's commitment is `blake2_256(root ‖ count as u64 LE)`.

use polkadot_sdk::polkadot_sdk_frame as frame;

use alloc::vec::Vec;
use frame::hashing::blake2_256;

/// Levels of the tree (2³² leaves).
pub const DEPTH: u32 = 32;

fn node(l: &[u8; 32], r: &[u8; 32]) -> [u8; 32] {
	let mut b = [0u8; 64];
	b[..32].copy_from_slice(l);
	b[32..].copy_from_slice(r);
	blake2_256(&b)
}

fn zeros() -> Vec<[u8; 32]> {
	let mut z = Vec::with_capacity(DEPTH as usize);
	let mut cur = [0u8; 32];
	for _ in 0..DEPTH {
		z.push(cur);
		cur = node(&cur, &cur);
	}
	z
}

/// The tree is full.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

/// Appends leaf number `count` (0-based) to the frontier.
pub fn append(frontier: &mut Vec<[u8; 32]>, count: u32, leaf: [u8; 32]) -> Result<(), Full> {
	frontier.resize(DEPTH as usize, [0u8; 32]);
	let mut size = u64::from(count).checked_add(1).ok_or(Full)?;
	if size > (1u64 << DEPTH) - 1 {
		return Err(Full);
	}
	let mut cur = leaf;
	for slot in frontier.iter_mut() {
		if size & 1 == 1 {
			*slot = cur;
			return Ok(());
		}
		cur = node(slot, &cur);
		size >>= 1;
	}
	Err(Full)
}

/// Root of a tree holding `count` leaves with this frontier.
pub fn root(frontier: &[[u8; 32]], count: u32) -> [u8; 32] {
	let z = zeros();
	let mut cur = [0u8; 32];
	let mut size = count;
	for (h, zero) in z.iter().enumerate() {
		let branch = frontier.get(h).copied().unwrap_or([0u8; 32]);
		cur = if size & 1 == 1 { node(&branch, &cur) } else { node(&cur, zero) };
		size >>= 1;
	}
	cur
}

/// The commitment a version records.
pub fn commitment(frontier: &[[u8; 32]], count: u32) -> [u8; 32] {
	let mut b = [0u8; 40];
	b[..32].copy_from_slice(&root(frontier, count));
	b[32..].copy_from_slice(&u64::from(count).to_le_bytes());
	blake2_256(&b)
}

/// Reference implementation from all the leaves (for tests and off-chain verifiers).
pub fn commitment_of(leaves: &[[u8; 32]]) -> [u8; 32] {
	let mut level: Vec<[u8; 32]> = leaves.to_vec();
	let z = zeros();
	for zero in z.iter() {
		if level.len() % 2 == 1 {
			level.push(*zero);
		}
		level = level
			.chunks(2)
			.map(|p| match p {
				[l, r] => node(l, r),
				[l] => node(l, zero),
				_ => *zero,
			})
			.collect();
		if level.is_empty() {
			level.push(node(zero, zero));
		}
	}
	let r = level.first().copied().unwrap_or([0u8; 32]);
	let mut b = [0u8; 40];
	b[..32].copy_from_slice(&r);
	b[32..].copy_from_slice(&(leaves.len() as u64).to_le_bytes());
	blake2_256(&b)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod proptests {
	use super::*;
	use proptest::prelude::*;

	proptest! {
		/// The incremental frontier gives the same commitment as the reference built from all
		/// the leaves, after every append.
		#[test]
		fn incremental_matches_reference(
			leaves in proptest::collection::vec(any::<[u8; 32]>(), 0..70),
		) {
			let mut frontier = Vec::new();
			prop_assert_eq!(commitment(&frontier, 0), commitment_of(&[]));
			for (i, leaf) in leaves.iter().enumerate() {
				append(&mut frontier, i as u32, *leaf).unwrap();
				prop_assert_eq!(commitment(&frontier, i as u32 + 1), commitment_of(&leaves[..=i]));
			}
		}
	}
}
