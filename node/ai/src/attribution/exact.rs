//! Exact tier: which training contributions a model output quotes.
//!
//! The accepted contributions of a model's training set are tokenised (u16 ids: the SmolLM2
//! vocabulary has 49,152) and indexed with suffix arrays, infini-gram style. For an output, the
//! engine finds every *maximal* span (at least `min_span` tokens) that occurs somewhere in the
//! training data, and credits the contributions containing it:
//!
//! `weight(span) = len² · (1 + ⌊log₂(N / df)⌋)` where `N` is the number of indexed
//! contributions and `df` the number containing the span; each containing contribution gets
//! `weight · 2³² · occ_d / occ_total` (integer division). Spans with more than
//! `max_occurrences` occurrences are too common to attribute and are skipped. Totals become
//! parts per billion with [`super::normalize_ppb`]. No floating point anywhere, so the result is
//! the same bytes on every machine and thread count.
//!
//! The index grows incrementally: each batch of new contributions becomes a segment file (tokens,
//! suffix array, contribution table), memory-mapped; segments are merged LSM-style when a newer
//! one reaches half the size of the one before it, so there are O(log n) of them. Results do not
//! depend on how the index is segmented (tested).

// Memory-mapping a file is unsafe because another process could change it underneath; the
// index directory belongs to this node, files are written once under a temporary name, renamed
// into place and never modified afterwards.
#![allow(unsafe_code)]

use std::{
	collections::{BTreeMap, BTreeSet},
	io::Write,
	path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use super::{normalize_ppb, Attribution, ContributionId};
use crate::error::{Error, Result};

/// Separator after every contribution; larger than any token, so no match crosses it.
const SEP: u16 = u16::MAX;
const MAGIC: &[u8; 8] = b"OLSA0001";
const HEADER: usize = 32;
const DOC_BYTES: usize = 16;

/// Parameters of the exact tier (part of what validators must agree on).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExactParams {
	/// Shortest span, in tokens, that counts as a quote.
	pub min_span: usize,
	/// Spans occurring more often than this are common phrases and are not credited.
	pub max_occurrences: u64,
}

impl Default for ExactParams {
	fn default() -> Self {
		Self { min_span: 6, max_occurrences: 1000 }
	}
}

/// A maximal span of the output found in the training data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
	/// Start in the output (tokens).
	pub start: usize,
	/// Length in tokens.
	pub len: usize,
	/// Occurrences in the training data.
	pub occurrences: u64,
	/// Contributions containing it, ascending (empty when skipped as too common).
	pub contributions: Vec<ContributionId>,
}

/// The exact tier's answer: scores and the spans behind them (for audit).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExactResult {
	/// Parts per billion per contribution.
	pub attribution: Attribution,
	/// Maximal spans, by start.
	pub spans: Vec<Span>,
}

enum Bytes {
	Mapped(memmap2::Mmap),
	Owned(Vec<u8>),
}

impl std::ops::Deref for Bytes {
	type Target = [u8];
	fn deref(&self) -> &[u8] {
		match self {
			Bytes::Mapped(m) => m,
			Bytes::Owned(v) => v,
		}
	}
}

fn pad8(n: usize) -> usize {
	n.div_ceil(8) * 8
}

/// One immutable segment: tokens, suffix array over them, contribution table.
struct Segment {
	name: String,
	data: Bytes,
	n_tokens: usize,
	n_sa: usize,
	n_docs: usize,
	sa_off: usize,
	doc_off: usize,
}

