#!/usr/bin/env bash
# Benchmarks Sideline and prints the figures (see README):
# 1. the local server on the embedded store: latency, durable sends/s, history pages, 500
#    sockets on a 200-member group, memory with 5,000 idle sockets. The
#    seeded history (100,000 messages) is kept in target/bench-data between runs; pass
#    --fresh to seed again.
# 2. a mass message to 50,000 clients, on the embedded store and on DynamoDB Local (started
#    here, in a private network namespace with only loopback).
# 3. realtime fan-out on AWS: 100 events to a channel of 1,000 connections, through the real
#    SDK client to a loopback API Gateway management API (10 ms a post).
# 4. each Lambda function's init time (p50/p95) and zip size (from the deploy's last build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source infra/scripts/tools.sh base dynamodb
data=target/bench-data
[ "${1:-}" = "--fresh" ] && rm -rf "$data"
cargo build --profile bench-native -p sideline-functions --bins
cargo build --profile bench-native -p sideline-tests --example bench --example mass_bench --example fanout_bench --example lambda_init
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
  DYNAMODB_ENDPOINT=http://127.0.0.1:8766 target/bench-native/examples/mass_bench 50000
'

echo
echo "realtime fan-out on AWS (loopback management API, 10 ms a post)"
target/bench-native/examples/fanout_bench 1000 100 10

echo
echo "Lambda init time (exec to the first poll of a local Runtime API stub)"
target/bench-native/examples/lambda_init target/bench-native 20
