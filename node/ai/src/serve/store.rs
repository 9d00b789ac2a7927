//! Content-addressed adapters on disk, hash-checked on every load.

use std::{path::Path, path::PathBuf};

use sha2::Digest;
use sha2::Sha256;

use crate::{config::LlamaConfig, error::Error, error::Result, lora::AdapterId, lora::LoraAdapter};

/// Adapters on disk, named by the SHA-256 of their canonical bytes.
#[derive(Clone, Debug)]
pub struct AdapterStore {
	dir: PathBuf,
}

impl AdapterStore {
	/// Opens (creating if needed) a store directory.
	pub fn open(dir: &Path) -> Result<Self> {
		std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
		Ok(Self { dir: dir.to_path_buf() })
	}

	/// Where adapter `id`'s file is (or would be).
	pub fn path(&self, id: &AdapterId) -> PathBuf {
		self.dir.join(format!("{id}.safetensors"))
	}

	/// Stores an adapter; returns its id. Idempotent.
	pub fn put(&self, adapter: &LoraAdapter, model: &LlamaConfig) -> Result<AdapterId> {
		let bytes = adapter.to_safetensors(model)?;
		let id = adapter.id();
		self.write(&id, &bytes)?;
		Ok(id)
	}

	/// Stores the file bytes of adapter `id` (from another node, the offchain database, an
	/// upload) after checking them: they must hash to `id`, parse as an adapter for `model`, and
	/// be in canonical form. Nothing is written when a check fails. Idempotent.
	pub fn put_bytes(&self, id: &AdapterId, bytes: &[u8], model: &LlamaConfig) -> Result<()> {
		checked(id, bytes, model, || format!("adapter {id}"))?;
		self.write(id, bytes)
	}

	fn write(&self, id: &AdapterId, bytes: &[u8]) -> Result<()> {
		let path = self.path(id);
		if !path.exists() {
			let tmp = self.dir.join(format!(".{id}.tmp"));
			std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
			std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
		}
		Ok(())
	}

	/// Whether the store holds `id`.
	pub fn contains(&self, id: &AdapterId) -> bool {
		self.path(id).is_file()
	}

	/// Loads an adapter, checking the file's hash against its id.
	pub fn load(&self, id: &AdapterId, model: &LlamaConfig) -> Result<LoraAdapter> {
		let path = self.path(id);
		let bytes = match std::fs::read(&path) {
			Ok(b) => b,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
				return Err(Error::InvalidRequest(format!("adapter {id} is not in the store")))
			}
			Err(e) => return Err(Error::io(&path, e)),
		};
		checked(id, &bytes, model, || path.display().to_string())
	}

	/// Ids of every stored adapter, sorted.
	pub fn list(&self) -> Result<Vec<AdapterId>> {
		let mut ids = Vec::new();
		for entry in std::fs::read_dir(&self.dir).map_err(|e| Error::io(&self.dir, e))? {
			let entry = entry.map_err(|e| Error::io(&self.dir, e))?;
			let name = entry.file_name();
			let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".safetensors")) else {
				continue;
			};
			if let Ok(id) = stem.parse::<AdapterId>() {
				ids.push(id);
			}
		}
		ids.sort();
		Ok(ids)
	}
}

/// The adapter in `bytes` if they hash to `id`, parse as an adapter of `model` and are in
/// canonical form; errors name the bytes as `what` says.
fn checked(
	id: &AdapterId,
	bytes: &[u8],
	model: &LlamaConfig,
	what: impl Fn() -> String,
) -> Result<LoraAdapter> {
	let digest: [u8; 32] = Sha256::digest(bytes).into();
	if digest != id.0 {
		return Err(Error::BadAdapter(format!("{}: the bytes do not hash to {id}", what())));
	}
	let adapter = LoraAdapter::from_bytes(bytes, None, model)?;
	if adapter.id() != *id {
		return Err(Error::BadAdapter(format!("{}: not in canonical form", what())));
	}
	Ok(adapter)
}
