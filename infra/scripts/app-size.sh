#!/usr/bin/env bash
# Reports the size of each built app's code (its .wasm plus its JS glue) raw, gzip -9 and brotli
# (quality 11, as the CDN and the local server would serve it), and fails if either is over its
# budget (brotli).
#
#   infra/scripts/app-size.sh SITE_DIR      (the staff app at its root, its office in o/, the client app in c/,
#                                            its door in c/a/)
#
# Budgets: staff app 300 KB (the dashboard staff keep open all day), its office 200 KB (the
# business's settings, team, products, companies, audit, saved messages, the account: opened
# seldom, and never with the dashboard's own pages), client app 160 KB (what a client downloads on a phone before they
# see their first message), the client app's door 160 KB (signing in, an invite, a password
# reset, the account: opened seldom, and never with the client app's own pages), the media
# module 100 KB (uploads, the viewer, voice notes: loaded by either app when first needed).
set -euo pipefail
site=${1:?usage: app-size.sh SITE_DIR}
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh" frontend
"$TOOLS_DIR/venv/bin/python" - "$site" <<'PY'
import brotli, glob, gzip, os, sys
site = sys.argv[1]
apps = [
    ("staff app", site, 300),
    ("staff app's office", os.path.join(site, "o"), 200),
    ("client app", os.path.join(site, "c"), 160),
    ("client app's door", os.path.join(site, "c", "a"), 160),
    ("media module", os.path.join(site, "c", "m"), 100),
]
over = []
for label, dist, budget_kb in apps:
    files = sorted(glob.glob(os.path.join(dist, "*.wasm")) + glob.glob(os.path.join(dist, "*.js")))
    files = [f for f in files if os.path.basename(f) != "sw.js"]
    if not any(f.endswith(".wasm") for f in files):
        sys.exit(f"no .wasm in {dist}")
    total = [0, 0, 0]
    print(f"{label:44} {'raw':>9} {'gzip':>9} {'brotli':>9}")
    for f in files:
        data = open(f, "rb").read()
        sizes = [len(data), len(gzip.compress(data, 9)), len(brotli.compress(data, quality=11))]
        total = [a + b for a, b in zip(total, sizes)]
        print(f"  {os.path.basename(f):42} " + " ".join(f"{s / 1024:7.1f}KB" for s in sizes))
    print(f"  {'total (.wasm + JS glue)':42} " + " ".join(f"{s / 1024:7.1f}KB" for s in total))
    brotli_kb = total[2] / 1024
    print(f"  brotli {brotli_kb:.1f} KB of the {budget_kb} KB budget\n")
    if brotli_kb > budget_kb:
        over.append(f"the {label} is {brotli_kb:.1f} KB brotli, over its {budget_kb} KB budget")
if over:
    sys.exit("; ".join(over))
PY
