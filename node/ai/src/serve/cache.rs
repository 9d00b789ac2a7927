//! Loaded adapters under a memory budget, least recently used evicted first.

use std::{collections::HashMap, sync::Arc};

use serde::{Deserialize, Serialize};

use crate::{config::LlamaConfig, error::Error, error::Result, lora::AdapterId, lora::LoraAdapter};

use super::*;

/// Cache counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheStats {
	/// Requests served from memory.
	pub hits: u64,
	/// Loads from the store.
	pub misses: u64,
	/// Adapters dropped to respect the budget.
	pub evictions: u64,
	/// Adapters resident.
	pub resident: usize,
	/// Bytes resident.
	pub resident_bytes: usize,
}

/// Loaded adapters under a memory budget (LRU).
#[derive(Debug)]
pub struct AdapterCache {
	budget_bytes: usize,
	entries: HashMap<AdapterId, (Arc<LoraAdapter>, u64)>,
	used: usize,
	clock: u64,
	stats: CacheStats,
}

impl AdapterCache {
	/// An empty cache holding at most `budget_bytes` of adapter weights.
	pub fn new(budget_bytes: usize) -> Self {
		Self {
			budget_bytes,
			entries: HashMap::new(),
			used: 0,
			clock: 0,
			stats: CacheStats::default(),
		}
	}

	/// The adapter `id`, loading it from `store` (and evicting the least recently used ones)
	/// when it is not resident.
	pub fn get(
		&mut self,
		id: &AdapterId,
		store: &AdapterStore,
		model: &LlamaConfig,
	) -> Result<Arc<LoraAdapter>> {
		self.clock += 1;
		if let Some((a, used)) = self.entries.get_mut(id) {
			*used = self.clock;
			self.stats.hits += 1;
			return Ok(a.clone());
		}
		let adapter = Arc::new(store.load(id, model)?);
		let size = adapter.memory_bytes();
		if size > self.budget_bytes {
			return Err(Error::InvalidRequest(format!(
				"adapter {id} needs {size} bytes, more than the cache budget of {}",
				self.budget_bytes
			)));
		}
		while self.used + size > self.budget_bytes {
			let Some(victim) = self.entries.iter().min_by_key(|(_, (_, t))| *t).map(|(k, _)| *k)
			else {
				break;
			};
			if let Some((a, _)) = self.entries.remove(&victim) {
				self.used -= a.memory_bytes();
				self.stats.evictions += 1;
			}
		}
		self.stats.misses += 1;
		self.used += size;
		self.entries.insert(*id, (adapter.clone(), self.clock));
		Ok(adapter)
	}

	/// Counters and residency.
	pub fn stats(&self) -> CacheStats {
		CacheStats { resident: self.entries.len(), resident_bytes: self.used, ..self.stats }
	}
}
