# Freestanding riscv64 target (RV64IMAC, lp64): the core and user programs of mneme.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(MNEME_ARCH riscv64)
set(MNEME_TARGET_TRIPLE riscv64-unknown-elf)
include(${CMAKE_CURRENT_LIST_DIR}/freestanding.cmake)
