//! Command-line interface of `openledger-node`.

use polkadot_sdk::{sc_cli, sc_cli::RunCmd};

/// How `--dev` mode produces blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Sealing {
	/// Seal a block every `--dev-block-time` milliseconds, finalized at once (default).
	Interval,
	/// Seal a block as soon as a transaction enters the pool, and an empty one every
	/// `--dev-block-time` milliseconds while idle; finalized at once.
	Instant,
}

/// Options of the default command (running a node).
#[derive(Debug, clap::Parser)]
pub struct NodeCmd {
	#[clap(flatten)]
	pub run: RunCmd,

	/// Block production of a `--dev` chain: `interval` (one block every `--dev-block-time`
	/// milliseconds) or `instant` (one block per transaction). Ignored without `--dev`; a real
	/// network always runs Aura + GRANDPA.
	#[arg(long, value_enum, default_value_t = Sealing::Interval)]
	pub sealing: Sealing,

	/// Milliseconds between blocks of a `--dev` chain (with `--sealing instant`, between blocks
	/// when no transaction arrives).
	#[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(100..=60_000))]
	pub dev_block_time: u64,
}

/// The `openledger-node` command line.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub node: NodeCmd,
}

/// Subcommands of `openledger-node`.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant, reason = "parsed once at start-up")]
pub enum Subcommand {
	/// Key management: generate, inspect and insert keys.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated upstream in favour of `export-chain-spec`).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification of the chain given with `--chain`.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Db meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Runtime benchmarks (`benchmark pallet` writes a pallet's `weights.rs`). Only in a node
	/// built with `--features runtime-benchmarks`; see `scripts/weights`.
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(polkadot_sdk::frame_benchmarking_cli::BenchmarkCmd),
}
