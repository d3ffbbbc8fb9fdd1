# QEMU tests: boot the system image of each architecture and judge the run
# with test/qemu/run.py (exit status AND console output).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(MNEME_QEMU_RUN ${Python3_EXECUTABLE} ${MNEME_ROOT}/test/qemu/run.py)
set(MNEME_OPENSBI_DEBIAN /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin)

# Every QEMU test runs with MNEME_QEMU_SMP CPUs unless it names its own
# (--smp N) or counts instructions (--icount: one CPU, figures and the
# strict timer check; QEMU 7.2's -icount gives each vCPU the whole
# budget in turn, so CPUs that wait for each other would only spin).
set(MNEME_QEMU_SMP 4 CACHE STRING "CPUs of the QEMU tests that do not choose")

# mneme_qemu_test(<name> <arch> [TIMEOUT s] ARGS <run.py arguments>...)
function(mneme_qemu_test name arch)
  cmake_parse_arguments(T "" "TIMEOUT" "ARGS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 180)
  endif()
  set(smp --smp ${MNEME_QEMU_SMP})
  if("--icount" IN_LIST T_ARGS)
    set(smp)
  endif()
  add_test(NAME qemu.${arch}.${name}
    COMMAND ${MNEME_QEMU_RUN} --arch ${arch} --kernel ${MNEME_IMAGE_${arch}}
            --timeout ${T_TIMEOUT} ${smp} ${T_ARGS})
  set_tests_properties(qemu.${arch}.${name} PROPERTIES
    LABELS "qemu;${arch}" TIMEOUT ${T_TIMEOUT})
endfunction()

# Boot at several memory sizes; the map the core prints is checked against
# what the firmware must have given.
foreach(mem 128M 512M 4G)
  mneme_qemu_test(boot.q35.${mem} x86_64 ARGS --machine q35 --mem ${mem} --check-map)
  mneme_qemu_test(boot.pc.${mem} x86_64 ARGS --machine pc --mem ${mem} --check-map)
  mneme_qemu_test(boot.virt.${mem} riscv64 ARGS --mem ${mem} --check-map)
endforeach()
mneme_qemu_test(boot.virt.debian-opensbi riscv64 ARGS --bios ${MNEME_OPENSBI_DEBIAN} --check-map)
mneme_qemu_test(boot.q35.cpu-max x86_64 ARGS --cpu max --expect-line "SMEP on" --expect-line "SMAP on"
  --expect-line "UMIP on")

# A deliberate fault must produce a dump and the failure status.
foreach(arch x86_64 riscv64)
  mneme_qemu_test(fault-dump ${arch} ARGS --append fault_test --expect panic
    --expect-line "unexpected trap" --expect-line "fault address: 0x0*10$"
    --expect-line "halting after unexpected trap")
endforeach()

file(GLOB MNEME_QEMU_FRAGMENTS CONFIGURE_DEPENDS ${MNEME_ROOT}/test/qemu/*.cmake)
list(REMOVE_ITEM MNEME_QEMU_FRAGMENTS ${CMAKE_CURRENT_LIST_FILE})
foreach(fragment ${MNEME_QEMU_FRAGMENTS})
  include(${fragment})
endforeach()
