/* SPDX-License-Identifier: MIT */
/* iso_wrmsr: `wrmsr` (here to IA32_TIME_STAMP_COUNTER) is a #GP at CPL 3. */
#include "iso.h"

int main(void)
{
	iso_begin("iso_wrmsr", "executing wrmsr to MSR 0x10");
	__asm__ volatile("wrmsr" : : "c"(0x10), "a"(0), "d"(0));
	return iso_survived("iso_wrmsr");
}
