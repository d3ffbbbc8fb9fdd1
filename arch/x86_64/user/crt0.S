/*
 * x86_64 start-up code of user programs.  The starter enters at _start with
 * rsp = stack top and arg0/arg1 in rdi/rsi (arch_regs_init_user); align the
 * stack as the ABI wants at a call and hand over to ulib_main(arg0, arg1),
 * which never returns.
 */
	.text
	.globl _start
	.type _start, @function
_start:
	xorl	%ebp, %ebp
	andq	$-16, %rsp
	call	ulib_main
	ud2
	.size _start, . - _start
/*
 * _ulib_thread_start: where threads made with ulib_thread_create() begin
 * (rsp = their stack top, arg0/arg1 in rdi/rsi): the same alignment, then
 * ulib_thread_main(arg0, arg1), which never returns.
 */
	.globl _ulib_thread_start
	.type _ulib_thread_start, @function
_ulib_thread_start:
	xorl	%ebp, %ebp
	andq	$-16, %rsp
	call	ulib_thread_main
	ud2
	.size _ulib_thread_start, . - _ulib_thread_start
	.section .note.GNU-stack, "", @progbits
