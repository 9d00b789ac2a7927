#!/usr/bin/env bash
# Measures a --dev chain: start-up to first block, block interval, Ethereum transfer latency.
# Prints a Markdown table. BLOCKS=20 TRANSFERS=5 by default.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup
setup_e2e
build
cd "$ROOT/tests/e2e" && OPENLEDGER_BIN_DIR="$BIN" node bench-dev-chain.mjs
