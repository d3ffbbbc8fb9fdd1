/*
 * Isolation: user tasks cannot read or write the core, cannot execute
 * privileged instructions or learn where the core's tables are (UMIP), cannot make memory-server-only calls, and
 * cannot make the core read core memory for them; offenders are killed or
 * get an error, and the system keeps running.
 */
#include "common.h"

static const char *const killers[] = { "kernel_read", "kernel_write", "privileged", "privileged2",
				       "privileged3" };

/* Server-only syscalls with harmless arguments (shutdown asks for FAIL: if it worked, the run fails). */
static const uint64_t server_only[] = {
	MNEME_SYS_task_create, MNEME_SYS_task_destroy, MNEME_SYS_thread_create,
	MNEME_SYS_thread_resume, MNEME_SYS_thread_set_priority, MNEME_SYS_map, MNEME_SYS_unmap,
	MNEME_SYS_protect, MNEME_SYS_query, MNEME_SYS_pt_donate, MNEME_SYS_tlb_flush,
	MNEME_SYS_handle_grant, MNEME_SYS_shutdown, MNEME_SYS_device_open,
};

int main(int argc, char **argv)
{
	struct ktap k;
	char args[32];
	uint64_t child = 0, reason = 0;
	struct mneme_sysret r;

	(void)argc, (void)argv;
	ktap_begin(&k, "isolation", 6);
	for (unsigned i = 0; i < sizeof(killers) / sizeof(killers[0]); i++) {
		snprintf(args, sizeof(args), "mode=%s", killers[i]);
		KTAP_EXPECT_EQ(&k, mm_spawn("p_touch", args, 0, 0, 0, &child), 0);
		KTAP_EXPECT_EQ(&k, t_join(child, NULL, &reason), 0);
		KTAP_EXPECT(&k, reason == MNEME_EXIT_KILLED || reason == MNEME_EXIT_FAULT);
		if (reason != MNEME_EXIT_KILLED && reason != MNEME_EXIT_FAULT)
			ktap_diag(&k, "%s: exit reason %llu", killers[i], (unsigned long long)reason);
	}
	ktap_result(&k, "core_memory_and_privileged_insns_kill");

	for (unsigned i = 0; i < sizeof(server_only) / sizeof(server_only[0]); i++) {
		const uint64_t a[7] = { 1, 1, 0x1000, 12, 1, 1, 1 };
		int64_t st = mneme_syscall_raw(server_only[i], a, &r);
		if (st != -MNEME_EPERM)
			ktap_fail(&k, __FILE__, __LINE__, "syscall %llu returned %lld, expected EPERM",
				  (unsigned long long)server_only[i], (long long)st);
	}
	ktap_result(&k, "server_only_calls_refused");

	KTAP_EXPECT_EQ(&k, mneme_debug_write(ARCH_USER_CORE_VA, 16), -MNEME_EFAULT);
	KTAP_EXPECT_EQ(&k, mneme_debug_write(ULIB_NOWHERE_VA, 16), -MNEME_EFAULT);
	KTAP_EXPECT_EQ(&k, mneme_debug_write((uint64_t)-16, 32), -MNEME_EFAULT);
	KTAP_EXPECT(&k, mneme_ipc_buffer_set(ARCH_USER_CORE_VA) < 0);
	KTAP_EXPECT_EQ(&k, mneme_ipc_buffer_set((uintptr_t)ulib_ipc_buffer), 0);
	ktap_result(&k, "core_pointers_refused");

	struct ulib_msg m = { .info = t_info(MNEME_MM_KILL), .w = { ulib_start->task_id } };
	KTAP_EXPECT_EQ(&k, mm_kill(ulib_start->task_id), -MNEME_ENOENT);   /* not our child */
	KTAP_EXPECT(&k, ipc_call(ulib_start->server_ep, &m, &m) == 0);
	KTAP_EXPECT_EQ(&k, mm_map(ulib_start->task_id, ULIB_NOWHERE_VA, MNEME_PROT_READ, 0), -MNEME_EPERM);
	ktap_result(&k, "server_requests_checked");

	/* sgdt (x86_64, with UMIP: the core turns it on where the CPU has it), csrr satp (riscv64) */
	if (arch_user_tables_hidden()) {
		KTAP_EXPECT_EQ(&k, mm_spawn("p_touch", "mode=core_tables", 0, 0, 0, &child), 0);
		KTAP_EXPECT_EQ(&k, t_join(child, NULL, &reason), 0);
		KTAP_EXPECT(&k, reason == MNEME_EXIT_KILLED || reason == MNEME_EXIT_FAULT);
		ktap_result(&k, "core_table_addresses_hidden");
	} else {
		ktap_skip(&k, "core_table_addresses_hidden", "the CPU has no UMIP");
	}

	KTAP_EXPECT_EQ(&k, mm_ping(), 0);
	ktap_result(&k, "system_keeps_running");
	return ktap_end(&k);
}
