// SPDX-License-Identifier: MIT
/*
 * i8042 probe and set-up over caller-supplied ports (i8042_probe.h has
 * the contract). Command set: IBM PS/2 Technical Reference, keyboard
 * controller commands, as OSDev's "8042 PS/2 Controller" summarises them.
 * Pure: no kernel headers, host unit-tested.
 */
#include "i8042_probe.h"

#include "../kernel/lib/printf.h"

#define STATUS_FLOATING 0xff /* nothing decodes port 0x64 */

#define CMD_READ_CONFIG 0x20
#define CMD_WRITE_CONFIG 0x60
#define CMD_DISABLE_PORT2 0xa7
#define CMD_SELF_TEST 0xaa
#define CMD_TEST_PORT1 0xab
#define CMD_DISABLE_PORT1 0xad
#define CMD_ENABLE_PORT1 0xae

#define SELF_TEST_PASSED 0x55
#define PORT_TEST_PASSED 0x00

#define KBD_ENABLE_SCANNING 0xf4
#define KBD_ACK 0xfa
/* Bytes that may precede the ACK (a key pressed during the probe). */
#define ACK_SKIP_MAX 4
/* Bytes read per flush: the controller buffers one, so more than this
 * means a stuck status bit, not pending input. */
#define FLUSH_MAX 16

static bool wait_status(const struct i8042_io *io, uint8_t mask, bool set)
{
	uint64_t end = io->now_ns(io->ctx) + I8042_WAIT_NS;
	do {
		if (((io->in(io->ctx, I8042_STATUS) & mask) != 0) == set)
			return true;
	} while (io->now_ns(io->ctx) < end);
	return false;
}

static bool send_command(const struct i8042_io *io, uint8_t cmd)
{
	if (!wait_status(io, I8042_STATUS_IN_FULL, false))
		return false;
	io->out(io->ctx, I8042_COMMAND, cmd);
	return true;
}

static bool send_data(const struct i8042_io *io, uint8_t v)
{
	if (!wait_status(io, I8042_STATUS_IN_FULL, false))
		return false;
	io->out(io->ctx, I8042_DATA, v);
	return true;
}

/* The next byte from the controller, or -1 after I8042_WAIT_NS. */
static int read_data(const struct i8042_io *io)
{
	if (!wait_status(io, I8042_STATUS_OUT_FULL, true))
		return -1;
	return io->in(io->ctx, I8042_DATA);
}

static void flush(const struct i8042_io *io)
{
	for (int i = 0; i < FLUSH_MAX &&
			(io->in(io->ctx, I8042_STATUS) & I8042_STATUS_OUT_FULL);
	     i++)
		(void)io->in(io->ctx, I8042_DATA);
}

static int command_reply(const struct i8042_io *io, uint8_t cmd)
{
	return send_command(io, cmd) ? read_data(io) : -1;
}

bool i8042_write_config(const struct i8042_io *io, uint8_t cfg)
{
	return send_command(io, CMD_WRITE_CONFIG) && send_data(io, cfg);
}

const char *i8042_probe(const struct i8042_io *io, uint8_t *cfg_out, char *why,
			size_t why_size)
{
	if (io->in(io->ctx, I8042_STATUS) == STATUS_FLOATING)
		return "no i8042 controller: port 0x64 reads 0xff";
	if (!send_command(io, CMD_DISABLE_PORT1) ||
	    !send_command(io, CMD_DISABLE_PORT2))
		return "no i8042 controller: it never takes a command";
	flush(io);
	int cfg = command_reply(io, CMD_READ_CONFIG);
	if (cfg < 0)
		return "no i8042 controller: no configuration byte";
	/* No interrupts while we poll the replies below. */
	cfg &= ~(I8042_CONFIG_PORT1_IRQ | I8042_CONFIG_PORT2_IRQ);
	if (!i8042_write_config(io, (uint8_t)cfg))
		return "i8042: configuration write timed out";

	int r = command_reply(io, CMD_SELF_TEST);
	if (r < 0)
		return "i8042 self-test timed out";
	if (r != SELF_TEST_PASSED) {
		k_snprintf(why, why_size, "i8042 self-test failed: reply 0x%02x, "
			   "expected 0x55", r);
		return why;
	}
	/* The self-test may reset the controller: set the byte again. */
	if (!i8042_write_config(io, (uint8_t)cfg))
		return "i8042: configuration write timed out";
	r = command_reply(io, CMD_TEST_PORT1);
	if (r < 0)
		return "i8042 first-port test timed out";
	if (r != PORT_TEST_PASSED) {
		k_snprintf(why, why_size, "i8042 first-port test failed: code "
			   "0x%02x (1-4: clock or data line stuck)", r);
		return why;
	}

	cfg |= I8042_CONFIG_TRANSLATE | I8042_CONFIG_PORT2_CLOCK_OFF;
	cfg &= ~I8042_CONFIG_PORT2_IRQ;
	/* Port 1 stays off until translation is checked: a keyboard keeps
	 * the keys pressed while its clock was held and sends them the
	 * moment the port is on, ahead of the controller's reply, which
	 * would then be a scan code. */
	if (!i8042_write_config(io, (uint8_t)(cfg |
					      I8042_CONFIG_PORT1_CLOCK_OFF)))
		return "i8042: configuration write timed out";
	/* kbd_decode.c reads set 1 only: without translation the keyboard's
	 * set 2 would come out as nonsense, so refuse. */
	r = command_reply(io, CMD_READ_CONFIG);
	if (r < 0 || !(r & I8042_CONFIG_TRANSLATE))
		return "i8042: scan code translation could not be turned on";
	cfg &= ~I8042_CONFIG_PORT1_CLOCK_OFF;
	if (!i8042_write_config(io, (uint8_t)cfg) ||
	    !send_command(io, CMD_ENABLE_PORT1))
		return "i8042: configuration write timed out";
	*cfg_out = (uint8_t)cfg;
	return 0;
}

bool i8042_enable_scanning(const struct i8042_io *io)
{
	bool acked = false;
	if (send_data(io, KBD_ENABLE_SCANNING))
		for (int i = 0; i < ACK_SKIP_MAX && !acked; i++) {
			int r = read_data(io);
			if (r < 0)
				break;
			acked = r == KBD_ACK;
		}
	flush(io);
	return acked;
}
