//! Runtime API of the Models pallet: what the node's AI service, wallets and explorers read.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
use pallet_models::{AdapterHash, BaseModelView, ModelId};

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Read access to the model registry.
	pub trait ModelsApi<BlockNumber, Adapter, AuthorityId>
	where
		BlockNumber: Codec,
		Adapter: Codec,
		AuthorityId: Codec,
	{
		/// Every base model, active and retired, by id.
		fn base_models() -> Vec<BaseModelView<BlockNumber>>;
		/// One base model.
		fn base_model(id: ModelId) -> Option<BaseModelView<BlockNumber>>;
		/// One derived model (LoRA adapter), by the hash of its bytes.
		fn adapter(hash: AdapterHash) -> Option<Adapter>;
		/// What each validator's node last announced it serves: (authority, models, block).
		fn servers() -> Vec<(AuthorityId, Vec<ModelId>, BlockNumber)>;
	}
}
