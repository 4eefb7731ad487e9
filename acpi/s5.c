// SPDX-License-Identifier: MIT
/*
 * The \_S5 (soft-off) sleep package, read from AML bytes without an AML
 * interpreter: a bounded byte scan of one definition block (the DSDT or
 * an SSDT) for the single object
 *
 *     Name (_S5, Package (n) { SLP_TYPa, SLP_TYPb, ... })
 *
 * which is how every firmware we know of (QEMU, EDK2, AMI, Insyde,
 * coreboot) encodes it. The bytes are DefName := NameOp NameString
 * DataRefObject (ACPI 6.5 20.2.5.1), with NameString "_S5_" alone, after
 * the root prefix '\' or after parent prefixes '^' (20.2.2), and the
 * object a DefPackage := PackageOp PkgLength NumElements PackageElementList
 * (20.2.5.4) whose PkgLength (20.2.4) covers itself and the rest. The
 * first two elements are integer constants (20.2.3: ZeroOp, OneOp,
 * BytePrefix, WordPrefix, DWordPrefix, QWordPrefix; OnesOp is all ones
 * and so never a valid SLP_TYP). A package of one integer carries both
 * values, SLP_TYPa in bits 7:0 and SLP_TYPb in bits 15:8, as ACPICA
 * accepts. What the values mean: ACPI 6.5 7.4.2 (\_Sx) and 4.8.3.2.1
 * (PM1 control, SLP_TYPx in bits 12:10, so each value is 3 bits).
 *
 * What it guarantees: it reads only the len bytes it is given, looks at
 * every byte at most a fixed number of times (each candidate costs a
 * few dozen bytes of checking), and never trusts a length: a PkgLength
 * or an element that runs past the end of the table, an empty package, a
 * non-constant element or a value over 7 rejects that candidate and the
 * scan goes on. The first good candidate wins. At most two log lines per
 * table: the first rejected candidate, and the count of the others.
 *
 * What it does not do: it cannot evaluate a Method (_S5) or follow a
 * reference; such firmware gets "no usable \_S5" and the kernel halts
 * instead of powering off. A match inside a Buffer or another scope is
 * possible in principle; a real _S5 object comes first in every table we
 * have seen, and a false one would still have to decode as a package of
 * small constants.
 */
#include "acpi_internal.h"

#include "../kernel/lib/printf.h"
#include "../kernel/lib/string.h"

/* AML opcodes and prefixes (ACPI 6.5 20.2). */
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_QWORD_PREFIX 0x0e
#define AML_PACKAGE_OP 0x12
#define AML_ONES_OP 0xff
#define AML_ROOT_CHAR '\\'
#define AML_PARENT_PREFIX '^'

#define S5_NAME "_S5_"
#define S5_NAME_LEN 4
#define SLP_TYP_MAX 7 /* 3-bit field in PM1x_CNT */

/* A reason a candidate was rejected, for the one log line. */
struct s5_why {
	char text[96];
};

/*
 * PkgLength at p[0..avail): the lead byte's bits 7:6 count the bytes that
 * follow (0..3); with none, bits 5:0 are the length, else bits 3:0 are its
 * low nibble and each following byte adds 8 bits (20.2.4). Bits 5:4 of a
 * multi-byte lead are reserved; ignored, as ACPICA does. Returns the
 * number of bytes the encoding takes, or 0 if it does not fit in avail.
 */
static uint32_t pkg_length(const uint8_t *p, uint32_t avail, uint32_t *len)
{
	if (avail < 1)
		return 0;
	uint32_t follow = p[0] >> 6;
	if (avail < 1 + follow)
		return 0;
	if (follow == 0) {
		*len = p[0] & 0x3f;
		return 1;
	}
	uint32_t v = p[0] & 0x0f;
	for (uint32_t i = 0; i < follow; i++)
		v |= (uint32_t)p[1 + i] << (4 + 8 * i);
	*len = v;
	return 1 + follow;
}

/*
 * One integer constant at p[0..avail). Returns the bytes it takes, or 0
 * with why filled in.
 */
static uint32_t integer_const(const uint8_t *p, uint32_t avail, uint64_t *v,
			      int index, struct s5_why *why)
{
	uint32_t size;

	if (avail < 1) {
		k_snprintf(why->text, sizeof(why->text),
			   "element %d is missing", index);
		return 0;
	}
	switch (p[0]) {
	case AML_ZERO_OP:
		*v = 0;
		return 1;
	case AML_ONE_OP:
		*v = 1;
		return 1;
	case AML_ONES_OP:
		*v = UINT64_MAX;
		return 1;
	case AML_BYTE_PREFIX:
		size = 1;
		break;
	case AML_WORD_PREFIX:
		size = 2;
		break;
	case AML_DWORD_PREFIX:
		size = 4;
		break;
	case AML_QWORD_PREFIX:
		size = 8;
		break;
	default:
		k_snprintf(why->text, sizeof(why->text),
			   "element %d is not an integer constant (opcode "
			   "0x%02x)", index, p[0]);
		return 0;
	}
	if (avail - 1 < size) {
		k_snprintf(why->text, sizeof(why->text),
			   "element %d runs past the end of the package",
			   index);
		return 0;
	}
	*v = 0;
	for (uint32_t i = 0; i < size; i++)
		*v |= (uint64_t)p[1 + i] << (8 * i);
	return 1 + size;
}

