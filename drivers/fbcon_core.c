// SPDX-License-Identifier: MIT
/*
 * Framebuffer console drawing (see fbcon_core.h): a shadow buffer in RAM,
 * whole-line copies to the screen. Pixel formats: UEFI 2.10 section 12.9,
 * EFI_GRAPHICS_PIXEL_FORMAT and EFI_PIXEL_BITMASK.
 */
#include "fbcon_core.h"

#include "../kernel/boot_info.h"
#include "../kernel/lib/string.h"

#ifdef HOST_TEST
void (*fbcon_race_hook)(struct fbcon *c);
#define RACE_POINT(c)                          \
	do {                                   \
		if (fbcon_race_hook)           \
			fbcon_race_hook(c);    \
	} while (0)
#else
#define RACE_POINT(c) do { } while (0)
#endif

#define CURSOR_ROWS 2 /* font pixel rows of the underline cursor */
#define TAB_WIDTH 8
#define ESC 0x1b

/* Position and width of the lowest run of set bits in mask. */
static int mask_shape(uint32_t mask, uint32_t *shift, uint32_t *bits)
{
	if (mask == 0)
		return -1;
	*shift = (uint32_t)__builtin_ctz(mask);
	uint32_t m = mask >> *shift;
	if (m & (m + 1)) /* not one contiguous run */
		return -1;
	/* Counted by hand: __builtin_popcount may call libgcc, which the
	 * kernel does not link. */
	for (*bits = 0; m; m >>= 1)
		(*bits)++;
	return 0;
}

/* 8-bit value v scaled to `bits` bits at `shift`. */
static uint32_t place(uint8_t v, uint32_t shift, uint32_t bits)
{
	uint32_t x = bits >= 8 ? (uint32_t)v << (bits - 8) : (uint32_t)v >> (8 - bits);
	return x << shift;
}

int fbcon_pixel(const struct fbcon_pixfmt *f, uint8_t r, uint8_t g, uint8_t b,
		uint32_t *out)
{
	switch (f->format) {
	case BOOT_FB_RGBX: /* bytes R, G, B, X in memory: little-endian */
		*out = r | (uint32_t)g << 8 | (uint32_t)b << 16;
		return 0;
	case BOOT_FB_BGRX:
		*out = b | (uint32_t)g << 8 | (uint32_t)r << 16;
		return 0;
	case BOOT_FB_BITMASK: {
		uint32_t rs, rb, gs, gb, bs, bb;
		uint32_t all = f->red_mask | f->green_mask | f->blue_mask |
			       f->reserved_mask;
		if (mask_shape(f->red_mask, &rs, &rb) ||
		    mask_shape(f->green_mask, &gs, &gb) ||
		    mask_shape(f->blue_mask, &bs, &bb))
			return -1;
		if ((f->red_mask & f->green_mask) || (f->red_mask & f->blue_mask) ||
		    (f->green_mask & f->blue_mask))
			return -1;
		/* The masks must fit the pixel; a 32-bit pixel whose masks
		 * stay below bit 24 is a 16/24-bit layout reported without
		 * its width, and would be drawn into the wrong bytes. */
		uint32_t bits = f->bits_per_pixel ? f->bits_per_pixel : 32;
		if (bits != 16 && bits != 24 && bits != 32)
			return -1;
		if (bits < 32 ? (all >> bits) != 0 : !(all >> 24))
			return -1;
		*out = place(r, rs, rb) | place(g, gs, gb) | place(b, bs, bb);
		return 0;
	}
	default:
		return -1;
	}
}

uint32_t fbcon_pixel_bytes(const struct fbcon_pixfmt *f)
{
	if (f->format == BOOT_FB_BITMASK && f->bits_per_pixel)
		return f->bits_per_pixel / 8;
	return 4;
}

static uint32_t scale_for(uint32_t width)
{
	return width >= FBCON_SCALE2_WIDTH ? 2 : 1;
}

size_t fbcon_core_ram(uint32_t width, uint32_t height,
		      const struct fbfont *font)
{
	uint32_t s = scale_for(width);
	size_t cols = width / (font->width * s), rows = height / (font->height * s);
	return (size_t)width * height * 4 + cols * rows;
}

/* 32-bit fill; the kernel's memset works on bytes. One string
 * instruction: a whole screen is millions of stores. */
static void fill32(uint32_t *p, uint32_t v, size_t n)
{
	__asm__ volatile("rep stosl" : "+D"(p), "+c"(n) : "a"(v) : "memory");
}

static void mark_dirty(struct fbcon *c, uint32_t lo, uint32_t hi)
{
	if (c->dirty_lo > c->dirty_hi) {
		c->dirty_lo = lo;
		c->dirty_hi = hi;
		return;
	}
	if (lo < c->dirty_lo)
		c->dirty_lo = lo;
	if (hi > c->dirty_hi)
		c->dirty_hi = hi;
}

