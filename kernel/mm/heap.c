// SPDX-License-Identifier: MIT
/* Size-class heap core (see heap.h). The caller serialises. */
#include "heap.h"

#define MAGIC_LIVE 0xc0407a11u
#define MAGIC_FREE 0xc040f4eeu
#define POISON 0x6b
#define LARGE_CLASS 0xffu

struct header {
	uint32_t magic;
	uint32_t class; /* size class, or LARGE_CLASS */
	uint64_t size;	/* requested bytes */
};

_Static_assert(sizeof(struct header) == 16, "keeps objects 16-byte aligned");

static size_t class_size(unsigned c)
{
	return (size_t)1 << (c + HEAP_MIN_SHIFT);
}

static unsigned class_for(size_t total)
{
	unsigned c = 0;
	while (class_size(c) < total)
		c++;
	return c;
}

static void fill(void *p, int v, size_t n)
{
	unsigned char *b = p;
	while (n--)
		*b++ = (unsigned char)v;
}

/* Carve a fresh page into free objects of class c. */
static int refill(struct heap *h, unsigned c)
{
	unsigned char *page = h->alloc_pages(1);
	if (!page)
		return -1;
	size_t sz = class_size(c);
	for (size_t off = 0; off + sz <= HEAP_PAGE; off += sz) {
		struct header *o = (struct header *)(page + off);
		o->magic = MAGIC_FREE;
		o->class = c;
		o->size = 0;
		*(void **)(o + 1) = h->free_list[c];
		h->free_list[c] = o;
	}
	return 0;
}

void *heap_alloc(struct heap *h, size_t size)
{
	struct header *o;

	if (size == 0 || size > SIZE_MAX / 2)
		return NULL;
	if (size > HEAP_MAX_SMALL) {
		size_t pages = (size + sizeof(*o) + HEAP_PAGE - 1) / HEAP_PAGE;
		o = h->alloc_pages(pages);
		if (!o)
			return NULL;
		o->class = LARGE_CLASS;
	} else {
		unsigned c = class_for(size + sizeof(*o));
		if (!h->free_list[c] && refill(h, c))
			return NULL;
		o = h->free_list[c];
		h->free_list[c] = *(void **)(o + 1);
	}
	o->magic = MAGIC_LIVE;
	o->size = size;
	h->bytes_in_use += size;
	h->objects_in_use++;
	return o + 1;
}

static struct header *header_of(const void *p)
{
	if (!p || ((uintptr_t)p & 15))
		return NULL;
	struct header *o = (struct header *)p - 1;
	if (o->magic != MAGIC_LIVE)
		return NULL;
	if (o->class != LARGE_CLASS &&
	    (o->class >= HEAP_CLASSES ||
	     o->size + sizeof(*o) > class_size(o->class)))
		return NULL;
	return o;
}

size_t heap_size(const void *p)
{
	struct header *o = header_of(p);
	return o ? o->size : 0;
}

int heap_free(struct heap *h, void *p)
{
	if (!p)
		return 0;
	struct header *o = header_of(p);
	if (!o)
		return -1;
	h->bytes_in_use -= o->size;
	h->objects_in_use--;
	if (o->class == LARGE_CLASS) {
		size_t pages = (o->size + sizeof(*o) + HEAP_PAGE - 1) / HEAP_PAGE;
		o->magic = MAGIC_FREE;
		h->free_pages(o, pages);
		return 0;
	}
	o->magic = MAGIC_FREE;
	fill(o + 1, POISON, class_size(o->class) - sizeof(*o));
	*(void **)(o + 1) = h->free_list[o->class];
	h->free_list[o->class] = o;
	return 0;
}
