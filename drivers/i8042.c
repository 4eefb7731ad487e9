// SPDX-License-Identifier: MIT
/*
 * i8042 keyboard controller and its PS/2 keyboard (i8042.h has the
 * contract and the sources).
 *
 * Interrupt path rules:
 * - ISA IRQ 1 is routed to the boot CPU only, the same CPU as COM1's IRQ
 *   4 (kernel/console.c), and handlers run with interrupts off, so the
 *   two never run at once: console_input() has one caller at a time.
 * - `kbd` (the decoder state) and `scancodes` belong to kbd_interrupt();
 *   i8042_init() sets them up before the IRQ is routed. The report reads
 *   `scancodes` racily (a count, stale is harmless).
 * - `status` is written by i8042_init() only, before the IRQ is routed;
 *   read-only afterwards.
 * - No lock: the ports are touched only by i8042_init() (before the IRQ
 *   exists) and by the handler. The reset path may pulse the controller's
 *   reset line (kernel/power.c) after stopping the other CPUs; a byte
 *   lost then does not matter.
 */
#include "i8042.h"

#include "../kernel/arch/x86.h"
#include "../kernel/console.h"
#include "../kernel/errno.h"
#include "../kernel/lib/printf.h"
#include "../kernel/log.h"
#include "../kernel/time.h"
#include "../kernel/trap.h"
#include "../kernel/vectors.h"
#include "ioapic.h"
#include "kbd_decode.h"
#include "lapic.h"

#define I8042_DATA 0x60
#define I8042_STATUS 0x64 /* read */
#define I8042_COMMAND 0x64 /* write */

#define STATUS_OUT_FULL 0x01 /* a byte waits at 0x60 */
#define STATUS_IN_FULL 0x02  /* the controller has not taken our byte */
#define STATUS_AUX 0x20	     /* the waiting byte is from the second port */
#define STATUS_FLOATING 0xff /* nothing decodes port 0x64 */

#define CMD_READ_CONFIG 0x20
#define CMD_WRITE_CONFIG 0x60
#define CMD_DISABLE_PORT2 0xa7
#define CMD_SELF_TEST 0xaa
#define CMD_TEST_PORT1 0xab
#define CMD_DISABLE_PORT1 0xad
#define CMD_ENABLE_PORT1 0xae

#define CONFIG_PORT1_IRQ 0x01
#define CONFIG_PORT2_IRQ 0x02
#define CONFIG_PORT1_CLOCK_OFF 0x10
#define CONFIG_PORT2_CLOCK_OFF 0x20
#define CONFIG_TRANSLATE 0x40

#define SELF_TEST_PASSED 0x55
#define PORT_TEST_PASSED 0x00

#define KBD_ENABLE_SCANNING 0xf4
#define KBD_ACK 0xfa
/* Bytes that may precede the ACK (a key pressed during the probe). */
#define ACK_SKIP_MAX 4

#define KBD_IRQ 1
/* Each wait for the controller. Linux allows 500 ms (I8042_CTL_TIMEOUT).
 * The replies here come from the controller itself, or for 0xf4 from the
 * keyboard, and we expect them well within 50 ms on working hardware; a
 * dead controller then costs a few waits, not seconds. If a machine's
 * report shows a timeout on a controller that works, raise this. */
#define WAIT_NS 50000000ULL
/* Bytes read per flush and per interrupt: the controller buffers one,
 * so more than this means a stuck status bit, not a fast typist. */
#define DRAIN_MAX 16

#define STATUS_LEN 128

static struct kbd_state kbd;
static unsigned long scancodes;
static char status[STATUS_LEN] = "kbd: not initialised";

static bool wait_status(uint8_t mask, bool set)
{
	uint64_t end = now_ns() + WAIT_NS;
	do {
		if (((inb(I8042_STATUS) & mask) != 0) == set)
			return true;
		cpu_relax();
	} while (now_ns() < end);
	return false;
}

static bool send_command(uint8_t cmd)
{
	if (!wait_status(STATUS_IN_FULL, false))
		return false;
	outb(I8042_COMMAND, cmd);
	return true;
}

static bool send_data(uint8_t v)
{
	if (!wait_status(STATUS_IN_FULL, false))
		return false;
	outb(I8042_DATA, v);
	return true;
}

/* The next byte from the controller, or -1 after WAIT_NS. */
static int read_data(void)
{
	if (!wait_status(STATUS_OUT_FULL, true))
		return -1;
	return inb(I8042_DATA);
}

static void flush(void)
{
	for (int i = 0; i < DRAIN_MAX && (inb(I8042_STATUS) & STATUS_OUT_FULL); i++)
		(void)inb(I8042_DATA);
}

static int command_reply(uint8_t cmd)
{
	return send_command(cmd) ? read_data() : -1;
}

static bool write_config(uint8_t cfg)
{
	return send_command(CMD_WRITE_CONFIG) && send_data(cfg);
}

