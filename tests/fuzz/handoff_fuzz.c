// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the loader's parsers of firmware bytes
 * (efi/handoff.c): the first input byte picks one, the rest is its input,
 * in a heap copy of exactly that size (so ASan sees a read one byte past
 * the end), with an output buffer of a size also taken from the input.
 *   0: cmdline_from_file (CMDLINE.TXT: BOMs, UTF-16, comments)
 *   1: cmdline_from_load_options (UCS-2 LoadOptions)
 *   2: mmap_reduce (a raw EFI memory map, stride from the input)
 * Promises checked: a command line is NUL-terminated inside its buffer,
 * holds only printable ASCII words separated by single spaces with none
 * at either end, the return value says whether it is empty, a refused
 * input (NON_ASCII, BINARY) leaves it empty; a reduced map is sorted,
 * within its bound, with no empty entries and none past 2^64. Aborts if
 * one is broken.
 *
 * Seeds: corpus/handoff/.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efi/handoff.h"

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "handoff_fuzz: check '%s' failed " \
					"at line %d\n",                    \
				#cond, __LINE__);                          \
			abort();                                           \
		}                                                          \
	} while (0)

static void check_cmdline(const char *out, size_t max, int r,
			  const struct cmdline_notes *n)
{
	size_t len = strnlen(out, max);
	CHECK(len < max);
	CHECK(r == (len != 0));
	if (n->flags & (CMDLINE_NOTE_NON_ASCII | CMDLINE_NOTE_BINARY))
		CHECK(len == 0);
	if (len == 0)
		return;
	CHECK(out[0] != ' ' && out[len - 1] != ' ');
	for (size_t i = 0; i < len; i++) {
		CHECK(out[i] >= 0x20 && out[i] <= 0x7e);
		CHECK(!(out[i] == ' ' && out[i + 1] == ' '));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint8_t which = data[0] % 3;
	size_t max = data[1] ? data[1] * 8u : BOOT_CMDLINE_MAX;
	data += 2;
	size -= 2;
	uint8_t *in = malloc(size ? size : 1);
	memcpy(in, data, size);

	if (which == 0 || which == 1) {
		char *out = malloc(max);
		struct cmdline_notes n;
		int r = which == 0 ?
				cmdline_from_file((const char *)in, size, out,
						  max, &n) :
				cmdline_from_load_options((const uint16_t *)in,
							  size, out, max, &n);
		check_cmdline(out, max, r, &n);
		free(out);
	} else if (size >= 1) {
		size_t stride = sizeof(struct efi_mdesc) + (in[0] % 4) * 8;
		int cap = 1 + (max / 8) % 64;
		struct boot_mmap_entry *out = malloc(cap * sizeof(*out));
		/* Firmware maps are 8-byte aligned: a copy of their own. */
		uint8_t *map = malloc(size - 1 ? size - 1 : 1);
		memcpy(map, in + 1, size - 1);
		int r = mmap_reduce(map, size - 1, stride, out, cap);
		free(map);
		CHECK(r >= -1 && r <= cap);
		for (int i = 0; i < r; i++) {
			CHECK(out[i].pages != 0);
			/* No entry runs past 2^64 (merging once made one). */
			CHECK(out[i].phys == 0 ?
				      out[i].pages <= 1ULL << 52 :
				      out[i].pages <= (UINT64_MAX - out[i].phys + 1) / 4096);
			CHECK(out[i].type == efi_type_to_boot(out[i].efi_type) ||
			      out[i].type == BOOT_MEM_RESERVED);
			if (i > 0)
				CHECK(out[i - 1].phys <= out[i].phys);
		}
		free(out);
	}
	free(in);
	return 0;
}
