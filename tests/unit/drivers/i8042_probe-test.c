// SPDX-License-Identifier: MIT
/*
 * drivers/i8042_probe.c against fake controllers: one that works (as
 * QEMU's does), none at all (the bus floats to 0xff), one whose input
 * buffer never empties, one that takes commands but never answers, one
 * failing its self-test, one that will not translate, a keyboard that
 * does not ACK, and bytes left in the buffer by the firmware. Every case
 * must end with the right answer within a bounded amount of the fake
 * clock; the clock fails the test (instead of hanging it) if a wait never
 * gives up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/i8042_probe.h"

/* The fake clock moves 1 ms per reading; past this the probe is hung. */
#define TICK_NS 1000000ULL
#define HUNG_NS (100 * I8042_WAIT_NS)

struct fake {
	/* behaviour */
	bool floating, ibf_stuck, silent, no_translate, no_ack;
	uint8_t self_test_reply;
	/* A key pressed while port 1's clock was held: a PS/2 keyboard
	 * buffers it and sends it the moment the port is on again. */
	uint8_t held_key;
	bool port1_off;
	/* state */
	uint8_t cfg;
	uint8_t q[16];
	int qlen;
	bool next_is_config;
	int commands;
	uint64_t t;
};

static void push(struct fake *f, uint8_t v)
{
	if (!f->silent && f->qlen < (int)sizeof(f->q))
		f->q[f->qlen++] = v;
}

static void port1_clock(struct fake *f, bool off)
{
	if (f->port1_off && !off && f->held_key) {
		push(f, f->held_key);
		f->held_key = 0;
	}
	f->port1_off = off;
}

static uint8_t fake_in(void *ctx, uint16_t port)
{
	struct fake *f = ctx;
	if (f->floating)
		return 0xff;
	if (port == I8042_STATUS)
		return (f->qlen ? I8042_STATUS_OUT_FULL : 0) |
		       (f->ibf_stuck ? I8042_STATUS_IN_FULL : 0);
	assert_int_equal(port, I8042_DATA);
	if (!f->qlen)
		return 0;
	uint8_t v = f->q[0];
	memmove(f->q, f->q + 1, (size_t)--f->qlen);
	return v;
}

static void fake_out(void *ctx, uint16_t port, uint8_t v)
{
	struct fake *f = ctx;
	assert_false(f->ibf_stuck); /* nothing may be written then */
	if (port == I8042_COMMAND) {
		f->commands++;
		switch (v) {
		case 0x20:
			push(f, f->cfg);
			break;
		case 0x60:
			f->next_is_config = true;
			break;
		case 0xaa:
			push(f, f->self_test_reply);
			break;
		case 0xab:
			push(f, 0x00);
			break;
		case 0xad: /* sets the configuration's clock-off bit */
			f->cfg |= I8042_CONFIG_PORT1_CLOCK_OFF;
			port1_clock(f, true);
			break;
		case 0xae:
			f->cfg &= ~I8042_CONFIG_PORT1_CLOCK_OFF;
			port1_clock(f, false);
			break;
		}
		return;
	}
	assert_int_equal(port, I8042_DATA);
	if (f->next_is_config) {
		f->next_is_config = false;
		f->cfg = f->no_translate ? v & ~I8042_CONFIG_TRANSLATE : v;
		port1_clock(f, v & I8042_CONFIG_PORT1_CLOCK_OFF);
	} else if (v == 0xf4 && !f->no_ack) {
		push(f, 0xfa);
	}
}

static uint64_t fake_now(void *ctx)
{
	struct fake *f = ctx;
	f->t += TICK_NS;
	if (f->t > HUNG_NS)
		fail_msg("the probe has waited %llu ms: it does not give up",
			 (unsigned long long)(f->t / TICK_NS));
	return f->t;
}

static struct fake working(void)
{
	/* What firmware leaves: IRQs on, translation on, port 2 clock on. */
	return (struct fake){ .self_test_reply = 0x55, .cfg = 0x47 };
}

static const char *probe(struct fake *f, uint8_t *cfg, char *why, size_t n)
{
	struct i8042_io io = { fake_in, fake_out, fake_now, f };
	return i8042_probe(&io, cfg, why, n);
}

static void test_working_controller(void **state)
{
	(void)state;
	struct fake f = working();
	char why[80];
	uint8_t cfg = 0;
	assert_null(probe(&f, &cfg, why, sizeof(why)));
	assert_true(cfg & I8042_CONFIG_TRANSLATE);
	assert_true(cfg & I8042_CONFIG_PORT2_CLOCK_OFF);
	assert_false(cfg & (I8042_CONFIG_PORT1_IRQ | I8042_CONFIG_PORT2_IRQ |
			    I8042_CONFIG_PORT1_CLOCK_OFF));
	assert_int_equal(f.cfg, cfg);
	struct i8042_io io = { fake_in, fake_out, fake_now, &f };
	assert_true(i8042_enable_scanning(&io));
	assert_int_equal(f.qlen, 0);
	assert_true(f.t < I8042_WAIT_NS);
}

