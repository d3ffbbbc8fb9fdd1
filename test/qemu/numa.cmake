# NUMA (issue 9): the topology from the firmware on both architectures.
#
# x86_64: QEMU's -numa gives an SRAT and a SLIT; the boot log shows
# Linux's SRAT lines, each node's RAM and CPUs, the distance table and
# the CPUs grouped by node.  Crafted ACPI tables (arch/x86_64/test/
# acpi_blob.py numa-*) carry every kind of bad SRAT and SLIT: each falls
# back to one node with its reason, and the system still runs.
# riscv64: QEMU's -numa for two sockets, and four nodes with distances
# that differ pair by pair from an edited device tree
# (arch/riscv64/test/numa-dtb.sh, which also makes the bad trees).

set(NUMA_X86_2 -object memory-backend-ram,id=m0,size=512M -object memory-backend-ram,id=m1,size=512M
  -numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1,cpus=2-3,memdev=m1
  -numa dist,src=0,dst=1,val=21)
mneme_qemu_test(numa.q35.2 x86_64 ARGS --smp 4 --mem 1G --append tests=mm_selftest
  --expect-line "^SRAT: PXM 1 -> APIC 0x03 -> Node 1$"
  --expect-line "^ACPI: SRAT: Node 1 PXM 1 \\[mem 0x20000000-0x3fffffff\\]$"
  --expect-line "^NUMA: node 0: \\[mem 0x0+-0x0+1fffffff\\] 511 MiB of RAM, CPUs 0-1$"
  --expect-line "^NUMA: node 1: .* CPUs 2-3$"
  --expect-line "^   0:  10  21$" --expect-line "^   1:  21  10$"
  --expect-line "^\\.\\.\\.\\. node  #0, CPUs: +#1$" --expect-line "^\\.\\.\\.\\. node  #1, CPUs: +#2 #3$"
  --expect-line "^smp: Brought up 2 nodes, 4 CPUs$"
  --expect-line "^Initmem setup node 1 \\[mem 0x0+20000000-0x0+3ffdefff\\]$"
  -- ${NUMA_X86_2})

# Bad SRAT / SLIT: one node, the reason printed, every CPU still up.
set(NUMA_BLOB_BASE 0x6000000)
set(NUMA_BLOB_DIR ${CMAKE_BINARY_DIR}/test/numa-blobs)
function(numa_blob_test case why)
  set(blob ${NUMA_BLOB_DIR}/${case}.bin)
  add_custom_command(OUTPUT ${blob}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${NUMA_BLOB_DIR}
    COMMAND ${Python3_EXECUTABLE} ${MNEME_ROOT}/arch/x86_64/test/acpi_blob.py ${case} ${NUMA_BLOB_BASE} ${blob}
    DEPENDS ${MNEME_ROOT}/arch/x86_64/test/acpi_blob.py VERBATIM)
  set(NUMA_BLOBS ${NUMA_BLOBS} ${blob} PARENT_SCOPE)
  if(why STREQUAL "good")
    set(lines --expect-line "^NUMA: node 1: \\[mem 0x0+4000000-0x0+7[0-9a-f]+\\] [0-9]+ MiB of RAM, CPUs 1$"
      --expect-line "^   0:  10  17$" --expect-line "^smp: Brought up 2 nodes, 2 CPUs$")
  else()
    set(lines --expect-line "^NUMA: ACPI SRAT: .*${why}.*: falling back to one node$"
      --expect-line "^smp: Brought up 1 node, 2 CPUs$")
  endif()
  mneme_qemu_test(numa.acpi.${case} x86_64 ARGS --smp 2
    --append "acpi_rsdp=${NUMA_BLOB_BASE} tests=mm_selftest" ${lines}
    -- -device loader,file=${blob},addr=${NUMA_BLOB_BASE},force-raw=on)
endfunction()
set(NUMA_BLOBS)
numa_blob_test(numa-good good)
numa_blob_test(numa-overlap "overlaps node 0")
numa_blob_test(numa-uncovered "is in no node's memory affinity")
numa_blob_test(numa-cpu-nowhere "CPU 1 \\(firmware id 1\\) is in no node")
numa_blob_test(numa-cpu-memoryless "names node 1, which has no memory")
numa_blob_test(numa-slit-asym "asymmetric: node 0 to node 1 is 17, back 18")
numa_blob_test(numa-slit-zero "is 0 \\(it must be 11..255\\)")
numa_blob_test(numa-slit-self "node 1 to itself is 12")
numa_blob_test(numa-slit-short "fewer localities")
numa_blob_test(numa-slit-truncated "SLIT is not valid \\(length runs past|SLIT at 0x[0-9a-f]+: (truncated|length)")
numa_blob_test(numa-srat-checksum "the SRAT is not valid \\(bad checksum\\)")
numa_blob_test(numa-srat-entry "entry runs past the table")
add_custom_target(numa_blobs ALL DEPENDS ${NUMA_BLOBS})