impl Segment {
	/// Serialises a segment for `docs` (in the given order).
	fn build(docs: &[(ContributionId, Vec<u16>)]) -> Result<Vec<u8>> {
		let n_tokens: usize = docs.iter().map(|(_, t)| t.len() + 1).sum();
		if n_tokens.saturating_mul(2) >= i32::MAX as usize {
			return Err(Error::InvalidRequest("a segment may hold at most 2^30 tokens".into()));
		}
		let mut text = Vec::with_capacity(n_tokens * 2);
		let mut table = Vec::with_capacity(docs.len());
		for (id, toks) in docs {
			let start = text.len() / 2;
			for t in toks {
				text.extend_from_slice(&t.to_be_bytes());
			}
			text.extend_from_slice(&SEP.to_be_bytes());
			table.push((start as u32, toks.len() as u32, *id));
		}
		// Byte suffix array over the big-endian encoding; suffixes at even offsets are the token
		// suffixes, in token order (the encoding preserves order).
		let mut sa = vec![0i32; text.len()];
		if !text.is_empty() {
			divsufsort::sort_in_place(&text, &mut sa);
		}
		let sa: Vec<u32> = sa
			.into_iter()
			.filter(|p| p % 2 == 0)
			.map(|p| (p / 2) as u32)
			.filter(|p| {
				let i = *p as usize * 2;
				u16::from_be_bytes([text[i], text[i + 1]]) != SEP
			})
			.collect();
		let tok_off = HEADER;
		let sa_off = pad8(tok_off + n_tokens * 2);
		let doc_off = pad8(sa_off + sa.len() * 4);
		let mut out = vec![0u8; doc_off + docs.len() * DOC_BYTES];
		out[..8].copy_from_slice(MAGIC);
		out[8..16].copy_from_slice(&(n_tokens as u64).to_le_bytes());
		out[16..24].copy_from_slice(&(sa.len() as u64).to_le_bytes());
		out[24..32].copy_from_slice(&(docs.len() as u64).to_le_bytes());
		for (i, pair) in text.chunks_exact(2).enumerate() {
			let t = u16::from_be_bytes([pair[0], pair[1]]);
			out[tok_off + 2 * i..tok_off + 2 * i + 2].copy_from_slice(&t.to_le_bytes());
		}
		for (i, p) in sa.iter().enumerate() {
			out[sa_off + 4 * i..sa_off + 4 * i + 4].copy_from_slice(&p.to_le_bytes());
		}
		for (i, (start, len, id)) in table.iter().enumerate() {
			let o = doc_off + DOC_BYTES * i;
			out[o..o + 4].copy_from_slice(&start.to_le_bytes());
			out[o + 4..o + 8].copy_from_slice(&len.to_le_bytes());
			out[o + 8..o + 16].copy_from_slice(&id.to_le_bytes());
		}
		Ok(out)
	}

	fn from_bytes(name: String, data: Bytes) -> Result<Self> {
		let label = name.clone();
		let bad = move |why: &str| Error::InvalidRequest(format!("index segment {label}: {why}"));
		if data.len() < HEADER || &data[..8] != MAGIC {
			return Err(bad("not an index segment"));
		}
		let rd =
			|o: usize| u64::from_le_bytes(data[o..o + 8].try_into().unwrap_or([0; 8])) as usize;
		let (n_tokens, n_sa, n_docs) = (rd(8), rd(16), rd(24));
		let sa_off = pad8(HEADER + n_tokens.saturating_mul(2));
		let doc_off = pad8(sa_off + n_sa.saturating_mul(4));
		if data.len() != doc_off + n_docs.saturating_mul(DOC_BYTES) || n_sa > n_tokens {
			return Err(bad("truncated or inconsistent"));
		}
		let seg = Self { name, data, n_tokens, n_sa, n_docs, sa_off, doc_off };
		// Every suffix entry must point inside the text, every document inside it too.
		if (0..n_sa).any(|i| seg.sa(i) >= n_tokens)
			|| (0..n_docs).any(|k| {
				let (s, l, _) = seg.doc(k);
				s + l >= n_tokens
			}) {
			return Err(bad("corrupt"));
		}
		Ok(seg)
	}

	#[inline]
	fn token(&self, i: usize) -> u16 {
		if i >= self.n_tokens {
			return SEP;
		}
		let o = HEADER + 2 * i;
		u16::from_le_bytes([self.data[o], self.data[o + 1]])
	}

	#[inline]
	fn sa(&self, i: usize) -> usize {
		let o = self.sa_off + 4 * i;
		u32::from_le_bytes([self.data[o], self.data[o + 1], self.data[o + 2], self.data[o + 3]])
			as usize
	}

