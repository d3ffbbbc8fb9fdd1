/*
 * A hostile client of the memory service: count=N (default 100,000)
 * random and malformed memory requests - every label of mm_proto.h and
 * some that are not, random and boundary words (orders, lengths,
 * addresses in and around its own mappings, the window's edges, the
 * image, wrapping ranges), random flags, extra-word counts and handles
 * passed along.  Valid requests among them change its address space for
 * real (mappings come and go, pages are touched).  The server must answer
 * every call with 0 or a known error and keep serving; after the program
 * the server checks that every frame came back and its invariants hold.
 */
#include <libmm/libmm.h>
#include "common.h"

static uint64_t rng = 0x6d6d5eed;
static uint64_t recent[16];          /* addresses the server gave us */

static uint64_t pick_addr(void)
{
	uint64_t v = ulib_rand(&rng);

	switch (v % 8) {
	case 0: return 0;
	case 1: return MNEME_MM_MAP_BASE + ((v >> 8) % 64) * 4096;
	case 2: return MNEME_MM_MAP_END - ((v >> 8) % 4) * 4096;
	case 3: return MNEME_LAYOUT_IMAGE_BASE;
	case 4: return (uint64_t)-4096;
	case 5: return ulib_rand(&rng);
	default: return recent[(v >> 8) % 16] + ((v >> 20) % 8) * 4096 + ((v >> 30) % 16 == 0);
	}
}

static uint64_t pick_len(void)
{
	uint64_t v = ulib_rand(&rng);

	switch (v % 6) {
	case 0: return 0;
	case 1: return (uint64_t)-4096;
	case 2: return (v >> 8) % 5000;
	case 3: return 2ULL << 20;
	default: return (1 + (v >> 8) % 16) * 4096;
	}
}

static uint64_t pick_pf(void)
{
	uint64_t v = ulib_rand(&rng);

	static const uint64_t good[] = { MNEME_PROT_READ, MNEME_PROT_READ | MNEME_PROT_WRITE,
					 MNEME_PROT_READ | MNEME_PROT_EXEC };
	if (v % 8 == 0)
		return ulib_rand(&rng);
	if (v % 8 < 3)
		return (v >> 8) % 8 | (((v >> 16) % 64) << 8);   /* rights and any mix of the flags */
	return good[(v >> 8) % 3] | ((v >> 12) % 4 == 0 ? MNEME_MM_POPULATE : 0);
}

static void make(uint32_t label, uint64_t w[4])
{
	uint64_t v = ulib_rand(&rng);

	switch (label) {
	case MNEME_MM_ALLOC_PAGES:
		w[0] = (v >> 8) % 14;
		w[1] = pick_pf();
		break;
	case MNEME_MM_MAP_ANON:
		w[0] = pick_addr(), w[1] = pick_len(), w[2] = pick_pf();
		break;
	case MNEME_MM_MAP_CONTIG:
		w[0] = pick_len(), w[1] = (v >> 8) % 3 ? 1ULL << (20 + (v >> 12) % 16) : 0;
		w[2] = (v >> 20) % 3 ? 1ULL << ((v >> 24) % 32) : (v >> 24);
		w[3] = pick_pf();
		break;
	case MNEME_MM_UNMAP:
	case MNEME_MM_PROTECT:
	case MNEME_MM_SHARE:
		w[0] = pick_addr(), w[1] = pick_len();
		w[2] = label == MNEME_MM_SHARE ? ((v >> 8) % 2 ? ulib_start->task_id : ulib_rand(&rng))
					       : (v >> 8) % 8;
		w[3] = label == MNEME_MM_SHARE ? (v >> 12) % 8 : 0;
		break;
	case MNEME_MM_STATS:
		w[0] = (v >> 8) % 9, w[1] = (v >> 12) % 3 ? 0 : ulib_rand(&rng) % 20000;
		break;
	default:
		for (int i = 0; i < 4; i++)
			w[i] = ulib_rand(&rng);
	}
	if ((v >> 40) % 10 == 0)   /* a stray word */
		w[(v >> 44) % 4] ^= 1ULL << ((v >> 48) % 64);
}

int main(int argc, char **argv)
{
	static const uint32_t labels[] = { MNEME_MM_ALLOC_PAGES, MNEME_MM_MAP_ANON, MNEME_MM_MAP_CONTIG,
					   MNEME_MM_UNMAP, MNEME_MM_PROTECT, MNEME_MM_SHARE,
					   MNEME_MM_STATS, MNEME_MM_USAGE, MNEME_MM_UNMAP, MNEME_MM_MAP_ANON,
					   0x6d6d0018, 0x6d6d000f, 0 };
	const char *c = ulib_arg(argc, argv, "count");
	unsigned count = c ? (unsigned)ulib_strtou(c) : 100000;
	unsigned bad_status = 0, failed_calls = 0, ok = 0, touched = 0;
	uint64_t ep = t_endpoint(), h = t_mint(ep, 0x77, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	struct ktap k;

	ktap_begin(&k, "mm_hostile", 2);
	for (unsigned i = 0; i < count; i++) {
		uint64_t v = ulib_rand(&rng);
		uint32_t label = labels[v % (sizeof(labels) / sizeof(labels[0]))];
		unsigned extra = (v >> 8) % 8 == 0 ? (unsigned)((v >> 16) % 121) : 0;
		unsigned flags = (v >> 24) % 16 == 0 ? MNEME_MSG_HANDLE : 0;
		struct ulib_msg m = { .info = mneme_msginfo(label, extra, flags), .handle = flags ? h : 0 }, r;
		make(label, m.w);
		int64_t st = ipc_call(ulib_start->server_ep, &m, &r);
		failed_calls += st != 0;
		int32_t status = (int32_t)mneme_msginfo_label(r.info);
		bad_status += status > 0 || status <= -MNEME_ERROR_MAX;
		if (st || status)
			continue;
		ok++;
		if (label == MNEME_MM_ALLOC_PAGES || label == MNEME_MM_MAP_ANON ||
		    label == MNEME_MM_MAP_CONTIG || label == MNEME_MM_SHARE) {
			recent[(v >> 32) % 16] = r.w[0];
			/* touch the first page when it may be written (a fault kills us otherwise) */
			uint64_t pf = label == MNEME_MM_ALLOC_PAGES ? m.w[1] : label == MNEME_MM_MAP_ANON ? m.w[2]
				    : label == MNEME_MM_MAP_CONTIG ? m.w[3] : m.w[3];
			if ((pf & MNEME_PROT_WRITE) && (pf & MNEME_PROT_READ) && label != MNEME_MM_SHARE) {
				*(volatile uint64_t *)(uintptr_t)r.w[0] = i;
				touched++;
			}
		}
	}
	ktap_diag(&k, "%u requests, %u succeeded, %u mappings touched", count, ok, touched);
	KTAP_EXPECT_EQ(&k, failed_calls, 0);
	KTAP_EXPECT_EQ(&k, bad_status, 0);
	KTAP_EXPECT(&k, ok > count / 50);
	ktap_result(&k, "every_request_answered");
	struct mneme_mm_usage u;
	KTAP_EXPECT_EQ(&k, mm_usage(&u), 0);
	KTAP_EXPECT(&k, u.charged <= u.quota);
	KTAP_EXPECT_EQ(&k, mm_ping(), 0);
	ktap_result(&k, "server_consistent_and_serving");
	return ktap_end(&k);
}
