#!/usr/bin/env bash
# Starts the whole product locally on the embedded store: builds the app, starts the server on
# http://127.0.0.1:8080 and prints the URL and the demo logins. Installs what is missing first.
#
#   infra/scripts/start.sh [--port N] [--data-dir DIR] [--no-demo] [--static-dir DIR]
#
# Data lives in .sideline/ in the current directory unless --data-dir says otherwise.
set -euo pipefail
here=$(pwd)
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
source infra/scripts/tools.sh base frontend

echo "Building the apps..."
infra/scripts/build-app.sh "$root/dist"
echo "Building the server..."
cargo build -p sideline-functions --bin local --quiet

args=("$@")
has() { for a in "${args[@]}"; do [ "$a" = "$1" ] && return 0; done; return 1; }
has --static-dir || args+=(--static-dir "$root/dist")
has --data-dir || args+=(--data-dir "$here/.sideline")
exec "$root/target/debug/local" "${args[@]}"
