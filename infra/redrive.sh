#!/usr/bin/env bash
# Re-drives the dead-letter queue of one of a stage's stream consumers: every batch of the
# table's stream the function gave up on (after its retries) is read again from the stream and
# given to the function; each message is deleted once the function took its whole batch.
# Consumers are idempotent, so nothing is sent twice. The stream keeps records 24 hours: re-drive
# within a day of the failure (older messages are reported and left in the queue).
#
#   infra/redrive.sh STAGE fanout|notifications [--dry-run]
#
# Uses the AWS credentials and region of the environment, like infra/deploy.sh.
set -euo pipefail
usage() { echo "usage: infra/redrive.sh STAGE fanout|notifications [--dry-run]" >&2; exit 2; }
[ $# -ge 2 ] || usage
stage=$1 consumer=$2; shift 2
[[ "$stage" =~ ^[a-z][a-z0-9-]{0,19}$ ]] || { echo "STAGE must match ^[a-z][a-z0-9-]{0,19}$" >&2; exit 2; }
case "$consumer" in fanout|notifications) ;; *) usage ;; esac
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source infra/scripts/tools.sh aws
exec "$TOOLS_DIR/venv/bin/python" infra/scripts/redrive.py \
  --queue "sideline-$stage-$consumer-dlq" --function "sideline-$stage-$consumer" "$@"
