/* SPDX-License-Identifier: MIT */
/*
 * The framebuffer console's drawing, kept free of kernel services so the
 * host unit tests run it on a plain array (tests/unit/drivers).
 *
 * Text goes into a shadow copy of the screen in RAM and a grid of the
 * characters shown; only whole pixel lines of the text rows that changed
 * are then copied to the framebuffer (one copy per text row, or one for
 * the whole screen after a scroll), so the framebuffer is written
 * sequentially and never read: the pattern write-combining is fast at.
 *
 * Understood: printable ASCII and Latin-1 (UTF-8 U+00A0..U+00FF), '\n'
 * (new line), '\r', '\b' (cursor left), '\t' (to the next multiple of 8),
 * line wrap, scrolling; ANSI escape sequences (ESC [ ... letter) are
 * skipped; other UTF-8 shows as '?'. The cursor is an underline under the
 * next cell to be written.
 *
 * Not locked: the caller serialises (kernel/log.c's log lock). The state
 * may be left half-updated by a CPU stopped mid-write during a panic, so
 * every entry point clamps the cursor before using it; and during a panic
 * two CPUs may write at once (the reporting CPU gives up waiting for the
 * lock while the holder still draws), so every cell drawn and every
 * flush is checked against the screen: the picture may be garbled then,
 * but nothing is written outside the shadow, the grid or the screen.
 */
#ifndef COHORT_DRIVERS_FBCON_CORE_H
#define COHORT_DRIVERS_FBCON_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "fbfont.h"

/* Pixel layouts the console can draw (kernel/boot_info.h BOOT_FB_*). */
struct fbcon_pixfmt {
	uint32_t format; /* BOOT_FB_RGBX, BOOT_FB_BGRX or BOOT_FB_BITMASK */
	uint32_t red_mask, green_mask, blue_mask, reserved_mask; /* BITMASK */
	/* BITMASK: 16, 24 or 32 (boot_info's bits_per_pixel); 0 means 32,
	 * as the RGBX/BGRX formats always are. */
	uint32_t bits_per_pixel;
};

/* Screens this wide or wider get every font pixel drawn 2x2. */
#define FBCON_SCALE2_WIDTH 2560

struct fbcon {
	/* Fixed by fbcon_core_init. */
	uint8_t *fb;	  /* the screen: pitch pixels of bpp bytes per line */
	uint32_t *shadow; /* width * height pixels, RAM, one word each */
	uint8_t *cells;	  /* cols * rows characters (for the cursor) */
	const struct fbfont *font;
	uint32_t width, height, pitch;
	uint32_t bpp; /* bytes per screen pixel: 2, 3 or 4 */
	uint32_t scale, cw, ch; /* cell size in pixels, scale included */
	uint32_t cols, rows;
	uint32_t fg, bg; /* pixel values in the screen's format */
	/* Rows a scroll moves the text by (1 after init; the caller may set
	 * more: one screen copy then serves `jump` new lines). A scroll in
	 * the middle of a write moves at least the '\n's still to come in
	 * it (at most a screen), so a write costs few screen copies. */
	uint32_t jump;

	/* Changed by every write (caller serialises). */
	uint32_t col, row;
	int esc;	   /* 0, 1 after ESC, 2 inside ESC [ ... */
	uint32_t utf8_need; /* continuation bytes still expected */
	uint32_t utf8_cp;
	uint32_t dirty_lo, dirty_hi; /* text rows to copy; lo > hi: none */
	size_t nl_left;		     /* '\n's not yet drawn in this write */
	uint64_t scrolls;	     /* for the benchmark */
};

/*
 * Pixel value of colour (r, g, b), 8 bits each, in format `f`. Returns 0
 * and sets *out (the pixel in the low fbcon_pixel_bytes(f) bytes), or -1
 * if the format is not one the console draws: bit masks that are not
 * contiguous, overlap, leave a colour out, or do not fit f's pixel width
 * (16, 24 or 32 bits). The console then stays off, saying why.
 */
int fbcon_pixel(const struct fbcon_pixfmt *f, uint8_t r, uint8_t g, uint8_t b,
		uint32_t *out);

/* Bytes per pixel of format f (2, 3 or 4; meaningful where fbcon_pixel
 * accepts f). */
uint32_t fbcon_pixel_bytes(const struct fbcon_pixfmt *f);

/* Bytes of RAM fbcon_core_init needs for a width x height screen: the
 * shadow and the cell grid. */
size_t fbcon_core_ram(uint32_t width, uint32_t height,
		      const struct fbfont *font);

/*
 * Set up c for the screen fb (width x height, pitch pixels per line, bpp
 * bytes per pixel: 2, 3 or 4) with `ram` (fbcon_core_ram bytes, 4-byte
 * aligned) as shadow and grid; clears the screen to bg and draws the
 * cursor at the top left. The shadow keeps one 32-bit word per pixel
 * whatever bpp is; copies to the screen write the low bpp bytes of each.
 * Returns 0, or -1 if the screen is smaller than one cell, pitch < width
 * or bpp is not 2, 3 or 4.
 */
int fbcon_core_init(struct fbcon *c, void *fb, uint32_t width,
		    uint32_t height, uint32_t pitch, uint32_t bpp, void *ram,
		    const struct fbfont *font, uint32_t fg, uint32_t bg);

/* Draw `len` bytes at the cursor and copy what changed to the screen. */
void fbcon_core_write(struct fbcon *c, const char *s, size_t len);

#ifdef HOST_TEST
/* Host tests only: called inside fbcon_core_write() after the cursor is
 * clamped, to play another CPU's write changing the state right then. */
extern void (*fbcon_race_hook)(struct fbcon *c);
#endif

#endif