static bool slp_typ_ok(uint64_t v, const char *which, struct s5_why *why)
{
	if (v <= SLP_TYP_MAX)
		return true;
	k_snprintf(why->text, sizeof(why->text),
		   "%s 0x%llx does not fit the 3-bit SLP_TYP field", which,
		   (unsigned long long)v);
	return false;
}

/*
 * Decode the package that starts at t[at] (just after the NameString).
 * Returns true with the two values, or false with why filled in.
 */
static bool s5_package(const uint8_t *t, uint32_t len, uint32_t at,
		       uint8_t *typa, uint8_t *typb, struct s5_why *why)
{
	uint32_t pkg_len, n, end;
	uint64_t a, b;

	if (at >= len || t[at] != AML_PACKAGE_OP) {
		if (at >= len)
			k_snprintf(why->text, sizeof(why->text),
				   "the table ends after the name");
		else
			k_snprintf(why->text, sizeof(why->text),
				   "its object is not a Package (opcode "
				   "0x%02x)", t[at]);
		return false;
	}
	at++;
	n = pkg_length(t + at, len - at, &pkg_len);
	if (n == 0) {
		k_snprintf(why->text, sizeof(why->text),
			   "its package length runs past the end of the "
			   "table");
		return false;
	}
	/* PkgLength counts its own bytes; NumElements must follow them. */
	if (pkg_len > len - at) {
		k_snprintf(why->text, sizeof(why->text),
			   "its package length 0x%x runs past the end of the "
			   "table", pkg_len);
		return false;
	}
	if (pkg_len < n + 1) {
		k_snprintf(why->text, sizeof(why->text),
			   "its package length 0x%x leaves no room for the "
			   "element count", pkg_len);
		return false;
	}
	end = at + pkg_len;
	at += n;
	uint8_t count = t[at++];
	if (count == 0) {
		k_snprintf(why->text, sizeof(why->text),
			   "its package is empty");
		return false;
	}
	n = integer_const(t + at, end - at, &a, 0, why);
	if (n == 0)
		return false;
	at += n;
	if (count == 1) {
		/* One integer holding both values (ACPICA accepts it). */
		if (a > 0xffff) {
			k_snprintf(why->text, sizeof(why->text),
				   "its single element 0x%llx is not two "
				   "SLP_TYP bytes", (unsigned long long)a);
			return false;
		}
		b = a >> 8;
		a &= 0xff;
	} else {
		n = integer_const(t + at, end - at, &b, 1, why);
		if (n == 0)
			return false;
	}
	if (!slp_typ_ok(a, "SLP_TYPa", why) || !slp_typ_ok(b, "SLP_TYPb", why))
		return false;
	*typa = (uint8_t)a;
	*typb = (uint8_t)b;
	return true;
}

/*
 * Where the NameString that ends in "_S5_" at t[name] starts, if it is
 * one this scan accepts ("_S5_", "\_S5_", "^..._S5_"), and if a NameOp
 * precedes it; else 0 (offset 0 is inside the header, never AML).
 */
static uint32_t name_op_before(const uint8_t *t, uint32_t first,
			       uint32_t name)
{
	uint32_t s = name;

	if (s > first && t[s - 1] == AML_ROOT_CHAR)
		s--;
	else
		while (s > first && t[s - 1] == AML_PARENT_PREFIX)
			s--;
	if (s <= first || t[s - 1] != AML_NAME_OP)
		return 0;
	return s - 1;
}

int acpi_s5_scan(const uint8_t *t, uint32_t len, const char *table,
		 struct acpi_s5 *out, acpi_log_fn log, void *log_ctx)
{
	struct acpi_parser p = { NULL, log, log_ctx, false, false };
	struct s5_why why = { "" }, first_why = { "" };
	uint32_t rejected = 0, first_off = 0;

	if (!t || len <= ACPI_HEADER_LEN + S5_NAME_LEN)
		return 0;
	for (uint32_t i = ACPI_HEADER_LEN; i <= len - S5_NAME_LEN; i++) {
		if (t[i] != '_' || memcmp(t + i, S5_NAME, S5_NAME_LEN) != 0)
			continue;
		uint32_t op = name_op_before(t, ACPI_HEADER_LEN, i);
		if (op == 0)
			continue; /* a reference to _S5, not its definition */
		uint8_t a, b;
		if (s5_package(t, len, i + S5_NAME_LEN, &a, &b, &why)) {
			*out = (struct acpi_s5){ .present = true,
						 .slp_typa = a,
						 .slp_typb = b,
						 .offset = op };
			memcpy(out->table, table, 4);
			out->table[4] = 0;
			return 1;
		}
		if (rejected++ == 0) {
			first_why = why;
			first_off = op;
		}
	}
	if (rejected == 0)
		return 0;
	acpi_logf(&p, "acpi: %.4s: \\_S5 at offset 0x%x: %s", table, first_off,
		  first_why.text);
	if (rejected > 1)
		acpi_logf(&p, "acpi: %.4s: %u more \\_S5 definition%s "
			  "rejected", table, rejected - 1,
			  rejected == 2 ? "" : "s");
	return -1;
}
