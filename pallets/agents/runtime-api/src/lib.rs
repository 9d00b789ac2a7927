//! Runtime API of the Agents pallet: what agent nodes, wallets, explorers and the work pallets'
//! clients read.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
use pallet_agents::{AgentView, Capability, ModelId, Params};

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Read access to the agents registry.
	pub trait AgentsApi<AccountId, AgentKey, Balance, BlockNumber>
	where
		AccountId: Codec,
		AgentKey: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// One agent, by owner account.
		fn agent(owner: AccountId) -> Option<AgentView<AccountId, AgentKey, Balance, BlockNumber>>;
		/// The agent registered with a signing key.
		fn agent_by_key(key: AgentKey) -> Option<AgentView<AccountId, AgentKey, Balance, BlockNumber>>;
		/// Every agent, sorted by owner.
		fn agents() -> Vec<AgentView<AccountId, AgentKey, Balance, BlockNumber>>;
		/// The agents that may take `capability` work on base model `model` now, sorted.
		fn eligible(capability: Capability, model: ModelId) -> Vec<AccountId>;
		/// The governance-set parameters.
		fn parameters() -> Params<Balance, BlockNumber>;
	}
}
