#!/usr/bin/env bash
# Builds the apps (release, as deployed) into one site directory: the staff app at its root,
# its office (settings, team, products, companies, audit, saved messages, the account) under o/,
# the client app under c/ (served at /c/), the client app's door (sign-in, invites, password
# resets, the account) under c/a/, and the media module both apps load when a file is first
# sent or opened under c/m/ (each app's page names it: <meta name="sideline-media">).
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
trunk build --release --offline --dist "$dist/o" --public-url /o/ frontend/office/index.html >/dev/null
trunk build --release --offline --dist "$dist/c/m" --public-url /c/m/ frontend/media/index.html >/dev/null
python3 - "$dist" "$TOOLS_DIR/npm/node_modules/.bin/terser" <<'PY'
import pathlib, re, subprocess, sys
dist, terser = pathlib.Path(sys.argv[1]), sys.argv[2]
media = dist / "c" / "m"
# Its page only loads it at once; the apps load it when needed.
(media / "index.html").unlink()
glue = next(media.glob("media-*.js"))
subprocess.run([terser, str(glue), "--module", "--compress", "passes=2", "--mangle", "--output", str(glue)], check=True)
meta = f'<meta name="sideline-media" content="/c/m/{glue.name}" />'
for page in (dist / "index.html", dist / "c" / "index.html"):
    html = page.read_text()
    page.write_text(re.sub(r"<head>", f"<head>\n    {meta}", html, count=1))
PY
# No inline script (for the Content-Security-Policy) and a minified JS glue.
for app in "$dist" "$dist/o" "$dist/c" "$dist/c/a"; do
  python3 infra/scripts/finish-site.py "$app" "$TOOLS_DIR/npm/node_modules/.bin/terser"
done
