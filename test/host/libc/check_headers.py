#!/usr/bin/env python3
"""User programs see mneme's C library and the compiler's freestanding
headers, never the host's.

Takes the exact command that compiles a user program (userland/apps/hello.c)
from the target build's compile_commands.json and compiles probes with it:
each of mneme's standard headers alone (must compile: every header includes
what it needs), <stdio.h> and <stdlib.h> must be mneme's, the compiler's
<stdint.h>/<stddef.h>/<stdarg.h>/<stdbool.h>/<limits.h> are found, and
headers only a hosted C library has (<unistd.h>, <sys/types.h>, <fcntl.h>,
<pthread.h>, <features.h>, <math.h>) must not be found at all.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

OURS = ["stdio.h", "stdlib.h", "string.h", "strings.h", "ctype.h", "errno.h", "assert.h",
        "inttypes.h", "malloc.h"]
COMPILER = ["stdint.h", "stddef.h", "stdarg.h", "stdbool.h", "limits.h"]
HOST_ONLY = ["unistd.h", "sys/types.h", "fcntl.h", "pthread.h", "features.h", "math.h"]


def main():
    build = sys.argv[1]
    db = json.load(open(os.path.join(build, "compile_commands.json")))
    entry = next(e for e in db if e["file"].endswith("userland/apps/hello.c"))
    args = shlex.split(entry["command"]) if "command" in entry else entry["arguments"]
    keep, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-c"):
            skip = True
            continue
        if a in ("-MD",) or a == entry["file"]:
            continue
        keep.append(a)
    if "-nostdlibinc" not in keep:
        print("FAIL: user programs are not compiled with -nostdlibinc: %s" % " ".join(keep))
        return 1
    fails = 0
    with tempfile.TemporaryDirectory() as d:
        def probe(text):
            path = os.path.join(d, "probe.c")
            open(path, "w").write(text)
            r = subprocess.run(keep + ["-fsyntax-only", path], cwd=entry["directory"],
                               capture_output=True, text=True)
            return r.returncode, r.stderr

        for h in OURS:
            st, err = probe("#include <%s>\n" % h)
            ok = st == 0
            print("%s <%s> compiles on its own" % ("ok" if ok else "FAIL", h))
            fails += not ok
            if not ok:
                print(err)
        for h, guard in (("stdio.h", "_MNEME_STDIO_H"), ("stdlib.h", "_MNEME_STDLIB_H"),
                         ("string.h", "_MNEME_STRING_H")):
            st, err = probe("#include <%s>\n#ifndef %s\n#error not mneme's\n#endif\n" % (h, guard))
            print("%s <%s> is mneme's" % ("ok" if st == 0 else "FAIL", h))
            fails += st != 0
        for h in COMPILER:
            st, err = probe("#include <%s>\n" % h)
            print("%s <%s> is the compiler's" % ("ok" if st == 0 else "FAIL", h))
            fails += st != 0
        for h in HOST_ONLY:
            st, err = probe("#include <%s>\n" % h)
            ok = st != 0 and "file not found" in err
            print("%s <%s> is not found (no host header leaks in)" % ("ok" if ok else "FAIL", h))
            fails += not ok
    print("%s: %d failures" % ("PASS" if not fails else "FAIL", fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
