#!/usr/bin/env python3
"""Recall of Doxygen's symbols by doctown's analyzer, per C/C++ realcode project.

For each project: extract the tarball to a temp dir, run `doctown analyze --json` with default
settings, run Doxygen on exactly the C/C++ files doctown selected
(EXTRACT_ALL, EXTRACT_PRIVATE, EXTRACT_STATIC, MACRO_EXPANSION), and count how many of
Doxygen's classes, functions, enums, typedefs and macros doctown found under the same
qualified name. Anonymous entities (Doxygen's `@N` names) are left out: Doxygen names them by
position, there is nothing to match. Prints a table, writes JSON (with the misses).
Usage: recall_doxygen.py --cli build/apps/doctown-cli/doctown --realcode ../shared/realcode
                         --json bench/results/recall.json
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET

PROJECTS = ["zlib", "tinyxml2", "spdlog"]
# Default settings (no compile database) everywhere; spdlog's tests, benchmarks and examples are ~60 more translation units that add nothing to
# its API and minutes to the run: the library itself (include/, src/) is measured.
SCOPE = {"spdlog": ["--include", "include/**", "--include", "src/**"]}
CATEGORIES = ["classes", "functions", "enums", "typedefs", "macros"]

OUR_KINDS = {
    "class": "classes", "struct": "classes", "union": "classes",
    "function": "functions", "method": "functions", "constructor": "functions",
    "destructor": "functions", "operator": "functions", "conversion": "functions",
    "enum": "enums", "typedef": "typedefs", "type_alias": "typedefs", "macro": "macros",
}
DOXY_COMPOUNDS = {"class": "classes", "struct": "classes", "union": "classes"}
DOXY_MEMBERS = {"function": "functions", "enum": "enums", "typedef": "typedefs",
                "define": "macros"}


def norm(name):
    """Compare names without template arguments and spaces: `basic_string_view< Char >` and
    `basic_string_view<Char>` are one name, and so are specialisations of one template."""
    out, depth = [], 0
    for ch in name:
        if ch == "<":
            depth += 1
        elif ch == ">" and depth:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    flat = re.sub(r"\s+", "", "".join(out))
    # Inline version namespaces (`fmt::v9::`) are transparent to users and to doctown.
    return re.sub(r"(^|::)v[0-9]+::", r"\1", flat)


def our_symbols(cli, root, extra):
    started = time.monotonic()
    res = subprocess.run([cli, "analyze", root, "--json"] + extra, capture_output=True,
                         text=True, check=False)
    if res.returncode not in (0, 1):
        sys.exit(f"doctown analyze failed on {root}: {res.stderr[-2000:]}")
    doc = json.loads(res.stdout)
    sets = {c: set() for c in CATEGORIES}
    comments = {"public": 0, "commented": 0}
    for s in doc["symbols"]:
        cat = OUR_KINDS.get(s["kind"])
        if cat:
            sets[cat].add(norm(s["qualified_name"]))
        if s.get("public") and cat in ("classes", "functions", "macros", "enums", "typedefs"):
            comments["public"] += 1
            comments["commented"] += bool(s.get("doc_comment"))
    files = [f for f in doc["files"] if re.search(r"\.(c|cc|cpp|cxx|h|hh|hpp|hxx|inl|ipp)$", f)]
    comments.update(comments_above(doc["symbols"], root))
    return sets, files, comments, time.monotonic() - started, len(doc["symbols"])


def comments_above(symbols, root):
    """Issue 14's "every // comment directly above a public declaration captured", counted on
    the whole project: of the public declarations (namespaces and enumerators aside: an
    enumerator often shares its enum's line) whose line above is a `//` line or ends a `/* */`
    block, how many got a doc comment. The header declaration counts when there is one."""
    lines, n, got, missed = {}, 0, 0, []
    for s in symbols:
        if (not s.get("public") or s["kind"] in ("namespace", "enumerator")
                or s.get("language") not in ("c", "c++")):
            continue
        at = s.get("declaration") or {"file": s["file"], "line": s["line"]}
        if at["file"] not in lines:
            try:
                with open(os.path.join(root, at["file"]), errors="replace") as f:
                    lines[at["file"]] = f.read().split("\n")
            except OSError:
                lines[at["file"]] = []
        text = lines[at["file"]]
        if not 2 <= at["line"] <= len(text):
            continue
        above = text[at["line"] - 2].strip()
        if not (above.startswith("//") or above.endswith("*/")):
            continue
        if above.endswith("*/") and "/*" in above and above[:above.index("/*")].strip():
            continue  # a trailing comment of the code line above, not a comment above
        if above.startswith("//#"):
            continue  # commented-out preprocessor line
        n += 1
        if s.get("doc_comment"):
            got += 1
        elif len(missed) < 20:
            missed.append(f"{s['qualified_name']} ({at['file']}:{at['line']})")
    return {"above_total": n, "above_captured": got, "above_missed": missed}


def doxygen_symbols(root, files, work):
    xml_dir = os.path.join(work, "doxy")
    conf = os.path.join(work, "Doxyfile")
    with open(conf, "w") as f:
        f.write("\n".join([
            "OUTPUT_DIRECTORY = " + xml_dir, "GENERATE_XML = YES", "GENERATE_HTML = NO",
            "GENERATE_LATEX = NO", "EXTRACT_ALL = YES", "EXTRACT_PRIVATE = YES",
            "EXTRACT_STATIC = YES", "EXTRACT_LOCAL_CLASSES = YES", "EXTRACT_ANON_NSPACES = NO",
            "ENABLE_PREPROCESSING = YES", "MACRO_EXPANSION = YES", "SEARCH_INCLUDES = YES",
            "QUIET = YES", "WARNINGS = NO", "RECURSIVE = NO",
            "INCLUDE_PATH = " + root + " " + os.path.join(root, "include"),
            "INPUT = " + " ".join('"' + os.path.join(root, p) + '"' for p in files), ""]))
    subprocess.run(["doxygen", conf], cwd=work, capture_output=True, check=True)
    index = ET.parse(os.path.join(xml_dir, "xml", "index.xml")).getroot()
    sets = {c: set() for c in CATEGORIES}
    seen_members = {}
    for comp in index.findall("compound"):
        kind, cname = comp.get("kind"), comp.findtext("name")
        if kind in DOXY_COMPOUNDS and "@" not in cname:
            sets[DOXY_COMPOUNDS[kind]].add(norm(cname))
        for m in comp.findall("member"):
            cat = DOXY_MEMBERS.get(m.get("kind"))
            if not cat:
                continue
            mname = m.findtext("name")
            scoped = kind in ("class", "struct", "union", "namespace")
            q = f"{cname}::{mname}" if scoped else mname
            # A namespace member is also listed under its file: keep the scoped name.
            prev = seen_members.get(m.get("refid"))
            if prev and not scoped:
                continue
            seen_members[m.get("refid")] = (cat, q)
    for cat, q in seen_members.values():
        if "@" in q:
            continue
        sets[cat].add(norm(q))
    return sets


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--realcode", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--projects", default=",".join(PROJECTS))
    args = ap.parse_args()
    results = []
    for project in args.projects.split(","):
        tarball = os.path.join(args.realcode, project + ".tar.gz")
        if not os.path.exists(tarball):
            print(f"{project}: {tarball} not found, skipped")
            continue
        with tempfile.TemporaryDirectory() as work:
            with tarfile.open(tarball) as t:
                t.extractall(work, filter="data") if hasattr(tarfile, "data_filter") else t.extractall(work)
            root = os.path.join(work, project)
            ours, files, comments, seconds, total = our_symbols(
                os.path.abspath(args.cli), root, SCOPE.get(project, []))
            doxy = doxygen_symbols(root, files, work)
        row = {"project": project, "files": len(files), "symbols": total,
               "analyze_seconds": round(seconds, 2),
               "public_commented": comments["commented"], "public": comments["public"],
               "comment_above": {"declarations": comments["above_total"],
                                 "captured": comments["above_captured"],
                                 "missed": comments["above_missed"]}}
        for cat in CATEGORIES:
            found = doxy[cat] & ours[cat]
            row[cat] = {"doxygen": len(doxy[cat]), "found": len(found),
                        "recall": round(len(found) / len(doxy[cat]), 4) if doxy[cat] else None,
                        "missed": sorted(doxy[cat] - ours[cat])[:40],
                        # Doxygen reads both sides of an #if; the compiler's side may declare the
                        # name as another kind (`using int128_opt = __int128_t;` vs `enum class`).
                        "found_as_other_kind": sorted(
                            n for n in doxy[cat] - ours[cat]
                            if any(n in ours[o] for o in CATEGORIES if o != cat))}
        all_d = sum(row[c]["doxygen"] for c in CATEGORIES)
        all_f = sum(row[c]["found"] for c in CATEGORIES)
        row["overall"] = round(all_f / all_d, 4) if all_d else None
        results.append(row)
        print(f"{project}: " + ", ".join(f"{c} {row[c]['found']}/{row[c]['doxygen']}" for c in CATEGORIES)
              + f"; {seconds:.1f} s", flush=True)

    head = (f"{'project':<10}" + "".join(f"{c:>18}" for c in CATEGORIES) + f"{'overall':>10}"
            f"{'commented public':>20}{'comment above kept':>22}")
    print(head)
    for r in results:
        cells = ""
        for c in CATEGORIES:
            x = r[c]
            cells += f"{x['found']:>7}/{x['doxygen']:<4}" + (
                f"{100 * x['recall']:>6.1f}%" if x["recall"] is not None else f"{'-':>7}")
        print(f"{r['project']:<10}{cells}{100 * r['overall']:>9.1f}%"
              f"{r['public_commented']:>12}/{r['public']:<7}"
              f"{r['comment_above']['captured']:>12}/{r['comment_above']['declarations']:<9}")
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()),
                   "doxygen": subprocess.run(["doxygen", "--version"], capture_output=True,
                                             text=True).stdout.strip(),
                   "projects": results}, f, indent=2)
    print("JSON:", args.json)


if __name__ == "__main__":
    main()
