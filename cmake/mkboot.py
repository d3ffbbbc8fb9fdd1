#!/usr/bin/env python3
"""Build the boot media of a mneme image, with the boot words baked in.

  mkboot.py iso  --kernel mneme-x86_64.elf --out mneme.iso [--append WORDS] [--initrd FILE]
      A hybrid ISO (BIOS and UEFI) made by grub-mkrescue: GRUB boots the
      image through Multiboot2 ("multiboot2" with the words, "module2" for
      an initrd), at once (timeout 0).  Needs grub-pc-bin,
      grub-efi-amd64-bin, xorriso and mtools.

  mkboot.py disk --kernel mneme-riscv64.bin --out disk.img [--append WORDS] [--initrd FILE]
      A disk image for U-Boot: an MBR with one bootable FAT partition
      holding the flat image (and the initrd) and extlinux/extlinux.conf, which U-Boot's
      distro boot finds on virtio 0:1; it loads the image and boots it with
      booti (Linux's RISC-V image header, arch/riscv64/entry.S) and the
      device tree U-Boot got from QEMU, where it names the initrd in
      /chosen (linux,initrd-start and -end).  Needs mtools.

Boot words are quoted for GRUB's and extlinux's parsers; words holding a
quote or a backslash are refused.
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

PART_START = 1 << 20          # the FAT partition starts at 1 MiB
PART_SIZE = 32 << 20


def die(msg):
    sys.stderr.write("mkboot: %s\n" % msg)
    sys.exit(2)


def need(*tools):
    for t in tools:
        if not shutil.which(t):
            die("%s is not installed (./mneme deps installs it)" % t)


def words_of(append):
    words = (append or "").split()
    for w in words:
        if any(c in w for c in "'\"\\"):
            die("boot word %r holds a quote or backslash" % w)
    return words


def make_iso(a):
    need("grub-mkrescue", "xorriso", "mformat")
    words = words_of(a.append)
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "iso")
        os.makedirs(os.path.join(root, "boot", "grub"))
        shutil.copy(a.kernel, os.path.join(root, "boot", "mneme.elf"))
        lines = ["set timeout=0", "set default=0", 'menuentry "mneme" {',
                 "  multiboot2 /boot/mneme.elf " + " ".join("'%s'" % w for w in words)]
        if a.initrd:
            shutil.copy(a.initrd, os.path.join(root, "boot", "initrd"))
            lines.append("  module2 /boot/initrd")
        lines += ["  boot", "}"]
        with open(os.path.join(root, "boot", "grub", "grub.cfg"), "w") as f:
            f.write("\n".join(lines) + "\n")
        r = subprocess.run(["grub-mkrescue", "-o", a.out, root], capture_output=True, text=True)
        if r.returncode != 0:
            die("grub-mkrescue failed:\n" + r.stdout + r.stderr)


def mbr(start, size):
    """A master boot record with one bootable FAT16 (LBA) partition."""
    entry = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x0e, b"\xfe\xff\xff",
                        start // 512, size // 512)
    return bytes(446) + entry + bytes(48) + b"\x55\xaa"


def make_disk(a):
    need("mformat", "mcopy", "mmd")
    words = words_of(a.append)
    with tempfile.TemporaryDirectory() as tmp:
        part = os.path.join(tmp, "part.img")
        with open(part, "wb") as f:
            f.truncate(PART_SIZE)
        conf = os.path.join(tmp, "extlinux.conf")
        with open(conf, "w") as f:
            f.write("default mneme\nprompt 0\ntimeout 0\n\nlabel mneme\n  kernel /mneme.bin\n")
            if words:           # U-Boot's parser wants a word after "append"
                f.write("  append %s\n" % " ".join(words))
            if a.initrd:
                f.write("  initrd /initrd\n")
        if a.initrd and os.path.getsize(a.kernel) + os.path.getsize(a.initrd) > PART_SIZE - (1 << 20):
            die("the image and the initrd do not fit the %d MiB partition" % (PART_SIZE >> 20))
        cmds = [["mformat", "-i", part, "-v", "MNEME", "::"],
                ["mmd", "-i", part, "::/extlinux"],
                ["mcopy", "-i", part, conf, "::/extlinux/extlinux.conf"],
                ["mcopy", "-i", part, a.kernel, "::/mneme.bin"]]
        if a.initrd:
            cmds.append(["mcopy", "-i", part, a.initrd, "::/initrd"])
        for cmd in cmds:
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                die("%s failed: %s" % (" ".join(cmd), r.stdout + r.stderr))
        with open(a.out, "wb") as out, open(part, "rb") as p:
            out.write(mbr(PART_START, PART_SIZE))
            out.write(bytes(PART_START - 512))
            shutil.copyfileobj(p, out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=["iso", "disk"])
    p.add_argument("--kernel", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--append", default="")
    p.add_argument("--initrd")
    a = p.parse_args()
    if not os.path.exists(a.kernel):
        die("no image %s" % a.kernel)
    if a.kind == "iso":
        make_iso(a)
    else:
        make_disk(a)


if __name__ == "__main__":
    main()