# riscv64: two sockets from QEMU itself.
set(NUMA_RV_2 -object memory-backend-ram,id=m0,size=512M -object memory-backend-ram,id=m1,size=512M
  -numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1,cpus=2-3,memdev=m1
  -numa dist,src=0,dst=1,val=21)
# CPU numbers follow the boot hart (OpenSBI's lottery picks it; it becomes
# CPU 0, the others follow in hart order): node 1's harts 2 and 3 are CPUs
# 2-3, or 0 and 3 when one of them booted; in the four-node tree hart 3 is
# CPU 3, or CPU 0.
mneme_qemu_test(numa.virt.2 riscv64 ARGS --smp 4 --mem 1G --append tests=mm_selftest
  --expect-line "^NUMA: node 1: \\[mem 0x0+a0000000-0x0+bfffffff\\] 512 MiB of RAM, CPUs (2-3|0,3)$"
  --expect-line "^   1:  21  10$" --expect-line "^smp: Brought up 2 nodes, 4 CPUs$"
  --expect-line "^Initmem setup node 1 "
  -- ${NUMA_RV_2})

# riscv64: four nodes from an edited device tree, and bad trees.
function(numa_dtb_test case)
  add_test(NAME qemu.riscv64.numa.dtb-${case}
    COMMAND sh ${MNEME_ROOT}/arch/riscv64/test/numa-dtb.sh ${case} ${CMAKE_BINARY_DIR}/numa-dtb
            ${MNEME_QEMU_RUN} --arch riscv64 --kernel ${MNEME_IMAGE_riscv64} --timeout 170
            --smp 4 --mem 1G --append tests=mm_selftest ${ARGN})
  set_tests_properties(qemu.riscv64.numa.dtb-${case} PROPERTIES LABELS "qemu;riscv64" TIMEOUT 180)
endfunction()
numa_dtb_test(good
  --expect-line "^NUMA: node 3: \\[mem 0x0+b0000000-0x0+bfffffff\\] 256 MiB of RAM, CPUs (3|0)$"
  --expect-line "^   0:  10  16  22  22$" --expect-line "^   3:  22  28  16  10$"
  --expect-line "^smp: Brought up 4 nodes, 4 CPUs$")
numa_dtb_test(asym
  --expect-line "^NUMA: device tree: distances are asymmetric: node 0 to node 2 is 22, back 23: falling back to one node$"
  --expect-line "^smp: Brought up 1 node, 4 CPUs$")
numa_dtb_test(memoryless
  --expect-line "^NUMA: device tree: CPU 3 \\(firmware id 3\\) names node 5, which has no memory: falling back to one node$"
  --expect-line "^smp: Brought up 1 node, 4 CPUs$")
numa_dtb_test(badnid
  --expect-line "^NUMA: device tree: a memory node's numa-node-id is not one cell: falling back to one node$"
  --expect-line "^smp: Brought up 1 node, 4 CPUs$")

# Allocation nearest the CPU, memory policies and the node views, judged by
# physical addresses against the nodes' zones (userland/tests/t_numa.c):
# two nodes with -numa on x86_64 (CPUs 0-1 and 2-3, checked against the
# cpulist views), four nodes with different distances on riscv64 (the
# edited tree; which hart is CPU 0 varies, so the views say where each
# CPU is).  Node exhaustion falls back to the nearest other node.  No
# compressed store (zstore=off): the bound node itself, not reclaim into
# the store, must refuse the filling child.
mneme_qemu_test(numa.q35.2.user x86_64 TIMEOUT 300 ARGS --timeout 280 --smp 4 --mem 1G
  --append "tests=t_numa:cpunode=0011 zstore=off"
  --expect-line "^        ok 2 allocations_from_the_cpus_node$"
  --expect-line "node 1 filled with [0-9]+ pages of its [0-9]+ from CPU 3: the next default pages came from node 0 \\(distance 21\\)$"
  --expect-line "^    ok [0-9]+ t_numa$"
  -- ${NUMA_X86_2})
mneme_qemu_test(numa.virt.2.user riscv64 TIMEOUT 300 ARGS --timeout 280 --smp 4 --mem 1G
  --append "tests=t_numa zstore=off"
  --expect-line "the next default pages came from node [01] \\(distance 21\\)$"
  --expect-line "^    ok [0-9]+ t_numa$"
  -- ${NUMA_RV_2})