/* Draw character ch into the shadow at cell (col, row); underline it too
 * when `cursor`. */
static void draw_cell(struct fbcon *c, uint32_t col, uint32_t row, uint8_t ch,
		      int cursor)
{
	/* Out of range only while another CPU writes too (a panic report
	 * drawn without the log lock while the holder still draws): skip the
	 * cell rather than write past the shadow and the grid. */
	if (row >= c->rows || col >= c->cols)
		return;
	const struct fbfont *f = c->font;
	const uint8_t *g = f->glyph[ch];
	uint32_t *base = c->shadow + (size_t)row * c->ch * c->width + col * c->cw;

	for (uint32_t y = 0; y < f->height; y++) {
		const uint8_t *bits = g + y * f->stride;
		int under = cursor && y >= (uint32_t)f->height - CURSOR_ROWS;
		for (uint32_t sy = 0; sy < c->scale; sy++) {
			uint32_t *p = base + (size_t)(y * c->scale + sy) * c->width;
			for (uint32_t x = 0; x < f->width; x++) {
				int on = under ||
					 (bits[x >> 3] & (0x80 >> (x & 7)));
				uint32_t v = on ? c->fg : c->bg;
				for (uint32_t sx = 0; sx < c->scale; sx++)
					*p++ = v;
			}
		}
	}
	c->cells[(size_t)row * c->cols + col] = ch;
	mark_dirty(c, row, row);
}

/* Move the text up n rows (1 <= n <= rows); blank rows come in below. */
static void scroll(struct fbcon *c, uint32_t n)
{
	size_t row_px = (size_t)c->ch * c->width;
	uint32_t keep = c->rows - n;
	memmove(c->shadow, c->shadow + n * row_px, keep * row_px * 4);
	fill32(c->shadow + keep * row_px, c->bg, n * row_px);
	memmove(c->cells, c->cells + (size_t)n * c->cols, (size_t)keep * c->cols);
	memset(c->cells + (size_t)keep * c->cols, ' ', (size_t)n * c->cols);
	mark_dirty(c, 0, c->rows - 1);
	c->scrolls++;
}

static void newline(struct fbcon *c)
{
	c->col = 0;
	if (++c->row >= c->rows) {
		/* Scroll by the '\n's still to come in this write too: the
		 * text they start would push these rows off anyway, and one
		 * write is drawn with interrupts off (the log lock), so a
		 * write of 256 newlines (/dev/console) must not cost 256
		 * whole-screen copies. The screen ends the same as scrolling
		 * a row at a time: the cursor on the last row. */
		size_t want = c->jump > c->nl_left ? c->jump : c->nl_left;
		uint32_t n = want < 1 ? 1 : want > c->rows ? c->rows : (uint32_t)want;
		scroll(c, n);
		c->row = c->rows - n;
	}
}

static void put(struct fbcon *c, uint8_t ch)
{
	if (c->col >= c->cols)
		newline(c);
	draw_cell(c, c->col, c->row, ch, 0);
	c->col++;
}

/* Pixel lines [y0, y1) from the shadow to the screen. 32-bit pixels are
 * copied as they are (one copy when the lines are contiguous); narrower
 * ones are packed to their low bpp bytes on the way. */
static void copy_lines(struct fbcon *c, uint32_t y0, uint32_t y1)
{
	size_t line = (size_t)c->pitch * c->bpp;
	if (c->bpp == 4 && c->pitch == c->width) {
		memcpy(c->fb + (size_t)y0 * line, c->shadow + (size_t)y0 * c->width,
		       (size_t)(y1 - y0) * line);
		return;
	}
	for (uint32_t y = y0; y < y1; y++) {
		uint8_t *d = c->fb + (size_t)y * line;
		const uint32_t *s = c->shadow + (size_t)y * c->width;
		if (c->bpp == 4) {
			memcpy(d, s, (size_t)c->width * 4);
			continue;
		}
		for (uint32_t x = 0; x < c->width; x++, d += c->bpp) {
			uint32_t v = s[x];
			d[0] = (uint8_t)v;
			d[1] = (uint8_t)(v >> 8);
			if (c->bpp == 3)
				d[2] = (uint8_t)(v >> 16);
		}
	}
}

/* Copy the dirty text rows from the shadow to the screen, whole pixel
 * lines, top to bottom. */
static void flush(struct fbcon *c)
{
	/* Read once: another CPU may be changing them (draw_cell). */
	uint32_t lo = __atomic_load_n(&c->dirty_lo, __ATOMIC_RELAXED);
	uint32_t hi = __atomic_load_n(&c->dirty_hi, __ATOMIC_RELAXED);
	if (lo > hi || hi >= c->rows)
		return;
	uint32_t y0 = lo * c->ch, y1 = (hi + 1) * c->ch;
	copy_lines(c, y0, y1);
	c->dirty_lo = 1;
	c->dirty_hi = 0;
}

