# Sourced by scripts/bench after lib/common.sh; arguments after the target name are "$@".
# Evaluates Proof of Attribution on the embedded default model and prints the table of
# docs/proof-of-attribution.md: planted facts (precision@1/@5 of the exact tier, the training
# tier, BM25 and random), noisy data (AUC of spotting corrupted contributions), and cost (index
# build time, bytes per token, query latency at 10^5, 10^6 and 10^7 tokens; influence time).
#   scripts/bench attribution           full run (about 10 minutes on 2 cores)
#   QUICK=1 scripts/bench attribution   smaller sets, for a smoke test
setup
build
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
"$AI" report attribution --dir "$OUT"
