//! `openledger-eth-rpc`: the Ethereum JSON-RPC server for an OpenLedger node.
//!
//! It is `pallet-revive-eth-rpc`'s server, unchanged: it connects to the node's Substrate RPC
//! over WebSocket (`--node-rpc-url`, default `ws://127.0.0.1:9944`) and serves Ethereum
//! JSON-RPC (default port 8545). `scripts/dev` starts it next to the node.

use pallet_revive_eth_rpc::cli;

fn main() -> anyhow::Result<()> {
	let cmd = cli::CliCommand::parse_cli()?;
	cli::run(cmd)
}
