/* SPDX-License-Identifier: MIT */
/*
 * An intrusive red-black tree with a cached leftmost node, used by the fair
 * class (ordered by vruntime), the deadline class (by absolute deadline) and
 * the per-CPU sleep queue (by wake time).
 *
 * Guarantees: insert and erase are O(log n); rb_first() is O(1). Equal keys
 * are allowed and keep insertion order (a new node goes right of its equals),
 * which is what makes "longest waiting first" hold among equal vruntimes.
 * No locking: the owner's lock guards the tree.
 *
 * It is arch-free and belongs in kernel/lib/ eventually (the design card puts
 * the rbtree there); it lives in sched/ because sched/ is the only user today
 * and kernel/ is owned by other work. Algorithm: CLRS chapter 13, with parent
 * pointers and NULL leaves. Read next: fair.c (the main user).
 */
#ifndef COHORT_SCHED_RBTREE_H
#define COHORT_SCHED_RBTREE_H

#include <stdbool.h>
#include <stddef.h>

struct rb_node {
	struct rb_node *parent, *left, *right;
	bool red;
	bool linked; /* true while the node is in a tree (for assertions) */
};

struct rb_root {
	struct rb_node *root;
	struct rb_node *leftmost; /* cached minimum, NULL when empty */
	unsigned count;
};

/* Strict weak order: true when a sorts before b. */
typedef bool (*rb_less_fn)(const struct rb_node *a, const struct rb_node *b);

static inline void rb_root_init(struct rb_root *r)
{
	r->root = r->leftmost = NULL;
	r->count = 0;
}

static inline void rb_node_init(struct rb_node *n)
{
	n->parent = n->left = n->right = NULL;
	n->red = false;
	n->linked = false;
}

static inline struct rb_node *rb_first(const struct rb_root *r)
{
	return r->leftmost;
}

void rb_insert(struct rb_root *r, struct rb_node *n, rb_less_fn less);
void rb_erase(struct rb_root *r, struct rb_node *n);
struct rb_node *rb_next(const struct rb_node *n);

/*
 * Whole-tree check for tests and DEBUG_CHECK: colours, black heights,
 * parent links, order, count and the cached leftmost. Returns 0 when the
 * tree is valid, else a negative number naming the broken rule (see
 * rbtree.c).
 */
int rb_check(const struct rb_root *r, rb_less_fn less);

#endif
