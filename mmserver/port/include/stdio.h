/* The mm core's <stdio.h> inside the memory server: the user runtime's formatter. */
#include <ulib/stdio.h>
