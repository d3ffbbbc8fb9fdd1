/* <linux/string.h>: the C library's string functions the mm core may use. */
#ifndef _MNEME_LINUX_STRING_H
#define _MNEME_LINUX_STRING_H

#include <string.h>

#endif
