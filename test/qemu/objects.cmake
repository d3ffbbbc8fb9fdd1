# QEMU tests of memory objects (issue 10), both architectures: the shared
# zero page, copy-on-write clones, program images shared through the page
# cache, MAP_FILE, memory objects passed by grant, and the reverse map
# under a random mix of everything (the server's checker after every
# batch).  After every program the server checks that every frame came
# back and that its invariants (the reverse map against every page table
# among them) hold.
foreach(arch x86_64 riscv64)
  mneme_qemu_test(objects.basics ${arch} TIMEOUT 180 ARGS --append tests=t_objects
    --expect-line "pages still shared copy-on-write"
    --expect-line "t_objects: every frame reclaimed" --expect-line "^    ok [0-9]+ t_objects$")
  mneme_qemu_test(objects.rmap ${arch} TIMEOUT 240 ARGS --timeout 220 --append tests=t_rmap
    --expect-line "operations in [0-9]+ batches"
    --expect-line "t_rmap: every frame reclaimed" --expect-line "^    ok [0-9]+ t_rmap$")
endforeach()
