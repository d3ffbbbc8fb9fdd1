#!/bin/sh
# Boot five harts with an edited device tree and check which ones the core
# runs, whichever hart wins OpenSBI's boot lottery.
#
#   smp-dtb.sh <dir> <run.py command...>
#
# QEMU virt's own tree for -smp 5 (dumped, then edited with fdtput from
# dtc's package): cpu@2 disabled, cpu@3 without mmu-type, cpu@4 with
# mmu-type "riscv,none" (a hart without an MMU, in the binding's words).
# OpenSBI leaves hart 2 parked (a disabled node is not one of its harts),
# marks cpu@3 disabled itself (it does that to nodes without mmu-type)
# and passes cpu@4 on as it is; harts 0, 1, 3 and 4 can win the lottery.
# The core must run harts 0 and 1 and the boot hart, skip each of the
# others with its reason, and the parked hart must never disturb the run.
# The run.py command gets "--log <file> -- -dtb <file>" appended; its
# verdict (exit status, KTAP, expected lines) comes first, then these
# checks, which depend on the boot hart.
set -eu
dir=$1
shift
mkdir -p "$dir"
qemu-system-riscv64 -machine virt,dumpdtb="$dir/virt5.dtb" -m 128M -smp 5 -bios default \
	-display none -nic none >/dev/null 2>&1
cp "$dir/virt5.dtb" "$dir/smp-dtb.dtb"
fdtput -t s "$dir/smp-dtb.dtb" /cpus/cpu@2 status disabled
fdtput -d "$dir/smp-dtb.dtb" /cpus/cpu@3 mmu-type
fdtput -t s "$dir/smp-dtb.dtb" /cpus/cpu@4 mmu-type riscv,none
dtc -q -I dtb -O dts "$dir/smp-dtb.dtb" | sed -n '/cpus {/,/cpu-map/p' | grep -E 'cpu@|status|mmu-type'

log=$dir/smp-dtb.log
"$@" --log "$log" -- -dtb "$dir/smp-dtb.dtb"

fail=0
expect() {
	if grep -q -E "$1" "$log"; then
		echo "smp-dtb.sh: ok: $1"
	else
		echo "smp-dtb.sh: MISSING: $1"
		fail=1
	fi
}
boot=$(sed -n 's/.*riscv64 entry: hart \([0-9]*\),.*/\1/p' "$log")
echo "smp-dtb.sh: the boot hart is $boot"
cpus=2
expect "^smp: riscv64: hart 2: skipped: status not okay$"
for h in 0 1; do
	expect "^smp: riscv64: hart $h: cpu [0-9]+(| \\(boot\\)), node 0, riscv,sv48$"
done
if [ "$boot" = 3 ]; then
	expect "^smp: riscv64: hart 3: cpu 0 \\(boot\\), node 0, no mmu-type$"
	cpus=3
else
	expect "^smp: riscv64: hart 3: skipped: status not okay$"
fi
if [ "$boot" = 4 ]; then
	expect "^smp: riscv64: hart 4: cpu 0 \\(boot\\), node 0, riscv,none$"
	cpus=3
else
	expect "^smp: riscv64: hart 4: skipped: no usable mmu-type$"
fi
expect "^smp: Brought up 1 node, $cpus CPUs$"
exit $fail
