// SPDX-License-Identifier: MIT
/*
 * drivers/fbcon_core.c, the screen console's drawing, on a plain array:
 *   fbcon_pixel       RGB/BGR byte orders, 32-bit bit masks, and refusal of
 *                     masks that are not 32-bit pixels or not contiguous;
 *   fbcon_core_write  glyphs land in the right cells of the framebuffer,
 *                     pixels past the visible width (pitch) are never
 *                     written, the cursor underline moves, lines wrap,
 *                     the screen scrolls, escape sequences are skipped,
 *                     UTF-8 Latin-1 is drawn, scale 2 from 2560 pixels,
 *                     and a cursor left out of range (a CPU stopped in the
 *                     middle of a write) is brought back.
 * The font is made up: glyph c has every one of its rows equal to c (and
 * ' ' is blank, as in real fonts), so each cell's expected pixels follow
 * from its character alone. The
 * framebuffer is a heap block of exactly its size (ASan sees overruns).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/fbcon_core.h"
#include "kernel/boot_info.h"

#define FG 0x00c0c0c0u
#define BG 0x00000000u
#define SENTINEL 0xdeadbeefu

static struct fbfont font;

struct screen {
	struct fbcon c;
	uint32_t *fb;
	void *ram;
	uint32_t w, h, pitch;
};

static void make_font(void)
{
	font.width = 8;
	font.height = 8;
	font.stride = 1;
	for (int ch = 0; ch < 256; ch++)
		for (int y = 0; y < 8; y++)
			font.glyph[ch][y] = ch == ' ' ? 0 : (uint8_t)ch;
}

static struct screen *open_screen(uint32_t w, uint32_t h, uint32_t pitch)
{
	make_font();
	struct screen *s = calloc(1, sizeof(*s));
	s->w = w;
	s->h = h;
	s->pitch = pitch;
	s->fb = malloc((size_t)pitch * h * 4);
	for (size_t i = 0; i < (size_t)pitch * h; i++)
		s->fb[i] = SENTINEL;
	s->ram = malloc(fbcon_core_ram(w, h, &font));
	assert_int_equal(fbcon_core_init(&s->c, s->fb, w, h, pitch, 4, s->ram,
					 &font, FG, BG), 0);
	return s;
}

static void close_screen(struct screen *s)
{
	free(s->fb);
	free(s->ram);
	free(s);
}

/* 1 if cell (col, row) on the framebuffer shows ch (and the underline
 * cursor when `cursor`). */
static int cell_shows(struct screen *s, uint32_t col, uint32_t row, uint8_t ch,
		      int cursor)
{
	uint32_t sc = s->c.scale;
	for (uint32_t y = 0; y < 8 * sc; y++)
		for (uint32_t x = 0; x < 8 * sc; x++) {
			uint32_t fy = y / sc, fx = x / sc;
			int on = (cursor && fy >= 6) ||
				 (ch != ' ' && (ch & (0x80 >> fx)));
			uint32_t px = s->fb[(size_t)(row * 8 * sc + y) * s->pitch +
					    col * 8 * sc + x];
			if (px != (on ? FG : BG))
				return 0;
		}
	return 1;
}

static void write_str(struct screen *s, const char *t)
{
	fbcon_core_write(&s->c, t, strlen(t));
}

/* ---- fbcon_pixel ---- */

static void test_pixel_formats(void **state)
{
	(void)state;
	uint32_t v;
	struct fbcon_pixfmt rgb = { .format = BOOT_FB_RGBX };
	struct fbcon_pixfmt bgr = { .format = BOOT_FB_BGRX };
	assert_int_equal(fbcon_pixel(&rgb, 0x11, 0x22, 0x33, &v), 0);
	assert_int_equal(v, 0x00332211);
	assert_int_equal(fbcon_pixel(&bgr, 0x11, 0x22, 0x33, &v), 0);
	assert_int_equal(v, 0x00112233);
	/* A 32-bit mask layout as GOP reports it for BGRX, and one with
	 * 10-bit colours (2:10:10:10). */
	struct fbcon_pixfmt m8 = { BOOT_FB_BITMASK, 0x00ff0000, 0x0000ff00,
				   0x000000ff, 0xff000000, 0 };
	assert_int_equal(fbcon_pixel(&m8, 0x11, 0x22, 0x33, &v), 0);
	assert_int_equal(v, 0x00112233);
	struct fbcon_pixfmt m10 = { BOOT_FB_BITMASK, 0x3ff00000, 0x000ffc00,
				    0x000003ff, 0xc0000000, 0 };
	assert_int_equal(fbcon_pixel(&m10, 0xff, 0x80, 0x01, &v), 0);
	assert_int_equal(v, 0x3fc << 20 | 0x200 << 10 | 0x004);
}

