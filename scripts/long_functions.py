#!/usr/bin/env python3
"""List the functions of lib/ and apps/ longer than a limit (default 120 lines), longest first.

Function extents come from Universal Ctags (`--fields=+ne` gives each definition's end line),
the same tool the analyzer uses, so nothing here parses C++ by hand.
Usage: scripts/long_functions.py [--limit N] [PATH...]   (run from the repository root)
Exit status: 0 always; the table is for reading, not a gate (the house style says "about").
"""
import argparse
import json
import shutil
import subprocess
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=120)
    ap.add_argument("paths", nargs="*", default=["lib", "apps"])
    args = ap.parse_args()
    ctags = shutil.which("ctags")
    if not ctags:
        print("universal-ctags is not installed (scripts/install-deps.sh installs it)",
              file=sys.stderr)
        return 2
    out = subprocess.run([ctags, "--output-format=json", "--fields=+ne", "--kinds-C++=f",
                          "--languages=C++", "-R", "-f", "-", *args.paths],
                         check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        tag = json.loads(line)
        if tag.get("_type") != "tag" or tag.get("kind") != "function" or "end" not in tag:
            continue
        length = tag["end"] - tag["line"] + 1
        if length > args.limit:
            scope = tag.get("scope", "")
            # Anonymous namespaces get generated names ("__anon9d6a..."): drop them.
            scope = "::".join(p for p in scope.split("::") if not p.startswith("__anon"))
            name = f"{scope}::{tag['name']}" if scope else tag["name"]
            rows.append((length, f"{tag['path']}:{tag['line']}", name))
    rows.sort(key=lambda r: (-r[0], r[1]))
    print(f"{'lines':>5}  {'where':<40} function")
    for length, where, name in rows:
        print(f"{length:>5}  {where:<40} {name}")
    print(f"{len(rows)} function(s) over {args.limit} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
