# Sourced by scripts/bench after lib/common.sh; arguments after the target name are "$@".
# Benchmarks the AI engine on the embedded default model and prints the table of
# docs/ai-engine.md: base-model prefill/decode against llama-cpp-python on the same GGUF and
# thread count, OpenLoRA throughput as distinct adapters grow, adapter cold load and memory,
# fine-tuning throughput and peak memory.
#   scripts/bench ai            full run (512 requests; ~10 minutes on 2 cores, plus a one-off
#                               build of llama-cpp-python)
#   QUICK=1 scripts/bench ai    smaller counts, for a smoke test
setup
build
AI="$BIN/openledger-ai"
THREADS="${THREADS:-$(nproc)}"
export RAYON_NUM_THREADS="$THREADS"

VENV="$HOME/.cache/openledger/venv-bench"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import llama_cpp' 2>/dev/null; then
	log "installing llama-cpp-python 0.3.36 into $VENV (builds llama.cpp from source, once)"
	python3 -m venv "$VENV"
	CMAKE_ARGS="-DGGML_NATIVE=ON" "$VENV/bin/pip" install --quiet llama-cpp-python==0.3.36
fi

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
if [ -n "${QUICK:-}" ]; then
	REQ=64 COUNTS=1,8,64 LOADS=16 EXAMPLES=8 RUNS=1
else
	REQ=512 COUNTS=1,8,64,512 LOADS=64 EXAMPLES=32 RUNS=3
fi
log "base model: openledger-ai"
"$AI" bench base --runs "$RUNS" >"$OUT/base.json"
PROMPT="$(node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(0, "utf8")).prompt_ids))' <"$OUT/base.json")"
log "base model: llama-cpp-python"
"$VENV/bin/python" "$ROOT/scripts/lib/bench_llama_cpp.py" "$OPENLEDGER_MODELS/$MODEL_FILE" "$PROMPT" 128 "$RUNS" "$THREADS" >"$OUT/llama.json"
log "OpenLoRA: $REQ requests over $COUNTS distinct adapters"
"$AI" bench adapters --counts "$COUNTS" --requests "$REQ" --new-tokens 16 >"$OUT/adapters.json"
log "adapter cold load"
"$AI" bench cold-load --adapters "$LOADS" >"$OUT/cold.json"
log "fine-tuning"
"$AI" bench finetune --examples "$EXAMPLES" >"$OUT/finetune.json"

"$AI" report bench --dir "$OUT" --threads "$THREADS"