static void test_pixel_refuses_what_it_cannot_draw(void **state)
{
	(void)state;
	uint32_t v;
	/* RGB565 and 24-bit packed masks with no pixel width (as a 32-bit
	 * pixel they would be drawn into the wrong bytes), and masks that do
	 * not fit the width given. */
	struct fbcon_pixfmt m565 = { BOOT_FB_BITMASK, 0xf800, 0x07e0, 0x001f, 0, 0 };
	assert_int_equal(fbcon_pixel(&m565, 1, 2, 3, &v), -1);
	struct fbcon_pixfmt m24 = { BOOT_FB_BITMASK, 0xff0000, 0xff00, 0xff, 0, 0 };
	assert_int_equal(fbcon_pixel(&m24, 1, 2, 3, &v), -1);
	struct fbcon_pixfmt wide16 = { BOOT_FB_BITMASK, 0xff0000, 0xff00, 0xff,
				       0, 16 };
	assert_int_equal(fbcon_pixel(&wide16, 1, 2, 3, &v), -1);
	struct fbcon_pixfmt odd = { BOOT_FB_BITMASK, 0xf800, 0x07e0, 0x001f, 0,
				    12 };
	assert_int_equal(fbcon_pixel(&odd, 1, 2, 3, &v), -1);
	struct fbcon_pixfmt holes = { BOOT_FB_BITMASK, 0xf0f00000, 0xff00,
				      0xff, 0, 0 };
	assert_int_equal(fbcon_pixel(&holes, 1, 2, 3, &v), -1);
	struct fbcon_pixfmt none = { BOOT_FB_BITMASK, 0, 0xff00, 0xff,
				     0xff000000, 0 };
	assert_int_equal(fbcon_pixel(&none, 1, 2, 3, &v), -1);
	struct fbcon_pixfmt overlap = { BOOT_FB_BITMASK, 0xffff0000, 0x00ffff00,
					0xff, 0, 0 };
	assert_int_equal(fbcon_pixel(&overlap, 1, 2, 3, &v), -1);
	struct fbcon_pixfmt blt = { BOOT_FB_NONE };
	assert_int_equal(fbcon_pixel(&blt, 1, 2, 3, &v), -1);
}

/* ---- drawing ---- */

static void test_text_lands_in_cells_and_not_past_the_width(void **state)
{
	(void)state;
	/* 5 x 3 cells of 8x8, plus 4 pixels of margin and 16 of pitch. */
	struct screen *s = open_screen(44, 28, 60);
	assert_int_equal(s->c.cols, 5);
	assert_int_equal(s->c.rows, 3);
	assert_true(cell_shows(s, 0, 0, ' ', 1)); /* cursor at start */
	write_str(s, "AB");
	assert_true(cell_shows(s, 0, 0, 'A', 0));
	assert_true(cell_shows(s, 1, 0, 'B', 0));
	assert_true(cell_shows(s, 2, 0, ' ', 1));
	for (uint32_t y = 0; y < s->h; y++)
		for (uint32_t x = s->w; x < s->pitch; x++)
			assert_int_equal(s->fb[y * s->pitch + x], SENTINEL);
	/* Margins inside the width are background, drawn once. */
	assert_int_equal(s->fb[27 * s->pitch + 0], BG);
	assert_int_equal(s->fb[0 * s->pitch + 43], BG);
	close_screen(s);
}

