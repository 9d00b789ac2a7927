#!/usr/bin/env bash
# Measures datanets on a fresh dev chain (1-second blocks): small contributions per block and
# per second, and the upload throughput of a large file through scripts/datanets.
#   scripts/bench-datanets [small-count] [large-file-MB]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup
setup_e2e
build
PORT=19944
"$BIN/openledger-node" --dev --tmp --rpc-port "$PORT" --port 30944 --no-prometheus >/dev/null 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
	curl -sf -H 'Content-Type: application/json' -d '{"id":1,"jsonrpc":"2.0","method":"chain_getHeader","params":[]}' \
		"http://127.0.0.1:$PORT" | grep -q '"number":"0x[1-9a-f]' && break
	sleep 0.5
done
OUT="$(node "$ROOT/tools/datanets/bench.mjs" "ws://127.0.0.1:$PORT" "${1:-400}" "${2:-8}" 2>/dev/null)"
python3 - "$OUT" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
s, u = r["small"], r["upload"]
print("\n| datanets on the --dev chain (1 s blocks) | value |")
print("|---|---:|")
print(f"| small contributions (~200 B, 5 senders) submitted | {s['contributions']} |")
print(f"| contributions per block: max / median | {s['maxPerBlock']} / {s['medianPerBlock']} |")
print(f"| contributions per second (submission to inclusion) | {s['perSecond']:.1f} |")
print(f"| upload of {u['bytes'] / 1e6:.1f} MB through scripts/datanets | {u['seconds']:.2f} s, {u['mbPerSec']:.2f} MB/s |")
PY
