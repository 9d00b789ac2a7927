//! The chain as the endpoint's metering reads it ([`ChainView`]): runtime APIs at the best
//! block, and this node's agent keys from its keystore.

use std::sync::Arc;

use codec::{Decode, Encode};
use openledger_ai_service::billing::{Account, AgentListing, ApiVoucher, ChainView, Snapshot};
use openledger_primitives::ServedModel;
use openledger_runtime::{opaque::Block, AccountId};
use pallet_agents_runtime_api::AgentsApi;
use pallet_inference_runtime_api::InferenceApi;
use polkadot_sdk::{
	sp_api::ProvideRuntimeApi, sp_blockchain::HeaderBackend, sp_keystore::KeystorePtr,
};

use super::FullClient;

/// The node's [`ChainView`].
pub struct NodeChain {
	pub client: Arc<FullClient>,
	pub keystore: KeystorePtr,
}

fn account(a: &Account) -> AccountId {
	AccountId::new(*a)
}

impl NodeChain {
	fn best(&self) -> <Block as polkadot_sdk::sp_runtime::traits::Block>::Hash {
		self.client.info().best_hash
	}
}

impl ChainView for NodeChain {
	fn best_block(&self) -> Result<u32, String> {
		Ok(self.client.info().best_number)
	}

	fn agents(&self) -> Vec<Account> {
		let hash = self.best();
		self.keystore
			.sr25519_public_keys(pallet_agents::crypto::KEY_TYPE)
			.into_iter()
			.filter_map(|k| {
				let key = pallet_agents::crypto::AgentId::from(k);
				let view = self.client.runtime_api().agent_by_key(hash, key).ok()??;
				Some(view.owner.into())
			})
			.collect()
	}

	fn signed_by_user(&self, v: &ApiVoucher) -> Result<bool, String> {
		// the runtime's voucher has the same SCALE encoding, with `AccountId32` accounts
		let voucher =
			Decode::decode(&mut v.voucher.encode().as_slice()).map_err(|e| e.to_string())?;
		self.client
			.runtime_api()
			.check_voucher(self.best(), voucher, v.signature.clone())
			.map_err(|e| format!("cannot check the voucher: {e}"))
	}

	fn snapshot(&self, user: &Account, nonce: u64) -> Result<Snapshot, String> {
		let info = self.client.info();
		let api = self.client.runtime_api();
		let read = |e: polkadot_sdk::sp_api::ApiError| format!("cannot read inference state: {e}");
		let credit = api.credit(info.best_hash, account(user)).map_err(read)?;
		let state = api.voucher(info.best_hash, account(user), nonce).map_err(read)?;
		Ok(Snapshot {
			block: info.best_number,
			credit: credit.map_or(0, |c| c.held),
			spent: state.as_ref().map_or(0, |s| s.spent),
			last_request: state.and_then(|s| s.last_request),
		})
	}

	fn price(&self, model: &ServedModel) -> Result<Option<u128>, String> {
		self.client
			.runtime_api()
			.price(self.best(), *model)
			.map(|p| p.map(|p| p.per_1k_tokens))
			.map_err(|e| format!("cannot read the model's price: {e}"))
	}

	fn max_completion_tokens(&self) -> u32 {
		self.client.runtime_api().limits(self.best()).map_or(0, |(_, tokens)| tokens)
	}

	fn serving_agents(&self, base: u64) -> Vec<AgentListing> {
		let hash = self.best();
		let api = self.client.runtime_api();
		let Ok(eligible) = api.eligible(hash, pallet_agents::Capability::Serve, base) else {
			return Vec::new();
		};
		eligible
			.into_iter()
			.filter_map(|who| {
				let a = api.agent(hash, who).ok()??;
				Some(AgentListing {
					account: a.owner.into(),
					endpoint: String::from_utf8_lossy(&a.endpoint).into_owned(),
					bond: a.bond,
					strikes: a.strikes,
					checks_passed: a.metrics.verifications_passed,
					checks_failed: a.metrics.verifications_failed,
				})
			})
			.collect()
	}
}
