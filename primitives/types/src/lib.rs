//! # OpenLedger primitives
//!
//! The protocol that more than one layer of OpenLedger speaks — the runtime, the node, the AI
//! engine and the client tools — defined once:
//!
//! - ids: [`DatanetId`], [`ContributionId`], [`UploadId`], [`Version`], [`ModelId`];
//! - content: [`ContentHash`], [`content_hash`] and the streaming [`ContentHasher`], the
//!   [`FileManifest`] a completed file leaves in the offchain database, and the offchain keys
//!   ([`chunk_key`], [`file_key`]) under which every node keeps contribution bytes;
//! - attribution: [`Attribution`] (contributions with their [`Perbill`] share) and
//!   [`normalize_ppb`], integer-only, so every validator gets the same bytes;
//! - money: [`FeeSplit`] and [`FeeSplit::divide`], which never creates or loses a planck;
//! - fine-tunes: [`HyperParams`] with their limits, the licence rule for training data and the
//!   [`TrainingData`] trait through which `pallet-models` reads datanet versions;
//! - agents: [`Capability`], [`Outcome`], [`Fault`] and the [`AgentRegistry`] and [`AgentKeys`]
//!   traits through which the pallets that assign AI work reach `pallet-agents`;
//! - paid inference: [`ServedModel`], [`ModelPrice`] and the [`ModelPrices`] trait through
//!   which `pallet-inference` reads `pallet-models`' prices.
//!
//! `no_std`, no floats, no panics: everything here is consensus code.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod agents;
pub mod attribution;
pub mod content;
pub mod fee;
pub mod fine_tune;
pub mod inference;

pub use agents::{AgentKeys, AgentRegistry, Capability, Fault, Outcome};
pub use attribution::{normalize_ppb, Attribution};
pub use content::{
	chunk_hash, chunk_key, content_hash, content_hash_of, file_key, ContentHash, ContentHasher,
	FileManifest, CONTENT_HASH_DOMAIN,
};
pub use fee::FeeSplit;
pub use fine_tune::{
	checkpoint_count, checkpoint_interval, checkpoint_step, licence_permits_paid_training,
	BadHyperParam, DataVersion, HyperParams, LicenceBar, TrainingData, TrainingItem,
};
pub use inference::{
	ModelPrice, ModelPrices, ServedModel, SignedVoucher, Voucher, VoucherSignature, API_KEY_PREFIX,
};
pub use sp_arithmetic::Perbill;

/// Datanet identifier (sequential).
pub type DatanetId = u32;
/// Contribution identifier (sequential, global).
pub type ContributionId = u64;
/// Chunked-upload identifier (sequential, global).
pub type UploadId = u64;
/// A datanet version (0 before the first accepted batch).
pub type Version = u32;
/// Model identifier (sequential, global): base models and fine-tuned adapters alike.
pub type ModelId = u64;
