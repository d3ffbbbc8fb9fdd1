/*
 * An independent reading of a device tree with libfdt, filling the same
 * struct dt_machine as core/dt.c so the two can be compared field by field.
 */
#ifndef DT_ORACLE_H
#define DT_ORACLE_H

#include <stddef.h>
#include <core/dt.h>

/* 0 on success; negative on any libfdt error or unsupported cells. */
int oracle_parse(const void *blob, size_t size, struct dt_machine *out);

/* Compare @got (core/dt.c) with @want (oracle); prints differences, returns their number. */
int oracle_compare(const char *what, const struct dt_machine *got, const struct dt_machine *want);

#endif