static void test_stale_bytes_are_flushed(void **state)
{
	(void)state;
	struct fake f = working();
	char why[80];
	uint8_t cfg = 0;
	push(&f, 0x1e);
	push(&f, 0x9e);
	push(&f, 0xaa);
	assert_null(probe(&f, &cfg, why, sizeof(why)));
	assert_true(cfg & I8042_CONFIG_TRANSLATE);
}

static void test_no_controller_floating_bus(void **state)
{
	(void)state;
	struct fake f = working();
	char why[80];
	uint8_t cfg = 0;
	f.floating = true;
	assert_string_equal(probe(&f, &cfg, why, sizeof(why)),
			    "no i8042 controller: port 0x64 reads 0xff");
	assert_int_equal(f.commands, 0);
}

static void test_input_buffer_never_empties(void **state)
{
	(void)state;
	struct fake f = working();
	char why[80];
	uint8_t cfg = 0;
	f.ibf_stuck = true;
	assert_string_equal(probe(&f, &cfg, why, sizeof(why)),
			    "no i8042 controller: it never takes a command");
	assert_true(f.t <= I8042_WAIT_NS + 2 * TICK_NS);
}

static void test_controller_never_answers(void **state)
{
	(void)state;
	struct fake f = working();
	char why[80];
	uint8_t cfg = 0;
	f.silent = true;
	assert_string_equal(probe(&f, &cfg, why, sizeof(why)),
			    "no i8042 controller: no configuration byte");
	assert_true(f.t <= I8042_WAIT_NS + 8 * TICK_NS);
}

static void test_self_test_fails(void **state)
{
	(void)state;
	struct fake f = working();
	char why[80];
	uint8_t cfg = 0;
	f.self_test_reply = 0xfc;
	const char *r = probe(&f, &cfg, why, sizeof(why));
	assert_string_equal(r, "i8042 self-test failed: reply 0xfc, expected 0x55");
	assert_ptr_equal(r, why);
}

static void test_translation_refused(void **state)
{
	(void)state;
	struct fake f = working();
	char why[80];
	uint8_t cfg = 0;
	f.no_translate = true;
	assert_string_equal(probe(&f, &cfg, why, sizeof(why)),
			    "i8042: scan code translation could not be turned on");
}

static void test_keyboard_does_not_ack(void **state)
{
	(void)state;
	struct fake f = working();
	char why[80];
	uint8_t cfg = 0;
	f.no_ack = true;
	assert_null(probe(&f, &cfg, why, sizeof(why)));
	uint64_t before = f.t;
	struct i8042_io io = { fake_in, fake_out, fake_now, &f };
	assert_false(i8042_enable_scanning(&io));
	assert_true(f.t - before <= I8042_WAIT_NS + 4 * TICK_NS);
}

static void test_keyboard_acks_after_a_stray_key(void **state)
{
	(void)state;
	struct fake f = working();
	char why[80];
	uint8_t cfg = 0;
	f.no_ack = true;
	assert_null(probe(&f, &cfg, why, sizeof(why)));
	push(&f, 0x1e);
	push(&f, 0xfa);
	struct i8042_io io = { fake_in, fake_out, fake_now, &f };
	assert_true(i8042_enable_scanning(&io));
}

/*
 * Regression (was a bug): a key pressed during the probe (or held since
 * the firmware) reached the buffer the moment port 1 came back on, ahead
 * of the configuration byte read to check translation: the probe took
 * the scan code for the byte and reported no keyboard.
 */
static void test_key_pressed_during_the_probe(void **state)
{
	(void)state;
	struct fake f = working();
	char why[80];
	uint8_t cfg = 0;
	f.held_key = 0x1e; /* 'a' pressed */
	assert_null(probe(&f, &cfg, why, sizeof(why)));
	assert_true(cfg & I8042_CONFIG_TRANSLATE);
	assert_false(cfg & I8042_CONFIG_PORT1_CLOCK_OFF);
	struct i8042_io io = { fake_in, fake_out, fake_now, &f };
	assert_true(i8042_enable_scanning(&io));
	assert_int_equal(f.qlen, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_working_controller),
		cmocka_unit_test(test_stale_bytes_are_flushed),
		cmocka_unit_test(test_no_controller_floating_bus),
		cmocka_unit_test(test_input_buffer_never_empties),
		cmocka_unit_test(test_controller_never_answers),
		cmocka_unit_test(test_self_test_fails),
		cmocka_unit_test(test_translation_refused),
		cmocka_unit_test(test_keyboard_does_not_ack),
		cmocka_unit_test(test_keyboard_acks_after_a_stray_key),
		cmocka_unit_test(test_key_pressed_during_the_probe),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
