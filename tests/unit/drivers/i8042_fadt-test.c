// SPDX-License-Identifier: MIT
/*
 * drivers/i8042.h: whether the FADT lets us look for an i8042. The flag
 * is bit 1 of IAPC_BOOT_ARCH (ACPI 6.5 5.2.9.3), defined from FADT
 * revision 2; ACPI 1.0 tables (QEMU's "pc" machine) leave it reserved and
 * zero, so they must not be read as "no controller".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drivers/i8042.h"

static void test_verdicts(void **state)
{
	(void)state;
	/* No FADT at all (no ACPI, or rejected): nothing known, probe. */
	assert_int_equal(i8042_fadt_verdict(false, 0, false, 0), I8042_PROBE);
	/* ACPI 1.0 FADT: the field is reserved; its zero means nothing. */
	assert_int_equal(i8042_fadt_verdict(true, 1, false, 0), I8042_PROBE);
	/* Revision 2+: the 8042 bit decides. q35's FADT has 0x0002. */
	assert_int_equal(i8042_fadt_verdict(true, 3, false, 0x0002), I8042_PROBE);
	assert_int_equal(i8042_fadt_verdict(true, 6, false, 0x0003), I8042_PROBE);
	assert_int_equal(i8042_fadt_verdict(true, 2, false, 0x0000),
			 I8042_FADT_ABSENT);
	/* LEGACY_DEVICES (bit 0) alone does not mean an 8042. */
	assert_int_equal(i8042_fadt_verdict(true, 6, false, 0x0001),
			 I8042_FADT_ABSENT);
	/* Hardware-reduced: no legacy ports, whatever the flags say. */
	assert_int_equal(i8042_fadt_verdict(true, 6, true, 0x0002),
			 I8042_HW_REDUCED);
	assert_int_equal(i8042_fadt_verdict(true, 1, true, 0), I8042_HW_REDUCED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
