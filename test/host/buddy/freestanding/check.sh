#!/bin/sh
# Compile the page allocator's files for a bare target with only the
# declarations in this directory standing in for libc, and require every
# undefined symbol to be a port hook (mm_*), memblock, one of the libc
# functions mm/port.h allows, or defined by another of the files.
# Usage: check.sh CC ARCH ROOT OUTDIR FILE...
set -e
cc=$1 arch=$2 root=$3 out=$4
shift 4
here=$(dirname "$0")
for f in "$@"; do
	"$cc" --target="$arch-unknown-elf" -ffreestanding -nostdlibinc -fno-builtin -std=gnu11 \
		-Wall -Wextra -Werror -O2 -I"$here" -I"$root/mmserver/include" -I"$root/ipc/include" \
		-c "$root/mmserver/mm/$f.c" -o "$out/$arch-$f.o"
done
nm "$out"/"$arch"-*.o | awk '$1 != "U" && NF == 3 {print $3}' | sort -u > "$out/$arch.defined"
undef=$(nm -u "$out"/"$arch"-*.o | awk 'NF == 2 {print $2}' | sort -u |
	comm -23 - "$out/$arch.defined" | grep -v -E '^(mm_|memblock|__next_mem_)' |
	grep -v -x -e memset -e memcpy -e memmove -e memcmp -e strlen -e strcmp \
		-e snprintf -e vsnprintf || true)
if [ -n "$undef" ]; then
	echo "unexpected external symbols: $undef"
	exit 1
fi
echo "$arch: mm core files are freestanding"
