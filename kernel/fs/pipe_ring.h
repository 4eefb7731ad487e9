/* SPDX-License-Identifier: MIT */
/*
 * The byte ring behind a pipe: pure (host-tested in tests/unit/fs), no
 * locking (pipe.c holds the pipe's lock around every call).
 */
#ifndef COHORT_FS_PIPE_RING_H
#define COHORT_FS_PIPE_RING_H

#include <stddef.h>
#include <stdint.h>

struct pipe_ring {
	uint8_t *buf;
	uint32_t cap;	/* bytes; any size > 0 */
	uint32_t head;	/* index of the oldest byte */
	uint32_t count; /* bytes stored */
};

static inline uint32_t pipe_ring_space(const struct pipe_ring *r)
{
	return r->cap - r->count;
}

/* Append up to n bytes (as many as fit); returns how many. */
static inline size_t pipe_ring_push(struct pipe_ring *r, const uint8_t *src,
				    size_t n)
{
	size_t done = 0;
	while (done < n && r->count < r->cap) {
		uint32_t tail = (r->head + r->count) % r->cap;
		size_t run = r->cap - tail; /* contiguous up to the wrap */
		if (run > r->cap - r->count)
			run = r->cap - r->count;
		if (run > n - done)
			run = n - done;
		for (size_t i = 0; i < run; i++)
			r->buf[tail + i] = src[done + i];
		r->count += (uint32_t)run;
		done += run;
	}
	return done;
}

/* Remove up to n of the oldest bytes into dst; returns how many. */
static inline size_t pipe_ring_pop(struct pipe_ring *r, uint8_t *dst, size_t n)
{
	size_t done = 0;
	while (done < n && r->count > 0) {
		size_t run = r->cap - r->head;
		if (run > r->count)
			run = r->count;
		if (run > n - done)
			run = n - done;
		for (size_t i = 0; i < run; i++)
			dst[done + i] = r->buf[r->head + i];
		r->head = (uint32_t)((r->head + run) % r->cap);
		r->count -= (uint32_t)run;
		done += run;
	}
	return done;
}

#endif
