#!/usr/bin/env python3
"""Write a set of ACPI tables for a QEMU boot test, good or deliberately broken.

    acpi_blob.py <case> <base> <out>

The blob is meant for QEMU's generic loader at physical address <base>
(-device loader,file=<out>,addr=<base>,force-raw=on) and the boot word
acpi_rsdp=<base>: an RSDP (revision 2) at <base>, an XSDT and an RSDT, a
FACP-like filler and a MADT with local APICs 0 and 1 (QEMU's first two
CPUs).  Cases:

  good             as above: both CPUs come up, through the XSDT
  xsdt-checksum    the XSDT's checksum is wrong: the RSDT is used instead
  madt-dup         the MADT repeats APIC id 1: ignored, both CPUs come up
  rsdp-checksum    the RSDP's checksum is wrong: no ACPI, one CPU
  madt-checksum    the MADT's checksum is wrong: one CPU
  madt-entry       the MADT's last entry runs past the table: one CPU
  madt-length      the MADT's length claims 1 MiB: one CPU
  madt-empty       the MADT has no processor entries: one CPU
  madt-no-boot     the MADT lists APIC ids 1 and 2, not the boot CPU's 0: one CPU
"""
import struct
import sys

HEADER = 36


def checksum_fix(buf, at):
    buf[at] = 0
    buf[at] = (-sum(buf)) & 0xff


def table(sig, payload, revision=1):
    t = bytearray(struct.pack("<4sIBB6s8sI4sI", sig, HEADER + len(payload), revision, 0,
                              b"MNEME ", b"SMPTEST ", 1, b"MNME", 1)) + payload
    checksum_fix(t, 9)
    return t


def lapic(uid, apic_id, flags=1):
    return struct.pack("<BBBBI", 0, 8, uid, apic_id, flags)


def build(case, base):
    ids = [0, 1]
    if case == "madt-no-boot":
        ids = [1, 2]
    if case == "madt-empty":
        ids = []
    entries = b"".join(lapic(i, a) for i, a in enumerate(ids))
    if case == "madt-dup":
        entries += lapic(2, 1)
    if case == "madt-entry":
        entries += struct.pack("<BB", 0, 8) + b"\x00\x01"   # 4 bytes of an 8-byte entry
    madt = table(b"APIC", struct.pack("<II", 0xFEE00000, 1) + entries, revision=3)
    if case == "madt-checksum":
        madt[9] ^= 0x5A
    if case == "madt-length":
        madt[4:8] = struct.pack("<I", 1 << 20)
        checksum_fix(madt, 9)
    facp = table(b"FACP", bytes(80), revision=3)

    rsdp_at, rsdt_at, xsdt_at, facp_at, madt_at = 0, 0x40, 0x80, 0x100, 0x200
    rsdt = table(b"RSDT", struct.pack("<II", base + facp_at, base + madt_at))
    xsdt = table(b"XSDT", struct.pack("<QQ", base + facp_at, base + madt_at))
    if case == "xsdt-checksum":
        xsdt[40] ^= 0x01
    rsdp = bytearray(struct.pack("<8sB6sBIIQB3s", b"RSD PTR ", 0, b"MNEME ", 2, base + rsdt_at,
                                 36, base + xsdt_at, 0, b"\0\0\0"))
    v1 = rsdp[:20]                             # the checksum covers the first 20 bytes,
    rsdp[8] = (-sum(v1)) & 0xff
    checksum_fix(rsdp, 32)                     # the extended one all 36
    if case == "rsdp-checksum":
        rsdp[8] ^= 0x01

    blob = bytearray(madt_at + len(madt))
    for at, part in ((rsdp_at, rsdp), (rsdt_at, rsdt), (xsdt_at, xsdt), (facp_at, facp),
                     (madt_at, madt)):
        blob[at:at + len(part)] = part
    return blob


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    case, base, out = sys.argv[1], int(sys.argv[2], 0), sys.argv[3]
    with open(out, "wb") as f:
        f.write(build(case, base))


if __name__ == "__main__":
    main()
