#!/usr/bin/env python3
"""Finishes an app Trunk built, so it can be served under a strict Content-Security-Policy
and downloads less:

- every inline <script> of index.html (the service worker's registration, Trunk's loader)
  moves, in order, into one module file `boot-<hash>.js`, loaded with its integrity: the
  policy then allows scripts from the site itself only (`script-src 'self'`);
- the JS glue is minified with terser, and its integrity in index.html follows.

    finish-site.py APP_DIR TERSER      (APP_DIR holds index.html; run once per app)
"""
import base64
import hashlib
import pathlib
import re
import subprocess
import sys

app = pathlib.Path(sys.argv[1])
terser = sys.argv[2]
index = app / "index.html"
html = index.read_text()


def integrity(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


# The glue: the module Trunk preloads. Minified in place; its preload's integrity follows.
preload = re.search(r'<link rel="modulepreload" href="([^"]+\.js)"[^>]*integrity="([^"]+)"', html)
if not preload:
    sys.exit(f"{index}: no modulepreload of the JS glue")
href = preload.group(1)
public = href[: href.rindex("/") + 1]  # "/" or "/c/"
glue = app / href[len(public):]
subprocess.run(
    [terser, str(glue), "--module", "--compress", "passes=2", "--mangle", "--output", str(glue)],
    check=True,
)
html = html.replace(preload.group(2), integrity(glue.read_bytes()))

# Inline scripts, in order, into one module.
inline = re.compile(r"<script(?: type=\"module\")?>(.*?)</script>\s*", re.S)
parts = [m.group(1).strip() for m in inline.finditer(html)]
if not parts:
    sys.exit(f"{index}: no inline script to move (built twice?)")
boot = ("\n".join(parts) + "\n").encode()
name = f"boot-{hashlib.sha256(boot).hexdigest()[:16]}.js"
(app / name).write_bytes(boot)
tag = f'<script type="module" src="{public}{name}" integrity="{integrity(boot)}"></script>\n    '
first = True


def replace(match: re.Match) -> str:
    global first
    if first:
        first = False
        return tag
    return ""


html = inline.sub(replace, html)
if "<script>" in html or re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html):
    sys.exit(f"{index}: an inline script is left")
index.write_text(html)
print(f"{index}: scripts in {name}; {glue.name} minified")
