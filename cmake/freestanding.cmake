# Shared part of the freestanding toolchain files: clang as compiler and
# assembler for MNEME_TARGET_TRIPLE, linked by ld.lld without any C library.
find_program(MNEME_CLANG NAMES clang clang-14 REQUIRED)
set(CMAKE_C_COMPILER ${MNEME_CLANG})
set(CMAKE_ASM_COMPILER ${MNEME_CLANG})
set(CMAKE_C_COMPILER_TARGET ${MNEME_TARGET_TRIPLE})
set(CMAKE_ASM_COMPILER_TARGET ${MNEME_TARGET_TRIPLE})
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "-ffreestanding -fno-stack-protector -fno-pic -fno-common")
set(CMAKE_ASM_FLAGS_INIT "-fno-pic")
# Link with ld.lld directly: for bare x86_64 triples the clang 14 driver
# hands linking to gcc, which a clang-only machine does not have.
find_program(MNEME_LLD NAMES ld.lld ld.lld-14 REQUIRED)
set(CMAKE_LINKER ${MNEME_LLD})
set(CMAKE_C_LINK_EXECUTABLE
  "<CMAKE_LINKER> -static -nostdlib --build-id=none -z max-page-size=4096 <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")
set(CMAKE_ASM_LINK_EXECUTABLE "${CMAKE_C_LINK_EXECUTABLE}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# The toolchain file is read again for try_compile projects: pass the arch on.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES MNEME_ARCH MNEME_TARGET_TRIPLE)
