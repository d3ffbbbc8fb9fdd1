/*
 * <linux/bug.h>: BUG_ON stops through mm_panic; WARN_ON prints and lets
 * the caller recover, evaluating to the condition as in Linux.
 */
#ifndef _MNEME_LINUX_BUG_H
#define _MNEME_LINUX_BUG_H

#include "mm/port.h"

#define BUG() mm_panic("BUG at %s:%d", __FILE__, __LINE__)
#define BUG_ON(cond) do { if (cond) BUG(); } while (0)
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), "BUILD_BUG_ON(" #cond ")")

#define WARN(cond, fmt, ...) ({						\
	int _warn_on = !!(cond);					\
	if (_warn_on)							\
		mm_printf("WARNING at %s:%d: " fmt, __FILE__, __LINE__, ##__VA_ARGS__); \
	_warn_on;							\
})
#define WARN_ON(cond) WARN(cond, "%s\n", #cond)
#define WARN_ONCE(cond, fmt, ...) ({					\
	static bool _warned;						\
	int _warn_once = !!(cond);					\
	if (_warn_once && !_warned) {					\
		_warned = true;						\
		mm_printf("WARNING at %s:%d: " fmt, __FILE__, __LINE__, ##__VA_ARGS__); \
	}								\
	_warn_once;							\
})
#define WARN_ON_ONCE(cond) WARN_ONCE(cond, "%s\n", #cond)

#endif
