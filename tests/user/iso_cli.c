/* SPDX-License-Identifier: MIT */
/* iso_cli: `cli` at CPL 3 with IOPL 0 is a #GP: SIGSEGV. */
#include "iso.h"

int main(void)
{
	iso_begin("iso_cli", "executing cli");
	__asm__ volatile("cli");
	return iso_survived("iso_cli");
}
