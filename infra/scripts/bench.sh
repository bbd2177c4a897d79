#!/usr/bin/env bash
# Benchmarks the local server on the embedded store and prints the figures (see README).
# The seeded history (100,000 messages) is kept in target/bench-data between runs; pass
# --fresh to seed again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source infra/scripts/tools.sh base
data=target/bench-data
[ "${1:-}" = "--fresh" ] && rm -rf "$data"
cargo build --profile bench-native -p sideline-functions --bin local
cargo build --profile bench-native -p sideline-tests --example bench
target/bench-native/examples/bench target/bench-native/local "$data"
