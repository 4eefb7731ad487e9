/* SPDX-License-Identifier: MIT */
/* iso_hlt: `hlt` is privileged: #GP at CPL 3, SIGSEGV. */
#include "iso.h"

int main(void)
{
	iso_begin("iso_hlt", "executing hlt");
	__asm__ volatile("hlt");
	return iso_survived("iso_hlt");
}
