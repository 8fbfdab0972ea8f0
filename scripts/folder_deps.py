#!/usr/bin/env python3
"""Print which lib/ folders depend on which: one line per folder, with the folders it includes.

A private include ("llm/rate_limiter.hpp") names its folder directly. A public header
("doctown/verify.hpp") counts for the folder that implements it: the folder whose .cpp files
include it first (the house convention: a .cpp opens with its own header). Headers no folder
implements alone (error.hpp, types.hpp, progress.hpp, version.hpp) belong to core.
A folder with subfolders (lib/output/docpack, ...) shows each subfolder as its own line
("output/docpack"); --depth 1 folds them into their top folder (the map before the split).
With --objects DIR (a build's lib/CMakeFiles/doctown.dir), calls count too: a folder whose
object files use a function another folder defines (nm: undefined here, strong definition
there) depends on it, even when the declaration arrived through another public header.
Usage: scripts/folder_deps.py [--objects DIR] [--depth N] [ROOT]   (ROOT holds lib/; default: .)
"""
import argparse
import collections
import pathlib
import re
import subprocess
import sys

CORE_HEADERS = {"doctown/error.hpp", "doctown/types.hpp", "doctown/progress.hpp",
                "doctown/version.hpp"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def link_deps(objects: pathlib.Path, node) -> dict:
    """folder -> folders defining a function its objects call (from nm); `node` names the
    folder of an object file from its path parts under `objects`."""
    defined, undefined = {}, collections.defaultdict(set)
    for obj in sorted(objects.rglob("*.o")):
        folder = node(obj.relative_to(objects).parts)
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
    ap.add_argument("--depth", type=int, default=2,
                    help="folder levels under lib/ shown as their own line (default 2)")
    ap.add_argument("root", nargs="?", default=".")
    args = ap.parse_args()
    root = pathlib.Path(args.root)
    lib = root / "lib"
    files = [p for p in lib.rglob("*") if p.suffix in (".cpp", ".hpp")]

    def node(parts) -> str:
        """The folder a file (its path parts under lib/, file name last) is counted in."""
        return "/".join(parts[:-1][:args.depth])

    folders = sorted({node(f.relative_to(lib).parts) for f in files})
    # Owner of each public header: the folder whose .cpp files open with it most often.
    votes = collections.defaultdict(collections.Counter)
    for f in files:
        if f.suffix != ".cpp":
            continue
        first = INCLUDE.search(f.read_text(errors="replace"))
        if first and first.group(1).startswith("doctown/"):
            # Public headers belong to top folders: doctown/writer.hpp is output's, whichever
            # subfolder implements which part of it.
            votes[first.group(1)][f.relative_to(lib).parts[0]] += 1
    owner = {h: c.most_common(1)[0][0] for h, c in votes.items() if h not in CORE_HEADERS}
    deps = collections.defaultdict(set)
    for f in files:
        here = node(f.relative_to(lib).parts)
        for inc in INCLUDE.findall(f.read_text(errors="replace")):
            parts = tuple(inc.split("/"))
            there = owner.get(inc, "core") if parts[0] == "doctown" else node(parts)
            # A subfolder using its own top folder's public header implements it; not a dependency.
            if there in folders and there != here and not here.startswith(there + "/"):
                deps[here].add(there)
    if args.objects:
        for folder, there in link_deps(args.objects, node).items():
            deps[folder] |= {t for t in there if t in folders and not folder.startswith(t + "/")}
    width = max(10, *(len(f) for f in folders))
    for folder in folders:
        print(f"{folder:<{width}} -> {', '.join(sorted(deps[folder])) or '(nothing)'}")
    cycles = sorted({tuple(sorted((a, b))) for a in deps for b in deps[a] if a in deps[b]})
    for a, b in cycles:
        print(f"cycle: {a} <-> {b}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
