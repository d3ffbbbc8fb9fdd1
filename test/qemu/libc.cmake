# The C library in the guest (t_libc), both architectures: KTAP, and on the
# console, in order, what the library writes itself (stdout's line
# buffering, perror, malloc's reports of double frees, atexit order and the
# flush at exit, abort and assert messages).
foreach(arch x86_64 riscv64)
  mneme_qemu_test(user.libc ${arch} TIMEOUT 120 ARGS --timeout 100 --append tests=t_libc
    --expect-line "^libc: a line written in pieces$"
    --expect-line "^libc: printf returns 22$"
    --expect-line "^libc: perror says: no such object$"
    --expect-line "^libc: to stderr 1$"
    --expect-line "^malloc: double free of 0x[0-9a-f]+$"
    --expect-line "^malloc: double free of 0x[0-9a-f]+$"
    --expect-line "^malloc: double free of 0x[0-9a-f]+$"
    --expect-line "^libc: atexit 3 \\(runs first\\)$"
    --expect-line "^libc: atexit 2$"
    --expect-line "^libc: atexit 1 \\(runs last\\), flushed by exit"
    --expect-line "t_libc: aborted$"
    --expect-line "^t_libc: .*t_libc.c:[0-9]+: child: Assertion `two \\+ two == 5' failed.$"
    --expect-line "^    ok [0-9]+ t_libc$")
endforeach()

# The server's kill messages in words: fault kind, access, why, error name.
foreach(arch x86_64 riscv64)
  mneme_qemu_test(user.kill-messages ${arch} TIMEOUT 120 ARGS --timeout 100 --append tests=t_nohandler,t_isolation
    --expect-line "^mmserver: killing p_touch \\(task 0x[0-9a-f]+\\): page fault: write at 0x10, which no mapping allows \\(EFAULT\\), ip 0x[0-9a-f]+$"
    --expect-line "^mmserver: killing p_touch \\(task 0x[0-9a-f]+\\): illegal instruction at ip 0x[0-9a-f]+"
    --expect-line "^    ok [0-9]+ t_isolation$")
endforeach()