static void test_wrap_newline_backspace_tab(void **state)
{
	(void)state;
	struct screen *s = open_screen(40, 24, 40);
	write_str(s, "abcdefg");
	assert_true(cell_shows(s, 4, 0, 'e', 0));
	assert_true(cell_shows(s, 0, 1, 'f', 0));
	assert_true(cell_shows(s, 1, 1, 'g', 0));
	write_str(s, "\b\bX\rY\n");
	assert_true(cell_shows(s, 0, 1, 'Y', 0));
	assert_true(cell_shows(s, 1, 1, 'g', 0));
	/* The cursor moved to the new line; no underline stays behind. */
	assert_true(cell_shows(s, 2, 1, ' ', 0));
	assert_true(cell_shows(s, 0, 2, ' ', 1));
	write_str(s, "\t");
	assert_int_equal(s->c.col, 5);
	close_screen(s);
}

static void test_scrolls_up_one_row(void **state)
{
	(void)state;
	struct screen *s = open_screen(40, 24, 48); /* 5 x 3 */
	write_str(s, "1\n2\n3\n4");
	assert_int_equal(s->c.scrolls, 1);
	assert_true(cell_shows(s, 0, 0, '2', 0));
	assert_true(cell_shows(s, 0, 1, '3', 0));
	assert_true(cell_shows(s, 0, 2, '4', 0));
	assert_true(cell_shows(s, 1, 2, ' ', 1));
	write_str(s, "\n\n\n"); /* one scroll by three rows serves them */
	assert_int_equal(s->c.scrolls, 2);
	for (uint32_t r = 0; r < 3; r++)
		for (uint32_t col = 0; col < 5; col++)
			assert_true(cell_shows(s, col, r, ' ', r == 2 && col == 0));
	close_screen(s);
}

static void test_jump_scroll_moves_several_rows_at_once(void **state)
{
	(void)state;
	struct screen *s = open_screen(40, 24, 40); /* 5 x 3 */
	s->c.jump = 2;
	write_str(s, "1\n2\n3\n4");
	assert_int_equal(s->c.scrolls, 1);
	assert_true(cell_shows(s, 0, 0, '3', 0));
	assert_true(cell_shows(s, 0, 1, '4', 0));
	assert_true(cell_shows(s, 1, 1, ' ', 1));
	assert_true(cell_shows(s, 0, 2, ' ', 0));
	write_str(s, "\n5");
	assert_int_equal(s->c.scrolls, 1); /* room left: no second scroll */
	assert_true(cell_shows(s, 0, 2, '5', 0));
	s->c.jump = 99; /* more than the screen: clamped to it */
	write_str(s, "\n6");
	assert_int_equal(s->c.scrolls, 2);
	assert_true(cell_shows(s, 0, 0, '6', 0));
	close_screen(s);
}

/* One write of many lines (a user program's write() to /dev/console, cut
 * into 256-byte log writes) is drawn under the log lock with interrupts
 * off: it must not cost one whole-screen scroll per line, yet the screen
 * must end as if it had scrolled a row at a time. */
static void test_many_lines_in_one_write_scroll_little(void **state)
{
	(void)state;
	struct screen *s = open_screen(40, 24, 40); /* 5 x 3 */
	write_str(s, "1\n2\n3\n4\n5\n6\n7");
	assert_true(cell_shows(s, 0, 0, '5', 0));
	assert_true(cell_shows(s, 0, 1, '6', 0));
	assert_true(cell_shows(s, 0, 2, '7', 0));
	assert_true(cell_shows(s, 1, 2, ' ', 1));
	assert_int_equal(s->c.scrolls, 2);
	close_screen(s);

	/* 256 newlines on an 80 x 25 screen: a handful of scrolls. */
	s = open_screen(640, 200, 640);
	char nl[256];
	memset(nl, '\n', sizeof(nl));
	fbcon_core_write(&s->c, nl, sizeof(nl));
	assert_true(s->c.scrolls <= sizeof(nl) / s->c.rows + 1);
	assert_int_equal(s->c.row, s->c.rows - 1);
	assert_true(cell_shows(s, 0, s->c.rows - 1, ' ', 1));
	close_screen(s);
}

