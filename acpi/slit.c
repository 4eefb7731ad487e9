// SPDX-License-Identifier: MIT
/*
 * SLIT ("SLIT"), the System Locality Information Table, ACPI 6.5 5.2.17:
 * the relative distance between every pair of localities (proximity
 * domains), a byte each, 10 meaning local.
 *
 * Checked before it is kept: the count fits the kernel's limit and the
 * table holds n * n bytes; every diagonal entry is 10 (the spec's
 * "normalised" local distance); every other entry is at least 10 (0-9
 * are reserved; 255 means unreachable and is kept as is). A table that
 * fails costs one line and is not kept, so the kernel falls back to 10
 * local / 20 remote. A matrix that is not symmetric is legal (the spec
 * allows i->j != j->i) but unusual enough that one line names the first
 * asymmetric pair; it is kept.
 */
#include "acpi_internal.h"

#include "../kernel/lib/string.h"

#define SLIT_COUNT 36 /* Number of System Localities, 8 bytes */
#define SLIT_MATRIX 44
#define SLIT_LOCAL 10

void acpi_slit_parse(const struct acpi_parser *p, const uint8_t *t,
		     uint32_t len, struct acpi_slit *out)
{
	if (len < SLIT_MATRIX) {
		acpi_logf(p, "acpi: SLIT: length 0x%x is shorter than the "
			  "44-byte SLIT header", len);
		return;
	}
	uint64_t n = acpi_rd64(t + SLIT_COUNT);
	if (n == 0 || n > ACPI_MAX_LOCALITIES) {
		acpi_logf(p, "acpi: SLIT: %llu localities; 1 to %d are "
			  "supported", (unsigned long long)n,
			  ACPI_MAX_LOCALITIES);
		return;
	}
	/* n <= 64, so n * n cannot overflow. */
	if (len - SLIT_MATRIX < n * n) {
		acpi_logf(p, "acpi: SLIT: %llu localities need 0x%llx bytes; "
			  "the table has 0x%x", (unsigned long long)n,
			  (unsigned long long)(SLIT_MATRIX + n * n), len);
		return;
	}
	const uint8_t *d = t + SLIT_MATRIX;
	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t j = 0; j < n; j++) {
			uint8_t v = d[i * n + j];
			if (i == j && v != SLIT_LOCAL) {
				acpi_logf(p, "acpi: SLIT: distance from locality "
					  "%u to itself is %u, not 10", i, v);
				return;
			}
			if (v < SLIT_LOCAL) {
				acpi_logf(p, "acpi: SLIT: distance from locality "
					  "%u to %u is %u, below the local 10",
					  i, j, v);
				return;
			}
		}
	}
	out->symmetric = true;
	for (uint32_t i = 0; i < n && out->symmetric; i++) {
		for (uint32_t j = i + 1; j < n; j++) {
			if (d[i * n + j] != d[j * n + i]) {
				acpi_logf(p, "acpi: SLIT: not symmetric: %u->%u is "
					  "%u but %u->%u is %u; kept as is", i, j,
					  d[i * n + j], j, i, d[j * n + i]);
				out->symmetric = false;
				break;
			}
		}
	}
	out->n = (uint32_t)n;
	memcpy(out->dist, d, (size_t)(n * n));
	out->present = true;
}
