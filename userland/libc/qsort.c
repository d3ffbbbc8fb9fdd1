/*
 * qsort and bsearch.  qsort is an introsort: quicksort with the median of
 * three as pivot, the smaller side sorted first by recursion and the larger
 * by iteration (so the stack stays O(log n)), insertion sort below 16
 * elements, and heapsort once the depth passes 2 log2(n), which bounds
 * the worst case at O(n log n) whatever the input.
 */
#include <stdint.h>
#include <stdlib.h>

typedef int (*cmp_fn)(const void *, const void *);

static void swap(char *a, char *b, size_t size)
{
	if (a == b)
		return;
	if (size % 8 == 0 && ((uintptr_t)a | (uintptr_t)b) % 8 == 0) {
		for (size_t i = 0; i < size; i += 8) {
			uint64_t t = *(uint64_t *)(void *)(a + i);
			*(uint64_t *)(void *)(a + i) = *(uint64_t *)(void *)(b + i);
			*(uint64_t *)(void *)(b + i) = t;
		}
		return;
	}
	for (size_t i = 0; i < size; i++) {
		char t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

#define AT(i) (base + (i) * size)

static void insertion_sort(char *base, size_t n, size_t size, cmp_fn cmp)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp(AT(j - 1), AT(j)) > 0; j--)
			swap(AT(j - 1), AT(j), size);
}

static void sift_down(char *base, size_t root, size_t n, size_t size, cmp_fn cmp)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && cmp(AT(child), AT(child + 1)) < 0)
			child++;
		if (cmp(AT(root), AT(child)) >= 0)
			return;
		swap(AT(root), AT(child), size);
		root = child;
	}
}

static void heap_sort(char *base, size_t n, size_t size, cmp_fn cmp)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(base, i, n, size, cmp);
	for (size_t end = n; end-- > 1;) {
		swap(AT(0), AT(end), size);
		sift_down(base, 0, end, size, cmp);
	}
}

/* Put the median of the first, middle and last elements at index 0; partition around it. */
static size_t partition(char *base, size_t n, size_t size, cmp_fn cmp)
{
	char *lo = AT(0), *mid = AT(n / 2), *hi = AT(n - 1);
	size_t i = 0, j = n;

	if (cmp(mid, lo) < 0)
		swap(mid, lo, size);
	if (cmp(hi, mid) < 0) {
		swap(hi, mid, size);
		if (cmp(mid, lo) < 0)
			swap(mid, lo, size);
	}
	swap(lo, mid, size);
	for (;;) {
		do
			i++;
		while (i < n && cmp(AT(i), base) < 0);
		do
			j--;
		while (cmp(AT(j), base) > 0);
		if (i >= j)
			break;
		swap(AT(i), AT(j), size);
	}
	swap(base, AT(j), size);
	return j;   /* [0, j) <= pivot == [j] <= (j, n) */
}

static void introsort(char *base, size_t n, size_t size, cmp_fn cmp, unsigned depth)
{
	while (n > 16) {
		if (depth-- == 0) {
			heap_sort(base, n, size, cmp);
			return;
		}
		size_t p = partition(base, n, size, cmp);
		size_t left = p, right = n - p - 1;
		if (left < right) {
			introsort(base, left, size, cmp, depth);
			base = AT(p + 1);
			n = right;
		} else {
			introsort(AT(p + 1), right, size, cmp, depth);
			n = left;
		}
	}
	insertion_sort(base, n, size, cmp);
}

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	unsigned depth = 0;

	if (n < 2 || !size)
		return;
	for (size_t m = n; m > 1; m >>= 1)
		depth += 2;
	introsort(base, n, size, cmp, depth);
}

void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *))
{
	const char *lo = base;

	while (n) {
		const char *mid = lo + (n / 2) * size;
		int c = cmp(key, mid);
		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			lo = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return NULL;
}
