/* Hooks of the fake architecture for the core's host tests. */
#ifndef FAKE_ARCH_H
#define FAKE_ARCH_H

#include <setjmp.h>
#include <arch/uspace.h>

extern jmp_buf *fake_exit_jmp;
extern int fake_exit_code;
extern jmp_buf *fake_idle_jmp;
extern unsigned fake_idle_count;
extern struct arch_regs *fake_current_regs;
extern uint64_t fake_ticks;
extern unsigned fake_flushes;

extern uint8_t fake_device_regs[8];
extern unsigned fake_irq_unmasks;
extern unsigned fake_nr_devices;

void fake_reset(void);
/* The "hardware" touches @va of @as: its mapping's accessed bit is set (false if none). */
bool fake_access(const struct arch_aspace *as, uint64_t va);
const struct arch_aspace *fake_active(void);

#endif
