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

NUMA cases (for -m 128M, two CPUs) add an SRAT and a SLIT: node 0 holds the
first 64 MiB and CPU 0, node 1 the next 64 MiB and CPU 1, distance 17:

  numa-good              two nodes, both CPUs up
  numa-overlap           node 1's memory starts inside node 0's
  numa-uncovered         a MiB of RAM between the nodes is in neither
  numa-cpu-nowhere       the SRAT gives CPU 1 no proximity domain
  numa-cpu-memoryless    CPU 1 is in a proximity domain without memory
  numa-slit-asym         node 0 to 1 is 17, back 18
  numa-slit-zero         the distance between the nodes is 0
  numa-slit-self         node 1 to itself is 12
  numa-slit-short        the SLIT has one locality for two domains
  numa-slit-truncated    the SLIT's length cuts its last distance
  numa-srat-checksum     the SRAT's checksum is wrong
  numa-srat-entry        the SRAT's last entry runs past the table
Every bad one falls back to one node with the reason printed.
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


MIB = 1 << 20


def srat_cpu(pxm, apic_id):
    return struct.pack("<BBBBIB3sI", 0, 16, pxm & 0xff, apic_id, 1, 0, bytes(3), 0)


def srat_mem(pxm, base, length):
    return struct.pack("<BBIHQQIIQ", 1, 40, pxm, 0, base, length, 0, 1, 0)


def numa_tables(case):
    cpus = [(0, 0), (1, 1)]
    if case == "numa-cpu-nowhere":
        cpus = [(0, 0)]
    if case == "numa-cpu-memoryless":
        cpus = [(0, 0), (2, 1)]
    start1 = {"numa-overlap": 60 * MIB, "numa-uncovered": 65 * MIB}.get(case, 64 * MIB)
    entries = b"".join(srat_cpu(p, a) for p, a in cpus)
    entries += srat_mem(0, 0, 0xa0000) + srat_mem(0, MIB, 63 * MIB)
    entries += srat_mem(1, start1, 128 * MIB - start1)
    if case == "numa-srat-entry":
        entries += struct.pack("<BB", 1, 40) + bytes(10)
    srat = table(b"SRAT", struct.pack("<IQ", 1, 0) + entries, revision=3)
    if case == "numa-srat-checksum":
        srat[9] ^= 0x33
    dist = {"numa-slit-asym": [10, 17, 18, 10], "numa-slit-zero": [10, 0, 0, 10],
            "numa-slit-self": [10, 17, 17, 12]}.get(case, [10, 17, 17, 10])
    n = 2
    if case == "numa-cpu-memoryless":          # a locality for the memoryless domain too
        n, dist = 3, [10, 17, 20, 17, 10, 20, 20, 20, 10]
    if case == "numa-slit-short":
        n, dist = 1, [10]
    payload = struct.pack("<Q", n) + bytes(dist)
    if case == "numa-slit-truncated":
        payload = payload[:-1]
    slit = table(b"SLIT", payload, revision=1)
    return srat, slit


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
    srat_at, slit_at = 0x300, 0x500
    tables = [base + facp_at, base + madt_at]
    extra = []
    if case.startswith("numa-"):
        srat, slit = numa_tables(case)
        tables += [base + srat_at, base + slit_at]
        extra = [(srat_at, srat), (slit_at, slit)]
    rsdt = table(b"RSDT", struct.pack("<%dI" % len(tables), *tables))
    xsdt = table(b"XSDT", struct.pack("<%dQ" % len(tables), *tables))
    if case == "xsdt-checksum":
        xsdt[40] ^= 0x01
    rsdp = bytearray(struct.pack("<8sB6sBIIQB3s", b"RSD PTR ", 0, b"MNEME ", 2, base + rsdt_at,
                                 36, base + xsdt_at, 0, b"\0\0\0"))
    v1 = rsdp[:20]                             # the checksum covers the first 20 bytes,
    rsdp[8] = (-sum(v1)) & 0xff
    checksum_fix(rsdp, 32)                     # the extended one all 36
    if case == "rsdp-checksum":
        rsdp[8] ^= 0x01

    parts = [(rsdp_at, rsdp), (rsdt_at, rsdt), (xsdt_at, xsdt), (facp_at, facp),
             (madt_at, madt)] + extra
    blob = bytearray(max(at + len(part) for at, part in parts))
    for at, part in parts:
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
