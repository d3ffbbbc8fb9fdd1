#!/usr/bin/env python3
"""Generate the memory-map files replayed by test/host/buddy/test_maps.c.

riscv64: read from QEMU virt device trees in dtb/ (dumped with
  qemu-system-riscv64 -machine virt -m SIZE [-numa ...] -machine dumpdtb=FILE)
  via dtc; adds what OpenSBI and the boot add at run time (marked).
x86_64: the x86_64-*.map files are e820 maps captured from real boots
  (arch/x86_64/tools/capture_e820.py), not generated here.

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


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    for name in sorted(os.listdir(os.path.join(HERE, 'dtb'))):
        lines = riscv_map(os.path.join(HERE, 'dtb', name))
        open(os.path.join(out, 'riscv-' + name[:-4] + '.map'), 'w').write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
