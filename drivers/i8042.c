// SPDX-License-Identifier: MIT
/*
 * i8042 keyboard controller and its PS/2 keyboard (i8042.h has the
 * contract and the sources): the kernel glue around the probe sequence
 * (i8042_probe.c, pure and host-tested) and the interrupt handler.
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
#include "i8042_probe.h"
#include "ioapic.h"
#include "kbd_decode.h"
#include "lapic.h"

#define KBD_IRQ 1
/* Bytes read per interrupt: the controller buffers one, so more than
 * this means a stuck status bit, not a fast typist. */
#define DRAIN_MAX 16
#define STATUS_LEN 128
#define WHY_LEN 80

static struct kbd_state kbd;
static unsigned long scancodes;
static char status[STATUS_LEN] = "kbd: not initialised";

static uint8_t port_in(void *ctx, uint16_t port)
{
	(void)ctx;
	return inb(port);
}

static void port_out(void *ctx, uint16_t port, uint8_t v)
{
	(void)ctx;
	outb(port, v);
}

static uint64_t clock_ns(void *ctx)
{
	(void)ctx;
	cpu_relax(); /* called between polls of the status port */
	return now_ns();
}

static const struct i8042_io ports = { port_in, port_out, clock_ns, 0 };

static void kbd_interrupt(struct trap_frame *f)
{
	(void)f;
	for (int i = 0; i < DRAIN_MAX; i++) {
		uint8_t st = inb(I8042_STATUS);
		if (!(st & I8042_STATUS_OUT_FULL))
			break;
		uint8_t code = inb(I8042_DATA);
		if (st & I8042_STATUS_AUX)
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
	static char why_buf[WHY_LEN];
	const char *why = i8042_probe(&ports, &cfg, why_buf, sizeof(why_buf));
	if (why)
		return absent(why);

	/* Scanning on. A keyboard that does not answer may be unplugged
	 * (desktops): keep listening, it starts scanning when plugged. */
	bool acked = i8042_enable_scanning(&ports);
	kbd_decode_reset(&kbd);
	trap_set_handler(VEC_ISA_BASE + KBD_IRQ, kbd_interrupt);
	int gsi = isa_irq_route(KBD_IRQ, VEC_ISA_BASE + KBD_IRQ, lapic_id());
	if (gsi < 0)
		return absent("ISA IRQ 1 is not routable");
	if (!i8042_write_config(&ports, cfg | I8042_CONFIG_PORT1_IRQ))
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
