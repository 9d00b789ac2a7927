//! Content hashes, file manifests and the offchain-database keys of contribution bytes.
//!
//! A file is cut into chunks of exactly `chunk_size` bytes (the last one shorter); its hash is
//! `blake2_256("openledger/datanets/v1" ‖ size as u64 LE ‖ blake2_256(chunk₀) ‖ …)`. Anyone can
//! recompute it from the bytes, and it is the same whichever way the file was sent: in one
//! extrinsic, in a chunked upload, or fed to [`ContentHasher`] in pieces of any size.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_crypto_hashing::blake2_256;

/// Content hash of a file: see [`content_hash`].
pub type ContentHash = [u8; 32];

/// Domain tag of [`content_hash`].
pub const CONTENT_HASH_DOMAIN: &[u8] = b"openledger/datanets/v1";

/// The hash of one chunk, as it enters [`content_hash`] (blake2-256).
pub fn chunk_hash(chunk: &[u8]) -> [u8; 32] {
	blake2_256(chunk)
}

/// The content hash of a file of `size` bytes whose chunks hash to `chunk_hashes`.
pub fn content_hash(size: u32, chunk_hashes: &[[u8; 32]]) -> ContentHash {
	let mut pre = Vec::with_capacity(
		CONTENT_HASH_DOMAIN
			.len()
			.saturating_add(8)
			.saturating_add(chunk_hashes.len().saturating_mul(32)),
	);
	pre.extend_from_slice(CONTENT_HASH_DOMAIN);
	pre.extend_from_slice(&u64::from(size).to_le_bytes());
	for h in chunk_hashes {
		pre.extend_from_slice(h);
	}
	blake2_256(&pre)
}

/// The content hash of `data` cut into chunks of `chunk_size` bytes, or `None` when
/// `chunk_size` is zero or `data` is longer than `u32::MAX` bytes.
pub fn content_hash_of(data: &[u8], chunk_size: u32) -> Option<ContentHash> {
	let mut h = ContentHasher::new(chunk_size)?;
	h.update(data);
	h.finish()
}

/// Computes a [`content_hash`] from bytes fed in pieces of any size.
#[derive(Clone, Debug)]
pub struct ContentHasher {
	chunk_size: usize,
	size: u64,
	buffer: Vec<u8>,
	chunk_hashes: Vec<[u8; 32]>,
}

impl ContentHasher {
	/// A hasher for chunks of `chunk_size` bytes (`None` when it is zero).
	pub fn new(chunk_size: u32) -> Option<Self> {
		let chunk_size = usize::try_from(chunk_size).ok().filter(|c| *c > 0)?;
		Some(Self { chunk_size, size: 0, buffer: Vec::new(), chunk_hashes: Vec::new() })
	}

	/// Feeds the next bytes of the file.
	pub fn update(&mut self, mut data: &[u8]) {
		self.size = self.size.saturating_add(data.len() as u64);
		while !data.is_empty() {
			let room = self.chunk_size.saturating_sub(self.buffer.len());
			let (now, rest) = data.split_at(room.min(data.len()));
			self.buffer.extend_from_slice(now);
			data = rest;
			if self.buffer.len() == self.chunk_size {
				self.chunk_hashes.push(blake2_256(&self.buffer));
				self.buffer.clear();
			}
		}
	}

	/// The content hash of everything fed, or `None` when more than `u32::MAX` bytes were.
	pub fn finish(mut self) -> Option<ContentHash> {
		let size = u32::try_from(self.size).ok()?;
		if !self.buffer.is_empty() {
			self.chunk_hashes.push(blake2_256(&self.buffer));
		}
		Some(content_hash(size, &self.chunk_hashes))
	}
}

/// What a completed file leaves under [`file_key`] in the offchain database (SCALE).
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
pub struct FileManifest {
	/// Bytes.
	pub size: u32,
	/// Chunks, stored under [`chunk_key`] `0..chunks`.
	pub chunks: u32,
}

/// Offchain-database key of chunk `index` of a file.
pub fn chunk_key(hash: &ContentHash, index: u32) -> Vec<u8> {
	let mut k = b"datanets:chunk:".to_vec();
	k.extend_from_slice(hash);
	k.extend_from_slice(&index.to_be_bytes());
	k
}

/// Offchain-database key of a file's [`FileManifest`].
pub fn file_key(hash: &ContentHash) -> Vec<u8> {
	let mut k = b"datanets:file:".to_vec();
	k.extend_from_slice(hash);
	k
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	/// The shared test vector: the JS tool (`tools/datanets`) asserts the same hash.
	#[test]
	fn test_vector() {
		let data: Vec<u8> = (0..10u32).map(|i| i as u8).collect();
		let h = content_hash_of(&data, 4).unwrap();
		assert_eq!(
			h,
			content_hash(
				10,
				&[blake2_256(&[0, 1, 2, 3]), blake2_256(&[4, 5, 6, 7]), blake2_256(&[8, 9])]
			)
		);
		assert_eq!(
			array_hex(&h),
			"3eccd14a6e7edfdb1cb635760384360bfdce4fa6cecacd914f0f7feb70f1f6eb"
		);
	}

	fn array_hex(h: &[u8; 32]) -> alloc::string::String {
		h.iter().map(|b| alloc::format!("{b:02x}")).collect()
	}

	#[test]
	fn manifest_is_scale_identical_to_the_former_tuple() {
		let m = FileManifest { size: 4_052_632, chunks: 4 };
		assert_eq!(m.encode(), (4_052_632u32, 4u32).encode());
		assert_eq!(FileManifest::decode(&mut &m.encode()[..]).unwrap(), m);
	}

	#[test]
	fn zero_chunk_size_is_refused() {
		assert!(ContentHasher::new(0).is_none());
		assert!(content_hash_of(b"x", 0).is_none());
	}

	proptest! {
		/// The hash depends only on the bytes and the chunk size, never on how the bytes were
		/// cut into pieces on their way in.
		#[test]
		fn hash_is_independent_of_how_bytes_arrive(
			data in proptest::collection::vec(any::<u8>(), 0..2_000),
			chunk in 1u32..300,
			cuts in proptest::collection::vec(any::<usize>(), 0..12),
		) {
			let whole = content_hash_of(&data, chunk).unwrap();
			let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (data.len() + 1)).collect();
			cuts.sort_unstable();
			let mut h = ContentHasher::new(chunk).unwrap();
			let mut at = 0;
			for c in cuts {
				h.update(&data[at..c]);
				at = c;
			}
			h.update(&data[at..]);
			prop_assert_eq!(h.finish().unwrap(), whole);
			// and the chunk-by-chunk definition agrees
			let hashes: Vec<[u8; 32]> = data.chunks(chunk as usize).map(blake2_256).collect();
			prop_assert_eq!(content_hash(data.len() as u32, &hashes), whole);
		}
	}
}
