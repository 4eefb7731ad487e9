// SPDX-License-Identifier: MIT
/*
 * Red-black tree (see rbtree.h). CLRS chapter 13 with NULL leaves: the
 * erase fix-up therefore carries the parent of the (possibly NULL) node x
 * explicitly instead of relying on a sentinel's parent field.
 *
 * Invariants (checked by rb_check): the root is black; a red node has no
 * red child; every root-to-leaf path has the same number of black nodes.
 * Together they bound the height by 2 log2(n + 1).
 *
 * Read next: fair.c, the main user.
 */
#include "rbtree.h"

static void set_child(struct rb_root *r, struct rb_node *parent,
		      struct rb_node *old, struct rb_node *new)
{
	if (!parent)
		r->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
}

static void rotate_left(struct rb_root *r, struct rb_node *x)
{
	struct rb_node *y = x->right;

	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->parent = x->parent;
	set_child(r, x->parent, x, y);
	y->left = x;
	x->parent = y;
}

static void rotate_right(struct rb_root *r, struct rb_node *x)
{
	struct rb_node *y = x->left;

	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->parent = x->parent;
	set_child(r, x->parent, x, y);
	y->right = x;
	x->parent = y;
}

void rb_insert(struct rb_root *r, struct rb_node *n, rb_less_fn less)
{
	struct rb_node **link = &r->root, *parent = NULL, *g, *u;
	bool leftmost = true;

	while (*link) {
		parent = *link;
		if (less(n, parent)) {
			link = &parent->left;
		} else {
			/* Equal keys go right: FIFO among equals. */
			link = &parent->right;
			leftmost = false;
		}
	}
	n->parent = parent;
	n->left = n->right = NULL;
	n->red = true;
	n->linked = true;
	*link = n;
	if (leftmost)
		r->leftmost = n;
	r->count++;

	/* Fix a red node under a red parent, walking up (CLRS 13.3). */
	while (n->parent && n->parent->red) {
		parent = n->parent;
		g = parent->parent; /* exists: a red node is never the root */
		if (parent == g->left) {
			u = g->right;
			if (u && u->red) {
				parent->red = u->red = false;
				g->red = true;
				n = g;
				continue;
			}
			if (n == parent->right) {
				rotate_left(r, parent);
				n = parent;
				parent = n->parent;
			}
			parent->red = false;
			g->red = true;
			rotate_right(r, g);
		} else {
			u = g->left;
			if (u && u->red) {
				parent->red = u->red = false;
				g->red = true;
				n = g;
				continue;
			}
			if (n == parent->left) {
				rotate_right(r, parent);
				n = parent;
				parent = n->parent;
			}
			parent->red = false;
			g->red = true;
			rotate_left(r, g);
		}
	}
	r->root->red = false;
}

struct rb_node *rb_next(const struct rb_node *n)
{
	const struct rb_node *p;

	if (n->right) {
		n = n->right;
		while (n->left)
			n = n->left;
		return (struct rb_node *)n;
	}
	while ((p = n->parent) && n == p->right)
		n = p;
	return (struct rb_node *)p;
}

/* Replace subtree u by subtree v in u's parent. */
static void transplant(struct rb_root *r, struct rb_node *u, struct rb_node *v)
{
	set_child(r, u->parent, u, v);
	if (v)
		v->parent = u->parent;
}

static bool is_red(const struct rb_node *n)
{
	return n && n->red;
}

static void erase_fixup(struct rb_root *r, struct rb_node *x,
			struct rb_node *xp)
{
	struct rb_node *w;

	/* x carries an extra black; push it up or resolve it (CLRS 13.4). */
	while (x != r->root && !is_red(x)) {
		if (x == xp->left) {
			w = xp->right; /* exists: xp's right side is black-heavier */
			if (w->red) {
				w->red = false;
				xp->red = true;
				rotate_left(r, xp);
				w = xp->right;
			}
			if (!is_red(w->left) && !is_red(w->right)) {
				w->red = true;
				x = xp;
				xp = x->parent;
			} else {
				if (!is_red(w->right)) {
					w->left->red = false;
					w->red = true;
					rotate_right(r, w);
					w = xp->right;
				}
				w->red = xp->red;
				xp->red = false;
				w->right->red = false;
				rotate_left(r, xp);
				x = r->root;
				xp = NULL;
			}
		} else {
			w = xp->left;
			if (w->red) {
				w->red = false;
				xp->red = true;
				rotate_right(r, xp);
				w = xp->left;
			}
			if (!is_red(w->left) && !is_red(w->right)) {
				w->red = true;
				x = xp;
				xp = x->parent;
			} else {
				if (!is_red(w->left)) {
					w->right->red = false;
					w->red = true;
					rotate_left(r, w);
					w = xp->left;
				}
				w->red = xp->red;
				xp->red = false;
				w->left->red = false;
				rotate_right(r, xp);
				x = r->root;
				xp = NULL;
			}
		}
	}
	if (x)
		x->red = false;
}

void rb_erase(struct rb_root *r, struct rb_node *z)
{
	struct rb_node *y = z, *x, *xp;
	bool y_was_red = y->red;

	if (r->leftmost == z)
		r->leftmost = rb_next(z);

	if (!z->left) {
		x = z->right;
		xp = z->parent;
		transplant(r, z, z->right);
	} else if (!z->right) {
		x = z->left;
		xp = z->parent;
		transplant(r, z, z->left);
	} else {
		/* Two children: splice out the successor y in z's place. */
		y = z->right;
		while (y->left)
			y = y->left;
		y_was_red = y->red;
		x = y->right;
		if (y->parent == z) {
			xp = y;
		} else {
			xp = y->parent;
			transplant(r, y, y->right);
			y->right = z->right;
			y->right->parent = y;
		}
		transplant(r, z, y);
		y->left = z->left;
		y->left->parent = y;
		y->red = z->red;
	}
	if (!y_was_red)
		erase_fixup(r, x, xp);
	r->count--;
	rb_node_init(z);
}

/* Returns the black height of the subtree, or a negative error. */
static int check_subtree(const struct rb_node *n, const struct rb_node *parent,
			 rb_less_fn less, unsigned *count)
{
	int lh, rh;

	if (!n)
		return 1;
	if (n->parent != parent || !n->linked)
		return -2; /* broken parent link */
	if (n->red && (is_red(n->left) || is_red(n->right)))
		return -3; /* red node with a red child */
	if (n->left && less(n, n->left))
		return -4; /* order: left child sorts after its parent */
	if (n->right && less(n->right, n))
		return -4; /* order: right child sorts before its parent */
	(*count)++;
	lh = check_subtree(n->left, n, less, count);
	if (lh < 0)
		return lh;
	rh = check_subtree(n->right, n, less, count);
	if (rh < 0)
		return rh;
	if (lh != rh)
		return -5; /* black heights differ */
	return lh + (n->red ? 0 : 1);
}

int rb_check(const struct rb_root *r, rb_less_fn less)
{
	unsigned count = 0;
	const struct rb_node *m = r->root;
	int h;

	if (r->root && r->root->red)
		return -1; /* red root */
	h = check_subtree(r->root, NULL, less, &count);
	if (h < 0)
		return h;
	if (count != r->count)
		return -6; /* count out of date */
	while (m && m->left)
		m = m->left;
	if (m != r->leftmost)
		return -7; /* cached leftmost is stale */
	/* Full in-order walk: the local checks above miss grandchildren. */
	for (m = r->leftmost; m && rb_next(m); m = rb_next(m))
		if (less(rb_next(m), m))
			return -4;
	return 0;
}
