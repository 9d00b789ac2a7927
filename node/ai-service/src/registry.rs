//! The base models the chain registers that this node holds: found in the models directory by
//! the SHA-256 of their files, loaded once, each with its own OpenLoRA engine; and the adapter
//! store, filled on demand from the node's offchain database.

use std::{
	collections::{BTreeMap, HashMap},
	path::{Path, PathBuf},
	sync::{Arc, Mutex, OnceLock, RwLock},
	time::SystemTime,
};

use codec::Decode;
use openledger_ai::{
	serve::{AdapterStore, Engine, ServeConfig},
	AdapterId, Model,
};
use openledger_ai_primitives::{adapter_offchain_key, AdapterFile, AdapterHash, WeightsHash};
use openledger_primitives::ModelId;
use polkadot_sdk::sp_core::offchain::{OffchainStorage, STORAGE_PREFIX};

use crate::error::{Error, Result};

/// An active base model as the chain registers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainModel {
	/// On-chain id.
	pub id: ModelId,
	/// SHA-256 of the weights file.
	pub weights_hash: WeightsHash,
	/// Registered name.
	pub name: String,
	/// Registered context window.
	pub context_length: u32,
}

/// An active derived model (a LoRA adapter) as the chain registers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainAdapter {
	/// Its id: the SHA-256 of the adapter file.
	pub id: AdapterHash,
	/// The base model it adapts.
	pub base: ModelId,
	/// Its owner (who requested the fine-tune), as the chain prints accounts.
	pub owner: String,
	/// Price of 1,000 generated tokens, in planck.
	pub price_per_1k_tokens: u128,
}

/// A model a request can name: a base model, or an adapter over one.
#[derive(Clone)]
pub struct Target {
	/// The base model that runs it.
	pub model: Arc<LoadedModel>,
	/// The adapter applied on top, if any.
	pub adapter: Option<ChainAdapter>,
}

impl Target {
	/// The id requests name it by: the base model's decimal id, or `0x` and the adapter hash.
	pub fn id(&self) -> String {
		match &self.adapter {
			Some(a) => format!("0x{}", AdapterId(a.id)),
			None => self.model.chain.id.to_string(),
		}
	}
}

/// A loaded base model and its engine.
pub struct LoadedModel {
	/// What the chain says about it.
	pub chain: ChainModel,
	/// A readable alias accepted wherever the id is: the name in lower case, runs of other
	/// characters turned into `-` (`SmolLM2-135M-Instruct Q4_1` → `smollm2-135m-instruct-q4-1`).
	pub alias: String,
	/// The file it was loaded from.
	pub path: PathBuf,
	/// The model (weights and tokenizer).
	pub model: Arc<Model>,
	/// Its OpenLoRA engine: every request on this base goes through it, so concurrent
	/// requests share its cross-adapter batches.
	pub engine: Engine,
}

impl LoadedModel {
	/// The usable context window: the smaller of the registered and the file's.
	pub fn context_length(&self) -> usize {
		(self.chain.context_length as usize).min(self.model.config.max_position_embeddings)
	}
}

/// The alias of a model name.
pub fn alias(name: &str) -> String {
	let mut out = String::new();
	for c in name.chars() {
		if c.is_ascii_alphanumeric() {
			out.push(c.to_ascii_lowercase());
		} else if !out.ends_with('-') && !out.is_empty() {
			out.push('-');
		}
	}
	while out.ends_with('-') {
		out.pop();
	}
	out
}

/// What a [`Registry::sync`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
	/// Models loaded by this sync.
	pub loaded: Vec<ModelId>,
	/// Models dropped (retired on chain).
	pub dropped: Vec<ModelId>,
	/// Registered models with no matching file in the models directory.
	pub missing: Vec<ModelId>,
	/// Files that matched a registered hash but failed to load, with why.
	pub failed: Vec<(PathBuf, String)>,
}

type FileStamp = (u64, Option<SystemTime>);

