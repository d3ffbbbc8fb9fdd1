#!/bin/sh
# Boot with a deliberately broken device tree.
#
#   bad-dtb.sh <kind> <dir> <run.py command...>
#
# Dumps QEMU virt's own tree (128 MiB), breaks it in a way OpenSBI does
# not care about but the core must reject, and runs the run.py command
# with "-- -dtb <file>" appended.  Kinds:
#   bad-reg       the memory node's reg is 3 cells long (not a multiple of 2+2)
#   too-deep      the root holds nodes nested 80 deep (the core accepts 64)
set -eu
kind=$1 dir=$2
shift 2
mkdir -p "$dir"
qemu-system-riscv64 -machine virt,dumpdtb="$dir/virt.dtb" -m 128M -bios default \
	-display none -nic none >/dev/null 2>&1
dtc -q -I dtb -O dts -o "$dir/virt.dts" "$dir/virt.dtb"
case "$kind" in
bad-reg) sed 's/reg = <0x00 0x80000000 0x00 0x8000000>;/reg = <0x00 0x80000000 0x00>;/' ;;
too-deep)
	deep=$(i=0; while [ $i -lt 80 ]; do printf 'n%d {' $i; i=$((i + 1)); done
	       i=0; while [ $i -lt 80 ]; do printf '};'; i=$((i + 1)); done)
	cat - && echo "/ { $deep };" ;;
*) echo "bad-dtb.sh: unknown kind $kind" >&2; exit 2 ;;
esac <"$dir/virt.dts" >"$dir/$kind.dts"
if cmp -s "$dir/virt.dts" "$dir/$kind.dts"; then
	echo "bad-dtb.sh: QEMU's tree changed; $kind edit did not apply" >&2
	exit 1
fi
dtc -q -I dts -O dtb -o "$dir/$kind.dtb" "$dir/$kind.dts"
exec "$@" -- -dtb "$dir/$kind.dtb"
