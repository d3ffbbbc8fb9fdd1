# riscv64 (RV64IMAC, lp64) description for cmake/target.cmake.
# -mno-relax: LLD 14 cannot relax; medany: the image runs at its physical
# address before paging and in the higher half after, so all code must be
# PC-relative.
set(MNEME_ARCH_DIR ${MNEME_ROOT}/arch/riscv64)
file(GLOB MNEME_ARCH_CORE_SOURCES CONFIGURE_DEPENDS ${MNEME_ARCH_DIR}/*.c ${MNEME_ARCH_DIR}/*.S)
set(MNEME_ARCH_COMMON_FLAGS -march=rv64imac -mabi=lp64 -mcmodel=medany -mno-relax)
set(MNEME_ARCH_CORE_FLAGS ${MNEME_ARCH_COMMON_FLAGS} -fno-pic -fno-builtin -ffreestanding)
set(MNEME_ARCH_CORE_LDSCRIPT ${MNEME_ARCH_DIR}/core.ld)
set(MNEME_ARCH_USER_FLAGS ${MNEME_ARCH_COMMON_FLAGS})
# A flat copy of the image (objcopy -O binary): what U-Boot's booti loads
# from a disk (the image starts with Linux's RISC-V image header, entry.S).
set(MNEME_ARCH_FLAT_IMAGE mneme-riscv64.bin)
