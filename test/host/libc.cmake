# Host tests of the user C library (userland/libc and the runtime's
# formatter and names in userland/lib; the formatter's own test is
# test/host/userland.cmake's ul_printf_test, linked with libc_host).
#
# libc_test: the library's sources compiled as for the target — with
# mneme's own headers only (-nostdlibinc) — but for the host with the
# sanitizers, every public function renamed mn_* so that glibc, which the
# test compares against, stays in charge of the rest of the program.
set(LIBC_TEST_DIR ${MNEME_ROOT}/test/host/libc)
set(LIBC_SOURCES
  ${MNEME_ROOT}/userland/libc/strtol.c ${MNEME_ROOT}/userland/libc/qsort.c
  ${MNEME_ROOT}/userland/libc/ctype.c ${MNEME_ROOT}/userland/libc/string_ext.c
  ${MNEME_ROOT}/userland/libc/errno.c ${MNEME_ROOT}/userland/lib/string.c
  ${MNEME_ROOT}/userland/lib/names.c ${MNEME_ROOT}/userland/lib/format.c)
set(LIBC_RENAMED strtol strtoul strtoll strtoull strtoimax strtoumax atoi atol atoll qsort bsearch
  isalnum isalpha isblank iscntrl isdigit isgraph islower isprint ispunct isspace isupper isxdigit
  tolower toupper memchr strcoll strrchr strstr strspn strcspn strpbrk strcpy strncpy strcat strncat
  strlcpy strlcat strdup strndup strtok strtok_r strcasecmp strncasecmp strerror errno
  memset memcpy memmove memcmp strlen strnlen strcmp strncmp strchr vsnprintf snprintf)
set(libc_defs)
foreach(f ${LIBC_RENAMED})
  list(APPEND libc_defs ${f}=mn_${f})
endforeach()
add_library(libc_host STATIC ${LIBC_SOURCES})
target_include_directories(libc_host PRIVATE ${MNEME_ROOT}/userland/libc/include
  ${MNEME_ROOT}/userland/include ${MNEME_ROOT}/ipc/include)
# strdup calls malloc: the host's (its prototype comes from mneme's <stdlib.h>).
target_compile_definitions(libc_host PRIVATE ${libc_defs})
target_compile_options(libc_host PRIVATE -nostdlibinc -ffreestanding -fno-builtin -O1 -g
  ${MNEME_SANITIZE_FLAGS})
add_executable(libc_test ${LIBC_TEST_DIR}/test_libc.c)
target_link_libraries(libc_test PRIVATE libc_host)
target_compile_options(libc_test PRIVATE -O1 -g ${MNEME_SANITIZE_FLAGS})
target_link_options(libc_test PRIVATE ${MNEME_SANITIZE_FLAGS})
add_test(NAME libc COMMAND libc_test ${MNEME_ROOT}/ipc/include/mneme/error.h
  ${MNEME_ROOT}/ipc/include/mneme/fault.h ${MNEME_ROOT}/userland/libc/include/errno.h)
set_tests_properties(libc PROPERTIES LABELS "host;libc" TIMEOUT 120)

# malloc over a fake mapping backend (no mm core needed): its own copy of
# <malloc.h> on the path, so the host's <stdio.h> and friends stay glibc's.
set(MALLOC_TEST_DIR ${MNEME_ROOT}/test/host/malloc)
configure_file(${MNEME_ROOT}/userland/libc/include/malloc.h
  ${CMAKE_CURRENT_BINARY_DIR}/malloc_test_include/malloc.h COPYONLY)
add_executable(malloc_test ${MALLOC_TEST_DIR}/test_malloc.c ${MNEME_ROOT}/userland/libc/malloc.c)
target_include_directories(malloc_test PRIVATE ${MALLOC_TEST_DIR}
  ${CMAKE_CURRENT_BINARY_DIR}/malloc_test_include ${MNEME_ROOT}/ipc/include)
target_compile_definitions(malloc_test PRIVATE MALLOC_HOST_TEST=1
  malloc=test_malloc free=test_free calloc=test_calloc realloc=test_realloc)
if(MNEME_SANITIZE)
  target_compile_options(malloc_test PRIVATE -O1 -g ${MNEME_SANITIZE_FLAGS})
  target_link_options(malloc_test PRIVATE ${MNEME_SANITIZE_FLAGS})
endif()
add_test(NAME malloc COMMAND malloc_test)
set_tests_properties(malloc PROPERTIES LABELS "host;malloc;libc" TIMEOUT 120)

# User programs see mneme's headers and the compiler's freestanding ones,
# never the host's (the exact compile command of a program, with probes).
if(MNEME_TARGETS)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  foreach(arch x86_64 riscv64)
    add_test(NAME libc.headers.${arch} COMMAND ${Python3_EXECUTABLE}
      ${MNEME_ROOT}/test/host/libc/check_headers.py ${CMAKE_BINARY_DIR}/${arch})
    set_tests_properties(libc.headers.${arch} PROPERTIES LABELS "host;libc;${arch}" TIMEOUT 120)
  endforeach()
endif()
