//! `openledger-node`: the OpenLedger validator and full node.

// Node code is `std` and runs no consensus arithmetic; unwrap/expect stay denied (no panics on
// user input), overflow and indexing lints are for the runtime crates.
#![allow(
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing,
	reason = "std node code; see the workspace lint policy in Cargo.toml"
)]
#![allow(
	clippy::result_large_err,
	reason = "sc_cli::Error and sc_service::Error are polkadot-sdk's types, which its Runner and service builders require"
)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;
mod training_rpc;

fn main() -> polkadot_sdk::sc_cli::Result<()> {
	command::run()
}
