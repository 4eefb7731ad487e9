/* SPDX-License-Identifier: MIT */
/*
 * The console font, generated at build time by tools/psf2c from a PSF2
 * font of a Debian package (which one, and its licence: docs/console.md).
 * 256 glyphs indexed by code point U+0000..U+00FF; each is `height` rows
 * of `stride` bytes, the most significant bit the leftmost pixel.
 */
#ifndef COHORT_DRIVERS_FBFONT_H
#define COHORT_DRIVERS_FBFONT_H

#include <stdint.h>

#define FBFONT_GLYPH_MAX 256 /* bytes: 32 x 64 pixels at most */

struct fbfont {
	uint8_t width, height, stride;
	uint8_t glyph[256][FBFONT_GLYPH_MAX];
};

extern const struct fbfont fbfont;

#endif
