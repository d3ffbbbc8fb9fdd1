/* The runtime's string functions: the C library's <string.h>. */
#ifndef ULIB_STRING_H
#define ULIB_STRING_H

#include <string.h>

#endif
