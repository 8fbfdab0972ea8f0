#!/usr/bin/env python3
"""Ground truth for the analyzer's docstring capture: every module, class and def (nested ones
too) of the .py files under a folder that has a docstring, one `path<TAB>line<TAB>name` line each
(line 1 for a module's docstring), as Python's own `ast` module sees them."""
import ast
import os
import sys

root = sys.argv[1]
for folder, dirs, files in os.walk(root):
    dirs.sort()
    for name in sorted(files):
        if not name.endswith(".py"):
            continue
        path = os.path.join(folder, name)
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        try:
            with open(path, "rb") as f:
                tree = ast.parse(f.read(), filename=path)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if ast.get_docstring(node) is None:
                continue
            line = 1 if isinstance(node, ast.Module) else node.lineno
            label = "<module>" if isinstance(node, ast.Module) else node.name
            print(f"{rel}\t{line}\t{label}")
