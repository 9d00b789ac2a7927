#!/usr/bin/env bash
# Evaluates Proof of Attribution on the embedded default model and prints the table of
# docs/proof-of-attribution.md: planted facts (precision@1/@5 of the exact tier, the training
# tier, BM25 and random), noisy data (AUC of spotting corrupted contributions), and cost (index
# build time, bytes per token, query latency at 10^5, 10^6 and 10^7 tokens; influence time).
#   scripts/eval-attribution           full run (about 10 minutes on 2 cores)
#   QUICK=1 scripts/eval-attribution   smaller sets, for a smoke test
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup
log "building openledger-ai (release)"
(cd "$ROOT" && cargo build --release --locked -p openledger-ai)
AI="$BIN/openledger-ai"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
if [ -n "${QUICK:-}" ]; then
	FACTS=8 NOISY=12 TOKENS=100000,1000000
else
	FACTS=24 NOISY=24 TOKENS=100000,1000000,10000000
fi
log "planted facts ($FACTS contributions)"
"$AI" eval-attribution planted --facts "$FACTS" --epochs 8 >"$OUT/planted.json"
log "noisy data ($NOISY contributions, 25% corrupted)"
"$AI" eval-attribution noisy --contributions "$NOISY" --corrupt-percent 25 --epochs 4 >"$OUT/noisy.json"
log "index cost ($TOKENS tokens)"
"$AI" eval-attribution cost --tokens "$TOKENS" >"$OUT/cost.json"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
load = lambda n: json.load(open(f"{out}/{n}.json"))["result"]
p, n, c = load("planted"), load("noisy"), load("cost")
print(f"\nPlanted facts: {p['facts']} contributions, one invented fact each; LoRA fine-tune (rank 8, q/v, 8 epochs);"
      f" the fine-tuned model answered {p['answered']}/{p['facts']} questions with the planted value;"
      f" training tier over {p['checkpoints']} checkpoints.\n")
print("| method | precision@1 | precision@5 |")
print("|---|---:|---:|")
for k, label in (("exact", "exact tier (suffix-array spans)"), ("training", "training tier (TracIn, projected LoRA gradients)"),
                 ("bm25", "BM25 (question + answer)"), ("random", "random")):
    print(f"| {label} | {p[k]['at1']:.3f} | {p[k]['at5']:.3f} |")
print(f"\nNoisy data: {n['contributions']} capital-city contributions, {n['corrupted']} with shuffled answers;"
      " ranked by influence on clean held-out questions (lowest first).\n")
print("| method | AUC (corrupted ranked below clean) |")
print("|---|---:|")
print(f"| training tier (negative TracIn influence) | {n['auc_influence']:.3f} |")
print(f"| BM25 (negative similarity to the held-out questions) | {n['auc_bm25']:.3f} |")
print(f"| random | {n['auc_random']:.3f} |")
print("\n| indexed tokens | build (s) | bytes per token | query, 64-token output (ms, median of 21) |")
print("|---:|---:|---:|---:|")
for r in c:
    print(f"| {r['tokens']:,} | {r['build_secs']:.2f} | {r['bytes_per_token']:.2f} | {r['query_ms_median']:.3f} |")
print(f"\nInfluence: {p['influence_secs_per_contribution']:.2f} s to sketch one contribution at one checkpoint "
      "(LoRA gradient through the 135M model + projection to 256 dimensions).")
PY
