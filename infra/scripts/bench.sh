#!/usr/bin/env bash
# Benchmarks Sideline and prints the figures (see README):
# 1. the local server on the embedded store: latency, durable sends/s, history pages. The
#    seeded history (100,000 messages) is kept in target/bench-data between runs; pass
#    --fresh to seed again.
# 2. a mass message to 5,000 clients, on the embedded store and on DynamoDB Local (started
#    here, in a private network namespace with only loopback).
# 3. realtime fan-out on AWS: 100 events to a channel of 1,000 connections, through the real
#    SDK client to a loopback API Gateway management API (10 ms a post).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source infra/scripts/tools.sh base dynamodb
data=target/bench-data
[ "${1:-}" = "--fresh" ] && rm -rf "$data"
cargo build --profile bench-native -p sideline-functions --bin local
cargo build --profile bench-native -p sideline-tests --example bench --example mass_bench --example fanout_bench
target/bench-native/examples/bench target/bench-native/local "$data"

echo
echo "mass message benchmark"
unshare -n --pid --fork --kill-child bash -c '
  set -euo pipefail
  ip link set lo up
  java -Djava.library.path="$DYNAMODB_LOCAL_DIR/DynamoDBLocal_lib" -jar "$DYNAMODB_LOCAL_DIR/DynamoDBLocal.jar" \
    -inMemory -sharedDb -disableTelemetry -port 8766 >/dev/null 2>&1 &
  for _ in $(seq 1 120); do
    (echo > /dev/tcp/127.0.0.1/8766) 2>/dev/null && break
    sleep 0.5
  done
  DYNAMODB_ENDPOINT=http://127.0.0.1:8766 target/bench-native/examples/mass_bench 5000
'

echo
echo "realtime fan-out on AWS (loopback management API, 10 ms a post)"
target/bench-native/examples/fanout_bench 1000 100 10
