#!/usr/bin/env bash
# Deploys one stage of Sideline to AWS: builds every function for Lambda (arm64), builds the app,
# deploys infra/template.yaml, uploads the app and prints the stage's URLs.
#
#   infra/deploy.sh STAGE --mail-domain DOMAIN [--dry-run]
#
# DOMAIN is where emails come from (no-reply@DOMAIN): the stack creates its SES identity, whose
# DKIM records must be published in the domain's DNS before SES sends anything.
#
# --dry-run does everything but talk to AWS: builds and sizes the functions, builds the app,
# lints the template, and prints what the stack would create.
set -euo pipefail
usage() { echo "usage: infra/deploy.sh STAGE --mail-domain DOMAIN [--dry-run]" >&2; exit 2; }
[ $# -ge 1 ] || usage
stage=$1; shift
dry_run=false
mail_domain=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=true ;;
    --mail-domain) [ $# -ge 2 ] || usage; mail_domain=$2; shift ;;
    *) usage ;;
  esac
  shift
done
[[ "$stage" =~ ^[a-z][a-z0-9-]{0,19}$ ]] || { echo "STAGE must match ^[a-z][a-z0-9-]{0,19}$" >&2; exit 2; }
if ! $dry_run || [ -n "$mail_domain" ]; then
  [[ "$mail_domain" =~ ^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$ ]] \
    || { echo "--mail-domain must be a domain emails are sent from (example.com)" >&2; exit 2; }
fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
if $dry_run; then
  source infra/scripts/tools.sh lambda arm64 frontend cfn
else
  source infra/scripts/tools.sh lambda arm64 frontend cfn aws
fi
step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }
max_zip_bytes=$((8 * 1024 * 1024))

# Every file in functions/src/bin/ but the local server is a Lambda function.
functions=()
for f in functions/src/bin/*.rs; do
  name=$(basename "$f" .rs)
  [ "$name" = local ] || functions+=("$name")
done

step "building ${#functions[@]} functions for Lambda (arm64): ${functions[*]}"
export AWS_LC_SYS_NO_JITTER_ENTROPY=1
bins=()
for f in "${functions[@]}"; do bins+=(--bin "$f"); done
cargo lambda build --profile lambda --arm64 --output-format zip -p sideline-functions "${bins[@]}"
oversize=0
printf '%-12s %10s\n' function "zip size"
for f in "${functions[@]}"; do
  zip="target/lambda/$f/bootstrap.zip"
  [ -f "$zip" ] || { echo "missing $zip" >&2; exit 1; }
  bytes=$(stat -c %s "$zip")
  awk -v f="$f" -v b="$bytes" 'BEGIN { printf "%-12s %7.2f MB\n", f, b / 1048576 }'
  [ "$bytes" -le "$max_zip_bytes" ] || { echo "  $f is over 8 MB" >&2; oversize=1; }
done
[ $oversize -eq 0 ] || exit 1

step "building the apps"
infra/scripts/build-app.sh "$root/target/site"
infra/scripts/app-size.sh "$root/target/site"

step "linting the template"
cfn-lint infra/template.yaml

stack="sideline-$stage"
if $dry_run; then
  step "dry run: stack $stack would contain"
  python3 - infra/template.yaml <<'PY'
import sys, yaml
class Loader(yaml.SafeLoader): pass
Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
t = yaml.load(open(sys.argv[1]), Loader=Loader)
for name, r in t["Resources"].items():
    print(f"  {name:28} {r['Type']}")
print("outputs:", ", ".join(t.get("Outputs", {})))
PY
  echo
  echo "Nothing was sent to AWS. Without --dry-run: sam deploy --stack-name $stack, then the app is uploaded to the site bucket."
  exit 0
fi

step "deploying $stack"
sam deploy --template-file infra/template.yaml --stack-name "$stack" --resolve-s3 \
  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --parameter-overrides "Stage=$stage" "MailDomain=$mail_domain" \
  --no-fail-on-empty-changeset --no-confirm-changeset
output() {
  aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
api_url=$(output ApiUrl); ws_url=$(output WebSocketUrl); site_url=$(output SiteUrl)

step "turning on SMS delivery receipts"
# SNS logs every text it sends (each success and failure) to the groups the sms function reads.
aws sns set-sms-attributes --attributes \
  "DeliveryStatusIAMRole=$(output SmsDeliveryStatusRoleArn),DeliveryStatusSuccessSamplingRate=100"

step "uploading the app"
# The app reads where its API is from /config.json at start.
printf '{"api_url":"%s","ws_url":"%s"}\n' "$api_url" "$ws_url" > target/site/config.json
bucket=$(output SiteBucketName)
# Hashed assets are immutable; each app's index, worker and manifest, and the config, are not.
fresh=(index.html sw.js manifest.webmanifest o/index.html c/index.html c/sw.js c/manifest.webmanifest c/a/index.html config.json)
excludes=()
for f in "${fresh[@]}"; do excludes+=(--exclude "$f"); done
aws s3 sync target/site "s3://$bucket" --delete "${excludes[@]}" \
  --cache-control "public,max-age=31536000,immutable"
for f in "${fresh[@]}"; do
  aws s3 cp "target/site/$f" "s3://$bucket/$f" --cache-control "no-cache"
done
aws cloudfront create-invalidation --distribution-id "$(output SiteDistributionId)" \
  --paths "${fresh[@]/#//}" >/dev/null

step "$stack is deployed"
echo "Site:      $site_url"
echo "API:       $api_url"
echo "WebSocket: $ws_url"
