/* SPDX-License-Identifier: MIT */
/*
 * PS/2 keyboard scan codes to console bytes: pure code, host unit-tested
 * (tests/unit/drivers/kbd_decode-test.c).
 *
 * Input is scan code set 1, which is what the i8042 delivers with
 * translation on whatever set the keyboard itself speaks (set 2 by
 * default): IBM PS/2 Technical Reference, "Keyboard and Auxiliary Device
 * Controller", scan code translation; the set 1 table is in Microsoft's
 * "Keyboard Scan Code Specification" (rev. 1.3a, appendix C).
 *
 * Output is what a serial terminal would send for the same key, so the
 * console cannot tell the two apart: US layout, Shift and Caps Lock
 * (letters only, as on a PC), Ctrl with a letter or [ \ ] gives the
 * control byte (Ctrl-C 0x03, Ctrl-T 0x14), Enter and keypad Enter give
 * '\r', Backspace 0x7f (Linux's console sends DEL too), Tab, Esc, Delete
 * 0x7f. Keys with no byte of their own (arrows, function keys, keypad
 * digits, whose meaning depends on Num Lock) give nothing. Typematic
 * repeats of a character key give the character again; a held Caps Lock
 * toggles once.
 *
 * What it does not do: no layouts but US, no Alt/AltGr characters, no
 * keyboard LEDs (setting them means a command to the keyboard and waiting
 * for its ACK, which the interrupt path does not do), no set 2 decoding
 * (drivers/i8042.c turns translation on and refuses to run without it).
 *
 * Not locked: one state per keyboard, owned by its interrupt handler.
 */
#ifndef COHORT_DRIVERS_KBD_DECODE_H
#define COHORT_DRIVERS_KBD_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#define KBD_NONE (-1)

struct kbd_state {
	bool lshift, rshift, lctrl, rctrl;
	bool caps_lock;	  /* the toggle */
	bool caps_down;	  /* key held: a typematic repeat must not toggle */
	bool e0;	  /* the previous byte was the 0xe0 prefix */
	uint8_t e1_skip;  /* bytes left of a Pause sequence (0xe1 ...) */
};

/* Start state: nothing held, Caps Lock off. */
void kbd_decode_reset(struct kbd_state *s);

/*
 * Feed one set-1 byte. Returns the console byte it completes (0..255), or
 * KBD_NONE for prefixes, releases, modifiers and keys without a byte.
 * Never fails: unknown or stray bytes (controller replies such as 0xfa,
 * an overrun's 0x00 or 0xff) change nothing but the prefix state.
 */
int kbd_decode_byte(struct kbd_state *s, uint8_t code);

#endif