	fn doc(&self, k: usize) -> (usize, usize, ContributionId) {
		let o = self.doc_off + DOC_BYTES * k;
		let d = &self.data[o..o + DOC_BYTES];
		let start = u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as usize;
		let len = u32::from_le_bytes([d[4], d[5], d[6], d[7]]) as usize;
		let id = u64::from_le_bytes([d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]]);
		(start, len, id)
	}

	/// The contribution containing text position `pos`.
	fn doc_of(&self, pos: usize) -> ContributionId {
		// Documents are stored in text order: last one starting at or before `pos`.
		let (mut lo, mut hi) = (0usize, self.n_docs);
		while hi - lo > 1 {
			let mid = (lo + hi) / 2;
			if self.doc(mid).0 <= pos {
				lo = mid;
			} else {
				hi = mid;
			}
		}
		self.doc(lo).2
	}

	fn docs(&self) -> Vec<(ContributionId, Vec<u16>)> {
		(0..self.n_docs)
			.map(|k| {
				let (s, l, id) = self.doc(k);
				(id, (s..s + l).map(|i| self.token(i)).collect())
			})
			.collect()
	}

	/// Within `[lo, hi)` (suffixes sharing their first `depth` tokens), the sub-range whose
	/// token at offset `depth` is `tok`.
	fn narrow(&self, lo: usize, hi: usize, depth: usize, tok: u16) -> (usize, usize) {
		let key = |k: usize| self.token(self.sa(k) + depth);
		let (mut a, mut b) = (lo, hi);
		while a < b {
			let m = (a + b) / 2;
			if key(m) < tok {
				a = m + 1;
			} else {
				b = m;
			}
		}
		let first = a;
		let mut b = hi;
		while a < b {
			let m = (a + b) / 2;
			if key(m) <= tok {
				a = m + 1;
			} else {
				b = m;
			}
		}
		(first, a)
	}

	/// Longest prefix of `pattern` occurring here, with its suffix-array range.
	fn longest(&self, pattern: &[u16]) -> (usize, (usize, usize)) {
		let mut range = (0, self.n_sa);
		let mut len = 0;
		for (depth, tok) in pattern.iter().enumerate() {
			let r = self.narrow(range.0, range.1, depth, *tok);
			if r.0 >= r.1 {
				break;
			}
			range = r;
			len = depth + 1;
		}
		(len, range)
	}
}

#[derive(Default, Serialize, Deserialize)]
struct Manifest {
	segments: Vec<String>,
	next: u64,
}

/// A persistent, incrementally built suffix-array index over contributions.
pub struct SuffixIndex {
	dir: PathBuf,
	segments: Vec<Segment>,
	next: u64,
	ids: BTreeSet<ContributionId>,
}

/// Converts engine token ids to the index's u16 alphabet.
pub fn to_u16(tokens: &[u32]) -> Result<Vec<u16>> {
	tokens
		.iter()
		.map(|t| {
			u16::try_from(*t).ok().filter(|t| *t != SEP).ok_or_else(|| {
				Error::InvalidRequest(format!("token id {t} does not fit the index (max 65534)"))
			})
		})
		.collect()
}

impl SuffixIndex {
	/// Opens (or creates) the index in `dir`.
	pub fn open(dir: &Path) -> Result<Self> {
		std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
		let mpath = dir.join("manifest.json");
		let manifest: Manifest = match std::fs::read_to_string(&mpath) {
			Ok(s) => serde_json::from_str(&s)?,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
			Err(e) => return Err(Error::io(&mpath, e)),
		};
		let mut index = Self {
			dir: dir.to_path_buf(),
			segments: Vec::new(),
			next: manifest.next,
			ids: BTreeSet::new(),
		};
		for name in manifest.segments {
			let seg = index.map_segment(&name)?;
			for k in 0..seg.n_docs {
				if !index.ids.insert(seg.doc(k).2) {
					return Err(Error::InvalidRequest(format!(
						"index segment {name}: duplicate contribution"
					)));
				}
			}
			index.segments.push(seg);
		}
		Ok(index)
	}

