#!/usr/bin/env python3
"""Capture the e820 maps QEMU really gives an x86_64 PVH guest.

Boots the core image once per machine and memory size, reads the
"BIOS-e820: [mem 0xA-0xB] type" lines it prints (the firmware's table, as
given, before sanitising) and writes test/host/maps/x86_64-<machine>-<size>.map
with one "0xBASE 0xSIZE TYPE" line per entry, which the host tests replay.

Usage: capture_e820.py KERNEL.elf [OUTDIR]
Sizes above what the host can commit use a memory backend with reserve=off
(RAM is allocated lazily under TCG, so -m 64G works on a small host).
"""
import os
import re
import subprocess
import sys

MACHINES = ("q35", "pc")
SIZES = ("128M", "512M", "1G", "2G", "3G", "3584M", "4G", "8G", "16G", "64G")
TYPES = {"usable": "usable", "reserved": "reserved", "ACPI data": "acpi",
         "ACPI NVS": "nvs", "unusable": "unusable"}
LINE = re.compile(r"^BIOS-e820: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\] (.+?)\r?$", re.M)


def boot(kernel, machine, size):
    cmd = ["qemu-system-x86_64", "-machine", machine, "-m", size, "-display", "none",
           "-serial", "stdio", "-nic", "none", "-no-reboot", "-kernel", kernel,
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-object", "memory-backend-ram,id=ram0,size=%s,reserve=off" % size,
           "-machine", "memory-backend=ram0"]
    out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    return out.stdout.decode("utf-8", "replace")


def main():
    kernel = sys.argv[1]
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "../../../test/host/maps")
    version = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                             text=True).stdout.splitlines()[0]
    os.makedirs(outdir, exist_ok=True)
    for machine in MACHINES:
        for size in SIZES:
            log = boot(kernel, machine, size)
            entries = LINE.findall(log)
            if not entries:
                sys.exit("%s %s: no BIOS-e820 lines in the console output" % (machine, size))
            lines = ["# e820 map captured from %s -machine %s -m %s (PVH boot, hvm_start_info)"
                     % (version, machine, size),
                     "# by arch/x86_64/tools/capture_e820.py: as the firmware gave it, unsanitised",
                     "arch x86_64"]
            for first, last, name in entries:
                base, end = int(first, 16), int(last, 16) + 1
                lines.append("0x%x 0x%x %s" % (base, end - base, TYPES[name]))
            path = os.path.join(outdir, "x86_64-%s-%s.map" % (machine, size))
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            print("%s: %d entries" % (path, len(entries)))


if __name__ == "__main__":
    main()
