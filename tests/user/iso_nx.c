/* SPDX-License-Identifier: MIT */
/*
 * iso_nx: executing data must fault (NX): a `ret` on the stack, or with
 * argument "heap" in a malloc'd buffer, or "mmap" in a PROT_READ|WRITE
 * mapping. Any of them: SIGSEGV.
 */
#include "iso.h"

#include <stdlib.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	unsigned char stack_code[16] = { 0xc3 };	/* ret */
	unsigned char *code = stack_code;
	const char *where = argc > 1 ? argv[1] : "stack";

	if (strcmp(where, "heap") == 0)
		code = malloc(16);
	else if (strcmp(where, "mmap") == 0)
		code = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!code || code == MAP_FAILED)
		return iso_survived("iso_nx (no buffer)");
	code[0] = 0xc3;
	void (*volatile fn)(void) = (void (*)(void))code;
	say("iso_nx: executing a ret in a %s buffer (must die with SIGSEGV)",
	    where);
	fn();
	return iso_survived("iso_nx");
}
