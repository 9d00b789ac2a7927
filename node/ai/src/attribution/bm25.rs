//! Okapi BM25 over token ids: the lexical baseline (EleutherAI's bergson benchmark found plain
//! BM25 beating gradient cosine on GPT-2/WikiText, so every method here is measured against
//! it). Floating point is fine here: it is a yardstick, never paid on.

use std::collections::{BTreeMap, BTreeSet};

use super::ContributionId;

/// A BM25 index (k1 = 1.2, b = 0.75).
#[derive(Debug, Default)]
pub struct Bm25 {
	docs: Vec<(ContributionId, BTreeMap<u32, u32>, usize)>,
	df: BTreeMap<u32, u32>,
	avgdl: f64,
}

impl Bm25 {
	/// Indexes `(id, tokens)` documents.
	pub fn new(docs: &[(ContributionId, Vec<u32>)]) -> Self {
		let mut out = Self::default();
		let mut total = 0usize;
		for (id, toks) in docs {
			let mut tf = BTreeMap::new();
			for t in toks {
				*tf.entry(*t).or_insert(0u32) += 1;
			}
			for t in tf.keys() {
				*out.df.entry(*t).or_insert(0) += 1;
			}
			total += toks.len();
			out.docs.push((*id, tf, toks.len()));
		}
		out.avgdl = total as f64 / out.docs.len().max(1) as f64;
		out
	}

	/// Scores of every document for `query` (unique query terms).
	pub fn scores(&self, query: &[u32]) -> Vec<(ContributionId, f64)> {
		let (k1, b) = (1.2, 0.75);
		let n = self.docs.len() as f64;
		let terms: BTreeSet<u32> = query.iter().copied().collect();
		self.docs
			.iter()
			.map(|(id, tf, len)| {
				let mut s = 0.0;
				for t in &terms {
					let Some(f) = tf.get(t) else { continue };
					let df = f64::from(self.df.get(t).copied().unwrap_or(0));
					let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
					let f = f64::from(*f);
					s += idf * f * (k1 + 1.0)
						/ (f + k1 * (1.0 - b + b * *len as f64 / self.avgdl.max(1e-9)));
				}
				(*id, s)
			})
			.collect()
	}

	/// Documents ranked by score, best first (ties: lower id first).
	pub fn ranking(&self, query: &[u32]) -> Vec<ContributionId> {
		let mut s = self.scores(query);
		s.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
		s.into_iter().map(|(id, _)| id).collect()
	}
}
