//! Runtime API of the Models pallet: what the node's AI service, wallets and explorers read.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
use pallet_models::{AdapterHash, BaseModelView, DatanetId, JobId, ModelId, ModelRef, Version};
use polkadot_sdk::sp_runtime::DispatchError;

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
		/// The derived models (LoRA adapters) of base model `base`, any status.
		fn adapters(base: ModelId) -> Vec<(AdapterHash, Adapter)>;
		/// A derived model's lineage: each generation (the model, its parent, …) with the
		/// datanet versions it trained on and their exact contribution ids, and every
		/// contribution the model learned from; `None` for an unknown adapter.
		fn lineage(hash: AdapterHash) -> Option<pallet_models::LineageView>;
		/// What each validator's node last announced it serves: (authority, models, block).
		fn servers() -> Vec<(AuthorityId, Vec<ModelId>, BlockNumber)>;
	}

	/// Read access to ModelFactory's fine-tune jobs.
	pub trait FineTuneApi<Balance, Job, Commitment, Params>
	where
		Balance: Codec,
		Job: Codec,
		Commitment: Codec,
		Params: Codec,
	{
		/// What `request_fine_tune` with these arguments would hold now, or the module error it
		/// would fail with (decode it with the metadata).
		fn quote(
			model: ModelRef,
			datanets: Vec<(DatanetId, Version)>,
			params: pallet_models::HyperParams,
		) -> Result<Balance, DispatchError>;
		/// One job.
		fn job(id: JobId) -> Option<Job>;
		/// Jobs with ids from `start`, at most `limit` (capped at 256).
		fn jobs(start: JobId, limit: u32) -> Vec<(JobId, Job)>;
		/// What a delivered job's trainer committed.
		fn commitment(id: JobId) -> Option<Commitment>;
		/// The fine-tune terms in force.
		fn parameters() -> Params;
	}
}
