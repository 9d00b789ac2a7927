# Sourced by scripts/bench after lib/common.sh; arguments after the target name are "$@".
# A ModelFactory fine-tune job on a fresh dev chain, split by stage (data read, training,
# upload of the needed checkpoints and adapters, the verifier's replay), with verification's
# cost as a share of training's. Sizes from the environment:
#   EXAMPLES=48 EPOCHS=4 BATCH=4 EVERY=4 scripts/bench fine-tune
setup
setup_e2e
build
export OPENLEDGER_BIN_DIR="$BIN"
node "$ROOT/tests/e2e/bench-fine-tune.mjs"
