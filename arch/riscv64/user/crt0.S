/*
 * riscv64 start-up code of user programs.  The starter enters at _start
 * with sp = stack top and arg0/arg1 in a0/a1 (arch_regs_init_user); set up
 * gp for the small-data area, align the stack and hand over to
 * ulib_main(arg0, arg1), which never returns.
 */
	.text
	.globl _start
	.type _start, @function
_start:
	.option push
	.option norelax
	lla	gp, __global_pointer$
	.option pop
	li	s0, 0
	andi	sp, sp, -16
	call	ulib_main
	unimp
	.size _start, . - _start

/*
 * _ulib_thread_start: where threads made with ulib_thread_create() begin
 * (sp = their stack top, arg0/arg1 in a0/a1): gp and the alignment as
 * above, then ulib_thread_main(arg0, arg1), which never returns.
 */
	.globl _ulib_thread_start
	.type _ulib_thread_start, @function
_ulib_thread_start:
	.option push
	.option norelax
	lla	gp, __global_pointer$
	.option pop
	li	s0, 0
	andi	sp, sp, -16
	call	ulib_thread_main
	unimp
	.size _ulib_thread_start, . - _ulib_thread_start
