/*
 * <assert.h> of mneme's C library.  A failed assert() prints
 *   <program>: <file>:<line>: <function>: Assertion `<expr>' failed.
 * on stderr and calls abort().  Defining NDEBUG before including this
 * header turns assert() off; the header may be included again to change
 * that, as in C.
 */
#undef assert
#ifdef NDEBUG
#define assert(expr) ((void)0)
#else
#define assert(expr) \
	((expr) ? (void)0 : __mneme_assert_fail(#expr, __FILE__, __LINE__, __func__))
#endif

#ifndef _MNEME_ASSERT_H
#define _MNEME_ASSERT_H
__attribute__((noreturn)) void __mneme_assert_fail(const char *expr, const char *file, int line,
						   const char *func);
#if !defined(__cplusplus) && !defined(static_assert)
#define static_assert _Static_assert
#endif
#endif
