# QEMU tests of the memory service (--expect-line patterns must appear in order) (the mm core and mmserver/vm inside the
# memory server), both architectures, KTAP.  After every test program the
# server itself checks that the allocator's free count is back to its
# value before the program and that the allocator's, the slab caches' and
# every live space's invariants hold (it fails the program otherwise).
foreach(arch x86_64 riscv64)
  # The mm core's self-test: boot lines (zones, node ranges, "Memory:"),
  # buddyinfo, every order of every zone, slab, free counts, invariants.
  foreach(mem 128M 4G)
    if(arch STREQUAL x86_64)
      set(machines q35 pc)
    else()
      set(machines virt)
    endif()
    foreach(machine ${machines})
      set(margs)
      if(NOT machine STREQUAL virt)
        set(margs --machine ${machine})
      endif()
      mneme_qemu_test(mm.selftest.${machine}.${mem} ${arch} TIMEOUT 120 ARGS ${margs} --mem ${mem}
        --append tests=mm_selftest
        --expect-line "^Zone ranges:" --expect-line "^Early memory node ranges"
        --expect-line "^Memory: [0-9]+K/[0-9]+K available"
        --expect-line "^Node 0, zone +(DMA|DMA32|Normal)"
        --expect-line "^ok [0-9]+ mm_selftest$")
    endforeach()
  endforeach()

  # The core's page-table guard tried by the server itself (issue 12): page-table frames
  # refused by map, pt_donate and task_create, read-only in the server's physmap, emptied
  # tables given back, a dead task's frames ordinary again.
  mneme_qemu_test(mm.pt_guard ${arch} TIMEOUT 120 ARGS --append tests=pt_guard
    --expect-line "^    ok [0-9]+ tables_in_use_are_refused$" --expect-line "^ok [0-9]+ pt_guard$")
  # The same with 4 GiB, where the server's physmap has 1 GiB pages (x86_64: with pdpe1gb),
  # split to 2 MiB with the core's reserved tables, then to 4 KiB around each table frame.
  if(arch STREQUAL "x86_64")
    set(gig_cpu --cpu qemu64,pdpe1gb=on)
  else()
    set(gig_cpu)
  endif()
  mneme_qemu_test(mm.pt_guard.4G ${arch} TIMEOUT 120 ARGS --mem 4G ${gig_cpu} --append tests=pt_guard
    --expect-line "^mneme: starting the memory server .*, [1-9] 1 GiB pages\\)$"
    --expect-line "^    ok [0-9]+ tables_in_use_are_refused$" --expect-line "^ok [0-9]+ pt_guard$")

  # Requests and their errors, demand paging, huge/contiguous, rights, isolation.
  mneme_qemu_test(mm.requests ${arch} TIMEOUT 120 ARGS --append tests=t_mm
    --expect-line "t_mm: every frame reclaimed" --expect-line "^    ok [0-9]+ t_mm$")
  # Exhaustion (quota and memory) and concurrent tasks under preemption.
  mneme_qemu_test(mm.stress ${arch} TIMEOUT 120 ARGS --append tests=t_mm_stress
    --expect-line "t_mm_stress: every frame reclaimed" --expect-line "^    ok [0-9]+ t_mm_stress$")
  # Memory pressure: twice RAM of compressible data through the compressed
  # store, the OOM killer (incompressible hogs die, workers finish,
  # oom_score_adj), with a store big enough for twice RAM, on a 32 MiB
  # machine (twice RAM is then 64 MiB).
  mneme_qemu_test(mm.pressure ${arch} TIMEOUT 600 ARGS --mem 32M --append "tests=t_pressure zstore=300%"
    --expect-line "t_pressure: every frame reclaimed" --expect-line "^    ok [0-9]+ t_pressure$")
  # Compaction: free memory cut into single pages between held ones, then a
  # 2 MiB block through compaction (no compressed store: reclaim must not
  # take the pages instead).
  mneme_qemu_test(mm.compact ${arch} TIMEOUT 300 ARGS --append "tests=t_compact zstore=off"
    --expect-line "t_compact: every frame reclaimed" --expect-line "^    ok [0-9]+ t_compact$")
  # Commit accounting: each overcommit mode on its own boot.
  foreach(mode heuristic always never)
    mneme_qemu_test(mm.commit.${mode} ${arch} TIMEOUT 180 ARGS
      --append "tests=t_commit:mode=${mode} overcommit=${mode}"
      --expect-line "overcommit ${mode}, CommitLimit"
      --expect-line "t_commit: every frame reclaimed" --expect-line "^    ok [0-9]+ t_commit$")
  endforeach()
  # 100,000 random and malformed requests (once per architecture).
  mneme_qemu_test(mm.hostile ${arch} TIMEOUT 180 ARGS --append tests=t_mm_hostile
    --expect-line "100000 requests" --expect-line "t_mm_hostile: every frame reclaimed"
    --expect-line "^    ok [0-9]+ t_mm_hostile$")
endforeach()
