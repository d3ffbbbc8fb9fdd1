#!/bin/sh
# Boot riscv64 with NUMA described by an edited device tree.
#
#   numa-dtb.sh <case> <dir> <run.py command...>
#
# QEMU 7.2's virt machine cannot wire more than two sockets' interrupt
# controllers, so four nodes come from its own tree for -smp 4 (dumped,
# then edited with fdtput from dtc's package): the one memory node is cut
# into four of a quarter each (numa-node-id 0..3, the same RAM described
# in four pieces), each hart gets the node of its number, and a
# /distance-map (numa-distance-map-v1) gives distances that differ pair
# by pair, with ties:
#
#        0   1   2   3
#   0:  10  16  22  22
#   1:  16  10  22  28
#   2:  22  22  10  16
#   3:  22  28  16  10
#
# Each pair is given once (the other direction is implied).  Cases:
#   good        as above
#   asym        node 2 to node 0 is given as 23 besides 0 to 2 as 22
#   memoryless  hart 3 names node 5, which has no memory
#   badnid      the second memory node's numa-node-id is two cells
# The bad ones must fall back to one node with the reason printed.  The
# run.py command gets "--log <file> -- -dtb <file>" appended; it judges
# the run (exit status, KTAP, its --expect-line regexes).  The RAM size
# is what the command's --mem says (a multiple of 4 MiB).
set -eu
case=$1
dir=$2
shift 2
mkdir -p "$dir"
mem=$(echo "$@" | sed -n 's/.*--mem \([0-9]*\)\([MG]\).*/\1 \2/p')
num=${mem% *}
unit=${mem#* }
[ "$unit" = G ] && bytes=$((num << 30)) || bytes=$((num << 20))
quarter=$((bytes / 4))
dtb=$dir/numa-$case.dtb
qemu-system-riscv64 -machine virt,dumpdtb="$dir/virt4-$case.dtb" -m "$num$unit" -smp 4 -bios default \
	-display none -nic none >/dev/null 2>&1
cp "$dir/virt4-$case.dtb" "$dtb"
hi() { echo $(($1 >> 32)); }
lo() { echo $(($1 & 0xffffffff)); }
base=$((0x80000000))
fdtput -t u "$dtb" /memory@80000000 reg 0 $((base)) $(hi $quarter) $(lo $quarter)
fdtput -t u "$dtb" /memory@80000000 numa-node-id 0
for n in 1 2 3; do
	b=$((base + n * quarter))
	node=$(printf "/memory@%x" $b)
	fdtput -c "$dtb" "$node"
	fdtput -t s "$dtb" "$node" device_type memory
	fdtput -t u "$dtb" "$node" reg $(hi $b) $(lo $b) $(hi $quarter) $(lo $quarter)
	fdtput -t u "$dtb" "$node" numa-node-id $n
done
for h in 0 1 2 3; do
	fdtput -t u "$dtb" /cpus/cpu@$h numa-node-id $h
done
matrix="0 0 10 0 1 16 0 2 22 0 3 22 1 1 10 1 2 22 1 3 28 2 2 10 2 3 16 3 3 10"
case $case in
good) ;;
asym) matrix="$matrix 2 0 23" ;;
memoryless) fdtput -t u "$dtb" /cpus/cpu@3 numa-node-id 5 ;;
badnid) fdtput -t u "$dtb" "$(printf "/memory@%x" $((base + quarter)))" numa-node-id 1 1 ;;
*) echo "numa-dtb.sh: unknown case $case" >&2; exit 2 ;;
esac
fdtput -c "$dtb" /distance-map
fdtput -t s "$dtb" /distance-map compatible numa-distance-map-v1
# shellcheck disable=SC2086
fdtput -t u "$dtb" /distance-map distance-matrix $matrix
dtc -q -I dtb -O dts "$dtb" | grep -E 'memory@|numa-node-id|distance' | head -20
"$@" --log "$dir/numa-$case.log" -- -dtb "$dtb"
