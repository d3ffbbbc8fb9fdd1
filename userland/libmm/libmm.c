/*
 * libmm: one function per memory request (see <libmm/libmm.h>).
 */
#include <libmm/libmm.h>
#include <ulib/ulib.h>

int64_t mm_request_raw(uint32_t label, const uint64_t w[4], unsigned extra, uint64_t r[4])
{
	struct ulib_msg m = { .info = mneme_msginfo(label, extra, 0) }, reply;

	if (!ulib_start || !ulib_start->server_ep)
		return -MNEME_EBADH;
	for (int i = 0; i < 4; i++)
		m.w[i] = w ? w[i] : 0;
	int64_t st = ipc_call(ulib_start->server_ep, &m, &reply);
	if (st)
		return st;
	st = mneme_mm_status(reply.info);
	if (!st && r)
		for (int i = 0; i < 4; i++)
			r[i] = reply.w[i];
	return st;
}

int64_t mm_alloc_pages(unsigned order, unsigned pf, void **va, uint64_t *pa)
{
	uint64_t w[4] = { order, pf }, r[4];
	int64_t st = mm_request_raw(MNEME_MM_ALLOC_PAGES, w, 0, r);

	if (!st) {
		*va = (void *)(uintptr_t)r[0];
		if (pa)
			*pa = r[1];
	}
	return st;
}

int64_t mm_free_pages(void *va, unsigned order)
{
	if (order > MNEME_MM_MAX_ORDER)
		return -MNEME_ERANGE;
	return mm_unmap(va, (size_t)MNEME_MM_PAGE_SIZE << order);
}

int64_t mm_map_anon(void *hint, size_t len, unsigned pf, void **va)
{
	uint64_t w[4] = { (uint64_t)(uintptr_t)hint, len, pf }, r[4];
	int64_t st = mm_request_raw(MNEME_MM_MAP_ANON, w, 0, r);

	if (!st)
		*va = (void *)(uintptr_t)r[0];
	return st;
}

int64_t mm_map_contig(size_t len, uint64_t phys_limit, uint64_t phys_align, unsigned pf, void **va,
		      uint64_t *pa)
{
	uint64_t w[4] = { len, phys_limit, phys_align, pf }, r[4];
	int64_t st = mm_request_raw(MNEME_MM_MAP_CONTIG, w, 0, r);

	if (!st) {
		*va = (void *)(uintptr_t)r[0];
		if (pa)
			*pa = r[1];
	}
	return st;
}

int64_t mm_unmap(void *va, size_t len)
{
	uint64_t w[4] = { (uint64_t)(uintptr_t)va, len };

	return mm_request_raw(MNEME_MM_UNMAP, w, 0, NULL);
}

int64_t mm_protect(void *va, size_t len, unsigned prot)
{
	uint64_t w[4] = { (uint64_t)(uintptr_t)va, len, prot };

	return mm_request_raw(MNEME_MM_PROTECT, w, 0, NULL);
}

int64_t mm_alloc_pages_nodes(unsigned order, unsigned pf, uint64_t nodes, void **va, uint64_t *pa)
{
	uint64_t w[4] = { order, pf | MNEME_MM_NODES, nodes }, r[4];
	int64_t st = mm_request_raw(MNEME_MM_ALLOC_PAGES, w, 0, r);

	if (!st) {
		*va = (void *)(uintptr_t)r[0];
		if (pa)
			*pa = r[1];
	}
	return st;
}

int64_t mm_map_anon_nodes(void *hint, size_t len, unsigned pf, uint64_t nodes, void **va)
{
	uint64_t w[4] = { (uint64_t)(uintptr_t)hint, len, pf | MNEME_MM_NODES, nodes }, r[4];
	int64_t st = mm_request_raw(MNEME_MM_MAP_ANON, w, 0, r);

	if (!st)
		*va = (void *)(uintptr_t)r[0];
	return st;
}

int64_t mm_map_contig_nodes(size_t len, uint64_t phys_limit, uint64_t phys_align, unsigned pf,
			    uint64_t nodes, void **va, uint64_t *pa)
{
	uint64_t w[4] = { len, phys_limit, phys_align, pf | MNEME_MM_NODES }, r[4];

	if (!ulib_ipc_buffer)
		return -MNEME_EFAULT;
	ulib_ipc_buffer->words[0] = nodes;
	int64_t st = mm_request_raw(MNEME_MM_MAP_CONTIG, w, 1, r);

	if (!st) {
		*va = (void *)(uintptr_t)r[0];
		if (pa)
			*pa = r[1];
	}
	return st;
}

int64_t mm_set_mempolicy(unsigned mode, uint64_t nodes)
{
	uint64_t w[4] = { mode, nodes };

	return mm_request_raw(MNEME_MM_SET_MEMPOLICY, w, 0, NULL);
}

int64_t mm_mbind(void *va, size_t len, unsigned mode, uint64_t nodes)
{
	uint64_t w[4] = { (uint64_t)(uintptr_t)va, len, mode, nodes };

	return mm_request_raw(MNEME_MM_MBIND, w, 0, NULL);
}

