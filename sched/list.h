/* SPDX-License-Identifier: MIT */
/*
 * Intrusive circular doubly linked lists for the scheduler (RT FIFO queues,
 * wait queues, the thread table, the deadline throttled list).
 *
 * Guarantees: O(1) add/remove; a removed node is re-initialised so
 * list_linked() tells whether a node is on some list. No locking: every
 * user documents which lock guards its list.
 *
 * This is arch-free and could move to kernel/lib/ (the design card lists
 * lists there) once another subsystem needs it. Read next: rbtree.h.
 */
#ifndef COHORT_SCHED_LIST_H
#define COHORT_SCHED_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_node {
	struct list_node *prev, *next;
};

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

static inline void list_init(struct list_node *n)
{
	n->prev = n->next = n;
}

static inline bool list_empty(const struct list_node *head)
{
	return head->next == head;
}

/* A node not on any list points at itself (list_init / list_del). */
static inline bool list_linked(const struct list_node *n)
{
	return n->next != n;
}

static inline void list_insert_between(struct list_node *n,
				       struct list_node *prev,
				       struct list_node *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

static inline void list_add_tail(struct list_node *head, struct list_node *n)
{
	list_insert_between(n, head->prev, head);
}

static inline void list_add_head(struct list_node *head, struct list_node *n)
{
	list_insert_between(n, head, head->next);
}

static inline void list_del(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

static inline struct list_node *list_first(const struct list_node *head)
{
	return list_empty(head) ? NULL : head->next;
}

#define list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

#endif
