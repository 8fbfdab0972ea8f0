#!/usr/bin/env python3
"""Print which lib/ folders depend on which: one line per folder, with the folders it includes.

A private include ("llm/rate_limiter.hpp") names its folder directly. A public header
("doctown/verify.hpp") counts for the folder that implements it: the folder whose .cpp files
include it first (the house convention: a .cpp opens with its own header). Headers no folder
implements alone (error.hpp, types.hpp, progress.hpp, version.hpp) belong to core.
With --objects DIR (a build's lib/CMakeFiles/doctown.dir), calls count too: a folder whose
object files use a function another folder defines (nm: undefined here, strong definition
there) depends on it, even when the declaration arrived through another public header.
Usage: scripts/folder_deps.py [--objects DIR] [ROOT]   (ROOT holds lib/; default: .)
"""
import argparse
import collections
import pathlib
import re
import subprocess
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def link_deps(objects: pathlib.Path, folders: list) -> dict:
    """folder -> folders defining a function its objects call (from nm)."""
    defined, undefined = {}, collections.defaultdict(set)
    for folder in folders:
        for obj in sorted((objects / folder).glob("*.o")):
            out = subprocess.run(["nm", "-P", str(obj)], check=True, capture_output=True,
                                 text=True).stdout
            for line in out.splitlines():
                parts = line.split()
                if len(parts) < 2:
                    continue
                name, kind = parts[0], parts[1]
                if kind == "U":
                    undefined[folder].add(name)
                elif kind in ("T", "D", "B", "R"):  # strong: one definition in the library
                    defined.setdefault(name, folder)
    deps = collections.defaultdict(set)
    for folder, names in undefined.items():
        for name in names:
            there = defined.get(name)
            if there and there != folder:
                deps[folder].add(there)
    return deps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objects", type=pathlib.Path)
    ap.add_argument("root", nargs="?", default=".")
    args = ap.parse_args()
    root = pathlib.Path(args.root)
    lib = root / "lib"
    folders = sorted(p.name for p in lib.iterdir() if p.is_dir())
    files = [p for p in lib.rglob("*") if p.suffix in (".cpp", ".hpp")]
    # Owner of each public header: the folder whose .cpp files open with it most often.
    votes = collections.defaultdict(collections.Counter)
    for f in files:
        if f.suffix != ".cpp":
            continue
        first = INCLUDE.search(f.read_text(errors="replace"))
        if first and first.group(1).startswith("doctown/"):
            votes[first.group(1)][f.relative_to(lib).parts[0]] += 1
    owner = {h: c.most_common(1)[0][0] for h, c in votes.items()}
    deps = collections.defaultdict(set)
    for f in files:
        here = f.relative_to(lib).parts[0]
        for inc in INCLUDE.findall(f.read_text(errors="replace")):
            head = inc.split("/")[0]
            there = owner.get(inc, "core") if head == "doctown" else head
            if there in folders and there != here:
                deps[here].add(there)
    if args.objects:
        for folder, there in link_deps(args.objects, folders).items():
            deps[folder] |= there
    for folder in folders:
        print(f"{folder:<10} -> {', '.join(sorted(deps[folder])) or '(nothing)'}")
    cycles = sorted({tuple(sorted((a, b))) for a in deps for b in deps[a] if a in deps[b]})
    for a, b in cycles:
        print(f"cycle: {a} <-> {b}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