static void test_escapes_skipped_and_latin1_drawn(void **state)
{
	(void)state;
	struct screen *s = open_screen(80, 16, 80); /* 10 x 2 */
	write_str(s, "\x1b[1;31mA\x1b[0m\xc3\xa9\xe2\x82\xac\x80Z");
	assert_true(cell_shows(s, 0, 0, 'A', 0));
	assert_true(cell_shows(s, 1, 0, 0xe9, 0)); /* e acute */
	assert_true(cell_shows(s, 2, 0, '?', 0)); /* euro: not Latin-1 */
	assert_true(cell_shows(s, 3, 0, '?', 0)); /* stray continuation */
	assert_true(cell_shows(s, 4, 0, 'Z', 0));
	close_screen(s);
}

static void test_scale_two_on_wide_screens(void **state)
{
	(void)state;
	struct screen *s = open_screen(FBCON_SCALE2_WIDTH, 32, FBCON_SCALE2_WIDTH);
	assert_int_equal(s->c.scale, 2);
	assert_int_equal(s->c.cols, FBCON_SCALE2_WIDTH / 16);
	assert_int_equal(s->c.rows, 2);
	write_str(s, "Q");
	assert_true(cell_shows(s, 0, 0, 'Q', 0));
	assert_true(cell_shows(s, 1, 0, ' ', 1));
	close_screen(s);
	s = open_screen(FBCON_SCALE2_WIDTH - 1, 16, FBCON_SCALE2_WIDTH);
	assert_int_equal(s->c.scale, 1);
	close_screen(s);
}

static void test_cursor_out_of_range_is_brought_back(void **state)
{
	(void)state;
	struct screen *s = open_screen(40, 24, 40);
	s->c.row = 1000;
	s->c.col = 99999;
	s->c.dirty_lo = 0;
	s->c.dirty_hi = 77;
	write_str(s, "K");
	/* Clamped to the end of the last row: 'K' wraps and scrolls. */
	assert_int_equal(s->c.scrolls, 1);
	assert_true(cell_shows(s, 0, 2, 'K', 0));
	assert_true(cell_shows(s, 1, 2, ' ', 1));
	close_screen(s);
}

/* During a panic the reporting CPU draws without the log lock once its
 * bounded wait is over, while the holder may still be alive and drawing
 * (the report is printed before the other CPUs are stopped). That CPU's
 * newline() leaves row == rows until its scroll ends; if this write reads
 * the cursor then, after its clamps, nothing may land outside the screen
 * (ASan: the shadow and grid are a heap block of exactly their size). */
static void concurrent_newline(struct fbcon *c)
{
	fbcon_race_hook = 0;
	c->row = c->rows;
}

static void test_write_racing_another_cpus_newline_stays_inside(void **state)
{
	(void)state;
	struct screen *s = open_screen(40, 24, 48); /* 5 x 3, no margin */
	write_str(s, "ab");
	fbcon_race_hook = concurrent_newline;
	write_str(s, "K");
	assert_null(fbcon_race_hook); /* the race point was reached */
	for (uint32_t y = 0; y < s->h; y++)
		for (uint32_t x = s->w; x < s->pitch; x++)
			assert_int_equal(s->fb[y * s->pitch + x], SENTINEL);
	/* The next write brings the cursor back and draws normally. */
	write_str(s, "L");
	assert_true(cell_shows(s, s->c.col - 1, s->c.rows - 1, 'L', 0));
	close_screen(s);
}

/* 16- and 24-bit screens: each pixel is the low 2 or 3 bytes of the
 * colour, packed; the bytes between the width and the pitch are never
 * written, nor any byte past the screen (ASan). */
