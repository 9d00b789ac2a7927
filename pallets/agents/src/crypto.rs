//! The agent signing key: sr25519 under key type `agnt`, kept in the agent node's keystore
//! (`author_insertKey("agnt", …)`), so its offchain worker can sign the agent's work. Runtimes
//! use [`AgentId`] as [`Config::AgentKey`](crate::Config::AgentKey).

use polkadot_sdk::polkadot_sdk_frame::deps::sp_runtime::KeyTypeId;

/// The keystore key type of agent keys.
pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"agnt");

mod app {
	use super::KEY_TYPE;
	use polkadot_sdk::polkadot_sdk_frame::deps::sp_runtime::app_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, KEY_TYPE);
}

/// An agent's public key.
pub type AgentId = app::Public;
/// An agent's signature.
pub type AgentSignature = app::Signature;
