# Target configuration: the bootable system image for MNEME_ARCH.
#
# arch/<arch>/arch.cmake describes the architecture:
#   MNEME_ARCH_CORE_SOURCES  its sources for the core (C and assembly)
#   MNEME_ARCH_CORE_FLAGS    compile flags for core code (code model, no FP/SIMD)
#   MNEME_ARCH_CORE_LDSCRIPT the core's linker script
#   MNEME_ARCH_USER_FLAGS    compile flags for user programs
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE RelWithDebInfo)
endif()
add_compile_options(-Wall -Wextra -Werror -fno-omit-frame-pointer)
include(${MNEME_ROOT}/arch/${MNEME_ARCH}/arch.cmake)

file(GLOB MNEME_CORE_SOURCES CONFIGURE_DEPENDS ${MNEME_ROOT}/core/*.c)
# memset/memcpy/memmove/memcmp (which the compiler may call on its own) and
# the str* functions: one portable source for the core and user space,
# built with -fno-builtin so its loops are not turned back into calls.
# The formatter (vsnprintf) is shared the same way: printk formats with it.
set(MNEME_STRING_SOURCE ${MNEME_ROOT}/userland/lib/string.c)
set(MNEME_FORMAT_SOURCE ${MNEME_ROOT}/userland/lib/format.c)
set_source_files_properties(${MNEME_STRING_SOURCE} ${MNEME_FORMAT_SOURCE} PROPERTIES
  COMPILE_OPTIONS "-fno-builtin;-nostdlibinc"
  INCLUDE_DIRECTORIES "${MNEME_ROOT}/userland/libc/include;${MNEME_ROOT}/userland/include;${MNEME_ROOT}/arch/${MNEME_ARCH}")
add_executable(mneme-core ${MNEME_CORE_SOURCES} ${MNEME_ARCH_CORE_SOURCES} ${MNEME_STRING_SOURCE}
  ${MNEME_FORMAT_SOURCE})
# The syscall entry and IPC fast path only: no frame pointers (see the file's header).
set_source_files_properties(${MNEME_ROOT}/core/syscall_fast.c PROPERTIES COMPILE_OPTIONS
  -fomit-frame-pointer)
target_include_directories(mneme-core PRIVATE
  ${MNEME_ROOT}/core/include
  ${MNEME_ROOT}/arch/include
  ${MNEME_ROOT}/arch/${MNEME_ARCH}/include
  ${MNEME_ROOT}/ipc/include)
target_compile_options(mneme-core PRIVATE ${MNEME_ARCH_CORE_FLAGS})
target_compile_definitions(mneme-core PRIVATE MNEME_CORE=1)
target_link_options(mneme-core PRIVATE -T ${MNEME_ARCH_CORE_LDSCRIPT})
set_target_properties(mneme-core PROPERTIES
  OUTPUT_NAME mneme-${MNEME_ARCH}.elf
  SUFFIX ""
  LINK_DEPENDS ${MNEME_ARCH_CORE_LDSCRIPT})
include(${MNEME_ROOT}/cmake/userland.cmake)

# A flat binary beside the ELF, for boot loaders that load one (the
# architecture names it: riscv64's U-Boot booti).
if(MNEME_ARCH_FLAT_IMAGE)
  find_program(MNEME_OBJCOPY NAMES llvm-objcopy llvm-objcopy-14 REQUIRED)
  add_custom_command(TARGET mneme-core POST_BUILD
    COMMAND ${MNEME_OBJCOPY} -O binary $<TARGET_FILE:mneme-core>
            ${CMAKE_BINARY_DIR}/${MNEME_ARCH_FLAT_IMAGE}
    COMMENT "Flat image ${MNEME_ARCH_FLAT_IMAGE}" VERBATIM)
endif()
