#!/usr/bin/env python3
"""Linux's own tools read mneme's statistics.

Boots the image with the stats program (run=stats:meminfo:vmstat:slabinfo,
after it has mapped and touched 8 MiB and a 2 MiB huge page), takes the
texts the guest printed as /proc/meminfo, /proc/vmstat and /proc/slabinfo,
and runs procps's `free`, `free -b`, `vmstat -s` and `slabtop -o` (Debian's
package, from the host) on them.  Every number the tools print must be the
guest's (or follow from it by the tool's documented arithmetic), and every
slab cache must appear.

How the tools are pointed at the guest's text: procps reads fixed paths
(/proc/meminfo, ...) with no way to name another directory, so the test
builds a small root tree (the tools, the shared libraries ldd lists, and a
proc/ directory of plain files) and runs the tools inside it: with
chroot(8) when it runs as root (CAP_SYS_CHROOT, which root has in a default
container), otherwise in a new user namespace (unshare --map-root-user
--root).  Nothing is mounted.  vmstat -s also needs /proc/stat (with a cpu
line) and /proc/cpuinfo, which are not memory statistics and have no
counterpart in mneme: the tree holds neutral stand-ins (an all-zero cpu
line, an empty cpuinfo), and the test checks none of the lines they feed.
If neither way into a root tree is allowed, the test is skipped (status 77).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
TOOLS = ["free", "vmstat", "slabtop"]
failures = []


def expect(what, cond, detail=""):
    print("%s %s" % ("ok" if cond else "FAIL", what))
    if not cond:
        failures.append(what)
        if detail:
            print("    " + str(detail).strip().replace("\n", "\n    "))


def boot(a, log):
    cmd = [sys.executable, os.path.join(a.root, "test/qemu/run.py"), "--arch", a.arch,
           "--kernel", a.kernel, "--mem", "512M", "--timeout", "150", "--log", log,
           "--append", "run=stats:meminfo:vmstat:slabinfo:hold=8192",
           "--expect-line", "^mmserver: run: stats exited with status 0$"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=200)
    if p.returncode:
        print(p.stdout[-4000:] + p.stderr[-2000:])
    return p.returncode == 0


def sections(text):
    """The texts after each '==> /proc/NAME <==' line, up to the next frame or server line."""
    out, name = {}, None
    for line in text.splitlines(True):
        m = re.match(r"^==> /proc/(\w+) <==$", line.rstrip("\n"))
        if m:
            name = m.group(1)
            out[name] = ""
        elif line.startswith(("mmserver:", "# mmserver:", "ok ", "not ok ")):
            name = None
        elif name:
            out[name] += line
    return out


def make_root(tree, procfiles):
    os.makedirs(os.path.join(tree, "proc"))
    os.makedirs(os.path.join(tree, "usr/bin"))
    for t in TOOLS:
        path = shutil.which(t)
        if not path:
            raise RuntimeError("%s is not installed (Debian package procps)" % t)
        shutil.copy2(os.path.realpath(path), os.path.join(tree, "usr/bin", t))
        ldd = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
        for lib in re.findall(r"(/\S+) \(0x", ldd):
            dst = os.path.join(tree, lib.lstrip("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if not os.path.exists(dst):
                shutil.copy2(os.path.realpath(lib), dst)
    for name, text in procfiles.items():
        with open(os.path.join(tree, "proc", name), "w") as f:
            f.write(text)


def runner(tree):
    """A way into the tree: [prefix...] that runs '/usr/bin/TOOL ARGS' inside it, or None."""
    ways = []
    if os.geteuid() == 0 and shutil.which("chroot"):
        ways.append([shutil.which("chroot"), tree])
    if shutil.which("unshare"):
        ways.append([shutil.which("unshare"), "--map-root-user", "--root=" + tree])
    for w in ways:
        p = subprocess.run(w + ["/usr/bin/free"], capture_output=True, text=True)
        if p.returncode == 0:
            return w
        print("# %s: %s" % (" ".join(w[:2]), (p.stderr or p.stdout).strip()))
    return None


def tool(way, *args):
    p = subprocess.run(way + ["/usr/bin/" + args[0]] + list(args[1:]), capture_output=True, text=True,
                       env={"PATH": "/usr/bin", "LC_ALL": "C", "TERM": "dumb", "COLUMNS": "200"})
    return p.returncode, p.stdout + p.stderr


def kb(meminfo, key):
    m = re.search(r"^%s:\s+(\d+) kB$" % re.escape(key), meminfo, re.M)
    return int(m.group(1)) if m else 0


def check_free(way, mi):
    total, free, avail = kb(mi, "MemTotal"), kb(mi, "MemFree"), kb(mi, "MemAvailable")
    for args, unit in ((["free"], 1), (["free", "-b"], 1024)):
        st, out = tool(way, *args)
        m = re.search(r"^Mem:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", out, re.M)
        expect("%s: runs and prints the Mem row" % " ".join(args), st == 0 and m, out)
        if not m:
            continue
        got = [int(x) for x in m.groups()]
        cached = kb(mi, "Cached")
        want = [total * unit, (total - avail) * unit, free * unit, 0, cached * unit, avail * unit]
        expect("%s: total used free shared buff/cache available = %s" % (" ".join(args), want),
               got == want, "got %s\n%s" % (got, out))
        expect("%s: no swap" % " ".join(args), re.search(r"^Swap:\s+0\s+0\s+0$", out, re.M), out)


def check_vmstat(way, mi, vm):
    st, out = tool(way, "vmstat", "-s")
    expect("vmstat -s runs", st == 0, out)
    val = dict((m.group(2), int(m.group(1))) for m in re.finditer(r"^\s*(\d+) (.*)$", out, re.M))
    want = {
        "K total memory": kb(mi, "MemTotal"),
        "K used memory": kb(mi, "MemTotal") - kb(mi, "MemAvailable"),
        "K free memory": kb(mi, "MemFree"),
        "K buffer memory": 0, "K swap cache": kb(mi, "Cached"), "K total swap": 0, "K used swap": 0, "K free swap": 0,
        "K paged in": 0, "K paged out": 0, "pages swapped in": 0, "pages swapped out": 0,
    }
    for k, v in want.items():
        expect("vmstat -s: %s = %d" % (k, v), val.get(k) == v, "got %s" % val.get(k))
    expect("the guest's vmstat has the counters of this system",
           all(re.search(r"^%s \d+$" % n, vm, re.M) for n in
               ("nr_free_pages", "nr_slab_unreclaimable", "nr_anon_pages", "nr_page_table_pages", "pgfault")), vm)


def check_slabtop(way, si):
    caches = []
    for line in si.splitlines()[2:]:
        m = re.match(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+) : tunables\s+\d+\s+\d+\s+\d+ : "
                     r"slabdata\s+(\d+)\s+(\d+)\s+\d+$", line)
        expect("slabinfo line in Linux's format: %s" % line.split()[0] if line.split() else "?", m, line)
        if m:
            caches.append((m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(7))))
    expect("slabinfo has the kmalloc caches with Linux's names (kmalloc-1k, kmalloc-96)",
           {"kmalloc-1k", "kmalloc-96", "kmalloc-8k", "kmem_cache"} <= {c[0] for c in caches})
    st, out = tool(way, "slabtop", "-o")
    expect("slabtop -o runs", st == 0, out)
    act, tot = sum(c[1] for c in caches), sum(c[2] for c in caches)
    m = re.search(r"Active / Total Objects \(% used\)\s*: (\d+) / (\d+)", out)
    expect("slabtop: active / total objects %d / %d" % (act, tot),
           m and (int(m.group(1)), int(m.group(2))) == (act, tot), out)
    m = re.search(r"Active / Total Caches \(% used\)\s*: (\d+) / (\d+)", out)
    expect("slabtop: %d caches" % len(caches), m and int(m.group(2)) == len(caches), out)
    for name, active, objs, size, slabs in caches:
        rx = r"^\s*%d\s+%d\s+\d+%%\s+[\d.]+K\s+%d\s+\d+\s+\d+K %s\s*$" % (objs, active, slabs, re.escape(name))
        expect("slabtop: %s %d/%d objects in %d slabs" % (name, active, objs, slabs),
               re.search(rx, out, re.M), out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--root", required=True, help="the source tree")
    a = p.parse_args()
    work = tempfile.mkdtemp(prefix="mneme-procps-")
    try:
        log = os.path.join(work, "console.log")
        expect("the guest prints meminfo, vmstat and slabinfo", boot(a, log))
        texts = sections(open(log).read())
        if failures or set(texts) != {"meminfo", "vmstat", "slabinfo"}:
            expect("three texts framed by ==> /proc/NAME <==", False, sorted(texts))
            return 1
        procfiles = dict(texts, stat="cpu  0 0 0 0 0 0 0 0 0 0\n", cpuinfo="")
        tree = os.path.join(work, "root")
        make_root(tree, procfiles)
        way = runner(tree)
        if not way:
            print("SKIP: neither chroot nor a user namespace can enter the tools' root tree")
            return SKIP
        print("# tools run with: %s %s" % (os.path.basename(way[0]), " ".join(way[1:])))
        mi = texts["meminfo"]
        expect("the tasks' memory shows (AnonPages >= 8 MiB, AnonHugePages 2 MiB, PageTables > 0)",
               kb(mi, "AnonPages") >= 8192 and kb(mi, "AnonHugePages") == 2048 and kb(mi, "PageTables") > 0, mi)
        check_free(way, mi)
        check_vmstat(way, mi, texts["vmstat"])
        check_slabtop(way, texts["slabinfo"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%s: %d failures" % ("PASS" if not failures else "FAIL", len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
