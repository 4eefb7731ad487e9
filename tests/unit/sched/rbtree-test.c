// SPDX-License-Identifier: MIT
/*
 * sched/rbtree.c: random insert/erase sequences keep every red-black
 * invariant (rb_check after each operation), the in-order walk stays
 * sorted, the cached leftmost is the minimum, equal keys stay FIFO, and the
 * checker itself catches a broken tree.
 *
 * Read next: sim-helpers.h, then fair-test.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sched/rbtree.h"

struct item {
	struct rb_node node;
	unsigned key;
	unsigned seq; /* insertion order, for the FIFO-among-equals check */
};

#define ITEM(n) ((struct item *)((char *)(n) - offsetof(struct item, node)))

static bool item_less(const struct rb_node *a, const struct rb_node *b)
{
	return ITEM(a)->key < ITEM(b)->key;
}

#define N 512

static void test_random_insert_erase(void **state)
{
	static struct item items[N];
	struct rb_root root;
	uint64_t x = 0x1234567;
	unsigned seq = 0;

	(void)state;
	rb_root_init(&root);
	for (int i = 0; i < N; i++)
		rb_node_init(&items[i].node);
	for (int op = 0; op < 20000; op++) {
		struct item *it;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		it = &items[x % N];
		if (it->node.linked) {
			rb_erase(&root, &it->node);
			assert_false(it->node.linked);
		} else {
			it->key = (unsigned)(x >> 20) % 64; /* many equal keys */
			it->seq = seq++;
			rb_insert(&root, &it->node, item_less);
		}
		assert_int_equal(rb_check(&root, item_less), 0);
		/* In order, and FIFO among equal keys. */
		for (struct rb_node *n = rb_first(&root); n && rb_next(n);
		     n = rb_next(n)) {
			struct item *a = ITEM(n), *b = ITEM(rb_next(n));

			assert_true(a->key <= b->key);
			if (a->key == b->key)
				assert_true(a->seq < b->seq);
		}
	}
}

static void test_check_catches_corruption(void **state)
{
	struct item items[8];
	struct rb_root root;

	(void)state;
	rb_root_init(&root);
	for (int i = 0; i < 8; i++) {
		rb_node_init(&items[i].node);
		items[i].key = (unsigned)i;
		rb_insert(&root, &items[i].node, item_less);
	}
	assert_int_equal(rb_check(&root, item_less), 0);
	root.root->red = true;
	assert_int_not_equal(rb_check(&root, item_less), 0);
	root.root->red = false;
	items[7].key = 0; /* order broken behind the tree's back */
	assert_int_not_equal(rb_check(&root, item_less), 0);
	items[7].key = 7;
	root.count++;
	assert_int_not_equal(rb_check(&root, item_less), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_insert_erase),
		cmocka_unit_test(test_check_catches_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
