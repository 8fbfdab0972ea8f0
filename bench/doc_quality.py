#!/usr/bin/env python3
"""Documentation quality over the real-code corpus, one command.

For each project of ../shared/realcode (or --corpus DIR) it runs
`doctown build <project> --llm offline --no-cache` into a temporary folder and measures, from the
docpack (chunks.json, documentation.json) and the Markdown/HTML pages:

  public_api_documented_pct   public API symbols (is_public_api, documentable kinds) with a doc
  public_api_docworthy_..._pct  the same without destructors, deleted/defaulted functions,
                              parameterless constructors and private members
  test_thirdparty_docs_pct    documented symbols whose file is a test, benchmark, bundled
                              third-party or generated file (judged by path, by generated
                              documentation folders and by minified lines, independently of
                              doctown's own roles, so the number cannot agree with itself)
  restating_summary_pct       summaries that only restate kind and name ("A function `f`.")
  restating_commented_pct     the same, among symbols whose source has a comment
  comments_captured_pct       documentable symbols whose comment the analyzer captured
  largest_page_kb             biggest Markdown or HTML page
  wall_s                      wall time of the build

Prints a table and writes bench/results/doc_quality.json (or --json PATH).
Usage: bench/doc_quality.py [--doctown PATH] [--corpus DIR] [--json PATH] [--label TEXT]
                            [--only a,b] [--keep DIR]
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
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

NOT_ON_ITS_OWN = {"namespace", "enumerator", "field", "document", "other"}
TEST_DIRS = {"test", "tests", "testing", "unittest", "unittests", "t", "spec", "specs", "bench",
             "benches", "benchmark", "benchmarks", "third_party", "thirdparty", "third-party",
             "vendor", "vendored", "external", "extern", "deps", "bundled", "contrib"}
TEST_FILE = re.compile(r"(^test_.*\.py$|_test\.[a-z+]+$|_tests?\.py$|^test[_-]?[a-z0-9_]*\.(c|cc|cpp|cxx)$"
                       r"|test\.(c|cc|cpp|cxx)$"
                       r"|_unittest\.[a-z+]+$|^conftest\.py$|_bench\.[a-z+]+$)")
# "A function `f`.", "A member function `a::b` of `a`.", "An enumeration `E`." ...
RESTATING = re.compile(r"^(An?|The) [a-z ]+ `[^`]+`( of `[^`]+`)?\.$")


def generated_files(root):
    """Files of generated documentation sites (a folder holding doxygen.css or Sphinx's
    .buildinfo, and its subfolders, like tinyxml2's docs/) and minified files (a line over 1,000
    characters in the first 4 KiB, like jquery.js): nobody documents these, whatever doctown's
    roles say."""
    out, sites = set(), []
    for folder, _, files in sorted(os.walk(root)):
        rel = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        if "doxygen.css" in files or ".buildinfo" in files:
            sites.append(prefix)
        in_site = any(prefix.startswith(s) for s in sites)
        for f in files:
            if not in_site:
                try:
                    with open(os.path.join(folder, f), "rb") as h:
                        head = h.read(4096)
                except OSError:
                    continue
                if not any(len(line) > 1000 for line in head.split(b"\n")):
                    continue
            out.add(prefix + f)
    return out


def is_test_or_thirdparty(path, generated=frozenset()):
    if path in generated:
        return True
    parts = path.split("/")
    if any(p.lower() in TEST_DIRS for p in parts[:-1]):
        return True
    return bool(TEST_FILE.search(parts[-1].lower()))


def nothing_to_explain(c):
    m = c["metadata"]
    flags = set(m["extra"].get("flags", []))
    kind = m["symbol_kind"]
    return (kind == "destructor" or "deleted" in flags or "defaulted" in flags
            or m.get("visibility") == "private"
            or (kind == "constructor" and not m.get("parameters")))


def largest_page(root):
    best, best_path = 0, ""
    for folder, _, files in os.walk(root):
        for f in files:
            if f.endswith((".md", ".html")):
                p = os.path.join(folder, f)
                size = os.path.getsize(p)
                if size > best:
                    best, best_path = size, os.path.relpath(p, root)
    return best, best_path


def measure(doctown, archive, work):
    name = os.path.basename(archive).split(".")[0]
    src = os.path.join(work, "src")
    os.makedirs(src, exist_ok=True)
    with tarfile.open(archive) as t:
        t.extractall(src, filter="data")
    entries = [e for e in os.listdir(src) if not e.startswith(".")]
    root = os.path.join(src, entries[0]) if len(entries) == 1 else src
    generated = generated_files(root)
    out = os.path.join(work, "out")
    cmd = [doctown, "build", root, "-o", out, "--llm", "offline", "--no-cache", "--json",
           "--name", name]
    start = time.monotonic()
    run = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - start
    if run.returncode not in (0, 1):
        sys.stderr.write(run.stderr[-2000:])
        raise SystemExit(f"doctown build failed on {name} (exit {run.returncode})")
    summary = json.loads(run.stdout)
    with zipfile.ZipFile(summary["docpack"]) as z:
        chunks = json.loads(z.read("chunks.json"))
        docs = json.loads(z.read("documentation.json"))
    by_id = {c["chunk_id"]: c for c in chunks}
    doc_by_id = {d["symbol_id"]: d for d in docs["summaries"]}
    documentable = [c for c in chunks if c["metadata"]["symbol_kind"] not in NOT_ON_ITS_OWN]
    public = [c for c in documentable if c["metadata"]["extra"]["is_public_api"]
              and not is_test_or_thirdparty(c["path"], generated)]
    public_doc = sum(1 for c in public if c["chunk_id"] in doc_by_id)
    # The same without what has nothing to explain: destructors, deleted/defaulted functions,
    # parameterless constructors and private members (DocScore's rule for forced selection).
    worthy = [c for c in public if not nothing_to_explain(c)]
    worthy_doc = sum(1 for c in worthy if c["chunk_id"] in doc_by_id)
    documented = [by_id[i] for i in doc_by_id if i in by_id]
    foreign = sum(1 for c in documented if is_test_or_thirdparty(c["path"], generated))
    restating = [i for i, d in doc_by_id.items() if RESTATING.match(d["summary"].strip())]
    commented = [i for i in doc_by_id if i in by_id and by_id[i]["metadata"]["doc_comment"].strip()]
    restating_commented = [i for i in commented if RESTATING.match(doc_by_id[i]["summary"].strip())]
    with_comment = sum(1 for c in documentable if c["metadata"]["doc_comment"].strip())
    md_size, md_page = largest_page(os.path.dirname(summary["markdown_dir"] or out))
    pct = lambda a, b: round(100.0 * a / b, 1) if b else None
    return {
        "project": name,
        "symbols": len(chunks),
        "documented": len(documented),
        "public_api": len(public),
        "public_api_documented_pct": pct(public_doc, len(public)),
        "public_api_docworthy_documented_pct": pct(worthy_doc, len(worthy)),
        "test_thirdparty_docs_pct": pct(foreign, len(documented)),
        "restating_summary_pct": pct(len(restating), len(doc_by_id)),
        "restating_commented_pct": pct(len(restating_commented), len(commented)),
        "comments_captured_pct": pct(with_comment, len(documentable)),
        "largest_page_kb": round(md_size / 1024, 1),
        "largest_page": md_page,
        "wall_s": round(wall, 2),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--doctown", default=os.path.join(REPO, "build", "apps", "doctown-cli", "doctown"))
    ap.add_argument("--corpus", default=os.path.join(REPO, "..", "shared", "realcode"))
    ap.add_argument("--json", default=os.path.join(HERE, "results", "doc_quality.json"))
    ap.add_argument("--label", default="", help="free text stored in the JSON (e.g. the commit)")
    ap.add_argument("--only", default="", help="comma-separated project names")
    ap.add_argument("--keep", default="", help="keep each project's source and output in DIR/<project>")
    a = ap.parse_args()
    if not os.access(a.doctown, os.X_OK):
        raise SystemExit(f"no doctown binary at {a.doctown}; build it or pass --doctown PATH")
    archives = sorted(f for f in os.listdir(a.corpus) if f.endswith(".tar.gz"))
    if a.only:
        keep = set(a.only.split(","))
        archives = [f for f in archives if f.split(".")[0] in keep]
    cols = [("project", "project", 9), ("symbols", "symbols", 7), ("documented", "docs", 5),
            ("public_api_documented_pct", "pubAPI%", 7),
            ("public_api_docworthy_documented_pct", "pubW%", 6),
            ("test_thirdparty_docs_pct", "test/3p%", 8),
            ("restating_summary_pct", "restate%", 8), ("restating_commented_pct", "restC%", 6),
            ("comments_captured_pct", "cmnt%", 6), ("largest_page_kb", "maxKB", 7),
            ("wall_s", "wall_s", 6)]
    print(" ".join(h.rjust(w) for _, h, w in cols), flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    rows = []
    # One row at a time, JSON rewritten after each project: a long corpus run that is stopped
    # keeps what it measured.
    for f in archives:
        if a.keep:
            work = os.path.join(os.path.abspath(a.keep), f.split(".")[0])
            os.makedirs(work, exist_ok=True)
            r = measure(os.path.abspath(a.doctown), os.path.join(a.corpus, f), work)
        else:
            with tempfile.TemporaryDirectory(prefix="doctown-docq-") as work:
                r = measure(os.path.abspath(a.doctown), os.path.join(a.corpus, f), work)
        rows.append(r)
        print(" ".join(str(r[k] if r[k] is not None else "-").rjust(w) for k, _, w in cols),
              flush=True)
        with open(a.json, "w") as out:
            json.dump({"label": a.label, "date": time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()),
                       "projects": rows}, out, indent=2)
    print(f"JSON: {a.json}")


if __name__ == "__main__":
    main()
