# Boot paths (issue 14): besides QEMU's -kernel (PVH on x86_64, OpenSBI on
# riscv64), the image boots the way real machines boot it: on x86_64 from
# an ISO through GRUB and Multiboot2, under SeaBIOS and under UEFI (OVMF);
# on riscv64 from a disk through U-Boot (distro boot, extlinux.conf,
# booti).  run.py --boot builds the medium with the boot words baked in
# (cmake/mkboot.py).  The memory map the core prints is checked against
# the firmware's, the command line must reach the memory server, and the
# CPUs come up (under UEFI the RSDP is found only through the Multiboot2
# ACPI tag).
foreach(boot iso-bios iso-uefi)
  mneme_qemu_test(boot.${boot}.q35.512M x86_64 TIMEOUT 240 ARGS --timeout 220 --boot ${boot}
    --mem 512M --check-map --append tests=t_ipc
    --expect-line "^mneme: x86_64: multiboot2: memory map from the"
    --expect-line "^ACPI: RSDP .* from the multiboot2 ACPI tag$"
    --expect-line "^smp: Brought up 1 node, ${MNEME_QEMU_SMP} CPUs$"
    --expect-line "cmdline \"tests=t_ipc ktap_next=[0-9]+\"" --expect-line "^    ok [0-9]+ t_ipc$")
  mneme_qemu_test(boot.${boot}.pc.4G x86_64 TIMEOUT 240 ARGS --timeout 220 --boot ${boot}
    --machine pc --mem 4G --check-map)
endforeach()
mneme_qemu_test(boot.iso-uefi.efi-map x86_64 TIMEOUT 240 ARGS --timeout 220 --boot iso-uefi
  --mem 1G --check-map --expect-line "^mneme: x86_64: multiboot2: memory map from the EFI memory map")
# A Multiboot2 module is the initrd, kept out of usable memory.
mneme_qemu_test(boot.iso-bios.initrd x86_64 TIMEOUT 240 ARGS --timeout 220 --boot iso-bios --smp 1
  --check-map --initrd ${MNEME_ROOT}/README.md
  --expect-line "initrd \\[mem 0x[0-9a-f]+-0x[0-9a-f]+\\] kept as core")
# The demo through GRUB under UEFI.
mneme_qemu_test(boot.iso-uefi.demo x86_64 TIMEOUT 240 ARGS --timeout 220 --boot iso-uefi
  --append demo --expect-line "all tasks done" --expect-line "^ok [0-9]+ demo$")

foreach(mem 512M 4G)
  mneme_qemu_test(boot.uboot.${mem} riscv64 TIMEOUT 240 ARGS --timeout 220 --boot uboot
    --mem ${mem} --check-map --append tests=t_ipc
    --expect-line "^Starting kernel" --expect-line "^smp: Brought up 1 node, ${MNEME_QEMU_SMP} CPUs$"
    --expect-line "cmdline \"tests=t_ipc ktap_next=[0-9]+\"" --expect-line "^    ok [0-9]+ t_ipc$")
endforeach()
# extlinux.conf's initrd: U-Boot loads it and names it in /chosen, kept out of usable memory.
mneme_qemu_test(boot.uboot.initrd riscv64 TIMEOUT 240 ARGS --timeout 220 --boot uboot --mem 512M
  --check-map --initrd ${MNEME_ROOT}/README.md
  --expect-line "^Starting kernel" --expect-line "initrd \\[mem 0x[0-9a-f]+-0x[0-9a-f]+\\] kept as core")
# U-Boot's environment for QEMU loads extlinux.conf at 0x8c100000: 256 MiB at least.
mneme_qemu_test(boot.uboot.demo riscv64 TIMEOUT 240 ARGS --timeout 220 --boot uboot --mem 256M
  --append demo --expect-line "all tasks done" --expect-line "^ok [0-9]+ demo$")
