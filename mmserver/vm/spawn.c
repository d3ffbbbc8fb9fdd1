/*
 * Decoding of the lifecycle requests (SPAWN, STATUS, KILL, MAP_CHILD,
 * PING): pure functions of the message, like request.c, so the server's
 * task code gets a checked request and only looks up state (the archive,
 * its children) itself.
 */
#include <string.h>
#include <mneme/error.h>
#include "vm_internal.h"

#define SPAWN_NAME_BYTES 32

bool vm_lifecycle_label(uint32_t label)
{
	return label >= MNEME_MM_SPAWN && label <= MNEME_MM_PROTECT_CHILD;
}

/* The program name: 1..32 bytes, NUL-padded (nothing after the first NUL). */
static int decode_name(const uint64_t w[4], char *name)
{
	memcpy(name, w, SPAWN_NAME_BYTES);
	name[SPAWN_NAME_BYTES] = '\0';
	size_t n = strlen(name);
	if (!n)
		return -MNEME_EINVAL;
	for (size_t i = n; i < SPAWN_NAME_BYTES; i++)
		if (name[i])
			return -MNEME_EINVAL;
	return 0;
}

/* The argument string: NUL-terminated within the extra words after the fixed ones. */
static int decode_args(const uint64_t *x, unsigned extra, char *args)
{
	size_t room = (size_t)(extra - MNEME_MM_SPAWN_ARGS_WORD) * 8;

	memset(args, 0, MNEME_MM_SPAWN_ARGS_MAX + 1);
	if (!room)
		return 0;
	memcpy(args, &x[MNEME_MM_SPAWN_ARGS_WORD], room);
	for (size_t i = 0; i < room; i++)
		if (!args[i])
			return 0;
	return -MNEME_EINVAL;
}

/*
 * A clone's range (w0, w1): both 0 (the whole space), or page-aligned and
 * inside the window; no pager flags, no share (the clone has no image of
 * its own to add a page to); a handle may come along for the child.
 */
static int decode_clone(const struct vm_msg *m, unsigned flags, struct vm_spawn_req *req)
{
	uint64_t start = m->w[0], len = m->w[1];

	if (m->w[2] || m->w[3] || (flags & ~MNEME_MM_SPAWN_CLONE))
		return -MNEME_EINVAL;
	if (start || len) {
		if (start % VM_PAGE_SIZE || len % VM_PAGE_SIZE || !len)
			return -MNEME_EINVAL;
		if (start < MNEME_MM_MAP_BASE || start >= MNEME_MM_MAP_END || len > MNEME_MM_MAP_END - start)
			return -MNEME_ERANGE;
	}
	req->clone_start = start;
	req->clone_len = len;
	return 0;
}

int vm_spawn_decode(const struct vm_msg *m, struct vm_spawn_req *req)
{
	memset(req, 0, sizeof(*req));
	if (m->label != MNEME_MM_SPAWN)
		return -MNEME_ENOSYS;
	if (m->extra < MNEME_MM_SPAWN_ARGS_WORD ||
	    m->extra > MNEME_MM_SPAWN_ARGS_WORD + MNEME_MM_SPAWN_ARGS_MAX / 8 || !m->x)
		return -MNEME_EINVAL;
	uint64_t w0 = m->x[0];
	unsigned flags = (unsigned)(w0 & MNEME_MM_SPAWN_FLAG_BITS);
	int adj = (int16_t)(uint16_t)(w0 >> MNEME_MM_SPAWN_ADJ_SHIFT);
	if (flags & ~MNEME_MM_SPAWN_FLAGS)
		return -MNEME_EINVAL;
	if (adj < MNEME_MM_OOM_SCORE_ADJ_MIN || adj > MNEME_MM_OOM_SCORE_ADJ_MAX)
		return -MNEME_EINVAL;
	int err = (flags & MNEME_MM_SPAWN_CLONE) ? decode_clone(m, flags, req) : decode_name(m->w, req->prog);
	if (err)
		return err;
	if ((flags & MNEME_MM_SPAWN_PAGER) && ((flags & MNEME_MM_SPAWN_NOPAGER) || !m->handle))
		return -MNEME_EINVAL;
	if (flags & MNEME_MM_SPAWN_SHARE ? m->x[1] % VM_PAGE_SIZE != 0 : m->x[1] != 0)
		return -MNEME_EINVAL;
	if ((err = decode_args(m->x, m->extra, req->args)))
		return err;
	req->flags = flags;
	req->oom_score_adj = adj;
	req->quota = (w0 >> MNEME_MM_SPAWN_QUOTA_SHIFT) * VM_PAGE_SIZE;
	req->share_va = m->x[1];
	req->handle = m->handle;
	return 0;
}

int vm_lifecycle_decode(const struct vm_msg *m, uint64_t *child)
{
	/* SPAWN, STATUS, KILL, MAP_CHILD, PING, PROTECT_CHILD */
	static const unsigned used[] = { 4, 1, 1, 4, 0, 3 };

	if (!vm_lifecycle_label(m->label))
		return -MNEME_ENOSYS;
	if (m->label == MNEME_MM_SPAWN)
		return -MNEME_EINVAL;                       /* vm_spawn_decode() */
	if (m->extra || m->handle)
		return -MNEME_EINVAL;
	for (unsigned i = used[m->label - MNEME_MM_SPAWN]; i < 4; i++)
		if (m->w[i])
			return -MNEME_EINVAL;
	/* Rights as a page can have them (no W or X alone, never WX): refused before anything. */
	if (m->label == MNEME_MM_MAP_CHILD &&
	    (m->w[1] % VM_PAGE_SIZE || !m->w[2] || !vm_rights_ok(m->w[2]) || m->w[3] > 255))
		return -MNEME_EINVAL;
	if (m->label == MNEME_MM_PROTECT_CHILD && (m->w[1] % VM_PAGE_SIZE || !vm_rights_ok(m->w[2])))
		return -MNEME_EINVAL;
	*child = m->w[0];
	return 0;
}
