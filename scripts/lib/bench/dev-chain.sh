# Sourced by scripts/bench after lib/common.sh; arguments after the target name are "$@".
# Measures a --dev chain: start-up to first block, block interval, Ethereum transfer latency.
# Prints a Markdown table. BLOCKS=20 TRANSFERS=5 by default.
setup
setup_e2e
build
cd "$ROOT/tests/e2e" && OPENLEDGER_BIN_DIR="$BIN" node bench-dev-chain.mjs