	fn map_segment(&self, name: &str) -> Result<Segment> {
		let path = self.dir.join(name);
		let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
		let len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
		let data = if len == 0 {
			Bytes::Owned(Vec::new())
		} else {
			// SAFETY: see the module note; the file is immutable once renamed into place.
			Bytes::Mapped(unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(&path, e))?)
		};
		Segment::from_bytes(name.to_string(), data)
	}

	fn write_segment(&mut self, docs: &[(ContributionId, Vec<u16>)]) -> Result<String> {
		let bytes = Segment::build(docs)?;
		let name = format!("seg-{:08}.olsa", self.next);
		self.next += 1;
		let tmp = self.dir.join(format!(".{name}.tmp"));
		let path = self.dir.join(&name);
		let mut f = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
		f.write_all(&bytes).and_then(|()| f.sync_all()).map_err(|e| Error::io(&tmp, e))?;
		std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
		Ok(name)
	}

	fn write_manifest(&self) -> Result<()> {
		let m = Manifest {
			segments: self.segments.iter().map(|s| s.name.clone()).collect(),
			next: self.next,
		};
		let tmp = self.dir.join(".manifest.json.tmp");
		let path = self.dir.join("manifest.json");
		std::fs::write(&tmp, serde_json::to_vec(&m)?).map_err(|e| Error::io(&tmp, e))?;
		std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
	}

	/// Adds contributions (id, token ids). Ids must be new; tokens must be below 65,535.
	pub fn add(&mut self, docs: &[(ContributionId, Vec<u32>)]) -> Result<()> {
		let mut seen = BTreeSet::new();
		let mut batch = Vec::with_capacity(docs.len());
		for (id, toks) in docs {
			if self.ids.contains(id) || !seen.insert(*id) {
				return Err(Error::InvalidRequest(format!("contribution {id} is already indexed")));
			}
			batch.push((*id, to_u16(toks)?));
		}
		if batch.is_empty() {
			return Ok(());
		}
		let name = self.write_segment(&batch)?;
		self.segments.push(self.map_segment(&name)?);
		self.ids.extend(seen);
		// LSM merge: keep each segment at least twice the size of the next.
		let mut obsolete = Vec::new();
		while self.segments.len() >= 2 {
			let n = self.segments.len();
			let (prev, last) = (&self.segments[n - 2], &self.segments[n - 1]);
			if last.n_tokens * 2 < prev.n_tokens {
				break;
			}
			let mut docs = prev.docs();
			docs.extend(last.docs());
			let name = self.write_segment(&docs)?;
			let merged = self.map_segment(&name)?;
			for old in self.segments.drain(n - 2..) {
				obsolete.push(old.name.clone());
			}
			self.segments.push(merged);
		}
		self.write_manifest()?;
		for name in obsolete {
			let _ = std::fs::remove_file(self.dir.join(name));
		}
		Ok(())
	}

	/// Contributions indexed.
	pub fn contributions(&self) -> usize {
		self.ids.len()
	}

	/// Tokens indexed (separators excluded).
	pub fn tokens(&self) -> usize {
		self.segments.iter().map(|s| s.n_sa).sum()
	}

	/// Bytes of the segment files.
	pub fn bytes(&self) -> usize {
		self.segments.iter().map(|s| s.data.len()).sum()
	}

	/// Number of segments (for tests and monitoring).
	pub fn segment_count(&self) -> usize {
		self.segments.len()
	}

	/// How many times `pattern` occurs in the indexed contributions.
	pub fn count(&self, pattern: &[u32]) -> Result<u64> {
		let p = to_u16(pattern)?;
		if p.is_empty() {
			return Ok(0);
		}
		Ok(self
			.segments
			.iter()
			.map(|s| {
				let (len, (lo, hi)) = s.longest(&p);
				if len == p.len() {
					(hi - lo) as u64
				} else {
					0
				}
			})
			.sum())
	}

	/// Attributes a model output (token ids) to the indexed contributions.
	pub fn attribute(&self, output: &[u32], params: &ExactParams) -> Result<ExactResult> {
		if params.min_span == 0 {
			return Err(Error::InvalidRequest("min_span must be at least 1".into()));
		}
		let out = to_u16(output)?;
		let n_docs = self.ids.len() as u128;
		// Longest match at every start, with each segment's range for it.
		let mut best: Vec<(usize, Vec<(usize, usize)>)> = Vec::with_capacity(out.len());
		for i in 0..out.len() {
			let per: Vec<(usize, (usize, usize))> =
				self.segments.iter().map(|s| s.longest(&out[i..])).collect();
			let len = per.iter().map(|p| p.0).max().unwrap_or(0);
			let ranges = per
				.into_iter()
				.map(|(l, r)| if l == len && len > 0 { r } else { (0, 0) })
				.collect();
			best.push((len, ranges));
		}
		let mut raw: BTreeMap<ContributionId, u128> = BTreeMap::new();
		let mut spans = Vec::new();
		for i in 0..best.len() {
			let len = best[i].0;
			let maximal = len >= params.min_span && (i == 0 || best[i - 1].0 <= len);
			if !maximal {
				continue;
			}
			let occ: u64 = best[i].1.iter().map(|(lo, hi)| (hi - lo) as u64).sum();
			let mut span = Span { start: i, len, occurrences: occ, contributions: Vec::new() };
			if occ == 0 || occ > params.max_occurrences {
				spans.push(span);
				continue;
			}
			let mut per_doc: BTreeMap<ContributionId, u64> = BTreeMap::new();
			for (seg, (lo, hi)) in self.segments.iter().zip(&best[i].1) {
				for k in *lo..*hi {
					*per_doc.entry(seg.doc_of(seg.sa(k))).or_insert(0) += 1;
				}
			}
			let df = per_doc.len() as u128;
			let idf = 1 + u128::from((n_docs / df.max(1)).max(1).ilog2());
			let weight = (len as u128) * (len as u128) * idf;
			for (id, c) in &per_doc {
				let share = (weight << 32) * u128::from(*c) / u128::from(occ);
				let e = raw.entry(*id).or_insert(0);
				*e = e.saturating_add(share);
			}
			span.contributions = per_doc.into_keys().collect();
			spans.push(span);
		}
		Ok(ExactResult { attribution: normalize_ppb(&raw), spans })
	}

	/// Recomputes the attribution of `output` and compares it byte for byte with `claimed`.
	pub fn verify(
		&self,
		output: &[u32],
		params: &ExactParams,
		claimed: &Attribution,
	) -> Result<bool> {
		Ok(self.attribute(output, params)?.attribution.to_bytes() == claimed.to_bytes())
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use crate::attribution::Perbill;
	use rand::{Rng, SeedableRng};

	fn docs(n: usize, len: usize, vocab: u32, seed: u64) -> Vec<(ContributionId, Vec<u32>)> {
		let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
		(0..n)
			.map(|i| (i as u64 * 3 + 1, (0..len).map(|_| rng.random_range(0..vocab)).collect()))
			.collect()
	}

	fn naive_count(docs: &[(ContributionId, Vec<u32>)], p: &[u32]) -> u64 {
		docs.iter().map(|(_, d)| d.windows(p.len()).filter(|w| *w == p).count() as u64).sum()
	}

	#[test]
	fn counts_match_a_naive_scan() {
		let d = docs(30, 50, 5, 1);
		let dir = tempfile::tempdir().unwrap();
		let mut idx = SuffixIndex::open(dir.path()).unwrap();
		idx.add(&d).unwrap();
		let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
		for _ in 0..200 {
			let len = rng.random_range(1..6);
			let p: Vec<u32> = (0..len).map(|_| rng.random_range(0..5)).collect();
			assert_eq!(idx.count(&p).unwrap(), naive_count(&d, &p), "{p:?}");
		}
		assert_eq!(idx.tokens(), 30 * 50);
	}

	#[test]
	fn results_are_identical_across_segmentations_runs_and_threads() {
		let d = docs(40, 120, 50, 3);
		let mut out: Vec<u32> = d[7].1[10..40].to_vec();
		out.extend([1, 2, 3]);
		out.extend(&d[21].1[50..60]);
		out.extend(&d[7].1[80..100]);
		let params = ExactParams { min_span: 4, max_occurrences: 1000 };
		let one = tempfile::tempdir().unwrap();
		let mut a = SuffixIndex::open(one.path()).unwrap();
		let pool1 = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
		pool1.install(|| a.add(&d)).unwrap();
		let r1 = a.attribute(&out, &params).unwrap();
		// Incremental: one contribution at a time (segments merge along the way).
		let inc = tempfile::tempdir().unwrap();
		let mut b = SuffixIndex::open(inc.path()).unwrap();
		let pool2 = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
		for doc in &d {
			pool2.install(|| b.add(std::slice::from_ref(doc))).unwrap();
		}
		assert!(b.segment_count() < 10, "segments merge: {}", b.segment_count());
		let r2 = pool2.install(|| b.attribute(&out, &params)).unwrap();
		assert_eq!(r1.attribution.to_bytes(), r2.attribution.to_bytes());
		assert_eq!(r1, r2);
		// Reopened from disk.
		drop(b);
		let b = SuffixIndex::open(inc.path()).unwrap();
		assert_eq!(b.attribute(&out, &params).unwrap(), r1);
		assert!(b.verify(&out, &params, &r1.attribution).unwrap());
		let mut forged = r1.attribution.clone();
		forged.scores[0].1 = Perbill::from_parts(forged.scores[0].1.deconstruct() - 1);
		forged.scores[1].1 = Perbill::from_parts(forged.scores[1].1.deconstruct() + 1);
		assert!(!b.verify(&out, &params, &forged).unwrap());
		// Shape of the answer: the two quoted contributions, summing to 10^9.
		assert_eq!(r1.attribution.total(), 1_000_000_000);
		let ids: Vec<u64> = r1.attribution.scores.iter().map(|s| s.0).collect();
		assert!(ids.contains(&d[7].0) && ids.contains(&d[21].0));
		assert_eq!(r1.attribution.ranking()[0], d[7].0, "the longest quotes win");
		assert!(r1.attribution.scores.windows(2).all(|w| w[0].0 < w[1].0), "sorted by id");
	}

	#[test]
	fn edge_cases_have_defined_results() {
		let dir = tempfile::tempdir().unwrap();
		let mut idx = SuffixIndex::open(dir.path()).unwrap();
		let p = ExactParams { min_span: 3, max_occurrences: 1000 };
		// Empty index, empty output.
		assert_eq!(idx.attribute(&[], &p).unwrap(), ExactResult::default());
		assert_eq!(idx.attribute(&[1, 2, 3], &p).unwrap().attribution, Attribution::default());
		let d = docs(5, 20, 100, 9);
		idx.add(&d).unwrap();
		assert_eq!(idx.attribute(&[], &p).unwrap().attribution, Attribution::default());
		// An output longer than any contribution, containing one whole.
		let mut long = vec![7u32; 10];
		long.extend(&d[2].1);
		long.extend(vec![8u32; 30]);
		let r = idx.attribute(&long, &p).unwrap();
		assert_eq!(r.attribution.scores, vec![(d[2].0, Perbill::from_parts(1_000_000_000))]);
		assert_eq!(r.spans.iter().map(|s| s.len).max(), Some(20));
		// Nothing long enough matches.
		assert!(idx.attribute(&d[0].1[..2], &p).unwrap().attribution.scores.is_empty());
		// One contribution repeated under many ids: equal shares, the leftover unit to the lowest id.
		let rep = tempfile::tempdir().unwrap();
		let mut r_idx = SuffixIndex::open(rep.path()).unwrap();
		let same: Vec<(u64, Vec<u32>)> = (0..7).map(|i| (100 + i, vec![5, 6, 7, 8, 9])).collect();
		r_idx.add(&same).unwrap();
		let r = r_idx.attribute(&[5, 6, 7, 8, 9], &p).unwrap().attribution;
		assert_eq!(r.scores.len(), 7);
		assert_eq!(r.scores[0], (100, Perbill::from_parts(142_857_143)));
		assert!(r.scores[1..]
			.iter()
			.all(|s| s.1.deconstruct() == 142_857_142 || s.1.deconstruct() == 142_857_143));
		assert_eq!(r.total(), 1_000_000_000);
		// Too common: more occurrences than allowed, nothing credited.
		let strict = ExactParams { min_span: 3, max_occurrences: 6 };
		let r = r_idx.attribute(&[5, 6, 7, 8, 9], &strict).unwrap();
		assert!(r.attribution.scores.is_empty() && r.spans[0].occurrences == 7);
		// Bad input is refused, and nothing is added.
		assert!(r_idx.add(&[(100, vec![1])]).is_err(), "duplicate id");
		assert!(r_idx.add(&[(1, vec![1]), (1, vec![2])]).is_err(), "duplicate in batch");
		assert!(r_idx.add(&[(2, vec![65_535])]).is_err(), "separator token");
		assert!(r_idx.add(&[(3, vec![70_000])]).is_err(), "token too large");
		assert_eq!(r_idx.contributions(), 7);
		assert!(r_idx.attribute(&[1], &ExactParams { min_span: 0, max_occurrences: 1 }).is_err());
		assert!(r_idx.attribute(&[65_535], &p).is_err());
	}

	#[test]
	fn corrupt_segments_are_refused() {
		let dir = tempfile::tempdir().unwrap();
		let mut idx = SuffixIndex::open(dir.path()).unwrap();
		idx.add(&docs(3, 10, 20, 4)).unwrap();
		drop(idx);
		let seg = std::fs::read_dir(dir.path())
			.unwrap()
			.map(|e| e.unwrap().path())
			.find(|p| p.extension().is_some_and(|e| e == "olsa"))
			.unwrap();
		let bytes = std::fs::read(&seg).unwrap();
		std::fs::write(&seg, &bytes[..bytes.len() - 5]).unwrap();
		assert!(SuffixIndex::open(dir.path()).is_err());
		std::fs::write(&seg, b"not an index").unwrap();
		assert!(SuffixIndex::open(dir.path()).is_err());
	}
}
