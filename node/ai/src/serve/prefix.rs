//! Reuse of already computed key/value prefixes across requests (what llama.cpp's server calls
//! `cache_prompt` and vLLM "automatic prefix caching").
//!
//! Chat requests to one model share long prefixes: the chat template, the system prompt, the
//! earlier turns of a conversation. The keys and values of a position depend only on the
//! tokens up to it and on the adapter, so a request whose prompt starts with the tokens of a
//! cached sequence (same adapter, or both none) starts from a copy of that sequence's cache and
//! prefills only the rest. The result is bit-identical to a fresh prefill: the same rows go
//! through the same kernels.
//!
//! Entries are whole sequences (a prompt once it is read, then prompt and answer when the
//! request ends); an entry whose tokens are a prefix of a newer one is replaced by it. The
//! cache holds at most its byte budget, least recently used dropped first.

use serde::{Deserialize, Serialize};

use crate::{lora::AdapterId, model::KvCache};

/// Prefix-cache counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixStats {
	/// Requests that looked for a prefix.
	pub lookups: u64,
	/// Requests that started from a cached prefix.
	pub hits: u64,
	/// Prompt tokens not prefilled because their keys and values were reused.
	pub reused_tokens: u64,
	/// Sequences resident.
	pub entries: usize,
	/// Bytes resident.
	pub bytes: usize,
}

#[derive(Debug)]
struct Entry {
	adapter: Option<AdapterId>,
	tokens: Vec<u32>,
	cache: KvCache,
	bytes: usize,
	used: u64,
}

/// Cached key/value prefixes under a memory budget (LRU).
#[derive(Debug)]
pub struct PrefixCache {
	budget_bytes: usize,
	entries: Vec<Entry>,
	used: usize,
	clock: u64,
	stats: PrefixStats,
}

fn common_prefix(a: &[u32], b: &[u32]) -> usize {
	a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl PrefixCache {
	/// An empty cache holding at most `budget_bytes` of keys and values (0 turns it off).
	pub fn new(budget_bytes: usize) -> Self {
		Self { budget_bytes, entries: Vec::new(), used: 0, clock: 0, stats: PrefixStats::default() }
	}

	/// The longest cached prefix of `prompt` run with `adapter`, as a cache of that prefix and
	/// its length. At least the prompt's last token is left to prefill, since its logits are
	/// what the request samples from. `None` when nothing is shared.
	pub fn lookup(
		&mut self,
		adapter: Option<AdapterId>,
		prompt: &[u32],
	) -> Option<(KvCache, usize)> {
		if self.budget_bytes == 0 {
			return None;
		}
		self.stats.lookups += 1;
		let limit = prompt.len().saturating_sub(1);
		let (best, n) = self
			.entries
			.iter_mut()
			.filter(|e| e.adapter == adapter)
			.map(|e| {
				let n = common_prefix(&e.tokens, prompt).min(limit);
				(e, n)
			})
			.max_by_key(|(_, n)| *n)?;
		if n == 0 {
			return None;
		}
		self.clock += 1;
		best.used = self.clock;
		self.stats.hits += 1;
		self.stats.reused_tokens += n as u64;
		Some((best.cache.prefix(n), n))
	}

	/// Keeps `cache`, the keys and values of `tokens` run with `adapter`, for later requests.
	pub fn insert(&mut self, adapter: Option<AdapterId>, tokens: &[u32], cache: &KvCache) {
		if self.budget_bytes == 0 || tokens.is_empty() || tokens.len() != cache.len() {
			return;
		}
		self.clock += 1;
		// Already covered by a longer (or equal) sequence: only mark it used.
		if let Some(e) = self.entries.iter_mut().find(|e| {
			e.adapter == adapter && e.tokens.len() >= tokens.len() && e.tokens.starts_with(tokens)
		}) {
			e.used = self.clock;
			return;
		}
		let cache = cache.prefix(tokens.len());
		let bytes = cache.memory_bytes() + tokens.len() * 4;
		if bytes > self.budget_bytes {
			return;
		}
		// Entries the new one covers are dropped.
		let mut freed = 0;
		self.entries.retain(|e| {
			let covered = e.adapter == adapter && tokens.starts_with(&e.tokens);
			if covered {
				freed += e.bytes;
			}
			!covered
		});
		self.used -= freed;
		while self.used + bytes > self.budget_bytes {
			let Some(victim) =
				self.entries.iter().enumerate().min_by_key(|(_, e)| e.used).map(|(i, _)| i)
			else {
				break;
			};
			self.used -= self.entries.swap_remove(victim).bytes;
		}
		self.used += bytes;
		self.entries.push(Entry {
			adapter,
			tokens: tokens.to_vec(),
			cache,
			bytes,
			used: self.clock,
		});
	}

	/// Counters and residency.
	pub fn stats(&self) -> PrefixStats {
		PrefixStats { entries: self.entries.len(), bytes: self.used, ..self.stats }
	}
}
