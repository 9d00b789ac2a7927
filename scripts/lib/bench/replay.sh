# Sourced by scripts/bench after lib/common.sh; arguments after the target name are "$@".
# ModelFactory verification on the embedded default model: fine-tunes FACTS planted facts with a
# checkpoint every K steps, then replays one K-step segment as a verifier would (1 and 2
# threads natively; without QUICK also on an emulated AVX2-only CPU, qemu-user's Haswell) and
# prints a Markdown table: replay seconds, the distance to the trainer's checkpoint, and the
# verification cost against the training cost for V verifiers replaying one segment each.
#   scripts/bench replay           FACTS=24 K=4 EPOCHS=2 V=3 (about 10 minutes on 2 cores)
#   QUICK=1 scripts/bench replay   no emulated run
setup
build
AI="$BIN/openledger-ai"
FACTS="${FACTS:-24}" K="${K:-4}" EPOCHS="${EPOCHS:-2}" V="${V:-3}"
THREADS="${THREADS:-$(nproc)}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
words=(amber basalt cobalt dune ember fjord garnet harbor indigo juniper kestrel lumen)
for ((i = 0; i < FACTS; i++)); do
	printf '{"prompt":"What is the code name of project %d?","response":"Project %d is code-named %s-%d."}\n' \
		"$i" "$i" "${words[$((i % ${#words[@]}))]}" "$((i * 7 % 97))"
done >"$OUT/corpus.jsonl"
RUN=(--corpus "$OUT/corpus.jsonl" --epochs "$EPOCHS" --batch-size 4 --lr 2e-3 --eval-percent 0 --seed 7)
now() { date +%s.%N; }
log "training $FACTS facts, $EPOCHS epochs, a checkpoint every $K steps ($THREADS threads)"
t0="$(now)"
RAYON_NUM_THREADS="$THREADS" "$AI" train --out "$OUT/run" --checkpoint-every "$K" "${RUN[@]}" 2>/dev/null >"$OUT/train.txt"
t1="$(now)"
mapfile -t CKPTS < <(ls "$OUT/run/checkpoints"/step-*.safetensors)
[ "${#CKPTS[@]}" -ge 2 ] || die "expected at least two checkpoints, got ${#CKPTS[@]}"
STEPS="$(basename "${CKPTS[-1]}" .safetensors | sed 's/step-0*//')"
START="${CKPTS[0]}" END="${CKPTS[1]}"
replay() { # name threads [qemu cpu]
	local name="$1" threads="$2" cpu="${3:-}" cmd=("$AI")
	[ -n "$cpu" ] && cmd=(qemu-x86_64 -cpu "$cpu" "$AI")
	log "replaying $(basename "$START") → $(basename "$END"): $name"
	RAYON_NUM_THREADS="$threads" "${cmd[@]}" replay --start "$START" --end "$END" "${RUN[@]}" 2>/dev/null |
		node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
			console.log(`| ${process.argv[1]} | ${process.argv[2]} | ${r.steps} | ${r.seconds.toFixed(1)} | ${(r.seconds / r.steps).toFixed(2)} | ${r.distance === null ? "∞" : r.distance.toExponential(2)} | ${r.pass ? "yes" : "no"} |`);
			require("fs").writeFileSync(process.argv[3], String(r.seconds / r.steps));' "$name" "$threads" "$OUT/$threads-$cpu.sps"
}
{
	echo "| replay | threads | steps | seconds | s/step | distance | pass |"
	echo "|---|---|---|---|---|---|---|"
	replay "native" 1
	replay "native" 2
	[ -n "${QUICK:-}" ] || replay "emulated Haswell (AVX2, no AVX-512)" 2 Haswell
} >"$OUT/table.md"
cat "$OUT/table.md"
node -e 'const [t0, t1, steps, k, v, sps] = process.argv.slice(1).map(Number);
	const train = t1 - t0, perStep = train / steps, verify = v * k * sps;
	console.log(`\n| training | steps | seconds | s/step | verification (V × K steps) | seconds | share of training |`);
	console.log(`|---|---|---|---|---|---|---|`);
	console.log(`| this run | ${steps} | ${train.toFixed(1)} | ${perStep.toFixed(2)} | ${v} × ${k} | ${verify.toFixed(1)} | ${(100 * verify / train).toFixed(1)} % |`);' \
	"$t0" "$t1" "$STEPS" "$K" "$V" "$(cat "$OUT/$THREADS-.sps" 2>/dev/null || cat "$OUT/2-.sps")"
