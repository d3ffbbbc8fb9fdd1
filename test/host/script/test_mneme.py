#!/usr/bin/env python3
"""Tests of the ./mneme entry script, run the way people run it.

  test_mneme.py cli                      unknown commands, options and bench
                                         targets are refused (status 2) with a message
  test_mneme.py gdb-nothing              ./mneme gdb with no stub: at once, status 1,
                                         "run ./mneme debug first"
  test_mneme.py run ARCH                 ./mneme run exit statuses and verdict lines:
                                         demo, tests=, --prog with statuses 0, 7, abort
                                         (134), a fault (139), no such program (127), a
                                         core panic (2), QEMU failing to start (3)
  test_mneme.py gdb ARCH                 ./mneme debug --prog hello, then ./mneme gdb:
                                         "break main" stops first in the memory server's
                                         main, then in hello's (programs at their own
                                         addresses), extra arguments pass to gdb
  test_mneme.py fresh-build ARCH         from another directory, with an empty build
                                         directory: ./mneme run --prog builds only that
                                         architecture's image and runs; again after
                                         deleting the image's build.ninja and cache

Every run boots what the build directory (--build) holds (MNEME_NO_BUILD=1),
except fresh-build, which builds into a temporary directory.
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MNEME = os.path.join(ROOT, "mneme")
failures = []


def mneme(args, build, env_extra=None, cwd=None, timeout=300, input_text=None):
    """Run ./mneme; stdin is /dev/null, or a pipe carrying @input_text."""
    env = dict(os.environ, MNEME_BUILD=build, MNEME_NO_BUILD="1")
    env.update(env_extra or {})
    stdin = subprocess.DEVNULL if input_text is None else None
    p = subprocess.run([MNEME] + args, cwd=cwd or tempfile.gettempdir(), env=env, stdin=stdin,
                       input=input_text, capture_output=True, text=True, timeout=timeout)
    mneme.stdout = p.stdout
    return p.returncode, p.stdout + p.stderr


def expect(what, cond, detail=""):
    print("%s %s" % ("ok" if cond else "FAIL", what))
    if not cond:
        failures.append(what)
        if detail:
            print("    " + detail.strip().replace("\n", "\n    ")[-3000:])


def last_line(out):
    lines = [l for l in out.splitlines() if l.strip()]
    return lines[-1] if lines else ""


def test_cli(a):
    for args, msg in ((["frob"], "unknown command 'frob'"),
                      (["bench", "nowhere"], "unknown bench target 'nowhere'"),
                      (["run", "--frob"], "unknown option '--frob'"),
                      (["run", "--prog"], "--prog needs a program name"),
                      (["run", "--prog", "a/b"], "bad program name"),
                      (["test", "extra"], "test takes no arguments"),
                      (["run", "--boot"], "--boot needs a boot path"),
                      (["run", "x86_64", "--boot", "uboot"], "--boot uboot: not a boot path of x86_64"),
                      (["run", "riscv64", "--boot", "iso-bios"], "--boot iso-bios: not a boot path of riscv64"),
                      ([], None)):
        st, out = mneme(args, a.build, timeout=30)
        expect("./mneme %s: refused with status 2" % " ".join(args), st == 2, out)
        if msg:
            expect("./mneme %s: says \"%s\"" % (" ".join(args), msg), msg in out, out)
    st, out = mneme(["help"], a.build, timeout=30)
    expect("./mneme help: status 0 and the usage", st == 0 and "./mneme run" in out, out)


def free_port():
    return random.randrange(20000, 60000)


def test_gdb_nothing(a):
    port = free_port()
    t0 = time.time()
    st, out = mneme(["gdb", "x86_64"], a.build, {"MNEME_GDB_PORT": str(port)}, timeout=30)
    expect("./mneme gdb with nothing on :%d: status 1" % port, st == 1, out)
    expect("... says \"run ./mneme debug first\"", "run ./mneme debug" in out and "first" in out, out)
    expect("... at once (%.2f s)" % (time.time() - t0), time.time() - t0 < 5, out)


def test_run(a):
    arch = a.arch
    cases = [
        ([], 0, r"^mneme: %s: PASS \(demo\)$"),
        (["tests=t_runtime"], 0, r"^mneme: %s: PASS \(tests=t_runtime\)$"),
        (["tests=t_nope"], 1, r"^mneme: %s: FAILED \(tests=t_nope\): not ok: "),
        (["--prog", "hello", "one", "two"], 0, r"^mneme: %s: hello exited with status 0$"),
        (["--prog", "t_libc", "mode=ret"], 7, r"^mneme: %s: t_libc exited with status 7$"),
        (["--prog", "t_libc", "mode=abort"], 134, r"^mneme: %s: t_libc exited with status 134$"),
        (["--prog", "p_touch", "mode=null_write"], 139,
         r"^mneme: %s: p_touch was killed by its pager \(status -4: EFAULT, bad address\)$"),
        (["--prog", "no_such_program"], 127, r"^mneme: %s: no program 'no_such_program' in the boot archive"),
        (["fault_test"], 2, r"^mneme: %s: FAILED: the core panicked"),
        (["--", "-no-such-qemu-option"], 3, r"^mneme: %s: FAILED: no verdict from the guest"),
    ]
    for args, want, rx in cases:
        st, out = mneme(["run", arch] + args, a.build, timeout=200)
        line = last_line(mneme.stdout)
        expect("./mneme run %s %s: status %d (got %d)" % (arch, " ".join(args), want, st), st == want, out)
        expect("... verdict \"%s\"" % line, re.search(rx % arch, line) is not None, out)
    # Input piped into ./mneme run: the demo, then the console's shell reads it,
    # every byte (the first command is the first line of the input).
    session = "ps\nrun hello piped\nnosuch\n"
    for end, want_end in (("poweroff\n", "sh: powering off"), ("", "sh: end of input")):
        st, out = mneme(["run", arch], a.build, timeout=200, input_text=session + end)
        line = last_line(mneme.stdout)
        expect("./mneme run %s < %r: status 0, verdict PASS (demo console)" % (arch, session + end),
               st == 0 and re.search(r"^mneme: %s: PASS \(demo console\)$" % arch, line) is not None, out)
        expect("... the demo, then the shell's transcript",
               "all tasks done" in out and re.search(r"^mneme\$ ps$", out, re.M) is not None
               and re.search(r"^mneme\$ run hello piped$", out, re.M) is not None
               and 'argv[1] = "piped"' in out and "sh: nosuch: command not found" in out
               and want_end in out, out)
    # The program's output reaches the terminal, with its arguments as given:
    # never taken for boot words (fault_test would make the core fault on purpose).
    args = ["one", "a:b", "50%", "tests=t_ipc", "fault_test"]
    st, out = mneme(["run", arch, "--prog", "hello"] + args, a.build, timeout=200)
    got = re.findall(r'^  argv\[\d\] = "(.*)"$', out, re.M)
    expect("./mneme run %s --prog hello %s: status 0, the arguments as given" % (arch, " ".join(args)),
           st == 0 and got == args and "hello from user mode: hello" in out, out)
    # The boot path of real machines (GRUB from an ISO under UEFI, U-Boot
    # from a disk): a program's status, and a piped session, every byte.
    boot = "iso-uefi" if arch == "x86_64" else "uboot"
    st, out = mneme(["run", arch, "--boot", boot, "--prog", "t_libc", "mode=ret"], a.build, timeout=300)
    expect("./mneme run %s --boot %s --prog t_libc mode=ret: status 7" % (arch, boot),
           st == 7 and re.search(r"^mneme: %s: t_libc exited with status 7$" % arch,
                                 last_line(mneme.stdout)) is not None, out)
    st, out = mneme(["run", arch, "--boot", boot], a.build, timeout=300, input_text="ps\npoweroff\n")
    expect("./mneme run %s --boot %s < 'ps, poweroff': status 0, the whole session" % (arch, boot),
           st == 0 and re.search(r"^mneme: %s: PASS \(demo console\)$" % arch, last_line(mneme.stdout))
           and re.search(r"^mneme\$ ps\n +ID +PARENT", out, re.M) and "sh: powering off" in out, out)


def wait_listening(port, proc, seconds=30):
    hexport = ":%04X" % port
    end = time.time() + seconds
    while time.time() < end and proc.poll() is None:
        for f in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                for line in open(f).read().splitlines()[1:]:
                    w = line.split()
                    if w[3] == "0A" and w[1].endswith(hexport):
                        return True
            except OSError:
                pass
        time.sleep(0.1)
    return False


def test_gdb(a):
    arch, port = a.arch, free_port()
    env = dict(os.environ, MNEME_BUILD=a.build, MNEME_NO_BUILD="1", MNEME_GDB_PORT=str(port))
    qemu = subprocess.Popen([MNEME, "debug", arch, "--prog", "hello"], env=env, cwd=tempfile.gettempdir(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        expect("./mneme debug %s --prog hello: the stub listens on :%d" % (arch, port),
               wait_listening(port, qemu))
        st, out = mneme(["gdb", arch, "-batch", "-ex", "break main", "-ex", "continue",
                         "-ex", "info symbol $pc", "-ex", "continue", "-ex", "info symbol $pc",
                         "-ex", "kill"], a.build, {"MNEME_GDB_PORT": str(port)}, timeout=120)
        hits = re.findall(r"^main \+ \d+ in section \.text of (\S+)$", out, re.M)
        expect("gdb: \"break main\" resolves in every program", re.search(r"main\. \(\d+ locations\)", out) is not None, out)
        expect("gdb: first stop in the memory server's main", len(hits) >= 1 and hits[0].endswith("/mmserver.elf"), out)
        expect("gdb: then in hello's main", len(hits) >= 2 and hits[1].endswith("/hello.elf"), out)
    finally:
        try:
            os.killpg(qemu.pid, 9)
        except ProcessLookupError:
            pass
        qemu.wait()


def test_fresh_build(a):
    arch = a.arch
    build = tempfile.mkdtemp(prefix="mneme-fresh-")
    cwd = tempfile.mkdtemp(prefix="mneme-cwd-")
    try:
        env = {"MNEME_NO_BUILD": "0"}
        st, out = mneme(["run", arch, "--prog", "hello"], build, env, cwd=cwd, timeout=900)
        expect("fresh build directory, run from elsewhere: status 0", st == 0, out)
        expect("... only the %s image was built" % arch,
               os.path.exists(os.path.join(build, arch, "mneme-%s.elf" % arch)) and
               not os.path.exists(os.path.join(build, "CMakeCache.txt")) and
               not any(os.path.exists(os.path.join(build, o)) for o in ("x86_64", "riscv64") if o != arch),
               " ".join(sorted(os.listdir(build))))
        for victim in ("build.ninja", "CMakeCache.txt"):
            os.unlink(os.path.join(build, arch, victim))
            st, out = mneme(["run", arch, "--prog", "hello"], build, env, cwd=cwd, timeout=900)
            expect("half-deleted (no %s): status 0" % victim, st == 0, out)
    finally:
        shutil.rmtree(build, ignore_errors=True)
        shutil.rmtree(cwd, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["cli", "gdb-nothing", "run", "gdb", "fresh-build"])
    p.add_argument("arch", nargs="?", choices=["x86_64", "riscv64"], default="x86_64")
    p.add_argument("--build", required=True, help="build directory holding the images")
    a = p.parse_args()
    {"cli": test_cli, "gdb-nothing": test_gdb_nothing, "run": test_run, "gdb": test_gdb,
     "fresh-build": test_fresh_build}[a.what](a)
    print("%s: %d failures" % ("PASS" if not failures else "FAIL", len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
