#!/usr/bin/env python3
"""Generate the memory-map files replayed by test/host/buddy/test_maps.c.

riscv64: read from QEMU virt device trees in dtb/ (dumped with
  qemu-system-riscv64 -machine virt -m SIZE [-numa ...] -machine dumpdtb=FILE)
  via dtc; adds what OpenSBI and the boot add at run time (marked).
x86_64: DERIVED from QEMU's layout rules (no captured e820 yet); the x86
  engineer replaces them with maps captured from real boots.

Usage: gen_maps.py OUTDIR   (rewrites OUTDIR/*.map)
"""
import os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
G = 1 << 30
M = 1 << 20


def cells(s):
    return [int(x, 16) for x in re.findall(r'0x[0-9a-fA-F]+', s)]


def riscv_map(dtb):
    dts = subprocess.run(['dtc', '-q', '-I', 'dtb', '-O', 'dts', dtb],
                         check=True, capture_output=True, text=True).stdout
    ranges, dist = [], []
    for m in re.finditer(r'memory@[0-9a-f]+ \{(.*?)\};', dts, re.S):
        body = m.group(1)
        nid = re.search(r'numa-node-id = <(0x[0-9a-f]+)>', body)
        reg = cells(re.search(r'reg = <([^>]*)>', body).group(1))
        for i in range(0, len(reg), 4):
            base = (reg[i] << 32) | reg[i + 1]
            size = (reg[i + 2] << 32) | reg[i + 3]
            ranges.append((base, size, 'usable', int(nid.group(1), 16) if nid else 0))
    dm = re.search(r'distance-matrix = <([^>]*)>', dts)
    if dm:
        c = cells(dm.group(1))
        dist = [tuple(c[i:i + 3]) for i in range(0, len(c), 3)]
    lines = ['arch riscv64', '# from QEMU virt device tree %s (memory nodes)' % os.path.basename(dtb)]
    for base, size, t, nid in sorted(ranges):
        lines.append('0x%x 0x%x %s %d' % (base, size, t, nid))
    lines.append('# added at run time: OpenSBI mmode_resv (no-map), the core image')
    lines.append('0x80000000 0x40000 nomap 0')
    lines.append('0x80200000 0x200000 core 0')
    for a, b, d in dist:
        if a != b:
            lines.append('distance %d %d %d' % (a, b, d))
    return lines


def x86_map(machine, ram):
    if machine == 'pc':
        lowmem = 0xc0000000 if ram >= 0xe0000000 else ram
    else:
        lowmem = 0x80000000 if ram >= 0xb0000000 else ram
    high = ram - lowmem
    lines = ['arch x86_64',
             '# DERIVED, not captured: QEMU %s -m %dM e820 per QEMU/SeaBIOS layout rules' % (machine, ram // M),
             '0x0 0x9fc00 usable 0', '0x9fc00 0x400 reserved 0', '0xf0000 0x10000 reserved 0',
             '0x100000 0x%x usable 0' % (lowmem - 0x20000 - 0x100000),
             '0x%x 0x20000 reserved 0' % (lowmem - 0x20000)]
    # e820 "reserved" entries that are not RAM (MMCONFIG, the 4-page hole
    # below the BIOS, the BIOS ROM) are mapped to "unusable": never memory.
    if machine == 'q35':
        lines.append('0xb0000000 0x10000000 unusable 0')
    lines += ['0xfeffc000 0x4000 unusable 0', '0xfffc0000 0x40000 unusable 0']
    if high:
        lines.append('0x100000000 0x%x usable 0' % high)
    lines += ['# the core image and boot data (as our loader places them)', '0x200000 0x200000 core 0']
    return lines


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    for name in sorted(os.listdir(os.path.join(HERE, 'dtb'))):
        lines = riscv_map(os.path.join(HERE, 'dtb', name))
        open(os.path.join(out, 'riscv-' + name[:-4] + '.map'), 'w').write('\n'.join(lines) + '\n')
    for machine in ('pc', 'q35'):
        for ram in (128 * M, 1 * G, 3 * G + 512 * M, 4 * G, 16 * G, 64 * G):
            tag = '%dM' % (ram // M) if ram < G or ram % G else '%dG' % (ram // G)
            lines = x86_map(machine, ram)
            open(os.path.join(out, 'x86-%s-%s.map' % (machine, tag)), 'w').write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
