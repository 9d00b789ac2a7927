//! Errors of the AI service.

use std::path::PathBuf;

/// What the AI service can fail at.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	/// The models directory or a file in it could not be read.
	#[error("cannot read {path}: {source}")]
	Io {
		path: PathBuf,
		#[source]
		source: std::io::Error,
	},
	/// The engine refused or failed (a bad file, a bad request).
	#[error(transparent)]
	Engine(#[from] openledger_ai::Error),
	/// The HTTP endpoint could not bind its address.
	#[error("cannot listen on {addr}: {source}")]
	Bind {
		addr: std::net::SocketAddr,
		#[source]
		source: std::io::Error,
	},
	/// Prometheus metrics could not be registered.
	#[error("cannot register the AI metrics: {0}")]
	Metrics(#[from] polkadot_sdk::substrate_prometheus_endpoint::PrometheusError),
	/// A worker thread could not be started.
	#[error("cannot start a worker thread: {0}")]
	Thread(std::io::Error),
}

/// The AI service's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
