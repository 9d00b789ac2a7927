#!/usr/bin/env bash
# Benchmarks the AI engine on the embedded default model and prints the table of
# docs/ai-engine.md: base-model prefill/decode against llama-cpp-python on the same GGUF and
# thread count, OpenLoRA throughput as distinct adapters grow, adapter cold load and memory,
# fine-tuning throughput and peak memory.
#   scripts/bench-ai            full run (512 requests; ~10 minutes on 2 cores, plus a one-off
#                               build of llama-cpp-python)
#   QUICK=1 scripts/bench-ai    smaller counts, for a smoke test
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup
log "building openledger-ai (release)"
(cd "$ROOT" && cargo build --release --locked -p openledger-ai)
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
PROMPT="$(python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["prompt_ids"]))' <"$OUT/base.json")"
log "base model: llama-cpp-python"
"$VENV/bin/python" "$ROOT/scripts/bench_llama_cpp.py" "$OPENLEDGER_MODELS/$MODEL_FILE" "$PROMPT" 128 "$RUNS" "$THREADS" >"$OUT/llama.json"
log "OpenLoRA: $REQ requests over $COUNTS distinct adapters"
"$AI" bench adapters --counts "$COUNTS" --requests "$REQ" --new-tokens 16 >"$OUT/adapters.json"
log "adapter cold load"
"$AI" bench cold-load --adapters "$LOADS" >"$OUT/cold.json"
log "fine-tuning"
"$AI" bench finetune --examples "$EXAMPLES" >"$OUT/finetune.json"

python3 - "$OUT" "$THREADS" <<'PY'
import json, sys, platform
out, threads = sys.argv[1], sys.argv[2]
def lines(name):
    return [json.loads(l) for l in open(f"{out}/{name}.json") if l.strip()]
base, ll = lines("base")[0], lines("llama")[0]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print(f"\nMachine: {cpu}, {threads} threads. Model: SmolLM2-135M-Instruct Q4_1 GGUF.\n")
print("| Base model (greedy, %d-token ChatML prompt, 128 new tokens) | openledger-ai | llama-cpp-python | ratio |" % base["prompt_tokens"])
print("|---|---:|---:|---:|")
for k, label in (("prefill_tok_s", "prefill tokens/s"), ("decode_tok_s", "decode tokens/s")):
    print(f"| {label} | {base[k]:.1f} | {ll[k]:.1f} | {base[k] / ll[k]:.2f}x |")
ad = lines("adapters")
one = next(a for a in ad if a["adapters"] == 1)
print(f"\n| OpenLoRA: {one['requests']} concurrent requests, {one['prompt_tokens']}-token prompt + {one['new_tokens']} new tokens each | tokens/s (prompt+generated) | generated tokens/s | vs 1 adapter | most adapters in one pass |")
print("|---|---:|---:|---:|---:|")
for a in ad:
    print(f"| {a['adapters']} distinct adapters (rank 8, q_proj+v_proj) | {a['tok_s']:.1f} | {a['generated_tok_s']:.1f} | {a['tok_s'] / one['tok_s']:.2f}x | {a['max_adapters_in_pass']} |")
c = lines("cold")[0]
print(f"\n| Adapters (rank 8, q_proj+v_proj, 30 layers) | value |")
print("|---|---:|")
print(f"| cold load from the store, hash checked (median of {c['adapters']}) | {c['load_ms_median']:.2f} ms |")
print(f"| weights per adapter | {c['weight_bytes'] / 2**20:.2f} MiB |")
print(f"| resident memory per loaded adapter (RSS growth / adapters) | {c['rss_bytes_per_adapter'] / 2**20:.2f} MiB |")
f = lines("finetune")[0]
print(f"\n| Fine-tuning (rank 8, q_proj+v_proj, batch 4, {f['examples']} examples) | value |")
print("|---|---:|")
print(f"| training tokens/s (all tokens through forward+backward) | {f['processed_tok_s']:.1f} |")
print(f"| loss-bearing tokens/s | {f['loss_tok_s']:.1f} |")
print(f"| peak resident memory | {f['peak_rss_bytes'] / 2**30:.2f} GiB |")
PY
