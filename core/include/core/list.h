/*
 * Intrusive doubly-linked circular lists (the core has no heap: every
 * queue threads its members through a struct list_node inside them).
 */
#ifndef CORE_LIST_H
#define CORE_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_node {
	struct list_node *prev, *next;
};

#define LIST_INIT(name) { &(name), &(name) }
#define list_entry(node, type, member) ((type *)((char *)(node) - offsetof(type, member)))

static inline void list_init(struct list_node *head)
{
	head->prev = head->next = head;
}

static inline bool list_empty(const struct list_node *head)
{
	return head->next == head;
}

/* True if @node is on some list (nodes are re-initialised when removed). */
static inline bool list_linked(const struct list_node *node)
{
	return node->next != node && node->next != NULL;
}

static inline void list_add_tail(struct list_node *head, struct list_node *node)
{
	struct list_node *tail = head->prev;   /* read once: the stores below may alias it */

	node->prev = tail;
	node->next = head;
	tail->next = node;
	head->prev = node;
}

static inline void list_del(struct list_node *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	node->prev = node->next = node;
}

/* Remove @node, which is @head's first node (list_del() without reading node->prev). */
static inline void list_del_first(struct list_node *head, struct list_node *node)
{
	struct list_node *next = node->next;

	head->next = next;
	next->prev = head;
	node->prev = node->next = node;
}

/* First node of @head, or NULL if empty. */
static inline struct list_node *list_first(const struct list_node *head)
{
	return list_empty(head) ? NULL : head->next;
}

#endif
