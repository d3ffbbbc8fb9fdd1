# The interactive console (issue 14): the memory server starts the shell,
# which starts the user-mode serial driver; the UART's interrupts reach
# the driver as IPC notifications (I/O APIC or 8259 on x86_64, PLIC on
# riscv64).  The session (test/qemu/console/session.txt) is piped into
# the serial console once the shell greets (run.py --input) and judged by
# the transcript, its first line included: every
# command's output, a bad command, a program that fails, a missing one,
# a background program killed (its id is 0x103: sh and serial take the
# first two slots), ps before and after, and poweroff ending the run
# with PASS.
set(CONSOLE_SESSION ${MNEME_ROOT}/test/qemu/console/session.txt)
set(CONSOLE_LINES
  --expect-line "^mneme console: 'help' lists the commands"
  --expect-line "^mneme\\$ help$" --expect-line "^  poweroff +end the session"
  --expect-line "^mneme\\$ buddyinfo$" --expect-line "^Node 0, zone +[A-Za-z0-9]+( +[0-9]+){11} *$"
  --expect-line "^mneme\\$ zoneinfo$" --expect-line "^Node 0, zone +[A-Za-z0-9]+$" --expect-line "^  pages free +[0-9]+$"
  --expect-line "^mneme\\$ meminfo$" --expect-line "^MemTotal: +[0-9]+ kB$" --expect-line "^MemFree: +[0-9]+ kB$"
  --expect-line "^mneme\\$ slabinfo$" --expect-line "^slabinfo - version: 2.1$" --expect-line "^kmalloc-1k "
  --expect-line "^mneme\\$ pagetypeinfo$" --expect-line "^Page block order: [0-9]+$"
  --expect-line "^mneme\\$ vmstat$" --expect-line "^nr_free_pages [0-9]+$"
  --expect-line "^mneme\\$ run sleep 100000 &$" --expect-line "^\\[0x103\\] sleep$"
  --expect-line "^mneme\\$ ps$"
  --expect-line "^ +ID +PARENT STATE +RSS_KiB +CHARGED_KiB +QUOTA_KiB +NAME\\n +0x101 +0 running +[0-9]+ +[0-9]+ +[0-9]+  sh\\n +0x102 +0x101 running +[0-9]+ +[0-9]+ +65536  serial\\n +0x103 +0x101 running +[0-9]+ +[0-9]+ +65536  sleep\\n"
  --expect-line "^mneme\\$ kill 0x103$" --expect-line "^killed 0x103$"
  --expect-line "^mneme\\$ kill 0x999$" --expect-line "^kill: 0x999: no program of this shell has that id$"
  --expect-line "^mneme\\$ nosuch$" --expect-line "^sh: nosuch: command not found"
  --expect-line "^mneme\\$ run hello one two$" --expect-line "^  argv\\[2\\] = \"two\"$"
  --expect-line "^mneme\\$ run stats nosuch$" --expect-line "^stats: no text named 'nosuch'"
  --expect-line "^sh: stats exited with status 2$"
  --expect-line "^mneme\\$ run nosuchprog$" --expect-line "^run: nosuchprog: no such program in the boot archive$"
  --expect-line "^mneme\\$ ps\\n +ID +PARENT.*\\n +0x101 .* sh\\n +0x102 .* serial\\nmneme\\$ poweroff$"
  --expect-line "^sh: powering off$" --expect-line "^mmserver: console: sh exited with status 0$"
  --expect-line "^ok [0-9]+ console$")
foreach(arch x86_64 riscv64)
  mneme_qemu_test(console.session ${arch} TIMEOUT 240 ARGS --timeout 220 --mem 256M
    --append console --input ${CONSOLE_SESSION} ${CONSOLE_LINES})
  # One CPU: the interrupt, the driver and the shell all on the boot CPU.
  mneme_qemu_test(console.session.1cpu ${arch} TIMEOUT 240 ARGS --timeout 220 --mem 256M --smp 1
    --append console --input ${CONSOLE_SESSION} ${CONSOLE_LINES})
endforeach()
# The console after real firmware: GRUB under SeaBIOS and under UEFI (OVMF
# drives COM1 itself), U-Boot on riscv64.
foreach(boot iso-bios iso-uefi)
  mneme_qemu_test(console.session.${boot} x86_64 TIMEOUT 240 ARGS --timeout 220 --mem 256M --boot ${boot}
    --append console --input ${CONSOLE_SESSION} ${CONSOLE_LINES})
endforeach()
mneme_qemu_test(console.session.uboot riscv64 TIMEOUT 240 ARGS --timeout 220 --mem 256M --boot uboot
  --append console --input ${CONSOLE_SESSION} ${CONSOLE_LINES})
# Without ACPI the 8259 PIC carries COM1's interrupt.
mneme_qemu_test(console.session.pic x86_64 TIMEOUT 240 ARGS --timeout 220 --mem 256M
  --append "acpi=off console" --input ${CONSOLE_SESSION}
  --expect-line "^mneme: x86_64: ISA IRQ 4 through the 8259 PIC" ${CONSOLE_LINES})
# Typed at a terminal while the machine boots (run.py --mux: the serial port
# beside QEMU's monitor, as ./mneme run has it; the input sent at once):
# what the firmware's and the core's FIFO resets drop is lost (the leading
# empty lines are there for that), the rest must arrive.  The input fits
# the mux's 32-byte buffer, so no later byte comes to flush it: the mux
# holds it until the guest reads RBR (x86_64's core does, once, after its
# FIFO reset; without that the shell would never see a byte).
foreach(arch x86_64 riscv64)
  mneme_qemu_test(console.early-input ${arch} TIMEOUT 240 ARGS --timeout 220 --mem 256M
    --append console --mux --input-after= --input ${MNEME_ROOT}/test/qemu/console/early.txt
    --expect-line "^mneme\\$ help$" --expect-line "^  poweroff +end the session"
    --expect-line "^mneme\\$ poweroff$" --expect-line "^sh: powering off$"
    --expect-line "^ok [0-9]+ console$")
endforeach()