static void kbd_interrupt(struct trap_frame *f)
{
	(void)f;
	for (int i = 0; i < DRAIN_MAX; i++) {
		uint8_t st = inb(I8042_STATUS);
		if (!(st & STATUS_OUT_FULL))
			break;
		uint8_t code = inb(I8042_DATA);
		if (st & STATUS_AUX)
			continue; /* a mouse byte: its port is off, but be sure */
		scancodes++;
		int c = kbd_decode_byte(&kbd, code);
		if (c != KBD_NONE)
			console_input(c);
	}
}

static int absent(const char *why)
{
	k_snprintf(status, sizeof(status), "kbd: no PS/2 keyboard (%s)", why);
	kprintf("%s", status);
	return -ENODEV;
}

/* Self-test, interface test, translation on, first port on. Returns
 * NULL on success, else what failed. */
static const char *program_controller(uint8_t *cfg_out)
{
	static char why[80];

	if (inb(I8042_STATUS) == STATUS_FLOATING)
		return "no i8042 controller: port 0x64 reads 0xff";
	if (!send_command(CMD_DISABLE_PORT1) || !send_command(CMD_DISABLE_PORT2))
		return "no i8042 controller: it never takes a command";
	flush();
	int cfg = command_reply(CMD_READ_CONFIG);
	if (cfg < 0)
		return "no i8042 controller: no configuration byte";
	/* No interrupts while we poll the replies below. */
	cfg &= ~(CONFIG_PORT1_IRQ | CONFIG_PORT2_IRQ);
	if (!write_config((uint8_t)cfg))
		return "i8042: configuration write timed out";

	int r = command_reply(CMD_SELF_TEST);
	if (r < 0)
		return "i8042 self-test timed out";
	if (r != SELF_TEST_PASSED) {
		k_snprintf(why, sizeof(why), "i8042 self-test failed: reply "
			   "0x%02x, expected 0x55", r);
		return why;
	}
	/* The self-test may reset the controller: set the byte again. */
	if (!write_config((uint8_t)cfg))
		return "i8042: configuration write timed out";
	r = command_reply(CMD_TEST_PORT1);
	if (r < 0)
		return "i8042 first-port test timed out";
	if (r != PORT_TEST_PASSED) {
		k_snprintf(why, sizeof(why), "i8042 first-port test failed: "
			   "code 0x%02x (1-4: clock or data line stuck)", r);
		return why;
	}

	cfg |= CONFIG_TRANSLATE | CONFIG_PORT2_CLOCK_OFF;
	cfg &= ~(CONFIG_PORT1_CLOCK_OFF | CONFIG_PORT2_IRQ);
	if (!write_config((uint8_t)cfg) || !send_command(CMD_ENABLE_PORT1))
		return "i8042: configuration write timed out";
	/* kbd_decode.c reads set 1 only: without translation the keyboard's
	 * set 2 would come out as nonsense, so refuse. */
	r = command_reply(CMD_READ_CONFIG);
	if (r < 0 || !(r & CONFIG_TRANSLATE))
		return "i8042: scan code translation could not be turned on";
	*cfg_out = (uint8_t)cfg;
	return 0;
}

int i8042_init(enum i8042_verdict fadt, enum i8042_mode mode)
{
	uint8_t cfg = 0;

	if (mode == I8042_MODE_OFF)
		return absent("kbd=off");
	if (fadt == I8042_HW_REDUCED && mode != I8042_MODE_PROBE)
		return absent("hardware-reduced ACPI: no legacy devices; "
			      "kbd=probe to look anyway");
	if (fadt == I8042_FADT_ABSENT && mode != I8042_MODE_PROBE)
		return absent("the FADT's IA-PC boot flags say there is no "
			      "8042; kbd=probe to look anyway");
	const char *why = program_controller(&cfg);
	if (why)
		return absent(why);

	/* Scanning on. A keyboard that does not answer may be unplugged
	 * (desktops): keep listening, it starts scanning when plugged. */
	bool acked = false;
	if (send_data(KBD_ENABLE_SCANNING))
		for (int i = 0; i < ACK_SKIP_MAX && !acked; i++) {
			int r = read_data();
			if (r < 0)
				break;
			acked = r == KBD_ACK;
		}
	flush();
	kbd_decode_reset(&kbd);
	trap_set_handler(VEC_ISA_BASE + KBD_IRQ, kbd_interrupt);
	int gsi = isa_irq_route(KBD_IRQ, VEC_ISA_BASE + KBD_IRQ, lapic_id());
	if (gsi < 0)
		return absent("ISA IRQ 1 is not routable");
	if (!write_config(cfg | CONFIG_PORT1_IRQ))
		return absent("i8042: configuration write timed out");
	k_snprintf(status, sizeof(status),
		   "kbd: PS/2 keyboard on the i8042, ISA IRQ %d -> GSI %d "
		   "(scan code set 1, translated)%s",
		   KBD_IRQ, gsi, acked ? "" : "; the keyboard did not "
		   "acknowledge 'enable scanning' (unplugged?)");
	kprintf("%s", status);
	return 0;
}

const char *i8042_status(void)
{
	return status;
}

unsigned long i8042_scancodes(void)
{
	return scancodes;
}
