#!/usr/bin/env bash
# Runs every check and test of Sideline. Installs what a fresh machine lacks first (idempotent).
#
#   infra/scripts/test.sh [--full] [nextest arguments...]
#
# --full (the default when CI=true) also builds every function for Lambda (arm64) and the app
# the way the deploy does, and checks their sizes: infra/deploy.sh ci --dry-run.
#
# Builds with network access (the app in release, reporting its size), then runs the suites
# inside a private network and PID namespace that has only loopback, with DynamoDB Local started there:
# test servers are reachable from nowhere else and no test can reach outside. The browser tests
# drive headless Chromium; their screenshots go to target/test-output/browser/. Without nextest
# arguments it ends with the app timings.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
full=false
if [ "${CI:-}" = "true" ]; then
  full=true
  # A clean clone is built once: incremental caches would only take disk space.
  export CARGO_INCREMENTAL=0
fi
args=()
for a in "$@"; do
  if [ "$a" = "--full" ]; then full=true; else args+=("$a"); fi
done
set -- "${args[@]+"${args[@]}"}"

source infra/scripts/tools.sh base lambda dynamodb frontend cfn browser moto
step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "lint (everything natively, and the app for wasm)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p sideline-frontend --target wasm32-unknown-unknown -- -D warnings
# What only the staff app and its office build carry (their `staff` feature).
cargo clippy -p sideline-frontend --all-targets --features staff -- -D warnings
cargo clippy -p sideline-frontend --target wasm32-unknown-unknown --features staff -- -D warnings

step "lint the deployment template"
cfn-lint infra/template.yaml

step "build the apps (release, as deployed) and report their sizes"
infra/scripts/build-app.sh "$root/target/app"
infra/scripts/app-size.sh "$root/target/app"
export SIDELINE_APP_DIR="$root/target/app"

step "build the tests, the local server and the app timings"
cargo build -p sideline-functions --bins
cargo build -p sideline-tests --example app_timings
cargo nextest run --workspace --no-run

inner=$(mktemp)
trap 'rm -f "$inner"' EXIT
cat > "$inner" <<'INNER'
set -euo pipefail
ip link set lo up
export CARGO_NET_OFFLINE=true
port=8765
log=$(mktemp)
java -Djava.library.path="$DYNAMODB_LOCAL_DIR/DynamoDBLocal_lib" -jar "$DYNAMODB_LOCAL_DIR/DynamoDBLocal.jar" \
  -inMemory -sharedDb -disableTelemetry -port "$port" >"$log" 2>&1 &
ddb=$!
trap 'kill $ddb 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 $ddb 2>/dev/null || { cat "$log"; echo "DynamoDB Local failed to start" >&2; exit 1; }
  sleep 0.5
done
export DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
cargo nextest run --workspace --no-fail-fast "$@"
cargo nextest run -p sideline-frontend --features staff --no-fail-fast "$@"
if [ $# -eq 0 ]; then
  printf '\n\033[1;32m==> %s\033[0m\n' "app timings (headless Chromium, loopback)"
  target/debug/examples/app_timings "$SIDELINE_APP_DIR"
fi
INNER

step "tests (loopback-only network namespace, DynamoDB Local)"
if command -v ip >/dev/null && unshare -n --pid --fork --kill-child true 2>/dev/null; then
  # Its own PID namespace too: whatever a test leaves running (a browser, a server) ends with
  # the suite.
  unshare -n --pid --fork --kill-child bash "$inner" "$@"
else
  echo "cannot create a network namespace here; running on the host's loopback" >&2
  bash "$inner" "$@"
fi

if $full; then
  step "deploy dry run: functions for Lambda (arm64), the app, the template"
  infra/deploy.sh ci --dry-run
fi
