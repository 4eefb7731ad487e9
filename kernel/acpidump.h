/* SPDX-License-Identifier: MIT */
/* The `acpidump` boot option (see acpidump.c). */
#ifndef COHORT_ACPIDUMP_H
#define COHORT_ACPIDUMP_H

struct boot_info;

/* Print all ACPI tables in acpidump text format. Never trusts a length. */
void acpidump(const struct boot_info *bi);

#endif
