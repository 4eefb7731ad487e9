// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for drivers/fbcon_core.c, the screen console's byte
 * interpreter: whatever a user program writes to /dev/console (escape
 * sequences, broken UTF-8, control characters, long lines) is drawn on a
 * small screen in a heap block of exactly its size (ASan sees a write
 * past it; pitch > width, and the pixels between must stay untouched).
 * The first input byte picks the scroll step; the rest is written in up
 * to four pieces, as the log would. After each piece the cursor is on
 * the screen and the framebuffer equals the shadow buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/fbcon_core.h"
#include "kernel/boot_info.h"

#define W 43
#define H 29
#define PITCH 47
#define SENTINEL 0x5a5a5a5au

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "fbcon_fuzz: check '%s' failed at " \
					"line %d\n",                        \
				#cond, __LINE__);                           \
			abort();                                            \
		}                                                           \
	} while (0)

static struct fbfont font;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fbcon c;
	if (size == 0)
		return 0;
	font.width = 5;
	font.height = 7;
	font.stride = 1;
	for (int ch = 0; ch < 256; ch++)
		for (int y = 0; y < 7; y++)
			font.glyph[ch][y] = (uint8_t)(ch * 7 + y * 13);
	uint32_t *fb = malloc(sizeof(uint32_t) * PITCH * H);
	for (int i = 0; i < PITCH * H; i++)
		fb[i] = SENTINEL;
	void *ram = malloc(fbcon_core_ram(W, H, &font));
	CHECK(fbcon_core_init(&c, fb, W, H, PITCH, 4, ram, &font, 0xffffff, 0) == 0);
	c.jump = data[0] % 8;
	data++;
	size--;
	for (int piece = 0; piece < 4; piece++) {
		size_t n = piece == 3 ? size : size / 4;
		fbcon_core_write(&c, (const char *)data, n);
		data += n;
		size -= n;
		CHECK(c.row < c.rows && c.col <= c.cols);
		for (uint32_t y = 0; y < H; y++) {
			CHECK(memcmp(fb + y * PITCH, c.shadow + y * W, W * 4) == 0);
			for (uint32_t x = W; x < PITCH; x++)
				CHECK(fb[y * PITCH + x] == SENTINEL);
		}
	}
	free(fb);
	free(ram);
	return 0;
}
