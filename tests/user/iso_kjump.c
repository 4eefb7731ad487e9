/* SPDX-License-Identifier: MIT */
/*
 * iso_kjump: a jump into kernel text (Cohort's kernel is linked at
 * 0xffffffff80000000) must fault on the user-mode fetch (SIGSEGV).
 */
#include "iso.h"

int main(void)
{
	void (*volatile fn)(void) = (void (*)(void))KTEXT;

	iso_begin("iso_kjump", "calling 0xffffffff80100000");
	fn();
	return iso_survived("iso_kjump");
}
