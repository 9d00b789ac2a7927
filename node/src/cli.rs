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

/// Whether the node runs its AI service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
	/// Run it.
	On,
	/// Do not: the runtime's AI host functions answer "unavailable" and pallets skip AI work.
	Off,
}

/// Options of the AI service and its OpenAI-compatible endpoint.
#[derive(Debug, Clone, clap::Args)]
pub struct AiParams {
	/// Run the AI service: load the chain's registered base models found in `--models-dir`,
	/// answer offchain workers' AI host functions, serve the OpenAI-compatible endpoint.
	#[arg(long = "ai", value_enum, default_value_t = Switch::On)]
	pub ai: Switch,

	/// Where base model files (GGUF) are looked for; a file is loaded only if its SHA-256 is a
	/// registered, active base model's. Default: `$OPENLEDGER_MODELS`, else
	/// `~/.cache/openledger/models`.
	#[arg(long, value_name = "DIR")]
	pub models_dir: Option<std::path::PathBuf>,

	/// Threads for AI work (engine kernels and job workers). Default: all CPU cores.
	#[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
	pub ai_threads: Option<u32>,

	/// Memory budget of each model's adapter cache, in MiB.
	#[arg(long, value_name = "MIB", default_value_t = 2048, value_parser = clap::value_parser!(u32).range(1..=1_048_576))]
	pub ai_cache_mib: u32,

	/// Memory budget of each model's prompt-prefix cache (keys and values of earlier requests,
	/// reused when a prompt starts the same way), in MiB; 0 turns it off.
	#[arg(long, value_name = "MIB", default_value_t = 256, value_parser = clap::value_parser!(u32).range(0..=1_048_576))]
	pub ai_prefix_cache_mib: u32,

	/// Port of the OpenAI-compatible HTTP endpoint. On by default (8000) with `--dev`; off
	/// elsewhere unless given.
	#[arg(long, value_name = "PORT")]
	pub ai_http_port: Option<u16>,

	/// Address the endpoint binds to. Default 127.0.0.1: set 0.0.0.0 to serve other machines.
	#[arg(long, value_name = "IP", default_value = "127.0.0.1")]
	pub ai_http_addr: std::net::IpAddr,

	/// Origins the endpoint allows for browser requests (CORS), comma-separated, or `*`.
	/// Default: `*` with `--dev`, none elsewhere.
	#[arg(long, value_name = "ORIGINS", value_delimiter = ',')]
	pub ai_http_cors: Option<Vec<String>>,

	/// Most requests the endpoint serves at once; more are answered 503.
	#[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=100_000))]
	pub ai_http_max_requests: u32,
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

	#[clap(flatten)]
	pub ai: AiParams,
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
