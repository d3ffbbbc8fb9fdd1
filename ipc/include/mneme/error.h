/*
 * mneme error codes: the one error enum shared by the core, the memory
 * server and user tasks.  Every syscall and every IPC request that fails
 * returns the negative of one of these values; 0 (MNEME_OK) is success.
 */
#ifndef MNEME_ERROR_H
#define MNEME_ERROR_H

enum mneme_error {
	MNEME_OK = 0,
	MNEME_EINVAL = 1,     /* malformed argument (bad flags, misaligned, zero length) */
	MNEME_ENOSYS = 2,     /* unknown syscall number or request label */
	MNEME_EBADH = 3,      /* handle does not name a live object of the right kind */
	MNEME_EFAULT = 4,     /* user pointer outside the caller's user half */
	MNEME_ENOMEM = 5,     /* out of memory or out of a static table */
	MNEME_ERANGE = 6,     /* value out of range (order, address, size) */
	MNEME_EPERM = 7,      /* caller lacks the right (memory-server-only call, rights) */
	MNEME_EDEAD = 8,      /* peer died or endpoint was destroyed */
	MNEME_EBUSY = 9,      /* object in use (double map, double free, overlap) */
	MNEME_ENOENT = 10,    /* no such object (program, region, mapping) */
	MNEME_EQUOTA = 11,    /* request would exceed the caller's memory quota or per-task object limit */
	MNEME_ECORRUPT = 12,  /* input structure (device tree, ELF, map) is corrupt */
	MNEME_ETRUNC = 13,    /* input structure is truncated */
	MNEME_EEXIST = 14,    /* object already exists */
	MNEME_ERROR_MAX
};

#endif