/// Where adapter files that the store lacks come from.
pub trait AdapterSource: Send + Sync {
	/// The bytes kept for adapter `hash`, unchecked; `None` when there are none.
	fn adapter_bytes(&self, hash: &AdapterHash) -> Option<Vec<u8>>;
	/// The value the offchain database keeps under `key` (contribution manifests and chunks,
	/// which fine-tunes read); `None` when there is none or no database.
	fn offchain_value(&self, _key: &[u8]) -> Option<Vec<u8>> {
		None
	}
}

/// Adapter files in a node's offchain database: the persistent storage that offchain indexing
/// writes. Under [`adapter_offchain_key`] the runtime indexes an uploaded adapter's
/// [`AdapterFile`]; its chunks are in the datanets' layout.
pub struct OffchainAdapters<S>(pub S);

impl<S: OffchainStorage> AdapterSource for OffchainAdapters<S> {
	fn adapter_bytes(&self, hash: &AdapterHash) -> Option<Vec<u8>> {
		let raw = self.0.get(STORAGE_PREFIX, &adapter_offchain_key(hash))?;
		let file = AdapterFile::decode(&mut &raw[..]).ok()?;
		crate::fine_tune::file_bytes(&|k| self.0.get(STORAGE_PREFIX, k), &file.content, file.size)
	}

	fn offchain_value(&self, key: &[u8]) -> Option<Vec<u8>> {
		self.0.get(STORAGE_PREFIX, key)
	}
}

/// The models directory and the models loaded from it.
pub struct Registry {
	dir: PathBuf,
	serve: ServeConfig,
	adapters: AdapterStore,
	checkpoints: PathBuf,
	source: OnceLock<Arc<dyn AdapterSource>>,
	/// SHA-256 of each file seen, keyed by path and checked again when its size or mtime moves.
	hashes: Mutex<HashMap<PathBuf, (FileStamp, WeightsHash)>>,
	loaded: RwLock<BTreeMap<ModelId, Arc<LoadedModel>>>,
	/// The chain's active adapters, by id.
	chain_adapters: RwLock<BTreeMap<AdapterHash, ChainAdapter>>,
}

impl Registry {
	/// A registry over `dir` (created if missing); adapters live in `adapters`, training
	/// checkpoints in `checkpoints` (both created if missing).
	pub fn new(
		dir: &Path,
		adapters: &Path,
		checkpoints: &Path,
		serve: ServeConfig,
	) -> Result<Self> {
		for d in [dir, checkpoints] {
			std::fs::create_dir_all(d).map_err(|e| Error::Io { path: d.into(), source: e })?;
		}
		Ok(Self {
			dir: dir.to_path_buf(),
			serve,
			adapters: AdapterStore::open(adapters)?,
			checkpoints: checkpoints.to_path_buf(),
			source: OnceLock::new(),
			hashes: Mutex::new(HashMap::new()),
			loaded: RwLock::new(BTreeMap::new()),
			chain_adapters: RwLock::new(BTreeMap::new()),
		})
	}

	/// The models directory.
	pub fn dir(&self) -> &Path {
		&self.dir
	}

	/// The adapter store.
	pub fn adapters(&self) -> &AdapterStore {
		&self.adapters
	}

	/// Where training checkpoints are kept, as `<hex sha-256>.safetensors`.
	pub fn checkpoints_dir(&self) -> &Path {
		&self.checkpoints
	}

	/// Where [`Registry::ensure_adapter`] finds adapters the store lacks (set once, at start;
	/// a later call is ignored).
	pub fn set_adapter_source(&self, source: Arc<dyn AdapterSource>) {
		let _ = self.source.set(source);
	}

	/// The checked bytes of training contribution `item` from the offchain database (see
	/// [`crate::fine_tune::contribution_bytes`]).
	pub fn offchain_bytes(&self, item: &openledger_primitives::TrainingItem) -> Option<Vec<u8>> {
		let source = self.source.get()?;
		crate::fine_tune::contribution_bytes(&|k| source.offchain_value(k), item)
	}

	/// The checked bytes of an uploaded file (a checkpoint) from the offchain database (see
	/// [`crate::fine_tune::file_bytes`]).
	pub fn offchain_file(
		&self,
		hash: &openledger_primitives::ContentHash,
		size: u32,
	) -> Option<Vec<u8>> {
		let source = self.source.get()?;
		crate::fine_tune::file_bytes(&|k| source.offchain_value(k), hash, size)
	}

