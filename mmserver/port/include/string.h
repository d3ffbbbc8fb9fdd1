/* The mm core's <string.h> inside the memory server: the user runtime's functions. */
#include <ulib/string.h>
