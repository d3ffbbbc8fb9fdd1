# Freestanding x86_64 target: the core and user programs of mneme.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(MNEME_ARCH x86_64)
set(MNEME_TARGET_TRIPLE x86_64-unknown-none-elf)
include(${CMAKE_CURRENT_LIST_DIR}/freestanding.cmake)
