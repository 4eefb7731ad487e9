/* SPDX-License-Identifier: MIT */
/* iso_kwrite: a store to the kernel half must fault (SIGSEGV). */
#include "iso.h"

int main(void)
{
	volatile long *volatile p = KADDR;

	iso_begin("iso_kwrite", "writing to 0xffff800000000000");
	*p = 0x5a5a5a5a;
	return iso_survived("iso_kwrite");
}
