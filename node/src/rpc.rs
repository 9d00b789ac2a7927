//! Node-specific RPC methods, added to the standard Substrate RPC server.
//!
//! Ethereum JSON-RPC is served by `openledger-eth-rpc`, a separate process that talks to this
//! node over WebSocket.

use std::sync::Arc;

use jsonrpsee::RpcModule;
use openledger_runtime::{opaque::Block, AccountId, Balance, Nonce};
use polkadot_sdk::{
	pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer},
	sc_transaction_pool_api::TransactionPool,
	sp_api::ProvideRuntimeApi,
	sp_block_builder::BlockBuilder,
	sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata},
	substrate_frame_rpc_system::{System, SystemApiServer},
};

/// Full client dependencies.
pub struct FullDeps<C, P, S> {
	/// The client instance to use.
	pub client: Arc<C>,
	/// Transaction pool instance.
	pub pool: Arc<P>,
	/// The offchain database (contribution bytes written by offchain indexing).
	pub offchain: Option<S>,
	/// The AI service's fine-tune progress (`None` with `--ai off`).
	pub training: Option<Arc<openledger_ai_service::progress::ProgressHub>>,
}

/// Instantiate all full RPC extensions.
pub fn create_full<C, P, S>(
	deps: FullDeps<C, P, S>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>,
	C: HeaderBackend<Block> + HeaderMetadata<Block, Error = BlockChainError> + 'static,
	C: Send + Sync + 'static,
	C::Api: polkadot_sdk::substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api:
		polkadot_sdk::pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: BlockBuilder<Block>,
	P: TransactionPool + 'static,
	S: polkadot_sdk::sp_core::offchain::OffchainStorage + 'static,
{
	use pallet_datanets_rpc::{Datanets, DatanetsRpcServer};
	let mut module = RpcModule::new(());
	let FullDeps { client, pool, offchain, training } = deps;

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client).into_rpc())?;
	module.merge(Datanets::new(offchain).into_rpc())?;
	module.merge(crate::training_rpc::TrainingRpcServer::into_rpc(
		crate::training_rpc::Training::new(training),
	))?;

	Ok(module)
}