int64_t mm_get_mempolicy(unsigned flags, const void *va, unsigned *mode, uint64_t *nodes)
{
	uint64_t w[4] = { flags, (uint64_t)(uintptr_t)va }, r[4] = { 0 };
	int64_t st = mm_request_raw(MNEME_MM_GET_MEMPOLICY, w, 0, r);

	if (!st) {
		if (mode)
			*mode = (unsigned)r[0];
		if (nodes)
			*nodes = r[1];
	}
	return st;
}

int64_t mm_share(void *va, size_t len, uint64_t task, unsigned prot, uint64_t *grant)
{
	uint64_t w[4] = { (uint64_t)(uintptr_t)va, len, task, prot }, r[4];
	int64_t st = mm_request_raw(MNEME_MM_SHARE, w, 0, r);

	if (!st && grant)
		*grant = r[0];
	return st;
}

int64_t mm_share_accept(uint64_t grant, void **va, size_t *len, unsigned *prot)
{
	uint64_t w[4] = { grant }, r[4];
	int64_t st = mm_request_raw(MNEME_MM_SHARE_ACCEPT, w, 0, r);

	if (!st) {
		*va = (void *)(uintptr_t)r[0];
		if (len)
			*len = r[1];
		if (prot)
			*prot = (unsigned)r[2];
	}
	return st;
}

int64_t mm_stats(unsigned what, uint64_t offset, char *buf, size_t len, size_t *got, uint64_t *total)
{
	uint64_t w[4] = { what, offset }, r[4];

	if (!ulib_ipc_buffer)
		return -MNEME_EFAULT;
	int64_t st = mm_request_raw(MNEME_MM_STATS, w, 0, r);
	if (st)
		return st;
	size_t n = r[0] < len ? (size_t)r[0] : len;
	if (n > MNEME_MM_STATS_CHUNK)
		n = MNEME_MM_STATS_CHUNK;
	memcpy(buf, ulib_ipc_buffer->words, n);
	*got = n;
	if (total)
		*total = r[1];
	return 0;
}

int64_t mm_stats_read(unsigned what, char *buf, size_t len)
{
	uint64_t total = 0, off = 0;

	if (!len)
		return -MNEME_EINVAL;
	do {
		size_t got;
		int64_t st = mm_stats(what, off, buf + off, len - 1 - off, &got, &total);
		if (st)
			return st;
		off += got;
		if (!got)
			break;
	} while (off < total && off < len - 1);
	buf[off] = '\0';
	return (int64_t)total;
}

int64_t mm_stats_print(unsigned what)
{
	char chunk[MNEME_MM_STATS_CHUNK + 1];
	uint64_t total = 0, off = 0;

	do {
		size_t got;
		int64_t st = mm_stats(what, off, chunk, MNEME_MM_STATS_CHUNK, &got, &total);
		if (st)
			return st;
		fwrite(chunk, 1, got, stdout);   /* printf would cut a chunk at BUFSIZ */
		off += got;
		if (!got)
			break;
	} while (off < total);
	return 0;
}

int64_t mm_usage(struct mneme_mm_usage *u)
{
	if (!ulib_ipc_buffer)
		return -MNEME_EFAULT;
	int64_t st = mm_request_raw(MNEME_MM_USAGE, NULL, 0, NULL);
	if (!st)
		memcpy(u, ulib_ipc_buffer->words, sizeof(*u));
	return st;
}

/* SPAWN: words @w (the name, or a clone's range), flags, quota, share address, arguments, handle. */
static int64_t spawn_request(const uint64_t w[4], const char *args, unsigned flags, uint64_t handle,
			     uint64_t share_va, uint64_t quota, uint64_t *child)
{
	uint64_t pages = (quota + MNEME_MM_PAGE_SIZE - 1) / MNEME_MM_PAGE_SIZE;
	size_t alen = args ? strlen(args) : 0;
	struct ulib_msg m = { .handle = handle }, reply;

	int adj = (int16_t)(uint16_t)(flags >> MNEME_MM_SPAWN_ADJ_SHIFT);

	if ((flags & MNEME_MM_SPAWN_FLAG_BITS & ~MNEME_MM_SPAWN_FLAGS) || pages >> 32 ||
	    alen >= MNEME_MM_SPAWN_ARGS_MAX || adj < MNEME_MM_OOM_SCORE_ADJ_MIN ||
	    adj > MNEME_MM_OOM_SCORE_ADJ_MAX)
		return -MNEME_EINVAL;
	if (!ulib_ipc_buffer || !ulib_start || !ulib_start->server_ep)
		return -MNEME_EBADH;
	memcpy(m.w, w, sizeof(m.w));
	uint64_t *x = ulib_ipc_buffer->words;
	x[0] = mneme_mm_spawn_word0(flags, pages);
	x[1] = share_va;
	memset(&x[MNEME_MM_SPAWN_ARGS_WORD], 0, MNEME_MM_SPAWN_ARGS_MAX);
	if (alen)
		memcpy(&x[MNEME_MM_SPAWN_ARGS_WORD], args, alen);
	unsigned extra = MNEME_MM_SPAWN_ARGS_WORD + (unsigned)(alen + 8) / 8;
	m.info = mneme_msginfo(MNEME_MM_SPAWN, extra, handle ? MNEME_MSG_HANDLE : 0);
	int64_t st = ipc_call(ulib_start->server_ep, &m, &reply);
	if (st)
		return st;
	st = mneme_mm_status(reply.info);
	if (!st && child)
		*child = reply.w[0];
	return st;
}

