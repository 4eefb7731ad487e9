// SPDX-License-Identifier: MIT
/*
 * kernel/fs/pipe_ring.h: bytes come out in the order they went in across
 * the wrap, a push stops when full and a pop when empty, and a long
 * random mix of pushes and pops (fixed seed) matches a simple model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/fs/pipe_ring.h"

static void test_wrap_and_limits(void **state)
{
	uint8_t mem[10], out[16];
	struct pipe_ring r = { mem, sizeof(mem), 0, 0 };
	(void)state;
	assert_int_equal(pipe_ring_pop(&r, out, 4), 0);
	assert_int_equal(pipe_ring_push(&r, (const uint8_t *)"abcdefg", 7), 7);
	assert_int_equal(pipe_ring_pop(&r, out, 5), 5);
	assert_memory_equal(out, "abcde", 5);
	/* 2 stored, 8 free; this push wraps and is cut at 8. */
	assert_int_equal(pipe_ring_push(&r, (const uint8_t *)"0123456789", 10), 8);
	assert_int_equal(pipe_ring_space(&r), 0);
	assert_int_equal(pipe_ring_push(&r, (const uint8_t *)"z", 1), 0);
	assert_int_equal(pipe_ring_pop(&r, out, 16), 10);
	assert_memory_equal(out, "fg01234567", 10);
	assert_int_equal(r.count, 0);
}

static void test_random_against_model(void **state)
{
	enum { CAP = 37, OPS = 200000 };
	uint8_t mem[CAP], buf[64];
	static uint8_t model[OPS * 64];
	size_t mhead = 0, mtail = 0;
	struct pipe_ring r = { mem, CAP, 0, 0 };
	uint8_t next = 0;
	(void)state;
	srand(1234);
	for (int op = 0; op < OPS; op++) {
		size_t n = (size_t)(rand() % 64);
		if (rand() % 2) {
			for (size_t i = 0; i < n; i++)
				buf[i] = next++;
			size_t put = pipe_ring_push(&r, buf, n);
			size_t room = CAP - (mtail - mhead);
			assert_int_equal(put, n < room ? n : room);
			memcpy(model + mtail, buf, put);
			mtail += put;
			next = (uint8_t)(next - (n - put)); /* unsent bytes reused */
		} else {
			size_t got = pipe_ring_pop(&r, buf, n);
			size_t have = mtail - mhead;
			assert_int_equal(got, n < have ? n : have);
			assert_memory_equal(buf, model + mhead, got);
			mhead += got;
		}
		assert_int_equal(r.count, mtail - mhead);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap_and_limits),
		cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
