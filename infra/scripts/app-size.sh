#!/usr/bin/env bash
# Reports the size of a built app's code (the .wasm plus its JS glue) raw, gzip -9 and brotli
# (quality 11, as the CDN and the local server would serve it), and fails if brotli is over the
# budget.
#
#   infra/scripts/app-size.sh DIST_DIR [BUDGET_KB]   (default budget 250 KB)
set -euo pipefail
dist=${1:?usage: app-size.sh DIST_DIR [BUDGET_KB]}
budget_kb=${2:-250}
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh" frontend
"$TOOLS_DIR/venv/bin/python" - "$dist" "$budget_kb" <<'PY'
import brotli, glob, gzip, os, sys
dist, budget_kb = sys.argv[1], int(sys.argv[2])
files = sorted(glob.glob(os.path.join(dist, "*.wasm")) + glob.glob(os.path.join(dist, "*.js")))
files = [f for f in files if os.path.basename(f) != "sw.js"]
if not any(f.endswith(".wasm") for f in files):
    sys.exit(f"no .wasm in {dist}")
total = [0, 0, 0]
print(f"{'app code':44} {'raw':>9} {'gzip':>9} {'brotli':>9}")
for f in files:
    data = open(f, "rb").read()
    sizes = [len(data), len(gzip.compress(data, 9)), len(brotli.compress(data, quality=11))]
    total = [a + b for a, b in zip(total, sizes)]
    print(f"{os.path.basename(f):44} " + " ".join(f"{s / 1024:7.1f}KB" for s in sizes))
print(f"{'total (.wasm + JS glue)':44} " + " ".join(f"{s / 1024:7.1f}KB" for s in total))
if total[2] > budget_kb * 1024:
    sys.exit(f"the app is {total[2] / 1024:.1f} KB brotli, over the {budget_kb} KB budget")
print(f"brotli {total[2] / 1024:.1f} KB of the {budget_kb} KB budget")
PY
