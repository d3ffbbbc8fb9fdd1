#!/usr/bin/env python3
"""Boot a mneme image in QEMU, capture the serial console, and judge the run.

A run passes only if QEMU's exit status says what --expect asks for AND the
console output agrees: KTAP output complete with no failures for "pass", the
trap dump for "panic", and every --expect-line regex present in order.

Exit status of the guest, normalised (CORE_EXIT_* in arch/include/arch/arch.h):
  x86_64:  isa-debug-exit gives (code << 1) | 1; 0 means reset/triple fault.
  riscv64: sifive_test gives 0 for pass and `code` for 0x3333 | code << 16.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

CODES = {"pass": 0, "fail": 1, "panic": 2}
SIZE_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_size(text):
    return int(text[:-1]) * SIZE_UNITS[text[-1].upper()] if text[-1].isalpha() else int(text)


UBOOT = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS.fd"
MKBOOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "cmake", "mkboot.py")
BOOTS = {"x86_64": ["kernel", "iso-bios", "iso-uefi"], "riscv64": ["kernel", "uboot"]}


def boot_media(a, tmp):
    """Build what --boot needs (ISO, disk image, firmware variables) in tmp; returns QEMU arguments."""
    if a.boot == "kernel":
        args = ["-kernel", a.kernel] + (["-append", a.append] if a.append else [])
        return args + (["-initrd", a.initrd] if a.initrd else [])
    if a.boot.startswith("iso-"):
        iso = os.path.join(tmp, "mneme.iso")
        cmd = [sys.executable, MKBOOT, "iso", "--kernel", a.kernel, "--out", iso, "--append", a.append or ""]
        subprocess.run(cmd + (["--initrd", a.initrd] if a.initrd else []), check=True)
        args = ["-cdrom", iso]
        if a.boot == "iso-uefi":
            vars_copy = os.path.join(tmp, "OVMF_VARS.fd")
            shutil.copy(OVMF_VARS, vars_copy)
            args = ["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE,
                    "-drive", "if=pflash,format=raw,unit=1,file=" + vars_copy] + args
        return args
    disk = os.path.join(tmp, "disk.img")
    flat = os.path.splitext(a.kernel)[0] + ".bin"
    cmd = [sys.executable, MKBOOT, "disk", "--kernel", flat, "--out", disk, "--append", a.append or ""]
    subprocess.run(cmd + (["--initrd", a.initrd] if a.initrd else []), check=True)
    return ["-kernel", UBOOT, "-drive", "file=%s,format=raw,if=virtio" % disk]


def qemu_command(a):
    if a.mux:
        # As ./mneme run at a terminal: the serial port and the monitor share stdio.
        serial = ["-chardev", "stdio,id=con,mux=on,signal=off", "-serial", "chardev:con",
                  "-mon", "chardev=con,mode=readline"]
    else:
        serial = ["-serial", "stdio"]
    common = ["-m", a.mem, "-smp", str(a.smp), "-display", "none"] + serial + [
              "-nic", "none", "-no-reboot"] + a.media
    if a.icount:
        common += ["-icount", "shift=0"]
    if a.arch == "x86_64":
        cmd = ["qemu-system-x86_64", "-machine", a.machine or "q35",
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        if a.cpu:
            cmd += ["-cpu", a.cpu]
    else:
        cmd = ["qemu-system-riscv64", "-machine", a.machine or "virt", "-bios", a.bios or "default"]
        if a.cpu:
            cmd += ["-cpu", a.cpu]
    return cmd + common + a.qemu_arg


def guest_code(arch, status):
    if arch == "x86_64":
        return (status - 1) // 2 if status & 1 else None
    return status


def check_ktap(log):
    """Return an error string, or None if the KTAP output is complete and all ok."""
    if "KTAP version 1" not in log:
        return "no KTAP output"
    top = re.findall(r"^(not ok|ok) \d+ (\S+)", log, re.M)
    plan = re.search(r"^1\.\.(\d+)", log, re.M)
    if not plan or len(top) != int(plan.group(1)):
        return "KTAP plan not met (%s results)" % len(top)
    failed = re.findall(r"^\s*not ok \d+ .*$", log, re.M)
    if failed:
        return "failed: " + "; ".join(f.strip() for f in failed)
    return None


def map_ranges(log, heading):
    """Parse '[mem 0xA-0xB] type' lines printed after the line matching heading."""
    out = []
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if re.search(heading, line):
            for nxt in lines[i + 1:]:
                m = re.match(r"\s*(?:[\w-]+: )?\[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\] (.*)$", nxt.strip("\r"))
                if not m:
                    break
                out.append((int(m.group(1), 16), int(m.group(2), 16) + 1, m.group(3).strip()))
            break
    return out


def check_map(a, log):
    """Check the map the core printed against what the firmware must have given."""
    ram = parse_size(a.mem)
    final = map_ranges(log, r"mneme: physical memory map:")
    if not final:
        return "no physical memory map printed"
    for (b0, e0, _), (b1, _, _) in zip(final, final[1:]):
        if e0 > b1:
            return "map not sorted/disjoint at 0x%x" % b1
    # On x86_64 "reserved" also names holes that are not RAM (BIOS ROM, MMIO).
    ramtypes = ("usable", "core", "ACPI data", "ACPI NVS")
    if a.arch == "riscv64":
        ramtypes += ("reserved", "reserved (no-map)")
    if a.arch == "x86_64":
        machine = a.machine or "q35"
        if machine == "q35":
            low = ram if ram < 0xB0000000 else 0x80000000
        else:
            low = ram if ram < 0xE0000000 else 0xC0000000
        high = ram - low
        # Only RAM counts: QEMU 7.1+ also reports the AMD HyperTransport hole
        # [0xfd00000000-0xffffffffff] as "reserved" when phys-bits >= 40.
        above = [r for r in final if r[0] >= 1 << 32 and r[2] in ramtypes]
        if high:
            if not above or above[0][0] != 1 << 32 or above[-1][1] != (1 << 32) + high:
                return "expected RAM [0x100000000-0x%x) above 4 GiB, got %s" % ((1 << 32) + high, above)
        elif above:
            return "unexpected memory above 4 GiB: %s" % above
        below = [r for r in final if r[1] <= 1 << 32 and r[2] in ("usable", "core")]
        top = max(r[1] for r in below)
        if not (low - (1 << 20) <= top <= low):
            return "low RAM ends at 0x%x, expected just below 0x%x" % (top, low)
        if not any(r[0] == 0 for r in map_ranges(log, r"BIOS-provided physical RAM map")):
            return "no firmware (BIOS-e820) map printed"
        # e820 "reserved" is not RAM (MNEME_MEM_FIRMWARE): the memory server's
        # memblock holds RAM only, so nearly all of it is present and available
        # (not the HyperTransport window or PCI holes, whose memmap would not fit).
        m = re.search(r"Memory: (\d+)K/(\d+)K available", log)
        if not m:
            return "no 'Memory: ...K/...K available' line from the memory server"
        # RAM beyond the server's physmap (sized by the core from the map and
        # the user half) is not present; the accounting line says how much.
        acct = ram_account(log, 0)   # the line beside "Memory:", at mm_init
        beyond = acct[5] << 10 if acct else 0
        deferred = acct[2] << 10 if acct else 0
        want = sum(e - b for b, e, t in final if t in ramtypes) - beyond
        avail, present = (int(m.group(1)) << 10) + deferred, int(m.group(2)) << 10
        if not (want - (2 << 20) <= present <= want + (2 << 20)) or avail < want * 95 // 100:
            return "memory server: %dK/%dK available, expected nearly all of %dK" % (
                avail >> 10, present >> 10, want >> 10)
    else:
        dtb = os.path.join(tempfile.mkdtemp(), "virt.dtb")
        cmd = qemu_command(a)
        mi = cmd.index("-machine") + 1
        cmd[mi] += ",dumpdtb=" + dtb
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        nodes = subprocess.run(["fdtget", "-l", dtb, "/"], capture_output=True, text=True).stdout.split()
        total = 0
        for n in nodes:
            if n.startswith("memory@"):
                cells = [int(x) for x in subprocess.run(["fdtget", "-t", "u", dtb, "/" + n, "reg"],
                                                        capture_output=True, text=True).stdout.split()]
                for i in range(0, len(cells), 4):
                    base = cells[i] << 32 | cells[i + 1]
                    size = cells[i + 2] << 32 | cells[i + 3]
                    total += size
                    if not any(r[0] <= base and base + size <= r[1] for r in _coalesce(final)):
                        return "device-tree memory [0x%x-0x%x) missing from the map" % (base, base + size)
        if total != ram:
            return "device tree has 0x%x bytes of memory, expected 0x%x" % (total, ram)
        resv = [r for r in final if r[0] == 0x80000000]
        if not resv or resv[0][2] != "reserved (no-map)":
            return "OpenSBI's region at 0x80000000 is not reserved (no-map): %s" % resv
    total = sum(e - b for b, e, t in final if t in ramtypes)
    for i in range(len(ram_accounts(log))):
        # Every byte of the map's RAM, each time: managed + deferred + reserved + unusable.
        ram_k, managed, deferred, reserved, unusable, beyond, partial = ram_account(log, i)
        if managed + deferred + reserved + unusable != ram_k or beyond + partial != unusable:
            return "memory server's RAM account does not add up: %s" % (acct,)
        if ram_k << 10 != total:
            return "memory server accounts for %dK of RAM, the map holds %dK" % (ram_k, total >> 10)
    if a.boot == "iso-uefi":
        # OVMF keeps a few MiB for its runtime services and reservations,
        # which the EFI map (converted to e820 types) calls reserved: the
        # core's map must hold exactly the RAM of the firmware's map.
        fw = map_ranges(log, r"BIOS-provided physical RAM map")
        fw_ram = sum(e - b for b, e, t in fw if t in ("usable", "ACPI data", "ACPI NVS"))
        if not (ram - (16 << 20) <= fw_ram <= ram):
            return "the EFI map holds 0x%x bytes of RAM, expected nearly 0x%x" % (fw_ram, ram)
        if total != fw_ram:
            return "map holds 0x%x bytes of RAM, the EFI map 0x%x" % (total, fw_ram)
        return None
    if not (ram - (2 << 20) <= total <= ram):
        return "map holds 0x%x bytes of RAM, expected about 0x%x" % (total, ram)
    return None


def ram_accounts(log):
    return re.findall(r"mmserver: RAM (\d+)K: managed (\d+)K \+ deferred (\d+)K \+ reserved (\d+)K \+ "
                      r"unusable (\d+)K \(beyond the physmap (\d+)K, partial pages (\d+)K\)", log)


def ram_account(log, which=-1):
    """The memory server's 'RAM NK: managed ...' line @which (the last by default) as numbers
    in KiB: (RAM, managed, deferred, reserved, unusable, beyond, partial), or None."""
    m = ram_accounts(log)
    if not m:
        return None
    return tuple(int(x) for x in m[which])


def _coalesce(ranges):
    out = []
    for b, e, _ in ranges:
        if out and out[-1][1] == b:
            out[-1] = (out[-1][0], e, "")
        else:
            out.append((b, e, ""))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", required=True, choices=["x86_64", "riscv64"])
    p.add_argument("--kernel", required=True)
    p.add_argument("--machine")
    p.add_argument("--mem", default="128M")
    p.add_argument("--smp", type=int, default=1)
    p.add_argument("--cpu")
    p.add_argument("--bios", help="riscv64 firmware: 'default' or a path")
    p.add_argument("--append")
    p.add_argument("--boot", default="kernel",
                   help="kernel (QEMU -kernel: PVH / OpenSBI), iso-bios and iso-uefi (x86_64: GRUB "
                        "from an ISO under SeaBIOS or OVMF), uboot (riscv64: U-Boot from a disk)")
    p.add_argument("--initrd", help="an initrd (-initrd, a Multiboot2 module on an ISO, "
                   "or extlinux.conf's initrd on U-Boot's disk)")
    p.add_argument("--input", help="a file piped into the serial console (the guest's input), "
                   "sent once the console shows --input-after")
    p.add_argument("--input-after", default=r"^mneme console: ",
                   help="regex of the console line after which --input is sent (default: the shell's greeting; "
                   "'' sends it at once)")
    p.add_argument("--mux", action="store_true",
                   help="the serial port shares stdio with QEMU's monitor (QEMU's mux), as at a terminal")
    p.add_argument("--icount", action="store_true")
    p.add_argument("--expect", choices=CODES, default="pass")
    p.add_argument("--expect-line", action="append", default=[], help="regex the console must show")
    p.add_argument("--check-map", action="store_true")
    p.add_argument("--no-ktap", action="store_true", help="do not require KTAP output")
    p.add_argument("--timeout", type=int, default=120)
    p.add_argument("--log", help="also write the console output here")
    p.add_argument("qemu_arg", nargs="*", help="extra QEMU arguments (after --)")
    a = p.parse_args()

    if a.bios and a.bios != "default" and not os.path.exists(a.bios):
        print("firmware %s not found" % a.bios)
        return 1
    if a.boot not in BOOTS[a.arch]:
        print("--boot %s: not a boot path of %s (%s)" % (a.boot, a.arch, ", ".join(BOOTS[a.arch])))
        return 1
    tmp = tempfile.mkdtemp(prefix="mneme-boot-")
    try:
        a.media = boot_media(a, tmp)
        return run(a)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_qemu(cmd, a):
    """Run QEMU; returns (status or None on timeout, output bytes: stdout, then stderr).

    --input is written to QEMU's stdin once the console shows --input-after:
    until the shell runs, the firmware and the core may reset the UART's FIFO
    (and U-Boot or OVMF would read the input themselves), so earlier input
    could be lost.  What is judged is still only the transcript."""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if a.input else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = bytearray(), bytearray()
    seen = threading.Condition()

    def reader(stream, buf):
        for chunk in iter(lambda: stream.read1(4096), b""):
            with seen:
                buf.extend(chunk)
                seen.notify_all()
        with seen:
            seen.notify_all()

    threads = [threading.Thread(target=reader, args=(proc.stdout, out), daemon=True),
               threading.Thread(target=reader, args=(proc.stderr, err), daemon=True)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + a.timeout
    if a.input:
        ready = re.compile(a.input_after.encode(), re.M)
        with seen:
            while not ready.search(out) and proc.poll() is None and time.monotonic() < deadline:
                seen.wait(min(1.0, max(0.0, deadline - time.monotonic())))
            go = ready.search(out) is not None
        try:
            if go:
                with open(a.input, "rb") as f:
                    proc.stdin.write(f.read())
            proc.stdin.close()
        except BrokenPipeError:
            pass
    try:
        status = proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        status = None
    for t in threads:
        t.join()
    return status, bytes(out) + bytes(err)


def run(a):
    cmd = qemu_command(a)
    if not shutil.which(cmd[0]):
        print("%s is not installed" % cmd[0])
        return 1
    print("+ " + " ".join(cmd), flush=True)
    status, out = run_qemu(cmd, a)
    log = out.decode("utf-8", "replace").replace("\r\n", "\n")
    sys.stdout.write(log)
    if a.log:
        with open(a.log, "w") as f:
            f.write(log)

    errors = []
    if status is None:
        errors.append("QEMU did not exit within %d s" % a.timeout)
    else:
        code = guest_code(a.arch, status)
        if code != CODES[a.expect]:
            errors.append("QEMU exit status %d (guest code %s), expected %s (code %d)"
                          % (status, code, a.expect, CODES[a.expect]))
    if a.expect == "pass" and not a.no_ktap:
        err = check_ktap(log)
        if err:
            errors.append(err)
    pos = 0
    for rx in a.expect_line:
        m = re.compile(rx, re.M).search(log, pos)
        if not m:
            errors.append("console lacks /%s/" % rx)
        else:
            pos = m.end()
    if a.check_map and not errors:
        err = check_map(a, log)
        if err:
            errors.append(err)
    print("\n== %s: %s" % (os.path.basename(a.kernel), "PASS" if not errors else "FAIL: " + " | ".join(errors)))
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
