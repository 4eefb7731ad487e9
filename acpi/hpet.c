// SPDX-License-Identifier: MIT
/*
 * HPET description table ("HPET"), IA-PC HPET (High Precision Event
 * Timers) Specification 1.0a, section 3.2.4: where the timer block is and
 * what it can do.
 *
 * The Event Timer Block ID mirrors the block's own capabilities register
 * (HPET spec 2.3.4: comparator count in bits 12:8, minus one; 64-bit
 * counter in bit 13), so the log can say what the timer is before the
 * driver maps it. The base address is a Generic Address Structure, but an
 * HPET is only ever memory-mapped: anything else is refused rather than
 * handed to a driver that would read the wrong space.
 */
#include "acpi_internal.h"

/* Table layout (HPET spec 3.2.4). */
#define HPET_BLOCK_ID 36
#define HPET_BASE_GAS 40 /* 12-byte GAS: space id first, address at +4 */
#define HPET_NUMBER 52
#define HPET_MIN_TICK 53
#define HPET_TABLE_LEN 56

#define HPET_ID_NUM_COMPARATORS(id) ((((id) >> 8) & 0x1fu) + 1)
#define HPET_ID_COUNT_SIZE_CAP (1u << 13)

void acpi_hpet_parse(const struct acpi_parser *p, const uint8_t *t,
		     uint32_t len, struct acpi_hpet *out)
{
	if (len < HPET_TABLE_LEN) {
		acpi_logf(p, "acpi: HPET: length 0x%x is shorter than the "
			  "56-byte HPET table", len);
		return;
	}

	uint32_t id = acpi_rd32(t + HPET_BLOCK_ID);
	uint8_t space = t[HPET_BASE_GAS];
	uint64_t phys = acpi_rd64(t + HPET_BASE_GAS + 4);

	if (space != ACPI_GAS_MEMORY) {
		acpi_logf(p, "acpi: HPET: base address is in address space %u, "
			  "not system memory (0)", space);
		return;
	}
	if (phys == 0) {
		acpi_logf(p, "acpi: HPET: base address is 0");
		return;
	}
	*out = (struct acpi_hpet){
		.present = true,
		.phys = phys,
		.comparators = (uint8_t)HPET_ID_NUM_COMPARATORS(id),
		.counter_64bit = id & HPET_ID_COUNT_SIZE_CAP,
		.min_tick = acpi_rd16(t + HPET_MIN_TICK),
		.hpet_number = t[HPET_NUMBER],
	};
}
