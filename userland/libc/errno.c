/*
 * errno, strerror and the tie between <errno.h> and mneme's error codes.
 */
#include <errno.h>
#include <mneme/error.h>
#include <string.h>
#include <ulib/names.h>

int errno;

/* <errno.h> promises that mneme's codes are errno values as they stand. */
_Static_assert(EINVAL == MNEME_EINVAL && ENOSYS == MNEME_ENOSYS && EBADF == MNEME_EBADH &&
	       EFAULT == MNEME_EFAULT && ENOMEM == MNEME_ENOMEM && ERANGE == MNEME_ERANGE &&
	       EPERM == MNEME_EPERM && EDEAD == MNEME_EDEAD && EBUSY == MNEME_EBUSY &&
	       ENOENT == MNEME_ENOENT && EDQUOT == MNEME_EQUOTA && ECORRUPT == MNEME_ECORRUPT &&
	       ETRUNC == MNEME_ETRUNC && EEXIST == MNEME_EEXIST,
	       "errno values of mneme's codes");
_Static_assert(MNEME_ERROR_MAX <= EDOM, "the C library's own codes start above mneme's");

static const char *const libc_errors[] = {
	[EDOM - EDOM]         = "argument out of domain",
	[EILSEQ - EDOM]       = "invalid or incomplete multibyte character",
	[EOVERFLOW - EDOM]    = "value too large for its type",
	[EAGAIN - EDOM]       = "resource temporarily unavailable",
	[E2BIG - EDOM]        = "argument list too long",
	[EIO - EDOM]          = "input/output error",
	[ENOTSUP - EDOM]      = "operation not supported",
	[EACCES - EDOM]       = "permission denied",
	[EINTR - EDOM]        = "interrupted",
	[ENOSPC - EDOM]       = "no space left",
	[ENAMETOOLONG - EDOM] = "name too long",
};

char *strerror(int err)
{
	if (err >= 0 && err < MNEME_ERROR_MAX)
		return (char *)mneme_strerror(err);
	if (err >= EDOM && err - EDOM < (int)(sizeof(libc_errors) / sizeof(libc_errors[0])))
		return (char *)libc_errors[err - EDOM];
	return (char *)"unknown error";
}
