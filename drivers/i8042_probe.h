/* SPDX-License-Identifier: MIT */
/*
 * The i8042 probe and set-up sequence, over caller-supplied port and
 * clock functions, so the host unit tests (tests/unit/drivers/
 * i8042_probe-test.c) run it against fake controllers: working, absent,
 * stuck, silent, failing its self-test, refusing translation. The kernel
 * (drivers/i8042.c) passes inb/outb/now_ns.
 *
 * Guarantee: every wait is bounded by I8042_WAIT_NS of the caller's
 * clock, and each call makes a bounded number of waits, so no controller
 * behaviour can hang the caller. Not thread-safe: one caller, before the
 * keyboard's IRQ is routed.
 */
#ifndef COHORT_DRIVERS_I8042_PROBE_H
#define COHORT_DRIVERS_I8042_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define I8042_DATA 0x60
#define I8042_STATUS 0x64  /* read */
#define I8042_COMMAND 0x64 /* write */

#define I8042_STATUS_OUT_FULL 0x01 /* a byte waits at 0x60 */
#define I8042_STATUS_IN_FULL 0x02  /* the controller has not taken ours */
#define I8042_STATUS_AUX 0x20	   /* the waiting byte is the second port's */

#define I8042_CONFIG_PORT1_IRQ 0x01
#define I8042_CONFIG_PORT2_IRQ 0x02
#define I8042_CONFIG_PORT1_CLOCK_OFF 0x10
#define I8042_CONFIG_PORT2_CLOCK_OFF 0x20
#define I8042_CONFIG_TRANSLATE 0x40

/* Each wait for the controller. Linux allows 500 ms (I8042_CTL_TIMEOUT).
 * The replies come from the controller itself, or for "enable scanning"
 * from the keyboard, and we expect them well within 50 ms on working
 * hardware; a dead controller then costs a few waits, not seconds. If a
 * machine's report shows a timeout on a controller that works, raise
 * this. */
#define I8042_WAIT_NS 50000000ULL

struct i8042_io {
	uint8_t (*in)(void *ctx, uint16_t port);
	void (*out)(void *ctx, uint16_t port, uint8_t v);
	uint64_t (*now_ns)(void *ctx);
	void *ctx;
};

/*
 * Find and program the controller: both ports off, flush, configuration
 * byte, self-test (0xaa -> 0x55), first-port test (0xab -> 0x00),
 * translation on and checked with the first port still off (a keyboard
 * sends the keys it kept the moment its port is on, ahead of any reply),
 * second port off, then first port on, its interrupt still off.
 * Returns NULL and the configuration byte in *cfg on success, else what
 * failed (a constant, or `why` filled in), e.g.
 *   "no i8042 controller: port 0x64 reads 0xff"
 *   "i8042 self-test failed: reply 0xfc, expected 0x55"
 */
const char *i8042_probe(const struct i8042_io *io, uint8_t *cfg, char *why,
			size_t why_size);

/* Send "enable scanning" (0xf4) to the keyboard; true if it ACKed (a few
 * stray bytes before the ACK are skipped). Leaves the output buffer
 * empty. */
bool i8042_enable_scanning(const struct i8042_io *io);

/* Write configuration byte cfg; false on timeout. */
bool i8042_write_config(const struct i8042_io *io, uint8_t cfg);

#endif
