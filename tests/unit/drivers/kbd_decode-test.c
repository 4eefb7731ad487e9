// SPDX-License-Identifier: MIT
/*
 * drivers/kbd_decode.c: set-1 scan codes (what a translating i8042
 * delivers) to the bytes a serial terminal would send. Sequences are the
 * ones QEMU's PS/2 keyboard and real keyboards produce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/kbd_decode.h"

/* Feed bytes; collect what comes out into out (NUL-terminated). */
static void feed(struct kbd_state *s, const uint8_t *codes, size_t n,
		 char *out, size_t size)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		int c = kbd_decode_byte(s, codes[i]);
		assert_true(c == KBD_NONE || (c >= 0 && c <= 255));
		if (c != KBD_NONE) {
			assert_true(len + 1 < size);
			out[len++] = (char)c;
		}
	}
	out[len] = 0;
}

#define FEED(s, out, ...)                                                 \
	do {                                                              \
		static const uint8_t codes_[] = { __VA_ARGS__ };          \
		feed(s, codes_, sizeof(codes_), out, sizeof(out));        \
	} while (0)

static void test_letters_digits_enter(void **state)
{
	struct kbd_state s;
	char out[32];
	(void)state;
	kbd_decode_reset(&s);
	/* "help" then Enter, each key pressed and released. */
	FEED(&s, out, 0x23, 0xa3, 0x12, 0x92, 0x26, 0xa6, 0x19, 0x99, 0x1c, 0x9c);
	assert_string_equal(out, "help\r");
	FEED(&s, out, 0x02, 0x82, 0x0b, 0x8b, 0x39, 0xb9, 0x0c, 0x8c, 0x35, 0xb5);
	assert_string_equal(out, "10 -/");
}

static void test_shift_both_sides(void **state)
{
	struct kbd_state s;
	char out[32];
	(void)state;
	kbd_decode_reset(&s);
	/* LShift+a, RShift+1, release, a. */
	FEED(&s, out, 0x2a, 0x1e, 0x9e, 0xaa, 0x36, 0x02, 0x82, 0xb6, 0x1e, 0x9e);
	assert_string_equal(out, "A!a");
	/* Both shifts down, one released: still shifted. */
	FEED(&s, out, 0x2a, 0x36, 0xaa, 0x28, 0xa8, 0xb6, 0x28);
	assert_string_equal(out, "\"'");
}

static void test_caps_lock_letters_only(void **state)
{
	struct kbd_state s;
	char out[32];
	(void)state;
	kbd_decode_reset(&s);
	FEED(&s, out, 0x3a, 0xba, 0x1e, 0x02);
	assert_string_equal(out, "A1");
	/* Caps Lock + Shift: letters back to lower case, digits shifted. */
	FEED(&s, out, 0x2a, 0x1e, 0x02, 0xaa);
	assert_string_equal(out, "a!");
	/* A held Caps Lock repeats its make code: one toggle only. */
	FEED(&s, out, 0x3a, 0x3a, 0x3a, 0xba, 0x1e);
	assert_string_equal(out, "a");
	FEED(&s, out, 0x3a, 0xba, 0x3a, 0xba, 0x1e);
	assert_string_equal(out, "a");
}

static void test_ctrl(void **state)
{
	struct kbd_state s;
	char out[32];
	(void)state;
	kbd_decode_reset(&s);
	/* Ctrl-C, Ctrl-T (left), Ctrl-D (right: 0xe0 0x1d). */
	FEED(&s, out, 0x1d, 0x2e, 0xae, 0x14, 0x94, 0x9d, 0xe0, 0x1d, 0x20,
	     0xe0, 0x9d, 0x20);
	assert_int_equal(strlen(out), 4);
	assert_int_equal(out[0], 0x03);
	assert_int_equal(out[1], 0x14);
	assert_int_equal(out[2], 0x04);
	assert_int_equal(out[3], 'd');
	/* Ctrl with Shift or Caps Lock: the same control byte. */
	FEED(&s, out, 0x1d, 0x2a, 0x16, 0xaa, 0x9d);
	assert_int_equal(out[0], 0x15);
	/* Ctrl with a digit: no control byte defined, the digit. */
	FEED(&s, out, 0x1d, 0x03, 0x9d);
	assert_string_equal(out, "2");
}

