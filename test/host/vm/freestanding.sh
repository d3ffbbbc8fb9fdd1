#!/bin/sh
# Compile the vm module for a bare target (the mm core's freestanding
# libc stand-ins from test/host/buddy/freestanding) and require every
# undefined symbol to be the mm core's interface, a backend hook, or a
# libc function mm/port.h allows.  Then compile the mneme backend, the
# client library and malloc against the user runtime's headers.
# Usage: freestanding.sh CC ARCH ROOT OUTDIR
set -e
cc=$1 arch=$2 root=$3 out=$4
fs="$root/test/host/buddy/freestanding"
mkdir -p "$out"
rm -f "$out/$arch"-vm-*.o
for f in "$root"/mmserver/vm/*.c; do
	"$cc" --target="$arch-unknown-elf" -ffreestanding -nostdlibinc -fno-builtin -std=gnu11 \
		-Wall -Wextra -Werror -O2 -I"$fs" -I"$root/mmserver/include" -I"$root/ipc/include" \
		-c "$f" -o "$out/$arch-vm-$(basename "$f" .c).o"
done
nm "$out"/"$arch"-vm-*.o | awk '$1 != "U" && NF == 3 {print $3}' | sort -u > "$out/$arch.vm.defined"
undef=$(nm -u "$out"/"$arch"-vm-*.o | awk 'NF == 2 {print $2}' | sort -u |
	comm -23 - "$out/$arch.vm.defined" |
	grep -v -E '^(mm_|vm_backend_|kmem_cache_)' |
	grep -v -E '^(kmalloc|kfree|alloc_pages|alloc_pages_node|__free_pages|alloc_contig_pages_below|free_contig_pages|[a-z]+info_dump|vmstat_dump)$' |
	grep -v -E '^(max_pfn|min_low_pfn|pfn_valid|present_section_nr|slab_check_invariants|totalram_pages)$' |
	grep -v -E '^(zstore_[a-z_]+|node_data|first_online_node|next_online_node|register_shrinker|shrink_slab)$' |
	grep -v -E '^(mpol_new|alloc_pages_mpol|alloc_contig_pages_mpol|node_online|nth_node|node_[a-z]+_dump)$' |
	grep -v -x -e memset -e memcpy -e memmove -e memcmp -e strlen -e strcmp \
		-e snprintf -e vsnprintf || true)
if [ -n "$undef" ]; then
	echo "unexpected external symbols: $undef"
	exit 1
fi
case $arch in
x86_64) flags="-mcmodel=small -mno-mmx -mno-sse -mno-sse2 -mno-avx -mno-80387" ;;
riscv64) flags="-march=rv64imac -mabi=lp64 -mcmodel=medany -mno-relax" ;;
esac
inc="-I$root/userland/include -I$root/arch/$arch -I$root/ipc/include -I$root/mmserver/include \
	-I$root/mmserver/vm -I$root/mmserver/server -I$root/userland/libmm/include -I$root/userland/libc/include"
for f in mmserver/vm/mneme/vm_backend_mneme.c userland/libmm/libmm.c userland/libc/malloc.c; do
	# shellcheck disable=SC2086
	"$cc" --target="$arch-unknown-elf" -ffreestanding -fno-builtin -std=gnu11 $flags \
		-Wall -Wextra -Werror -O2 $inc -c "$root/$f" -o "$out/$arch-user-$(basename "$f" .c).o"
done
echo "$arch: vm module freestanding; backend, libmm and malloc build"
