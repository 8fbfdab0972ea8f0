#!/usr/bin/env python3
"""Generate a synthetic C++ project for the analyzer benchmark.

N translation units share H headers (each TU includes a few of them plus a common base
header with templates), so the benchmark exercises what real projects do: headers parsed by
many TUs, classes with virtual overrides, free functions calling each other across files,
doc comments. Only project headers are included (no standard library) so the parse cost is
the project's own and the whole benchmark stays short. A compile_commands.json is written
so every tool (doctown, clang -fsyntax-only, clang-doc) sees the same flags.

Usage: gen_cpp_project.py OUT_DIR [--tus 300] [--headers 30] [--seed 1]
"""
import argparse
import json
import os
import random


def header(i, rng):
    lines = [
        "#pragma once",
        '#include "gen/base.hpp"',
        "",
        f"namespace gen::m{i} {{",
        "",
        f"/// Widget number {i}: a shape-like object with a virtual interface.",
        f"class Widget{i} : public gen::Base {{",
        " public:",
        f"  /// Make widget {i} with a scale.",
        f"  explicit Widget{i}(int scale) : scale_(scale) {{}}",
        "  /// Weight of the widget.",
        "  int weight() const override;",
        "  /// Name id of the widget.",
        f"  int id() const override {{ return {i}; }}",
    ]
    for m in range(8):
        lines += [
            f"  /// Step {m} of the computation.",
            f"  int step{m}(int x) const {{ return x * scale_ + {m}; }}",
        ]
    lines += [
        " private:",
        "  int scale_;",
        "};",
        "",
        f"/// Free helper {i}.",
        f"int helper{i}(int v);",
        "",
        f"/// Combine values with a small fixed buffer.",
        f"inline int combine{i}(int a, int b) {{",
        f"  gen::Buffer<int, 4> buf;",
        f"  buf.put(0, a);",
        f"  buf.put(1, b);",
        f"  return gen::max_of(buf.get(0), buf.get(1));",
        "}",
        "",
        f"}}  // namespace gen::m{i}",
        "",
    ]
    return "\n".join(lines)


BASE = """#pragma once

namespace gen {

/// Base of every widget.
class Base {
 public:
  virtual ~Base() = default;
  /// Weight in grams.
  virtual int weight() const = 0;
  /// Identifier.
  virtual int id() const = 0;
};

/// Larger of two values.
template <typename T>
T max_of(T a, T b) { return a < b ? b : a; }

/// Fixed-size buffer.
template <typename T, int N>
class Buffer {
 public:
  /// Store a value.
  void put(int i, T v) { if (i >= 0 && i < N) data_[i] = v; }
  /// Read a value.
  T get(int i) const { return (i >= 0 && i < N) ? data_[i] : T{}; }
 private:
  T data_[N]{};
};

}  // namespace gen
"""


def source(t, headers, n_headers, rng):
    own = t % n_headers
    inc = sorted({own} | set(rng.sample(range(n_headers), min(3, n_headers))))
    lines = [f'#include "gen/h{h}.hpp"' for h in inc] + ["", f"namespace gen::t{t} {{", ""]
    for f in range(6):
        h = rng.choice(inc)
        lines += [
            f"/// Function {f} of unit {t}.",
            f"int f{f}(int x) {{",
            f"  gen::m{h}::Widget{h} w(x);",
            "  int total = 0;",
            "  for (int i = 0; i < x; ++i) {",
            f"    if (i % 3 == 0 && x > {f}) total += w.step{f % 8}(i);",
            f"    else total -= gen::m{h}::combine{h}(i, x);",
            "  }",
            f"  return total + (f{f - 1}(x - 1) > 0 ? 1 : 0);" if f > 0 else "  return total;",
            "}",
            "",
        ]
    lines += [f"}}  // namespace gen::t{t}", ""]
    if t < n_headers:
        # The unit that owns header t defines its out-of-line members.
        lines += [
            f"namespace gen::m{t} {{",
            f"int Widget{t}::weight() const {{ return scale_ * {t + 1}; }}",
            f"int helper{t}(int v) {{ return combine{t}(v, v + 1) + gen::t{t}::f5(v); }}",
            f"}}  // namespace gen::m{t}",
            "",
        ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--tus", type=int, default=300)
    ap.add_argument("--headers", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = os.path.abspath(args.out)
    os.makedirs(os.path.join(out, "include", "gen"), exist_ok=True)
    os.makedirs(os.path.join(out, "src"), exist_ok=True)
    with open(os.path.join(out, "include", "gen", "base.hpp"), "w") as f:
        f.write(BASE)
    for i in range(args.headers):
        with open(os.path.join(out, "include", "gen", f"h{i}.hpp"), "w") as f:
            f.write(header(i, rng))
    db = []
    for t in range(args.tus):
        rel = f"src/unit{t:03d}.cpp"
        with open(os.path.join(out, rel), "w") as f:
            f.write(source(t, None, args.headers, rng))
        db.append({
            "directory": out,
            "file": rel,
            "command": f"/usr/bin/c++ -std=c++17 -Iinclude -DGEN_BENCH=1 -O2 -o build/{t}.o -c {rel}",
        })
    with open(os.path.join(out, "compile_commands.json"), "w") as f:
        json.dump(db, f, indent=1)
    print(f"{out}: {args.tus} translation units, {args.headers + 1} headers")


if __name__ == "__main__":
    main()
