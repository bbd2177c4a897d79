#!/usr/bin/env bash
# Builds the apps (release, as deployed) into one site directory: the staff app at its root,
# the client app under c/ (served at /c/) and the client app's door (sign-in, invites, password
# resets, the account) under c/a/.
#
#   infra/scripts/build-app.sh DIST_DIR
set -euo pipefail
dist=${1:?usage: build-app.sh DIST_DIR}
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source infra/scripts/tools.sh frontend
# The staff app first: a build empties its dist directory, c/ included.
trunk build --release --offline --dist "$dist" frontend/index.html >/dev/null
trunk build --release --offline --dist "$dist/c" --public-url /c/ frontend/client/index.html >/dev/null
trunk build --release --offline --dist "$dist/c/a" --public-url /c/a/ frontend/door/index.html >/dev/null
# No inline script (for the Content-Security-Policy) and a minified JS glue.
for app in "$dist" "$dist/c" "$dist/c/a"; do
  python3 infra/scripts/finish-site.py "$app" "$TOOLS_DIR/npm/node_modules/.bin/terser"
done
