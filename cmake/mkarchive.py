#!/usr/bin/env python3
"""Pack user programs into a mneme boot archive (ipc/include/mneme/archive.h).

Usage: mkarchive.py [--header archive.h] -o OUT NAME=FILE [NAME=FILE ...]

Layout: a 32-byte header (magic, version, entry count, total size, 0),
48-byte entries (name[32] NUL-padded, offset, size), then each file's data
starting on a 4 KiB boundary.  The total size is a multiple of 4 KiB so the
core can map the archive with whole pages.  Names must be unique, 1..31
ASCII characters; at most 64 entries.
"""
import argparse
import re
import struct
import sys

MAGIC = 0x7672616D656E6D6D  # "mmenmarv" little-endian, MNEME_ARCHIVE_MAGIC
VERSION = 1
NAME_LEN = 32
ALIGN = 4096
MAX_ENTRIES = 64
HEADER_CONSTANTS = {"MAGIC": "MAGIC", "VERSION": "VERSION", "ALIGN": "ALIGN",
                    "MAX_ENTRIES": "MAX_ENTRIES", "NAME": "NAME_LEN"}
HEADER = struct.Struct("<QIIQQ")
ENTRY = struct.Struct("<32sQQ")  # name[MNEME_ARCHIVE_NAME], offset, size


def align_up(n, a=ALIGN):
    return (n + a - 1) // a * a


def pack(files):
    """files: list of (name, bytes). Returns the archive as bytes."""
    if not files or len(files) > MAX_ENTRIES:
        raise ValueError("need 1..%d programs, got %d" % (MAX_ENTRIES, len(files)))
    names = [n for n, _ in files]
    if len(set(names)) != len(names):
        raise ValueError("duplicate names")
    offset = align_up(HEADER.size + ENTRY.size * len(files))
    entries, layout = [], []
    for name, data in files:
        raw = name.encode("ascii")
        if not 0 < len(raw) < NAME_LEN:
            raise ValueError("bad name %r" % name)
        entries.append(ENTRY.pack(raw.ljust(NAME_LEN, b"\0"), offset, len(data)))
        layout.append((offset, data))
        offset = align_up(offset + len(data))
    total = offset
    out = bytearray(total)
    out[0:HEADER.size] = HEADER.pack(MAGIC, VERSION, len(files), total, 0)
    for i, e in enumerate(entries):
        pos = HEADER.size + i * ENTRY.size
        out[pos:pos + ENTRY.size] = e
    for off, data in layout:
        out[off:off + len(data)] = data
    return bytes(out)


def read_constants(path):
    """Take the format's constants from archive.h itself, so the two cannot drift."""
    text = open(path).read()
    for cname, pyname in HEADER_CONSTANTS.items():
        m = re.search(r"#define MNEME_ARCHIVE_%s\s+(0x[0-9a-fA-F]+|\d+)" % cname, text)
        if not m:
            raise ValueError("%s lacks MNEME_ARCHIVE_%s" % (path, cname))
        globals()[pyname] = int(m.group(1), 0)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--header", help="archive.h to take the format constants from")
    p.add_argument("programs", nargs="+", metavar="NAME=FILE")
    a = p.parse_args()
    if a.header:
        read_constants(a.header)
    files = []
    for spec in a.programs:
        name, sep, path = spec.partition("=")
        if not sep:
            p.error("expected NAME=FILE, got %r" % spec)
        with open(path, "rb") as f:
            files.append((name, f.read()))
    try:
        blob = pack(files)
    except ValueError as e:
        print("mkarchive: %s" % e, file=sys.stderr)
        return 1
    with open(a.output, "wb") as f:
        f.write(blob)
    return 0


if __name__ == "__main__":
    sys.exit(main())