int fbcon_core_init(struct fbcon *c, void *fb, uint32_t width,
		    uint32_t height, uint32_t pitch, uint32_t bpp, void *ram,
		    const struct fbfont *font, uint32_t fg, uint32_t bg)
{
	uint32_t s = scale_for(width);
	if (bpp < 2 || bpp > 4 || pitch < width || font->width == 0 ||
	    font->height == 0 ||
	    width < font->width * s || height < font->height * s)
		return -1;
	memset(c, 0, sizeof(*c));
	c->fb = fb;
	c->shadow = ram;
	c->font = font;
	c->width = width;
	c->height = height;
	c->pitch = pitch;
	c->bpp = bpp;
	c->scale = s;
	c->cw = font->width * s;
	c->ch = font->height * s;
	c->cols = width / c->cw;
	c->rows = height / c->ch;
	c->cells = (uint8_t *)(c->shadow + (size_t)width * height);
	c->fg = fg;
	c->bg = bg;
	c->jump = 1;
	fill32(c->shadow, bg, (size_t)width * height);
	memset(c->cells, ' ', (size_t)c->cols * c->rows);
	/* The whole screen once, margins below the last row included. */
	copy_lines(c, 0, height);
	c->dirty_lo = 1;
	c->dirty_hi = 0;
	draw_cell(c, 0, 0, ' ', 1);
	flush(c);
	return 0;
}

/* One byte of text: control characters, escape sequences, UTF-8. */
static void feed(struct fbcon *c, uint8_t b)
{
	if (c->esc == 1) {
		c->esc = b == '[' ? 2 : 0;
		return;
	}
	if (c->esc == 2) {
		if (b >= 0x40 && b <= 0x7e)
			c->esc = 0; /* final byte of a CSI sequence */
		return;
	}
	if (c->utf8_need) {
		if ((b & 0xc0) == 0x80) {
			c->utf8_cp = c->utf8_cp << 6 | (b & 0x3f);
			if (--c->utf8_need == 0)
				put(c, c->utf8_cp < 0x100 ? (uint8_t)c->utf8_cp : '?');
			return;
		}
		c->utf8_need = 0; /* broken sequence: show it, go on */
		put(c, '?');
	}
	if (b >= 0x80) {
		if ((b & 0xe0) == 0xc0) {
			c->utf8_need = 1;
			c->utf8_cp = b & 0x1f;
		} else if ((b & 0xf0) == 0xe0) {
			c->utf8_need = 2;
			c->utf8_cp = b & 0x0f;
		} else if ((b & 0xf8) == 0xf0) {
			c->utf8_need = 3;
			c->utf8_cp = b & 0x07;
		} else {
			put(c, '?');
		}
		return;
	}
	switch (b) {
	case '\n':
		newline(c);
		if (c->nl_left)
			c->nl_left--;
		return;
	case '\r':
		c->col = 0;
		return;
	case '\b':
		if (c->col > 0)
			c->col--;
		return;
	case '\t':
		do
			put(c, ' ');
		while (c->col % TAB_WIDTH && c->col < c->cols);
		return;
	case ESC:
		c->esc = 1;
		return;
	default:
		if (b >= 0x20 && b < 0x7f)
			put(c, b);
		/* other control characters: nothing to draw */
	}
}

void fbcon_core_write(struct fbcon *c, const char *s, size_t len)
{
	/* A CPU stopped in the middle of a write (panic) may have left
	 * these anywhere; bring them back on the screen. */
	if (c->row >= c->rows)
		c->row = c->rows - 1;
	if (c->col > c->cols)
		c->col = c->cols;
	if (c->dirty_lo <= c->dirty_hi && c->dirty_hi >= c->rows) {
		c->dirty_lo = 0;
		c->dirty_hi = c->rows - 1;
	}
	RACE_POINT(c);
	/* Take the cursor off its cell (the character there comes back).
	 * The cursor is read once and checked again: another CPU still
	 * drawing during a panic may have moved it past the clamps. */
	uint32_t col = __atomic_load_n(&c->col, __ATOMIC_RELAXED);
	uint32_t row = __atomic_load_n(&c->row, __ATOMIC_RELAXED);
	if (col < c->cols && row < c->rows)
		draw_cell(c, col, row, c->cells[(size_t)row * c->cols + col], 0);
	c->nl_left = 0;
	for (size_t i = 0; i < len; i++)
		c->nl_left += s[i] == '\n';
	for (size_t i = 0; i < len; i++)
		feed(c, (uint8_t)s[i]);
	col = __atomic_load_n(&c->col, __ATOMIC_RELAXED);
	row = __atomic_load_n(&c->row, __ATOMIC_RELAXED);
	if (col < c->cols && row < c->rows)
		draw_cell(c, col, row, c->cells[(size_t)row * c->cols + col], 1);
	flush(c);
}
