/* Shared by the device-tree host tests. */
#ifndef DT_TEST_H
#define DT_TEST_H

#include <stddef.h>
#include <stdio.h>

extern int failures;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		failures++; \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

void *read_file(const char *path, size_t *size);

/* mutate.c */
void mutate_all(const char *path);
void mutate_synthetic(void);

#endif
