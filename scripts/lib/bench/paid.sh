# Sourced by scripts/bench after lib/common.sh; arguments after the target name are "$@".
# Paid inference: the node's endpoint on a --dev chain with and without a voucher (the same node,
# the same load generator, tests/e2e/bench-serving.mjs), 1, 8 and 32 concurrent streaming
# clients; the metering's cost is the paid run's tokens/s against the free run's. Then the node's
# settlement of every paid request. The prompt-prefix cache is off, so the run that goes second
# does not find the other's prompts cached; the runs alternate which goes first.: settlements sent, and how many records one block can settle
# (a full settlement's benchmarked weight and length against the block's limits).
#   scripts/bench paid           full run (4 requests per client, 64 tokens each)
#   QUICK=1 scripts/bench paid   1 and 8 clients, 1 request each, 16 tokens (smoke)
# Results and the node's log stay in ~/.cache/openledger/bench/paid.
setup
setup_e2e
build
THREADS="${THREADS:-$(nproc)}"
if [ -n "${QUICK:-}" ]; then
	LEVELS="1 8" PER=1 TOKENS=16
else
	LEVELS="1 8 32" PER=4 TOKENS=64
fi
NODE_PORT=18100
OUT="$HOME/.cache/openledger/bench/paid"
rm -rf "$OUT" && mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

log "starting openledger-node --dev (endpoint on :$NODE_PORT, $THREADS AI threads)"
"$BIN/openledger-node" --dev --tmp --no-prometheus --rpc-port 19954 --port 19343 \
	--ai-http-port "$NODE_PORT" --ai-threads "$THREADS" --ai-http-max-requests 1024 \
	--ai-prefix-cache-mib 0 >"$OUT/node.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 240); do
	curl -sf "http://127.0.0.1:$NODE_PORT/v1/models" 2>/dev/null | grep -q '"data":\[{' && break
	kill -0 "${PIDS[-1]}" 2>/dev/null || die "the node exited (see $OUT/node.log)"
	sleep 0.5
done
SETUP="$ROOT/tests/e2e/bench-paid-setup.mjs"
VOUCHER="$(cd "$ROOT/tests/e2e" && node "$SETUP" setup ws://127.0.0.1:19954 "http://127.0.0.1:$NODE_PORT")"
KEY="$(node -e 'console.log(JSON.parse(process.argv[1]).key)' "$VOUCHER")"
NONCE="$(node -e 'console.log(JSON.parse(process.argv[1]).nonce)' "$VOUCHER")"

GEN="$ROOT/tests/e2e/bench-serving.mjs"
REQUESTS=0
drive() { # name clients [key]
	log "$2 concurrent clients: $1"
	if ! API_KEY="${3:-}" node "$GEN" "http://127.0.0.1:$NODE_PORT/v1" 0 "$2" "$PER" "$TOKENS" >"$OUT/$1-$2.json" 2>"$OUT/$1-$2.err"; then
		log "warning: $1 at $2 clients failed: $(tail -n 3 "$OUT/$1-$2.err")"
		echo "{\"failed\": true}" >"$OUT/$1-$2.json"
	fi
}
first=free
for c in $LEVELS; do
	if [ "$first" = free ]; then
		drive free "$c"
		drive paid "$c" "$KEY"
		first=paid
	else
		drive paid "$c" "$KEY"
		drive free "$c"
		first=free
	fi
	# the generator's warm-up request and each client's requests were paid
	REQUESTS=$((REQUESTS + 1 + c * PER))
done
log "waiting for the node to settle the $REQUESTS paid requests"
(cd "$ROOT/tests/e2e" && node "$SETUP" settled ws://127.0.0.1:19954 "$NONCE" "$REQUESTS") >"$OUT/settled.json"

node - "$OUT" "$THREADS" $LEVELS <<'JS'
const fs = require('fs');
const [dir, threads, ...levels] = process.argv.slice(2);
const read = (f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8'));
const f1 = (x) => x.toFixed(1);
const errors = [];
console.log(`\nPaid vs free inference, SmolLM2-135M-Instruct Q4_1, ${threads} threads, streaming, greedy (${new Date().toISOString().slice(0, 10)})\n`);
console.log('| clients | free tok/s | paid tok/s | paid / free | free TTFT p50 ms | paid TTFT p50 ms |');
console.log('|---:|---:|---:|---:|---:|---:|');
for (const c of levels) {
  const f = read(`free-${c}.json`), p = read(`paid-${c}.json`);
  for (const [name, r] of [['free', f], ['paid', p]]) {
    if (r.failed) errors.push(`${name} at ${c} clients: the load generator failed`);
    else if (r.errors) errors.push(`${name} at ${c} clients: ${r.errors} of ${r.requests} requests failed (${r.first_error})`);
  }
  if (f.failed || p.failed) {
    console.log(`| ${c} | ${f.failed ? 'failed' : f1(f.tok_s)} | ${p.failed ? 'failed' : f1(p.tok_s)} | | | |`);
    continue;
  }
  console.log(`| ${c} | ${f1(f.tok_s)} | ${f1(p.tok_s)} | ${(p.tok_s / f.tok_s).toFixed(3)}× | ${f.ttft_p50_ms.toFixed(0)} | ${p.ttft_p50_ms.toFixed(0)} |`);
}
const s = read('settled.json');
console.log(`\nSettlement: ${s.records} paid requests settled by the node in ${s.settlements} settlement(s).`);
console.log(`A full settlement (${s.max_records} records, ${s.full_settlement_bytes} bytes): ${s.full_settlement_ref_time_ms.toFixed(1)} ms of benchmarked weight; one block settles up to ${s.records_per_block} records (limited by ${s.limited_by}).`);
for (const e of errors) console.log(`error: ${e}`);
console.log(`results and the node's log: ${dir}`);
JS
