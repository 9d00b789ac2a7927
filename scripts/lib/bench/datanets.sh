# Sourced by scripts/bench after lib/common.sh; arguments after the target name are "$@".
# Measures datanets on a fresh dev chain (1-second blocks): small contributions per block and
# per second, and the upload throughput of a large file through scripts/datanets.
#   scripts/bench datanets [small-count] [large-file-MB]
setup
setup_e2e
build
PORT=19944
"$BIN/openledger-node" --dev --tmp --rpc-port "$PORT" --port 30944 --no-prometheus >/dev/null 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null || true' EXIT
wait_for_rpc "$PORT" "$NODE"
node "$ROOT/tools/datanets/bench.mjs" "ws://127.0.0.1:$PORT" "${1:-400}" "${2:-8}"