static void check_packed(uint32_t bpp, uint32_t fg, uint32_t bg)
{
	enum { W = 16, H = 8, PITCH = 20 };
	struct fbcon c;
	size_t bytes = (size_t)PITCH * H * bpp;
	uint8_t *fb = malloc(bytes);
	memset(fb, 0xee, bytes);
	make_font();
	void *ram = malloc(fbcon_core_ram(W, H, &font));
	assert_int_equal(fbcon_core_init(&c, fb, W, H, PITCH, bpp, ram, &font,
					 fg, bg), 0);
	fbcon_core_write(&c, "A", 1); /* glyph rows 0x41: x = 1 and 7 on */
	for (uint32_t y = 0; y < H; y++) {
		const uint8_t *line = fb + (size_t)y * PITCH * bpp;
		for (uint32_t x = 0; x < PITCH; x++) {
			const uint8_t *px = line + x * bpp;
			for (uint32_t b = 0; b < bpp; b++) {
				uint32_t want;
				if (x >= W)
					want = 0xee;
				else if (x < 8)
					want = ((x == 1 || x == 7) ? fg : bg) >> (8 * b) & 0xff;
				else /* cell 1: the cursor's underline in its last rows */
					want = (y >= H - 2 ? fg : bg) >> (8 * b) & 0xff;
				if (px[b] != want)
					fprintf(stderr, "bpp %u: (%u,%u) byte %u = %#x, want %#x\n",
						bpp, x, y, b, px[b], want);
				assert_int_equal(px[b], want);
			}
		}
	}
	free(fb);
	free(ram);
}

static void test_narrow_pixels_are_packed(void **state)
{
	(void)state;
	uint32_t fg, bg;
	struct fbcon_pixfmt m565 = { BOOT_FB_BITMASK, 0xf800, 0x07e0, 0x001f, 0,
				     16 };
	assert_int_equal(fbcon_pixel(&m565, 0xff, 0x80, 0x08, &fg), 0);
	assert_int_equal(fg, 0xf800 | 0x20 << 5 | 0x01);
	assert_int_equal(fbcon_pixel_bytes(&m565), 2);
	assert_int_equal(fbcon_pixel(&m565, 0, 0, 0, &bg), 0);
	check_packed(2, fg, bg);
	struct fbcon_pixfmt m24 = { BOOT_FB_BITMASK, 0xff0000, 0xff00, 0xff, 0,
				    24 };
	assert_int_equal(fbcon_pixel(&m24, 0xab, 0xcd, 0xef, &fg), 0);
	assert_int_equal(fg, 0xabcdef);
	assert_int_equal(fbcon_pixel_bytes(&m24), 3);
	check_packed(3, fg, 0x123456);
}

static void test_too_small_refused(void **state)
{
	(void)state;
	struct fbcon c;
	uint32_t fb[64];
	static uint8_t ram[4096];
	make_font();
	assert_int_equal(fbcon_core_init(&c, fb, 7, 8, 8, 4, ram, &font, FG, BG), -1);
	assert_int_equal(fbcon_core_init(&c, fb, 8, 7, 8, 4, ram, &font, FG, BG), -1);
	assert_int_equal(fbcon_core_init(&c, fb, 8, 8, 7, 4, ram, &font, FG, BG), -1);
	assert_int_equal(fbcon_core_init(&c, fb, 8, 8, 8, 1, ram, &font, FG, BG), -1);
	assert_int_equal(fbcon_core_init(&c, fb, 8, 8, 8, 5, ram, &font, FG, BG), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pixel_formats),
		cmocka_unit_test(test_pixel_refuses_what_it_cannot_draw),
		cmocka_unit_test(test_narrow_pixels_are_packed),
		cmocka_unit_test(test_text_lands_in_cells_and_not_past_the_width),
		cmocka_unit_test(test_wrap_newline_backspace_tab),
		cmocka_unit_test(test_scrolls_up_one_row),
		cmocka_unit_test(test_jump_scroll_moves_several_rows_at_once),
		cmocka_unit_test(test_many_lines_in_one_write_scroll_little),
		cmocka_unit_test(test_escapes_skipped_and_latin1_drawn),
		cmocka_unit_test(test_scale_two_on_wide_screens),
		cmocka_unit_test(test_cursor_out_of_range_is_brought_back),
		cmocka_unit_test(test_write_racing_another_cpus_newline_stays_inside),
		cmocka_unit_test(test_too_small_refused),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
