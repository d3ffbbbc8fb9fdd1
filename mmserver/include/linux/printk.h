/*
 * <linux/printk.h>: printk and pr_* on top of mm_printf.  Log levels are
 * accepted and dropped; pr_debug prints only when DEBUG is defined.
 */
#ifndef _MNEME_LINUX_PRINTK_H
#define _MNEME_LINUX_PRINTK_H

#include "mm/port.h"

#define KERN_EMERG ""
#define KERN_ALERT ""
#define KERN_CRIT ""
#define KERN_ERR ""
#define KERN_WARNING ""
#define KERN_NOTICE ""
#define KERN_INFO ""
#define KERN_DEBUG ""
#define KERN_CONT ""

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

#define printk(fmt, ...) mm_printf(fmt, ##__VA_ARGS__)
#define pr_emerg(fmt, ...) mm_printf(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...) mm_printf(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...) mm_printf(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) mm_printf(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) mm_printf(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...) mm_printf(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) mm_printf(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...) mm_printf(fmt, ##__VA_ARGS__)
#ifdef DEBUG
#define pr_debug(fmt, ...) mm_printf(pr_fmt(fmt), ##__VA_ARGS__)
#else
#define pr_debug(fmt, ...) do { if (0) mm_printf(pr_fmt(fmt), ##__VA_ARGS__); } while (0)
#endif

#endif
