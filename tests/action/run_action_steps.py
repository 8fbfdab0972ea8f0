#!/usr/bin/env python3
"""Runs the steps of action.yml in their order on this machine, the way the runner would:
`run:` steps through bash with the step's env (inputs substituted), GITHUB_ENV/GITHUB_OUTPUT
files, GITHUB_ACTION_PATH; `uses:` steps emulated (actions/cache/restore and save as a local
key -> folder store with restore-keys prefix matching; the upload actions pack the site into a
tar). Two runs on examples/sample-project, offline, each with a fresh output folder as on a
fresh runner: the first fills the cache, the second must restore it and take every doc from it.

Usage: run_action_steps.py REPO BUILD_DIR SCRATCH
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile


def parse_steps(text):
    """The steps of runs.steps: a small parser for the YAML subset action.yml uses (mappings,
    a list of step mappings, `|` block scalars). PyYAML, when present, cross-checks it."""
    lines = text.split("\n")
    i = next(n for n, l in enumerate(lines) if l.strip() == "steps:" and l.startswith("  ")) + 1
    steps, cur, key_stack = [], None, []

    def scalar(v):
        v = v.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
            return v[1:-1]
        return v

    while i < len(lines):
        line = lines[i]
        if line.strip() == "" or line.lstrip().startswith("#"):
            i += 1
            continue
        indent = len(line) - len(line.lstrip())
        if indent < 4:
            break
        body = line.strip()
        if indent == 4 and body.startswith("- "):
            cur = {}
            steps.append(cur)
            body = body[2:]
            indent = 6
        m = re.match(r"^([A-Za-z0-9_-]+):(.*)$", body)
        if not m:
            raise ValueError("cannot parse line %d: %r" % (i + 1, line))
        key, value = m.group(1), m.group(2).strip()
        target = cur if indent == 6 else cur[key_stack[-1]]
        if indent == 6:
            key_stack = [key]
        if value in ("|", "|-"):
            block, i = [], i + 1
            while i < len(lines) and (lines[i].strip() == "" or
                                      len(lines[i]) - len(lines[i].lstrip()) > indent):
                block.append(lines[i])
                i += 1
            pad = min(len(b) - len(b.lstrip()) for b in block if b.strip())
            target[key] = "\n".join(b[pad:] for b in block).rstrip("\n") + "\n"
            continue
        if value == "" and indent == 6:
            target[key] = {}
        else:
            target[key] = scalar(value)
        i += 1
    return steps


class Runner:
    def __init__(self, repo, build_dir, scratch, inputs):
        self.repo, self.build_dir, self.scratch = repo, build_dir, scratch
        self.inputs = inputs
        self.env_file = os.path.join(scratch, "github_env")
        self.temp = os.path.join(scratch, "runner_temp")
        self.store = os.path.join(os.path.dirname(scratch), "cache_store")
        self.outputs = {}  # step id -> {key: value}
        self.job_env = {}  # from GITHUB_ENV
        self.log = []
        os.makedirs(self.temp, exist_ok=True)
        os.makedirs(self.store, exist_ok=True)
        open(self.env_file, "w").close()

    def expr(self, e):
        e = e.strip()
        if e.startswith("inputs."):
            return self.inputs.get(e[len("inputs."):], "")
        if e == "runner.temp":
            return self.temp
        if e == "runner.os":
            return "Linux"
        m = re.match(r"^steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)$", e)
        if m:
            return self.outputs.get(m.group(1), {}).get(m.group(2), "")
        raise ValueError("expression not emulated: " + e)

    def subst(self, s):
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: self.expr(m.group(1)), s)

    def condition(self, cond):
        if cond is None or cond == "always()":
            return True
        m = re.match(r"^inputs\.([A-Za-z0-9_-]+) == '([^']*)'$", cond.strip())
        if not m:
            raise ValueError("condition not emulated: " + cond)
        return self.inputs.get(m.group(1), "") == m.group(2)

    def read_kv(self, path):
        out = {}
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    out[k] = v
        return out

    def run_step(self, step):
        out_file = os.path.join(self.temp, "github_output")
        open(out_file, "w").close()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
               "GITHUB_ACTION_PATH": self.repo, "GITHUB_ENV": self.env_file,
               "GITHUB_OUTPUT": out_file, "RUNNER_TEMP": self.temp, "RUNNER_OS": "Linux",
               "DOCTOWN_ACTION_BUILD_DIR": self.build_dir}
        env.update(self.job_env)
        for k, v in step.get("env", {}).items():
            env[k] = self.subst(v)
        assert step.get("shell") == "bash", "every run step must say shell: bash"
        # What the runner runs for shell: bash.
        r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                           cwd=self.scratch, env=env, capture_output=True, text=True, timeout=600)
        self.log.append((step["name"], r.returncode, r.stdout, r.stderr))
        if r.returncode != 0:
            raise RuntimeError("step %r failed (%d):\n%s\n%s" % (step["name"], r.returncode,
                                                                 r.stdout, r.stderr))
        if "id" in step:
            self.outputs[step["id"]] = self.read_kv(out_file)
        self.job_env.update(self.read_kv(self.env_file))
        return r

    def cache_restore(self, w):
        path = os.path.join(self.scratch, self.subst(w["path"]))
        key = self.subst(w["key"])
        candidates = [key] + [self.subst(k).strip() for k in w.get("restore-keys", "").split("\n")
                              if k.strip()]
        for c in candidates:
            hits = sorted(d for d in os.listdir(self.store) if d == c or (c != key and d.startswith(c)))
            if hits:
                shutil.copytree(os.path.join(self.store, hits[-1]), path, dirs_exist_ok=True)
                return "exact" if hits[-1] == key else "prefix"
        return "miss"

    def cache_save(self, w):
        path = os.path.join(self.scratch, self.subst(w["path"]))
        key = self.subst(w["key"])
        dest = os.path.join(self.store, key)
        assert os.path.isdir(path), "nothing to cache at " + path
        if not os.path.exists(dest):  # actions/cache never overwrites a key
            shutil.copytree(path, dest)
        return key

    def upload(self, w):
        site = os.path.join(self.scratch, self.subst(w["path"]))
        assert os.path.isfile(os.path.join(site, "index.html")), "no site at " + site
        tar = os.path.join(self.scratch, "artifact.tar")
        with tarfile.open(tar, "w") as t:
            t.add(site, arcname=".")
        return tar

    def run(self, steps):
        seen = {}
        for step in steps:
            if not self.condition(step.get("if")):
                seen[step["name"]] = "skipped"
                continue
            uses = step.get("uses")
            if uses is None:
                self.run_step(step)
                seen[step["name"]] = "ran"
            elif uses.startswith("actions/cache/restore@"):
                seen[step["name"]] = self.cache_restore(step["with"])
            elif uses.startswith("actions/cache/save@"):
                seen[step["name"]] = self.cache_save(step["with"])
            elif uses.startswith(("actions/upload-pages-artifact@", "actions/upload-artifact@")):
                seen[step["name"]] = self.upload(step["with"])
            else:
                raise ValueError("step not emulated: " + uses)
        return seen


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def main():
    repo, build_dir, scratch = (os.path.abspath(a) for a in sys.argv[1:4])
    with open(os.path.join(repo, "action.yml")) as f:
        text = f.read()
    steps = parse_steps(text)
    try:
        import yaml  # optional: confirms the simple parser read what a YAML parser reads
        check(yaml.safe_load(text)["runs"]["steps"] == steps, "simple parser disagrees with PyYAML")
    except ImportError:
        pass
    names = [s["name"] for s in steps]
    print("steps:", names)
    order = ["Install dependencies", "Build doctown", "Compute the cache key",
             "Restore the doctown cache", "Build the docs", "Save the doctown cache"]
    check([n for n in names if n in order] == order, "steps out of order: %s" % names)

    if os.path.exists(scratch):
        shutil.rmtree(scratch)
    os.makedirs(scratch)
    source = os.path.join(scratch, "sample-project")
    shutil.copytree(os.path.join(repo, "examples", "sample-project"), source)
    inputs = {"source": source, "output": "doctown-out", "name": "docs", "llm": "offline",
              "model": "", "base-url": "", "max-cost": "", "api-key": "", "upload": "pages"}
    results = []
    for run in (1, 2):
        work = os.path.join(scratch, "run%d" % run)  # a fresh runner: empty output folder
        os.makedirs(work)
        r = Runner(repo, build_dir, work, inputs)
        seen = r.run(steps)
        build = json.loads(open(os.path.join(r.temp, "doctown-build.json")).read())
        results.append((seen, build, r))
        print("run %d:" % run, {k: v for k, v in seen.items() if k != "Upload the site for GitHub Pages"},
              "documented", build["documented"], "cached", build["cached"])

    (seen1, build1, r1), (seen2, build2, r2) = results
    site = os.path.join(r1.scratch, r1.outputs["docs"]["site"])
    for f in ("index.html", "llms.txt", "llms-full.txt", "search.html"):
        check(os.path.isfile(os.path.join(site, f)), "the site lacks " + f)
    check(os.path.isfile(os.path.join(r1.scratch, r1.outputs["docs"]["docpack"])), "no docpack")
    llms = open(os.path.join(site, "llms.txt")).read()
    check(llms.startswith("# docs\n\n> "), "llms.txt does not open with its title and summary")
    check("](geo.html)" in llms or "geo" in llms, "llms.txt does not link the geo page")
    check('href="llms.txt"' in open(os.path.join(site, "index.html")).read(),
          "index.html does not link llms.txt")
    with tarfile.open(os.path.join(r1.scratch, "artifact.tar")) as t:
        check("./index.html" in t.getnames(), "the uploaded artifact lacks index.html")
    check(seen1["Restore the doctown cache"] == "miss", "the first run found a cache")
    check(seen1["Upload the site as an artifact"] == "skipped", "upload: pages ran upload-artifact")
    check(build1["documented"] > 0 and build1["cached"] == 0, "first run: %s" % build1)
    check(r1.outputs["key"]["key"] == r2.outputs["key"]["key"], "the cache key is not stable")
    check(seen2["Restore the doctown cache"] == "exact", "the second run missed the cache")
    check(build2["documented"] == build1["documented"], "second run documented a different count")
    check(build2["cached"] == build2["documented"], "second run did not take every doc from the "
          "cache: %s" % build2)
    print("ok: %d docs built, then %d of %d from the restored cache" %
          (build1["documented"], build2["cached"], build2["documented"]))


if __name__ == "__main__":
    main()