	/// Makes sure the store holds adapter `id` for `model`: copies it from the adapter source
	/// when it is missing there, after checking that the bytes hash to `id` and parse as an
	/// adapter of `model` (bad bytes are logged and never stored). Whether the store has it.
	pub fn ensure_adapter(&self, id: &AdapterId, model: &LoadedModel) -> bool {
		if self.adapters.contains(id) {
			return true;
		}
		let Some(bytes) = self.source.get().and_then(|s| s.adapter_bytes(&id.0)) else {
			return false;
		};
		match self.adapters.put_bytes(id, &bytes, &model.model.config) {
			Ok(()) => {
				log::info!(target: crate::LOG_TARGET, "adapter {id}: copied from the offchain database into the store");
				true
			}
			Err(e) => {
				log::warn!(target: crate::LOG_TARGET, "adapter {id} in the offchain database refused: {e}");
				false
			}
		}
	}

	/// Brings the loaded set in line with the chain's active base models: loads every
	/// registered model whose file is in the directory (hash checked), drops the ones no longer
	/// registered. Blocking (hashing and loading take seconds): call it off the async executor.
	pub fn sync(&self, chain: &[ChainModel]) -> Result<SyncReport> {
		let mut report = SyncReport::default();
		let wanted: BTreeMap<ModelId, &ChainModel> = chain.iter().map(|m| (m.id, m)).collect();
		{
			let mut loaded = self.loaded.write().unwrap_or_else(|e| e.into_inner());
			let stale: Vec<ModelId> = loaded
				.iter()
				.filter(|(id, m)| wanted.get(id).is_none_or(|c| **c != m.chain))
				.map(|(id, _)| *id)
				.collect();
			for id in stale {
				loaded.remove(&id);
				report.dropped.push(id);
			}
		}
		let missing: Vec<&ChainModel> = {
			let loaded = self.loaded.read().unwrap_or_else(|e| e.into_inner());
			wanted.values().filter(|m| !loaded.contains_key(&m.id)).copied().collect()
		};
		if missing.is_empty() {
			return Ok(report);
		}
		let files = self.hash_files()?;
		for m in missing {
			let Some(path) = files.get(&m.weights_hash) else {
				report.missing.push(m.id);
				continue;
			};
			match Model::load_gguf(path, &candle_core::Device::Cpu) {
				Ok(model) => {
					let model = Arc::new(model);
					let engine =
						Engine::start(model.clone(), self.adapters.clone(), self.serve.clone());
					let entry = LoadedModel {
						alias: alias(&m.name),
						chain: m.clone(),
						path: path.clone(),
						model,
						engine,
					};
					self.loaded
						.write()
						.unwrap_or_else(|e| e.into_inner())
						.insert(m.id, Arc::new(entry));
					report.loaded.push(m.id);
				}
				Err(e) => report.failed.push((path.clone(), e.to_string())),
			}
		}
		Ok(report)
	}

	/// SHA-256 → path of every `*.gguf` file in the directory (each file hashed once per
	/// size and mtime).
	fn hash_files(&self) -> Result<HashMap<WeightsHash, PathBuf>> {
		let io = |e| Error::Io { path: self.dir.clone(), source: e };
		let mut out = HashMap::new();
		let mut hashes = self.hashes.lock().unwrap_or_else(|e| e.into_inner());
		for entry in std::fs::read_dir(&self.dir).map_err(io)? {
			let path = entry.map_err(io)?.path();
			if path.extension().and_then(|e| e.to_str()) != Some("gguf") {
				continue;
			}
			let Ok(meta) = std::fs::metadata(&path) else { continue };
			if !meta.is_file() {
				continue;
			}
			let stamp = (meta.len(), meta.modified().ok());
			let hash = match hashes.get(&path) {
				Some((s, h)) if *s == stamp => *h,
				_ => {
					let (hex, _) = openledger_ai::loader::gguf::file_sha256(&path)?;
					let Some(h) = parse_hash(&hex) else { continue };
					hashes.insert(path.clone(), (stamp, h));
					h
				}
			};
			out.insert(hash, path);
		}
		Ok(out)
	}

