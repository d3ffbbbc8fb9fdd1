/*
 * The client of the serial driver (see <ulib/serial.h>).
 */
#include <mneme/error.h>
#include <ulib/ipc.h>
#include <ulib/serial.h>

int64_t serial_read(uint64_t ep, char *buf, size_t max)
{
	struct ulib_msg m = { .info = mneme_msginfo(SERIAL_READ, 0, 0), .w = { max } }, reply;
	int64_t st;

	if (!max || max > SERIAL_READ_MAX)
		return -MNEME_EINVAL;
	st = ipc_call(ep, &m, &reply);
	if (st)
		return st;
	st = (int32_t)mneme_msginfo_label(reply.info);
	if (st <= 0)
		return st ? st : -MNEME_EINVAL;
	if ((size_t)st > max)
		return -MNEME_ECORRUPT;
	for (int64_t i = 0; i < st; i++)
		buf[i] = (char)(reply.w[i / 8] >> (8 * (i % 8)));
	return st;
}
