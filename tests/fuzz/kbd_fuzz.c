// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for drivers/kbd_decode.c: arbitrary bytes from the
 * keyboard (a faulty keyboard, a confused controller, firmware's USB
 * emulation) are decoded; every result must be a byte or KBD_NONE, and
 * afterwards the decoder must recover: once any prefix has run out and
 * every modifier is released, the 'a' key gives 'a' (or 'A' with Caps
 * Lock on). Aborts otherwise.
 *
 * Seeds: corpus/kbd/ (typed words, modifier and prefix sequences).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "drivers/kbd_decode.h"

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "kbd_fuzz: check '%s' failed at " \
					"line %d\n",                      \
				#cond, __LINE__);                         \
			abort();                                          \
		}                                                         \
	} while (0)

/* Longer than any prefix (0xe1 swallows 5 bytes; 0xe0 one). Key 0 has
 * no meaning, so these bytes only drain state. */
#define DRAIN_BYTES 6
static const uint8_t releases[] = { 0xaa, 0xb6, 0x9d, 0xe0, 0x9d };
#define KEY_A 0x1e

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbd_state s;
	kbd_decode_reset(&s);
	for (size_t i = 0; i < size; i++) {
		int c = kbd_decode_byte(&s, data[i]);
		CHECK(c == KBD_NONE || (c >= 0 && c <= 255));
	}
	for (int i = 0; i < DRAIN_BYTES; i++)
		CHECK(kbd_decode_byte(&s, 0) == KBD_NONE);
	for (size_t i = 0; i < sizeof(releases); i++)
		CHECK(kbd_decode_byte(&s, releases[i]) == KBD_NONE);
	int a = kbd_decode_byte(&s, KEY_A);
	CHECK(a == (s.caps_lock ? 'A' : 'a'));
	return 0;
}
