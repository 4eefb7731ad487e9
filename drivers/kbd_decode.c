// SPDX-License-Identifier: MIT
/*
 * Scan code set 1 -> console bytes (kbd_decode.h has the contract).
 *
 * A set-1 byte is a key number in bits 0..6 and "released" in bit 7.
 * 0xe0 marks the next byte as one of the keys added with the 101-key
 * keyboard (right Ctrl, keypad Enter, Delete, arrows); 0xe1 starts Pause,
 * which sends six bytes and no release. The keyboard also wraps some
 * extended keys in fake Shift presses (0xe0 0x2a, 0xe0 0xaa, ...) to keep
 * old software happy; those must not move our Shift state.
 */
#include "kbd_decode.h"

#define SC_RELEASE 0x80
#define SC_PREFIX_E0 0xe0
#define SC_PREFIX_E1 0xe1
#define SC_PAUSE_REST 5 /* 0xe1 0x1d 0x45 0xe1 0x9d 0xc5 */

/* Key numbers (set 1 make codes) that are not characters. */
#define SC_LCTRL 0x1d
#define SC_LSHIFT 0x2a
#define SC_RSHIFT 0x36
#define SC_CAPS 0x3a
/* After 0xe0. */
#define SC_E0_KP_ENTER 0x1c
#define SC_E0_RCTRL 0x1d
#define SC_E0_KP_SLASH 0x35
#define SC_E0_DELETE 0x53

#define CH_ENTER '\r'
#define CH_BACKSPACE 0x7f
#define CH_DELETE 0x7f
#define CH_ESC 0x1b
#define CTRL_MASK 0x1f

/* US layout, unshifted and shifted; 0 = no byte. Keypad digits are left
 * out on purpose: without Num Lock state they may be arrows. */
static const char plain[0x60] = {
	[0x01] = CH_ESC,
	[0x02] = '1', [0x03] = '2', [0x04] = '3', [0x05] = '4', [0x06] = '5',
	[0x07] = '6', [0x08] = '7', [0x09] = '8', [0x0a] = '9', [0x0b] = '0',
	[0x0c] = '-', [0x0d] = '=', [0x0e] = CH_BACKSPACE, [0x0f] = '\t',
	[0x10] = 'q', [0x11] = 'w', [0x12] = 'e', [0x13] = 'r', [0x14] = 't',
	[0x15] = 'y', [0x16] = 'u', [0x17] = 'i', [0x18] = 'o', [0x19] = 'p',
	[0x1a] = '[', [0x1b] = ']', [0x1c] = CH_ENTER,
	[0x1e] = 'a', [0x1f] = 's', [0x20] = 'd', [0x21] = 'f', [0x22] = 'g',
	[0x23] = 'h', [0x24] = 'j', [0x25] = 'k', [0x26] = 'l', [0x27] = ';',
	[0x28] = '\'', [0x29] = '`', [0x2b] = '\\',
	[0x2c] = 'z', [0x2d] = 'x', [0x2e] = 'c', [0x2f] = 'v', [0x30] = 'b',
	[0x31] = 'n', [0x32] = 'm', [0x33] = ',', [0x34] = '.', [0x35] = '/',
	[0x37] = '*', [0x39] = ' ', [0x4a] = '-', [0x4e] = '+',
};

static const char shifted[0x60] = {
	[0x01] = CH_ESC,
	[0x02] = '!', [0x03] = '@', [0x04] = '#', [0x05] = '$', [0x06] = '%',
	[0x07] = '^', [0x08] = '&', [0x09] = '*', [0x0a] = '(', [0x0b] = ')',
	[0x0c] = '_', [0x0d] = '+', [0x0e] = CH_BACKSPACE, [0x0f] = '\t',
	[0x10] = 'Q', [0x11] = 'W', [0x12] = 'E', [0x13] = 'R', [0x14] = 'T',
	[0x15] = 'Y', [0x16] = 'U', [0x17] = 'I', [0x18] = 'O', [0x19] = 'P',
	[0x1a] = '{', [0x1b] = '}', [0x1c] = CH_ENTER,
	[0x1e] = 'A', [0x1f] = 'S', [0x20] = 'D', [0x21] = 'F', [0x22] = 'G',
	[0x23] = 'H', [0x24] = 'J', [0x25] = 'K', [0x26] = 'L', [0x27] = ':',
	[0x28] = '"', [0x29] = '~', [0x2b] = '|',
	[0x2c] = 'Z', [0x2d] = 'X', [0x2e] = 'C', [0x2f] = 'V', [0x30] = 'B',
	[0x31] = 'N', [0x32] = 'M', [0x33] = '<', [0x34] = '>', [0x35] = '?',
	[0x37] = '*', [0x39] = ' ', [0x4a] = '-', [0x4e] = '+',
};

void kbd_decode_reset(struct kbd_state *s)
{
	*s = (struct kbd_state){ 0 };
}

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int extended(struct kbd_state *s, uint8_t key, bool released)
{
	switch (key) {
	case SC_E0_RCTRL:
		s->rctrl = !released;
		return KBD_NONE;
	case SC_E0_KP_ENTER:
		return released ? KBD_NONE : CH_ENTER;
	case SC_E0_KP_SLASH:
		return released ? KBD_NONE : '/';
	case SC_E0_DELETE:
		return released ? KBD_NONE : CH_DELETE;
	default:
		/* Arrows, Home/End, right Alt, the fake Shifts around
		 * extended keys: nothing to type, no state to move. */
		return KBD_NONE;
	}
}

int kbd_decode_byte(struct kbd_state *s, uint8_t code)
{
	if (s->e1_skip) {
		s->e1_skip--;
		return KBD_NONE;
	}
	if (code == SC_PREFIX_E1) {
		s->e1_skip = SC_PAUSE_REST;
		s->e0 = false;
		return KBD_NONE;
	}
	if (code == SC_PREFIX_E0) {
		s->e0 = true;
		return KBD_NONE;
	}
	bool released = code & SC_RELEASE;
	uint8_t key = code & (uint8_t)~SC_RELEASE;
	if (s->e0) {
		s->e0 = false;
		return extended(s, key, released);
	}

	switch (key) {
	case SC_LSHIFT:
		s->lshift = !released;
		return KBD_NONE;
	case SC_RSHIFT:
		s->rshift = !released;
		return KBD_NONE;
	case SC_LCTRL:
		s->lctrl = !released;
		return KBD_NONE;
	case SC_CAPS:
		if (!released && !s->caps_down)
			s->caps_lock = !s->caps_lock;
		s->caps_down = !released;
		return KBD_NONE;
	}
	if (released || key >= sizeof(plain) || !plain[key])
		return KBD_NONE;

	bool shift = s->lshift || s->rshift;
	char c = plain[key];
	/* Caps Lock inverts Shift for letters only, as PC keyboards do:
	 * Caps Lock + Shift + a is 'a', Caps Lock + 1 is still '1'. */
	if (is_letter(c) ? shift != s->caps_lock : shift)
		c = shifted[key];
	if (s->lctrl || s->rctrl) {
		if (is_letter(c) || c == '[' || c == '\\' || c == ']')
			return c & CTRL_MASK;
	}
	return (uint8_t)c;
}
