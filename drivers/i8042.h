/* SPDX-License-Identifier: MIT */
/*
 * The PS/2 keyboard on an i8042 ("8042") keyboard controller, feeding the
 * console: its first port's bytes arrive on ISA IRQ 1 (through the
 * IOAPIC, to the boot CPU), are decoded by kbd_decode.c and go to
 * console_input(), exactly where serial input goes (kernel/console.h).
 *
 * Whether to look for a controller at all: the FADT's IA-PC boot
 * architecture flags (ACPI 6.5 5.2.9.3, bit 1 "8042") on an FADT of
 * revision 2 or later (ACPI 1.0 left the field reserved); a
 * hardware-reduced ACPI platform has no legacy devices. `kbd=probe`
 * probes whatever the FADT says (firmwares get the flag wrong), `kbd=off`
 * never touches the ports. The probe is bounded: every wait for the
 * controller has a timeout, and a missing controller (reads of 0xff, no
 * reply) costs at most a few tens of milliseconds and one log line.
 *
 * The sequence is in i8042_probe.c (pure, host-tested).
 * Programming follows the IBM PS/2 Technical Reference's keyboard
 * controller commands as summarised by OSDev's "8042 PS/2 Controller":
 * both ports off, flush, self-test (0xaa -> 0x55), first-port interface
 * test (0xab -> 0x00), configuration byte with translation on and the
 * second port off, first port on, keyboard scanning on (0xf4 -> 0xfa).
 *
 * What it does not do: the second (mouse) port, keyboard LEDs, hot-plug,
 * native USB keyboards (docs/real-hardware.md: firmware usually emulates
 * a PS/2 keyboard for a USB one, which is what this driver then sees).
 */
#ifndef COHORT_DRIVERS_I8042_H
#define COHORT_DRIVERS_I8042_H

#include <stdbool.h>
#include <stdint.h>

#define I8042_FADT_BOOT_ARCH_8042 (1u << 1) /* ACPI 6.5 Table 5.11 */
#define I8042_FADT_MIN_REVISION 2

enum i8042_verdict {
	I8042_PROBE,	       /* look for it */
	I8042_FADT_ABSENT,     /* the FADT says there is none */
	I8042_HW_REDUCED,      /* hardware-reduced ACPI: no legacy ports */
};

/* What the FADT says, pure (host unit-tested). fadt_present false (no
 * ACPI, or the FADT was rejected) means nothing is known: probe. */
static inline enum i8042_verdict
i8042_fadt_verdict(bool fadt_present, uint8_t fadt_revision, bool hw_reduced,
		   uint16_t iapc_boot_arch)
{
	if (!fadt_present)
		return I8042_PROBE;
	if (hw_reduced)
		return I8042_HW_REDUCED;
	if (fadt_revision < I8042_FADT_MIN_REVISION)
		return I8042_PROBE;
	return (iapc_boot_arch & I8042_FADT_BOOT_ARCH_8042) ? I8042_PROBE :
							     I8042_FADT_ABSENT;
}

enum i8042_mode {
	I8042_MODE_AUTO,  /* follow the FADT */
	I8042_MODE_PROBE, /* kbd=probe: probe even if the FADT says none */
	I8042_MODE_OFF,	  /* kbd=off */
};

/*
 * Find and program the controller, route ISA IRQ 1 to the boot CPU and
 * start feeding console_input(). Boot CPU, once, after the IOAPIC and
 * now_ns() are up, interrupts off. Logs one line either way:
 *   kbd: PS/2 keyboard on the i8042, ISA IRQ 1 -> GSI 1 (scan code set 1, translated)
 *   kbd: no PS/2 controller (the FADT's IA-PC boot flags say none; kbd=probe to look anyway)
 * Returns 0 if the keyboard is on, -ENODEV otherwise. Never hangs.
 */
int i8042_init(enum i8042_verdict fadt, enum i8042_mode mode);

/* One line for the hardware report: what i8042_init() found, or why
 * there is no keyboard. Valid after i8042_init(); a constant string. */
const char *i8042_status(void);
/* Bytes the keyboard has sent since i8042_init() (a racy count: for the
 * report). */
unsigned long i8042_scancodes(void);

#endif