	/// Replaces the list of the chain's active adapters; returns the ones this node serves
	/// (their base is loaded) that were not in the list before, so the caller can bring their
	/// files into the store ([`Registry::ensure_adapter`]) ahead of the first request.
	pub fn set_chain_adapters(&self, adapters: Vec<ChainAdapter>) -> Vec<ChainAdapter> {
		let mut known = self.chain_adapters.write().unwrap_or_else(|e| e.into_inner());
		let fresh: Vec<ChainAdapter> = adapters
			.iter()
			.filter(|a| !known.contains_key(&a.id) && self.find_base(a.base).is_some())
			.cloned()
			.collect();
		*known = adapters.into_iter().map(|a| (a.id, a)).collect();
		fresh
	}

	/// The chain's active adapters whose base model is loaded, by id.
	pub fn served_adapters(&self) -> Vec<Target> {
		let known = self.chain_adapters.read().unwrap_or_else(|e| e.into_inner());
		known
			.values()
			.filter_map(|a| {
				self.find_base(a.base).map(|model| Target { model, adapter: Some(a.clone()) })
			})
			.collect()
	}

	/// What a request's `model` names: a base model by id or alias, or an active adapter by
	/// its hash (64 hex digits, `0x` optional) whose base model is loaded.
	pub fn target(&self, name: &str) -> Option<Target> {
		if let Some(hash) = parse_hash(name) {
			let adapter = self
				.chain_adapters
				.read()
				.unwrap_or_else(|e| e.into_inner())
				.get(&hash)
				.cloned()?;
			let model = self.find_base(adapter.base)?;
			return Some(Target { model, adapter: Some(adapter) });
		}
		self.find(name).map(|model| Target { model, adapter: None })
	}

	/// A loaded base model by on-chain id.
	pub fn find_base(&self, id: ModelId) -> Option<Arc<LoadedModel>> {
		self.loaded.read().unwrap_or_else(|e| e.into_inner()).get(&id).cloned()
	}

	/// A loaded model by on-chain id (decimal) or alias.
	pub fn find(&self, name: &str) -> Option<Arc<LoadedModel>> {
		let loaded = self.loaded.read().unwrap_or_else(|e| e.into_inner());
		if let Ok(id) = name.parse::<ModelId>() {
			return loaded.get(&id).cloned();
		}
		loaded.values().find(|m| m.alias == name).cloned()
	}

	/// A loaded model by weights hash.
	pub fn by_hash(&self, hash: &WeightsHash) -> Option<Arc<LoadedModel>> {
		let loaded = self.loaded.read().unwrap_or_else(|e| e.into_inner());
		loaded.values().find(|m| m.chain.weights_hash == *hash).cloned()
	}

	/// Every loaded model, by id.
	pub fn list(&self) -> Vec<Arc<LoadedModel>> {
		self.loaded.read().unwrap_or_else(|e| e.into_inner()).values().cloned().collect()
	}
}

/// A 32-byte hash from 64 hex digits.
pub fn parse_hash(hex: &str) -> Option<[u8; 32]> {
	let hex = hex.strip_prefix("0x").unwrap_or(hex);
	if hex.len() != 64 {
		return None;
	}
	let mut out = [0u8; 32];
	for (i, byte) in out.iter_mut().enumerate() {
		*byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
	}
	Some(out)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn aliases_are_readable() {
		assert_eq!(alias("SmolLM2-135M-Instruct Q4_1"), "smollm2-135m-instruct-q4-1");
		assert_eq!(alias("  A  b!"), "a-b");
	}

	#[test]
	fn hashes_parse_from_hex() {
		let h = parse_hash(openledger_ai::DEFAULT_MODEL_SHA256);
		assert_eq!(h.map(|h| h[0]), Some(0xb1));
		assert_eq!(parse_hash("0x12"), None);
		assert_eq!(parse_hash(&"zz".repeat(32)), None);
	}
}
