/* Freestanding check only: the formatting functions mm/port.h allows the mm core. */
#include <stdarg.h>
#include <stddef.h>
int snprintf(char *buf, size_t len, const char *fmt, ...);
int vsnprintf(char *buf, size_t len, const char *fmt, va_list ap);
