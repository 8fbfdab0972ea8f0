#!/usr/bin/env python3
"""Peak memory of doctown on generated projects (driven by bench/run_memory.sh).

For each size N: generate an N-translation-unit project (gen_cpp_project.py, N/50 headers),
then run `doctown analyze --json` and `doctown build` (offline, docpack + Markdown + HTML) as
child processes and read their peak RSS from wait4's rusage. Also runs one
`clang++ -fsyntax-only` on a translation unit of the project as a reference: the memory one
compiler process needs for one file.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, cwd=None):
    start = time.monotonic()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=null, stderr=subprocess.PIPE)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(cmd)} failed ({code}): {err.decode(errors='replace')[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mib": usage.ru_maxrss / 1024.0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="+", type=int)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", required=True)
    ap.add_argument("--json", required=True)
    a = ap.parse_args()
    cli = os.path.abspath(a.cli)
    rows = []
    print(f"{'TUs':>6} {'files':>6} {'symbols':>8} {'analyze s':>9} {'analyze MiB':>11} "
          f"{'build s':>8} {'build MiB':>9} {'KiB/symbol':>10} {'clang 1 TU MiB':>14}")
    for n in a.sizes:
        proj = os.path.join(a.work, f"gen-{n}")
        out = os.path.join(a.work, f"out-{n}")
        shutil.rmtree(proj, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_cpp_project.py"), proj,
                        "--tus", str(n), "--headers", str(max(10, n // 50))],
                       check=True, stdout=subprocess.DEVNULL)
        files = sum(len(f) for _, _, f in os.walk(os.path.join(proj)))
        # Symbol count from the analysis itself.
        listing = subprocess.run([cli, "-q", "analyze", proj, "--json", "--jobs", str(a.jobs)],
                                 check=True, capture_output=True)
        symbols = len(json.loads(listing.stdout)["symbols"])
        analyze = run([cli, "-q", "analyze", proj, "--json", "--jobs", str(a.jobs)])
        build = run([cli, "-q", "build", proj, "-o", out, "--jobs", str(a.jobs), "--no-cache",
                     "--llm", "offline"])
        db = json.load(open(os.path.join(proj, "compile_commands.json")))
        first = db[0]
        clang = run(["clang++", "-fsyntax-only", "-std=c++17", "-Iinclude", "-DGEN_BENCH=1",
                     first["file"]], cwd=first["directory"])
        per_symbol = build["peak_rss_mib"] * 1024 / max(1, symbols)
        rows.append({"translation_units": n, "files": files, "symbols": symbols,
                     "analyze": analyze, "build": build, "clang_one_tu": clang,
                     "build_kib_per_symbol": per_symbol, "jobs": a.jobs})
        print(f"{n:>6} {files:>6} {symbols:>8} {analyze['wall_s']:>9.1f} "
              f"{analyze['peak_rss_mib']:>11.0f} {build['wall_s']:>8.1f} "
              f"{build['peak_rss_mib']:>9.0f} {per_symbol:>10.1f} {clang['peak_rss_mib']:>14.0f}")
        shutil.rmtree(out, ignore_errors=True)
    with open(a.json, "w") as f:
        json.dump({"benchmark": "memory", "load_average_1min": os.getloadavg()[0],
                   "results": rows}, f, indent=2)


if __name__ == "__main__":
    main()