static void test_backspace_tab_esc_delete(void **state)
{
	struct kbd_state s;
	char out[32];
	(void)state;
	kbd_decode_reset(&s);
	FEED(&s, out, 0x0e, 0x0f, 0x01, 0xe0, 0x53, 0xe0, 0xd3);
	assert_string_equal(out, "\x7f\t\x1b\x7f");
}

static void test_keypad_enter_and_extended_keys(void **state)
{
	struct kbd_state s;
	char out[32];
	(void)state;
	kbd_decode_reset(&s);
	/* Keypad Enter, keypad '/', arrows (nothing), right Alt (nothing). */
	FEED(&s, out, 0xe0, 0x1c, 0xe0, 0x9c, 0xe0, 0x35, 0xe0, 0xb5, 0xe0,
	     0x48, 0xe0, 0xc8, 0xe0, 0x38, 0xe0, 0xb8);
	assert_string_equal(out, "\r/");
	/* Keypad digits give nothing (Num Lock unknown); * - + are fixed. */
	FEED(&s, out, 0x47, 0x4f, 0x52, 0x37, 0x4a, 0x4e);
	assert_string_equal(out, "*-+");
}

/* Bug class: an extended key's fake Shift (0xe0 0x2a ... 0xe0 0xaa) must
 * not be taken for the real left Shift, pressed or released. */
static void test_fake_shifts_leave_shift_alone(void **state)
{
	struct kbd_state s;
	char out[32];
	(void)state;
	kbd_decode_reset(&s);
	FEED(&s, out, 0xe0, 0x2a, 0xe0, 0x53, 0xe0, 0xd3, 0xe0, 0xaa, 0x1e);
	assert_string_equal(out, "\x7f" "a");
	/* Real Shift held: the fake release around Delete keeps it down. */
	FEED(&s, out, 0x2a, 0xe0, 0xaa, 0xe0, 0x53, 0xe0, 0xd3, 0xe0, 0x2a,
	     0x1e, 0xaa, 0x1e);
	assert_string_equal(out, "\x7f" "Aa");
}

/* Pause sends 0xe1 0x1d 0x45 0xe1 0x9d 0xc5: its 0x1d must not press Ctrl. */
static void test_pause_is_swallowed(void **state)
{
	struct kbd_state s;
	char out[32];
	(void)state;
	kbd_decode_reset(&s);
	FEED(&s, out, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5, 0x1e);
	assert_string_equal(out, "a");
	assert_false(s.lctrl);
}

static void test_stray_bytes_and_releases(void **state)
{
	struct kbd_state s;
	char out[32];
	(void)state;
	kbd_decode_reset(&s);
	/* ACK, self-test passed, resend, overrun (both sets' codes). */
	FEED(&s, out, 0xfa, 0xaa, 0xfe, 0x00, 0xff);
	assert_string_equal(out, "");
	/* No release of any key types anything. */
	for (int code = 0x80; code <= 0xff; code++) {
		if (code == 0xe0 || code == 0xe1)
			continue;
		kbd_decode_reset(&s);
		assert_int_equal(kbd_decode_byte(&s, (uint8_t)code), KBD_NONE);
	}
}

/* Every byte sequence of length 2 from any modifier state: the result is
 * a byte or KBD_NONE, and nothing reads outside the tables (ASan). */
static void test_all_pairs(void **state)
{
	(void)state;
	for (int a = 0; a < 256; a++)
		for (int b = 0; b < 256; b++) {
			struct kbd_state s;
			kbd_decode_reset(&s);
			s.lshift = a & 1;
			s.caps_lock = a & 2;
			s.rctrl = a & 4;
			int c1 = kbd_decode_byte(&s, (uint8_t)a);
			int c2 = kbd_decode_byte(&s, (uint8_t)b);
			assert_true(c1 >= KBD_NONE && c1 <= 255);
			assert_true(c2 >= KBD_NONE && c2 <= 255);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_letters_digits_enter),
		cmocka_unit_test(test_shift_both_sides),
		cmocka_unit_test(test_caps_lock_letters_only),
		cmocka_unit_test(test_ctrl),
		cmocka_unit_test(test_backspace_tab_esc_delete),
		cmocka_unit_test(test_keypad_enter_and_extended_keys),
		cmocka_unit_test(test_fake_shifts_leave_shift_alone),
		cmocka_unit_test(test_pause_is_swallowed),
		cmocka_unit_test(test_stray_bytes_and_releases),
		cmocka_unit_test(test_all_pairs),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