add_test(NAME qemu.riscv64.numa.dtb-good.user
  COMMAND sh ${MNEME_ROOT}/arch/riscv64/test/numa-dtb.sh good ${CMAKE_BINARY_DIR}/numa-dtb-user
          ${MNEME_QEMU_RUN} --arch riscv64 --kernel ${MNEME_IMAGE_riscv64} --timeout 280
          --smp 4 --mem 1G --append "tests=t_numa zstore=off"
          --expect-line "^smp: Brought up 4 nodes, 4 CPUs$"
          --expect-line "^        # 4 nodes, 4 zones with memory$"
          --expect-line "node [0-3] filled with [0-9]+ pages of its [0-9]+ from CPU 3: the next default pages came from node [0-3] \\(distance 16\\)$"
          --expect-line "^    ok [0-9]+ t_numa$")
set_tests_properties(qemu.riscv64.numa.dtb-good.user PROPERTIES LABELS "qemu;riscv64" TIMEOUT 300)

# All RAM managed (issue 9): 256 GiB boots and serves on both
# architectures, and the server's account of the map's RAM adds up to the
# byte (run.py --check-map: managed + reserved + unusable = the map's RAM).
# QEMU reserves nothing up front (reserve=off): only the pages the guest
# touches count (the memmap, about 2 GiB of the host's memory).  The
# server's physmap and vmemmap windows are sized from the map: 320 GiB
# each for RAM ending at 258 GiB.  Under Sv39 (no4lvl) the user half has
# room for a 64 GiB physmap and the direct map ends at 192 GiB: what lies
# beyond is reported with its size, and accounted as unusable.
set(MEM_256G -object memory-backend-ram,id=bigram,size=256G,reserve=off -machine memory-backend=bigram)
mneme_qemu_test(mem.256G.q35 x86_64 TIMEOUT 300 ARGS --timeout 280 --mem 256G --check-map
  --append "tests=t_ipc"
  --expect-line "^mneme: server physmap .0x1000000000-0x6000000000\\) for RAM below 320 GiB, "
  --expect-line "^mm: memmap of 2040 sections \\(261120 MiB\\) deferred$"
  --expect-line "^mmserver: RAM 268434939K: managed 26[0-9]{7}K \\+ deferred 0K \\+ reserved [0-9]+K \\+ unusable 3K \\(beyond the physmap 0K, partial pages 3K\\)$"
  -- ${MEM_256G})
mneme_qemu_test(mem.256G.virt riscv64 TIMEOUT 300 ARGS --timeout 280 --mem 256G --check-map
  --append "tests=t_ipc"
  --expect-line "^mneme: riscv64: Sv48 paging, direct map at 0xffff800000000000 \\(physical below 65536 GiB\\)"
  --expect-line "^mneme: server physmap .0x1000000000-0x6000000000\\) for RAM below 320 GiB, "
  --expect-line "^mm: memmap of 2040 sections \\(261120 MiB\\) deferred$"
  --expect-line "^mmserver: RAM 268435456K: managed 26[0-9]{7}K \\+ deferred 0K \\+ reserved [0-9]+K \\+ unusable 0K \\(beyond the physmap 0K, partial pages 0K\\)$"
  -- ${MEM_256G})
mneme_qemu_test(mem.256G.virt.sv39 riscv64 TIMEOUT 300 ARGS --timeout 280 --mem 256G --check-map
  --append "no4lvl tests=t_ipc"
  --expect-line "^mneme: riscv64: 67584 MiB of RAM at or above 192 GiB is outside the direct map \\(Sv39\\): not used$"
  --expect-line "^mneme: 198656 MiB of RAM at or above 64 GiB cannot be managed: the server's 38-bit user half has no room to map it$"
  --expect-line "^mmserver: 198656 MiB of RAM at or above 64 GiB left unmanaged \\(beyond the server's physmap\\)$"
  --expect-line "^mmserver: RAM 268435456K: managed 6[0-9]{7}K \\+ deferred 0K \\+ reserved [0-9]+K \\+ unusable 203423744K \\(beyond the physmap 203423744K, partial pages 0K\\)$"
  -- ${MEM_256G})

# Deferred memmap initialisation (issue 9): with 4 GiB the server serves
# after initialising the first GiB of the node; mm_selftest then takes
# more 4 MiB blocks than the buddy allocator holds (the allocator must
# initialise sections on demand, not fail), finishes the rest, and checks
# that the pages in use did not change (every deferred page came in free)
# and the invariants.  The 256 GiB tests above finish it before their
# first program (the exactness checks compare all of free memory).
foreach(arch x86_64 riscv64)
  mneme_qemu_test(mem.deferred.4G ${arch} ARGS --mem 4G --append tests=mm_selftest
    --expect-line "^mm: memmap of 24 sections \\(3072 MiB\\) deferred$"
    --expect-line "^mmserver: ready: "
    --expect-line "^        # [1-9][0-9]* sections initialised on demand for [0-9]+ blocks of 4 MiB$"
    --expect-line "^mm: deferred memmap init done: 24 sections, [0-9]+ pages$"
    --expect-line "^    ok 5 deferred_memmap$")
endforeach()
