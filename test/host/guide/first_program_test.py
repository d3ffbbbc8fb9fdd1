#!/usr/bin/env python3
"""Follow docs/first-program.md word for word.

In a copy of the source tree (the build directories and .git left out,
so the build starts from nothing as a newcomer's does), create every file
the guide marks with <!-- first-program: file PATH --> with the content of
the code block that follows (the file must not exist yet), run every
command of each block marked <!-- first-program: run [status=N] --> from
the top of the copy as a shell would, require the exit status (0 unless
the marker says otherwise), and require each line of the following block
marked <!-- first-program: output --> to appear in that command's output,
in order, with only the numbers allowed to differ (task ids, addresses).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

failures = []


def expect(what, cond, detail=""):
    print("%s %s" % ("ok" if cond else "FAIL", what))
    if not cond:
        failures.append(what)
        if detail:
            print("    " + str(detail).strip()[-4000:].replace("\n", "\n    "))


def steps(doc):
    """[(kind, arg, block)] for every marked fenced block, in order."""
    out = []
    rx = re.compile(r"^<!-- first-program: (\w+)(?: ([^>]*?))? -->\n```[^\n]*\n(.*?)^```$", re.M | re.S)
    for m in rx.finditer(doc):
        out.append((m.group(1), (m.group(2) or "").strip(), m.group(3)))
    return out


def line_rx(line):
    """A shown output line as a regex in which any number may differ."""
    parts = re.split(r"(0x[0-9a-f]+|\d+)", line)
    rx = "".join(("0x[0-9a-f]+" if p.startswith("0x") else r"\d+") if i % 2 else re.escape(p)
                 for i, p in enumerate(parts))
    return "^" + rx + "$"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", required=True, help="the source tree")
    a = p.parse_args()
    doc = open(os.path.join(a.root, "docs/first-program.md")).read()
    plan = steps(doc)
    expect("the guide marks a file, commands and outputs",
           {"file", "run", "output"} <= {k for k, _, _ in plan}, plan)
    work = tempfile.mkdtemp(prefix="mneme-guide-")
    tree = os.path.join(work, "mneme")
    try:
        shutil.copytree(a.root, tree, symlinks=True,
                        ignore=shutil.ignore_patterns(".git", "build", "build-*"))
        env = dict(os.environ, MNEME_BUILD=os.path.join(tree, "build"))
        env.pop("MNEME_NO_BUILD", None)
        last = ""
        for kind, arg, block in plan:
            if kind == "file":
                path = os.path.join(tree, arg)
                expect("%s does not exist before the guide creates it" % arg, not os.path.exists(path))
                with open(path, "w") as f:
                    f.write(block)
            elif kind == "run":
                want = int(arg.split("=")[1]) if arg.startswith("status=") else 0
                for cmd in [l for l in block.splitlines() if l.strip()]:
                    r = subprocess.run(["bash", "-c", cmd], cwd=tree, env=env, stdin=subprocess.DEVNULL,
                                       capture_output=True, text=True, timeout=1500)
                    last = (r.stdout + r.stderr).replace("\r", "")
                    expect("$ %s  (exit status %d, want %d)" % (cmd, r.returncode, want),
                           r.returncode == want, last)
            elif kind == "output":
                pos = 0
                for line in block.splitlines():
                    m = re.compile(line_rx(line), re.M).search(last, pos)
                    expect("  shows: %s" % line, m is not None, last if not m else "")
                    if m:
                        pos = m.end()
            else:
                expect("known marker '%s'" % kind, False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%s: %d failures" % ("PASS" if not failures else "FAIL", len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