int64_t mm_spawn_quota(const char *prog, const char *args, unsigned flags, uint64_t handle,
		       uint64_t share_va, uint64_t quota, uint64_t *child)
{
	uint64_t w[4] = { 0 };
	size_t n = strlen(prog);

	if (n >= sizeof(w) || (flags & MNEME_MM_SPAWN_CLONE))
		return -MNEME_EINVAL;
	memcpy(w, prog, n);
	return spawn_request(w, args, flags, handle, share_va, quota, child);
}

int64_t mm_clone(uint64_t start, size_t len, const char *args, uint64_t quota, uint64_t handle,
		 uint64_t *child)
{
	uint64_t w[4] = { start, len };

	return spawn_request(w, args, MNEME_MM_SPAWN_CLONE, handle, 0, quota, child);
}

int64_t mm_map_file(const char *name, uint64_t off, size_t len, unsigned pf, void *hint, void **va,
		    uint64_t *size)
{
	uint64_t w[4] = { (uint64_t)(uintptr_t)hint, len, pf, off }, r[4];
	size_t n = strlen(name);

	if (!n || n > 32)
		return -MNEME_EINVAL;
	if (!ulib_ipc_buffer)
		return -MNEME_EFAULT;
	memset(ulib_ipc_buffer->words, 0, 32);
	memcpy(ulib_ipc_buffer->words, name, n);
	int64_t st = mm_request_raw(MNEME_MM_MAP_FILE, w, 4, r);
	if (!st) {
		*va = (void *)(uintptr_t)r[0];
		if (size)
			*size = r[1];
	}
	return st;
}

int64_t mm_query(const void *va, struct mm_page_info *info)
{
	uint64_t w[4] = { (uint64_t)(uintptr_t)va & ~(MNEME_MM_PAGE_SIZE - 1) }, r[4];
	int64_t st = mm_request_raw(MNEME_MM_QUERY, w, 0, r);

	if (!st)
		*info = (struct mm_page_info){ .pa = r[0] | ((uint64_t)(uintptr_t)va & (MNEME_MM_PAGE_SIZE - 1)),
					       .prot = (unsigned)r[1], .flags = (unsigned)r[2],
					       .mapcount = r[3] };
	return st;
}

int64_t mm_check(void)
{
	return mm_request_raw(MNEME_MM_CHECK, NULL, 0, NULL);
}

int64_t mm_obj_create(size_t size, unsigned rights, uint64_t *handle)
{
	uint64_t w[4] = { size, rights }, r[4];
	int64_t st = mm_request_raw(MNEME_MM_OBJ_CREATE, w, 0, r);

	if (!st)
		*handle = r[0];
	return st;
}

int64_t mm_obj_map(uint64_t handle, uint64_t off, size_t len, unsigned pf, void *hint, void **va)
{
	uint64_t w[4] = { (uint64_t)(uintptr_t)hint, len, pf, handle }, r[4];

	if (off) {
		if (!ulib_ipc_buffer)
			return -MNEME_EFAULT;
		ulib_ipc_buffer->words[0] = off;
	}
	int64_t st = mm_request_raw(MNEME_MM_OBJ_MAP, w, off ? 1 : 0, r);
	if (!st)
		*va = (void *)(uintptr_t)r[0];
	return st;
}

int64_t mm_obj_close(uint64_t handle)
{
	uint64_t w[4] = { handle };

	return mm_request_raw(MNEME_MM_OBJ_CLOSE, w, 0, NULL);
}

int64_t mm_obj_grant(uint64_t handle, unsigned rights, uint64_t task, uint64_t *grant)
{
	uint64_t w[4] = { handle, rights, task }, r[4];
	int64_t st = mm_request_raw(MNEME_MM_OBJ_GRANT, w, 0, r);

	if (!st)
		*grant = r[0];
	return st;
}

int64_t mm_obj_accept(uint64_t grant, uint64_t *handle, uint64_t *size, unsigned *rights)
{
	uint64_t w[4] = { grant }, r[4];
	int64_t st = mm_request_raw(MNEME_MM_OBJ_ACCEPT, w, 0, r);

	if (!st) {
		*handle = r[0];
		if (size)
			*size = r[1];
		if (rights)
			*rights = (unsigned)r[2];
	}
	return st;
}
