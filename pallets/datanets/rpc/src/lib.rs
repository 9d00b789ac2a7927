//! `datanets_*` RPC: read a contribution's bytes back from this node's offchain database, where
//! the runtime put them through offchain indexing, so anyone can audit what a model was trained
//! on. Every answer is checked against the content hash before it is returned.

use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
};
use openledger_primitives::{chunk_hash, chunk_key, content_hash, file_key, FileManifest};
use polkadot_sdk::sp_core::{
	offchain::{OffchainStorage, STORAGE_PREFIX},
	Bytes, H256,
};
use serde::{Deserialize, Serialize};

/// Largest file `datanets_content` returns whole (hex doubles it on the wire); larger files are
/// read chunk by chunk.
pub const MAX_WHOLE_CONTENT: u32 = 4 * 1024 * 1024;

/// Size and chunk count of a stored file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentInfo {
	/// Bytes.
	pub size: u32,
	/// Chunks (`datanets_contentChunk` indexes).
	pub chunks: u32,
}

/// The `datanets` RPC namespace.
#[rpc(server, namespace = "datanets")]
pub trait DatanetsRpc {
	/// Size and chunk count of the contribution with this content hash.
	#[method(name = "contentInfo")]
	fn content_info(&self, hash: H256) -> RpcResult<ContentInfo>;

	/// One chunk of a contribution (chunk hashes are checked by `datanets_content`; a client
	/// reading chunks recomputes the content hash itself).
	#[method(name = "contentChunk")]
	fn content_chunk(&self, hash: H256, index: u32) -> RpcResult<Bytes>;

	/// A whole contribution up to 4 MiB, verified against its content hash.
	#[method(name = "content")]
	fn content(&self, hash: H256) -> RpcResult<Bytes>;
}

/// Error codes of the namespace.
pub mod error {
	/// This node's offchain database does not hold the content.
	pub const NOT_HELD: i32 = 4001;
	/// The stored bytes do not match the content hash.
	pub const CORRUPT: i32 = 4002;
	/// Too large for `datanets_content`.
	pub const TOO_LARGE: i32 = 4003;
	/// Chunk index out of range.
	pub const BAD_INDEX: i32 = 4004;
	/// Offchain storage is not available (the node runs without it).
	pub const UNAVAILABLE: i32 = 4005;
}

fn err(code: i32, msg: impl Into<String>) -> ErrorObjectOwned {
	ErrorObject::owned(code, msg.into(), None::<()>)
}

/// Serves `datanets_*` from an offchain storage.
pub struct Datanets<S> {
	storage: Option<S>,
}

impl<S> Datanets<S> {
	/// `storage` is the node's offchain database (`None` when the backend has none).
	pub fn new(storage: Option<S>) -> Self {
		Self { storage }
	}
}

impl<S: OffchainStorage + 'static> Datanets<S> {
	fn get(&self, key: &[u8]) -> RpcResult<Option<Vec<u8>>> {
		let s = self
			.storage
			.as_ref()
			.ok_or_else(|| err(error::UNAVAILABLE, "this node has no offchain storage"))?;
		Ok(s.get(STORAGE_PREFIX, key))
	}

	fn info(&self, hash: &H256) -> RpcResult<ContentInfo> {
		let raw = self.get(&file_key(&hash.0))?.ok_or_else(|| {
			err(
				error::NOT_HELD,
				format!(
					"this node does not hold contribution {hash:?}: it was never completed or was rejected, \
					 or the node synced without offchain indexing"
				),
			)
		})?;
		let FileManifest { size, chunks } = <FileManifest as codec::Decode>::decode(&mut &raw[..])
			.map_err(|_| err(error::CORRUPT, format!("the manifest of {hash:?} is unreadable")))?;
		Ok(ContentInfo { size, chunks })
	}

	fn chunk(&self, hash: &H256, index: u32) -> RpcResult<Vec<u8>> {
		self.get(&chunk_key(&hash.0, index))?
			.ok_or_else(|| err(error::CORRUPT, format!("chunk {index} of {hash:?} is missing")))
	}
}

impl<S: OffchainStorage + 'static> DatanetsRpcServer for Datanets<S> {
	fn content_info(&self, hash: H256) -> RpcResult<ContentInfo> {
		self.info(&hash)
	}

	fn content_chunk(&self, hash: H256, index: u32) -> RpcResult<Bytes> {
		let info = self.info(&hash)?;
		if index >= info.chunks {
			return Err(err(
				error::BAD_INDEX,
				format!("{hash:?} has {} chunks; {index} is out of range", info.chunks),
			));
		}
		Ok(Bytes(self.chunk(&hash, index)?))
	}

	fn content(&self, hash: H256) -> RpcResult<Bytes> {
		let info = self.info(&hash)?;
		if info.size > MAX_WHOLE_CONTENT {
			return Err(err(
				error::TOO_LARGE,
				format!("{hash:?} is {} bytes; read it with datanets_contentChunk", info.size),
			));
		}
		let mut data = Vec::with_capacity(info.size as usize);
		let mut hashes = Vec::with_capacity(info.chunks as usize);
		for i in 0..info.chunks {
			let c = self.chunk(&hash, i)?;
			hashes.push(chunk_hash(&c));
			data.extend_from_slice(&c);
		}
		if data.len() != info.size as usize || content_hash(info.size, &hashes) != hash.0 {
			return Err(err(
				error::CORRUPT,
				format!("the stored bytes of {hash:?} do not match its hash"),
			));
		}
		Ok(Bytes(data))
	}
}
