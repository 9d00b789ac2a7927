//! Chain specifications: `dev` and `local` from the runtime's genesis presets, or a JSON file.

use openledger_runtime::{
	genesis_config_presets::LOCAL_TESTNET_RUNTIME_PRESET, SS58_PREFIX, TOKEN_DECIMALS,
	TOKEN_SYMBOL, WASM_BINARY,
};
use polkadot_sdk::{
	sc_chain_spec::{ChainType, Properties},
	sc_service,
	sp_genesis_builder::DEV_RUNTIME_PRESET,
};

/// The chain specification type of OpenLedger networks (no node-side extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

/// `system_properties`: what wallets and polkadot-js Apps display for the native token.
pub fn properties() -> Properties {
	let mut p = Properties::new();
	p.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	p.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	p.insert("ss58Format".into(), SS58_PREFIX.into());
	p
}

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"the runtime wasm was not built (was SKIP_WASM_BUILD set when building the node?)"
			.to_string()
	})
}

/// The single-validator development chain (`--dev`, `--chain dev`).
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("OpenLedger Development")
		.with_id("openledger_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// The two-validator local network (`--chain local`): Alice and Bob.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("OpenLedger Local Testnet")
		.with_id("openledger_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// Resolves `--chain`: `dev`, `local`, or the path of a chain spec JSON file.
pub fn load(id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
	Ok(match id {
		"dev" | "" => Box::new(development_chain_spec()?),
		"local" => Box::new(local_chain_spec()?),
		path => {
			let path = std::path::PathBuf::from(path);
			if !path.exists() {
				return Err(format!(
					"unknown chain '{}': not `dev`, not `local`, and no chain spec file exists at \
					 that path",
					path.display()
				));
			}
			Box::new(
				ChainSpec::from_json_file(path.clone()).map_err(|e| {
					format!("cannot read the chain spec file {}: {e}", path.display())
				})?,
			)
		}
	})
}
