//! Dispatch of `openledger-node` commands.

use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	service::{self, BlockProduction},
};
use polkadot_sdk::{
	sc_cli::{self, Database, DatabaseParams, SubstrateCli},
	sc_service::{self, PartialComponents},
};

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"OpenLedger Node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://openledger.invalid/openledger-node/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		chain_spec::load(id)
	}
}

/// ParityDB is the default database of OpenLedger nodes; `--database rocksdb` still works.
fn default_to_paritydb(params: &mut DatabaseParams) {
	if params.database.is_none() {
		params.database = Some(Database::ParityDb);
	}
}

/// Parse and run command line arguments.
pub fn run() -> sc_cli::Result<()> {
	let mut cli = Cli::from_args();

	match &mut cli.subcommand {
		Some(Subcommand::CheckBlock(cmd)) => {
			default_to_paritydb(&mut cmd.import_params.database_params)
		}
		Some(Subcommand::ImportBlocks(cmd)) => {
			default_to_paritydb(&mut cmd.import_params.database_params)
		}
		Some(Subcommand::ExportBlocks(cmd)) => default_to_paritydb(&mut cmd.database_params),
		Some(Subcommand::ExportState(cmd)) => default_to_paritydb(&mut cmd.database_params),
		Some(Subcommand::PurgeChain(cmd)) => default_to_paritydb(&mut cmd.database_params),
		Some(Subcommand::Revert(cmd)) => default_to_paritydb(&mut cmd.database_params),
		Some(Subcommand::ChainInfo(cmd)) => default_to_paritydb(&mut cmd.database_params),
		Some(_) => {}
		None => {
			default_to_paritydb(&mut cli.node.run.import_params.database_params);
			if cli.node.run.shared_params.is_dev() {
				quiet_dev_console(&mut cli.node.run.shared_params.log);
			}
		}
	}

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		}
		Some(Subcommand::ExportChainSpec(cmd)) => {
			let chain_spec = cli.load_spec(&cmd.chain)?;
			cmd.run(chain_spec)
		}
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		}
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		}
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		}
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		}
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		}
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config)?;
				let aux_revert = Box::new(|client, _, blocks| {
					polkadot_sdk::sc_consensus_grandpa::revert(client, blocks)?;
					Ok(())
				});
				Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
			})
		}
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<openledger_runtime::opaque::Block>(&config))
		}
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(cmd)) => benchmark(&cli, cmd),
		None => {
			let runner = cli.create_runner(&cli.node.run)?;
			let production = if cli.node.run.shared_params.is_dev() {
				BlockProduction::Dev {
					sealing: cli.node.sealing,
					block_time_ms: cli.node.dev_block_time,
				}
			} else {
				BlockProduction::AuraGrandpa
			};
			runner.run_node_until_exit(|mut config| async move {
				// Contribution and model bytes reach every node through offchain indexing
				// (`docs/architecture.md`, "Data and model bytes"), so it is always on.
				config.offchain_worker.indexing_enabled = true;
				service::new_full(config, production, &cli.node.ai).map_err(sc_cli::Error::Service)
			})
		}
	}
}

/// A `--dev` chain seals a block every second, and three info lines per block ("Prepared
/// block…", "Consensus with no RPC sender success…", "Imported #…") would scroll the start-up
/// banner and real warnings away in seconds. Those targets drop to `warn` (the dev status
/// task prints one line every few seconds instead); the user's own `-l` directives come after
/// these and win.
fn quiet_dev_console(log: &mut Vec<String>) {
	let quiet = ["sc_basic_authorship=warn", "sc_consensus_manual_seal=warn", "substrate=warn"];
	log.splice(0..0, quiet.iter().map(|d| d.to_string()));
}

/// `benchmark pallet` (weights of the runtime's pallets, measured in the runtime's Wasm) and
/// `benchmark machine` (this computer against the reference validator hardware).
#[cfg(feature = "runtime-benchmarks")]
fn benchmark(
	cli: &Cli,
	cmd: &polkadot_sdk::frame_benchmarking_cli::BenchmarkCmd,
) -> sc_cli::Result<()> {
	use polkadot_sdk::{
		frame_benchmarking_cli::{BenchmarkCmd, SUBSTRATE_REFERENCE_HARDWARE},
		sp_runtime::traits::HashingFor,
	};
	match cmd {
		BenchmarkCmd::Pallet(cmd) => {
			let chain = cmd.shared_params.chain.as_ref().map(|id| cli.load_spec(id)).transpose()?;
			// The runtime imports the AI host functions; the benchmark executor must offer them.
			cmd.run_with_spec::<
				HashingFor<openledger_runtime::opaque::Block>,
				openledger_ai_primitives::HostFunctions,
			>(chain)
		}
		BenchmarkCmd::Machine(cmd) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(&config, SUBSTRATE_REFERENCE_HARDWARE.clone()))
		}
		_ => Err("openledger-node supports `benchmark pallet` and `benchmark machine`".into()),
	}
}
