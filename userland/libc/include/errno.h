/*
 * <errno.h> of mneme's C library.
 *
 * The codes mneme's calls return (<mneme/error.h>, negated) are errno
 * values as they stand: errno = -err works, and strerror() names them.
 * Where C or POSIX has a name for the same condition it is that name
 * (ENOMEM, EINVAL, ...), else mneme's (EDEAD, ECORRUPT, ETRUNC).  The
 * codes only this library sets (EDOM, EILSEQ, ...) start at 32.
 *
 * errno is one variable per task, not per thread.
 */
#ifndef _MNEME_ERRNO_H
#define _MNEME_ERRNO_H

extern int errno;

/* mneme's error codes (numbers fixed by <mneme/error.h>; checked in errno.c). */
#define EINVAL    1    /* MNEME_EINVAL */
#define ENOSYS    2    /* MNEME_ENOSYS */
#define EBADF     3    /* MNEME_EBADH: no such handle */
#define EFAULT    4    /* MNEME_EFAULT */
#define ENOMEM    5    /* MNEME_ENOMEM */
#define ERANGE    6    /* MNEME_ERANGE */
#define EPERM     7    /* MNEME_EPERM */
#define EDEAD     8    /* MNEME_EDEAD: the peer died */
#define EBUSY     9    /* MNEME_EBUSY */
#define ENOENT    10   /* MNEME_ENOENT */
#define EDQUOT    11   /* MNEME_EQUOTA */
#define ECORRUPT  12   /* MNEME_ECORRUPT */
#define ETRUNC    13   /* MNEME_ETRUNC */
#define EEXIST    14   /* MNEME_EEXIST */

/* The C library's own. */
#define EDOM      32
#define EILSEQ    33
#define EOVERFLOW 34
#define EAGAIN    35
#define E2BIG     36
#define EIO       37
#define ENOTSUP   38
#define EACCES    39
#define EINTR     40
#define ENOSPC    41
#define ENAMETOOLONG 42
#define EWOULDBLOCK EAGAIN
#define EOPNOTSUPP  ENOTSUP

#endif
