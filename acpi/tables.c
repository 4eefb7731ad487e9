// SPDX-License-Identifier: MIT
/*
 * From the RSDP to the individual tables: ACPI 6.5 5.2.5 (RSDP), 5.2.6
 * (table header and checksum), 5.2.7 (RSDT), 5.2.8 (XSDT).
 *
 * The walk: check the RSDP (20-byte checksum; revision >= 2 adds a 36-byte
 * extended checksum and the XSDT address), pick the root table (the XSDT
 * when there is one and it checks out, else the RSDT, saying so), then
 * check every table the root lists and hand the ones we decode to
 * madt.c, fadt.c, hpet.c, srat.c and slit.c (and SSDTs to s5.c). The FADT's DSDT pointer
 * is checked last, so the table list is complete, and its \_S5 wins over
 * an SSDT's. A table that fails its check costs one log
 * line and nothing else: the walk goes on with the next entry.
 */
#include "acpi_internal.h"

#include <stdarg.h>

#include "../kernel/lib/printf.h"
#include "../kernel/lib/string.h"

/* RSDP layout, ACPI 6.5 5.2.5.3. */
#define RSDP_SIGNATURE "RSD PTR "
#define RSDP_SIGNATURE_LEN 8
#define RSDP_REVISION 15
#define RSDP_RSDT 16
#define RSDP_XSDT 24
#define RSDP_V1_LEN 20 /* what the ACPI 1.0 checksum covers */
#define RSDP_V2_LEN 36 /* what the extended checksum covers */
#define RSDP_REVISION_XSDT 2 /* ACPI 2.0 added the XSDT */

#define RSDT_ENTRY_LEN 4
#define XSDT_ENTRY_LEN 8

/* Root entries looked at. Real firmware lists 10 to 60 tables; a root
 * table claiming thousands is corrupt, and each entry costs a checksum. */
#define ACPI_MAX_ROOT_ENTRIES 256

void acpi_logf(const struct acpi_parser *p, const char *fmt, ...)
{
	char line[ACPI_LOG_LINE_MAX];
	va_list ap;

	if (!p->log)
		return;
	va_start(ap, fmt);
	k_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p->log(p->log_ctx, line);
}

const uint8_t *acpi_mem_map(const struct acpi_parser *p, uint64_t phys,
			    uint64_t len)
{
	if (len == 0 || phys > UINT64_MAX - (len - 1))
		return NULL;
	return p->mem->map(p->mem->ctx, phys, len);
}

/* The sum, not just ok/not ok: the log line shows how far off it is. */
static uint8_t byte_sum(const uint8_t *b, uint32_t len)
{
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum += b[i];
	return sum;
}

bool acpi_checksum_ok(const void *p, uint32_t len)
{
	return byte_sum(p, len) == 0;
}

static bool printable(uint8_t c)
{
	return c >= 0x20 && c < 0x7f;
}

void acpi_copy_name(char *dst, const uint8_t *src, size_t n)
{
	size_t end = 0;

	for (size_t i = 0; i < n; i++) {
		dst[i] = printable(src[i]) ? (char)src[i] : '?';
		if (src[i] != ' ' && src[i] != 0)
			end = i + 1;
	}
	dst[end] = 0;
}

/* A table signature is four characters of the ACPI name set (upper-case
 * letters, digits, '_'; ACPICA checks the same), and "ASF!" shows that
 * firmware also uses '!'. Memory that is not a table (zeroes, 0xff, text)
 * fails this before its length is believed. */
static bool valid_signature(const uint8_t *s)
{
	for (int i = 0; i < 4; i++) {
		uint8_t c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '!'))
			return false;
	}
	return true;
}

/* What table_check() found; `why` is filled when it fails. */
struct table_view {
	const uint8_t *hdr;   /* ACPI_HEADER_LEN bytes, or NULL */
	const uint8_t *table; /* length bytes once the table passed */
	uint32_t length;
	char why[112];
};

/*
 * Check the table at phys: header in memory, a plausible signature (or
 * exactly want_sig, for root tables and the DSDT), a length at least a
 * header and at most ACPI_TABLE_MAX_LEN, all of it in memory, checksum
 * zero. Returns 0 with v->table set, or -1 with v->why explaining.
 */
static int table_check(const struct acpi_parser *p, uint64_t phys,
		       const char *want_sig, struct table_view *v)
{
	char sig[5];

	v->table = NULL;
	v->length = 0;
	v->hdr = acpi_mem_map(p, phys, ACPI_HEADER_LEN);
	if (!v->hdr) {
		k_snprintf(v->why, sizeof(v->why),
			   "header at 0x%llx is not in memory",
			   (unsigned long long)phys);
		return -1;
	}
	if (!valid_signature(v->hdr + ACPI_HDR_SIGNATURE)) {
		const uint8_t *s = v->hdr + ACPI_HDR_SIGNATURE;
		k_snprintf(v->why, sizeof(v->why),
			   "signature %02x %02x %02x %02x at 0x%llx is not a "
			   "table name",
			   s[0], s[1], s[2], s[3], (unsigned long long)phys);
		return -1;
	}
	if (want_sig && memcmp(v->hdr + ACPI_HDR_SIGNATURE, want_sig, 4) != 0) {
		acpi_copy_name(sig, v->hdr + ACPI_HDR_SIGNATURE, 4);
		k_snprintf(v->why, sizeof(v->why),
			   "signature at 0x%llx is \"%s\", not \"%s\"",
			   (unsigned long long)phys, sig, want_sig);
		return -1;
	}
	v->length = acpi_rd32(v->hdr + ACPI_HDR_LENGTH);
	if (v->length < ACPI_HEADER_LEN) {
		k_snprintf(v->why, sizeof(v->why),
			   "length 0x%x is shorter than the 36-byte header",
			   v->length);
		return -1;
	}
	if (v->length > ACPI_TABLE_MAX_LEN) {
		k_snprintf(v->why, sizeof(v->why),
			   "length 0x%x is over the %u MiB limit", v->length,
			   ACPI_TABLE_MAX_LEN >> 20);
		return -1;
	}
	const uint8_t *t = acpi_mem_map(p, phys, v->length);
	if (!t) {
		k_snprintf(v->why, sizeof(v->why),
			   "length 0x%x at 0x%llx runs past the end of memory",
			   v->length, (unsigned long long)phys);
		return -1;
	}
	uint8_t sum = byte_sum(t, v->length);
	if (sum != 0) {
		k_snprintf(v->why, sizeof(v->why),
			   "checksum is wrong (bytes sum to 0x%02x, not 0)",
			   sum);
		return -1;
	}
	v->table = t;
	return 0;
}

/* Name a root-table entry in a log line: its signature when it has a
 * readable, valid one, else its place ("XSDT entry 3"). */
static void table_label(char *dst, size_t size, const struct table_view *v,
			const char *root, uint32_t index)
{
	if (v->hdr && valid_signature(v->hdr + ACPI_HDR_SIGNATURE))
		acpi_copy_name(dst, v->hdr + ACPI_HDR_SIGNATURE, 4);
	else
		k_snprintf(dst, size, "%s entry %u", root, index);
}

/* Record a table in out->table[]. Fields come from the header when it was
 * readable, valid or not, so the summary can show what was rejected. */
static void table_record(struct acpi_parser *p, struct acpi_info *out,
			 uint64_t phys, const char *sig,
			 const struct table_view *v)
{
	if (out->ntables == ACPI_MAX_TABLES) {
		if (!p->table_list_full)
			acpi_logf(p, "acpi: more than %d tables; 0x%llx and "
				  "later ones are checked but not listed",
				  ACPI_MAX_TABLES, (unsigned long long)phys);
		p->table_list_full = true;
		return;
	}

	struct acpi_table_ref *r = &out->table[out->ntables++];
	r->phys = phys;
	r->valid = v->table != NULL;
	if (v->hdr) {
		acpi_copy_name(r->sig, v->hdr + ACPI_HDR_SIGNATURE, 4);
		acpi_copy_name(r->oem_id, v->hdr + ACPI_HDR_OEM_ID, 6);
		acpi_copy_name(r->oem_table_id,
			       v->hdr + ACPI_HDR_OEM_TABLE_ID, 8);
		r->revision = v->hdr[ACPI_HDR_REVISION];
		r->length = acpi_rd32(v->hdr + ACPI_HDR_LENGTH);
	} else {
		memcpy(r->sig, sig ? sig : "????", 5);
	}
}

/* Decode a table we understand, once per kind: firmware that lists two
 * MADTs gets the first good one, and a warning for the rest. */
static void table_dispatch(struct acpi_parser *p, struct acpi_info *out,
			   uint64_t phys, const uint8_t *t, uint32_t len)
{
	bool *present = NULL;

	/* The DSDT comes last and overrides this (dsdt_check); an SSDT is
	 * only the fallback, so once one has \_S5 the rest are not read.
	 * Only the first SSDT with bad ones is logged: a root table may list
	 * the same table 256 times. */
	if (memcmp(t, "SSDT", 4) == 0) {
		if (out->s5.present)
			return;
		int rc = acpi_s5_scan(t, len, "SSDT", &out->s5,
				      p->ssdt_s5_said ? NULL : p->log,
				      p->log_ctx);
		if (rc == 1)
			out->s5.table_phys = phys;
		else if (rc < 0)
			p->ssdt_s5_said = true;
		return;
	}
	if (memcmp(t, "APIC", 4) == 0)
		present = &out->madt.present;
	else if (memcmp(t, "FACP", 4) == 0)
		present = &out->fadt.present;
	else if (memcmp(t, "HPET", 4) == 0)
		present = &out->hpet.present;
	else if (memcmp(t, "SRAT", 4) == 0)
		present = &out->srat.present;
	else if (memcmp(t, "SLIT", 4) == 0)
		present = &out->slit.present;
	else
		return;
	if (*present) {
		acpi_logf(p, "acpi: %.4s: another table at 0x%llx ignored; "
			  "using the first", (const char *)t,
			  (unsigned long long)phys);
		return;
	}
	if (memcmp(t, "APIC", 4) == 0)
		acpi_madt_parse(p, t, len, &out->madt);
	else if (memcmp(t, "FACP", 4) == 0)
		acpi_fadt_parse(p, t, len, &out->fadt);
	else if (memcmp(t, "SRAT", 4) == 0)
		acpi_srat_parse(p, t, len, &out->srat);
	else if (memcmp(t, "SLIT", 4) == 0)
		acpi_slit_parse(p, t, len, &out->slit);
	else
		acpi_hpet_parse(p, t, len, &out->hpet);
}

/* Check, record and decode every table the root table lists. */
static void root_walk(struct acpi_parser *p, struct acpi_info *out,
		      const uint8_t *root, uint32_t len, int entry_len)
{
	const char *name = entry_len == XSDT_ENTRY_LEN ? "XSDT" : "RSDT";
	uint32_t n = (len - ACPI_HEADER_LEN) / entry_len;

	/* ACPICA also tolerates a ragged end; the whole entries still count. */
	if ((len - ACPI_HEADER_LEN) % entry_len)
		acpi_logf(p, "acpi: %s: length 0x%x ends in a partial entry; "
			  "ignored", name, len);
	if (n > ACPI_MAX_ROOT_ENTRIES) {
		acpi_logf(p, "acpi: %s: lists %u tables; only the first %d are "
			  "looked at", name, n, ACPI_MAX_ROOT_ENTRIES);
		n = ACPI_MAX_ROOT_ENTRIES;
	}
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = root + ACPI_HEADER_LEN + i * entry_len;
		uint64_t phys = entry_len == XSDT_ENTRY_LEN ? acpi_rd64(e) :
							      acpi_rd32(e);
		struct table_view v;
		char label[24];

		if (phys == 0) {
			acpi_logf(p, "acpi: %s entry %u is a null pointer; "
				  "skipped", name, i);
			continue;
		}
		if (table_check(p, phys, NULL, &v) < 0) {
			table_label(label, sizeof(label), &v, name, i);
			acpi_logf(p, "acpi: %s: %s", label, v.why);
			table_record(p, out, phys, NULL, &v);
			continue;
		}
		table_record(p, out, phys, NULL, &v);
		table_dispatch(p, out, phys, v.table, v.length);
	}
}

/* The DSDT is reached only through the FADT; list it with the rest. Of
 * its AML only \_S5 is looked for; a bad DSDT costs the log line and
 * leaves any \_S5 an SSDT gave. */
static void dsdt_check(struct acpi_parser *p, struct acpi_info *out)
{
	struct table_view v;
	struct acpi_s5 s5;
	uint64_t phys = out->fadt.dsdt_phys;

	if (!out->fadt.present || phys == 0)
		return;
	if (table_check(p, phys, "DSDT", &v) < 0)
		acpi_logf(p, "acpi: DSDT: %s", v.why);
	table_record(p, out, phys, "DSDT", &v);
	if (v.table &&
	    acpi_s5_scan(v.table, v.length, "DSDT", &s5, p->log,
			 p->log_ctx) == 1) {
		s5.table_phys = phys;
		out->s5 = s5;
	}
}

/*
 * Check the RSDP and return the root table's address and entry size, or
 * -1 with one log line. ACPI 1.0 RSDPs (revision 0) are 20 bytes with one
 * checksum; from 2.0 on they are 36 bytes and the extended checksum must
 * hold as well, or the XSDT address in bytes 24..31 is not to be trusted.
 */
static int rsdp_check(const struct acpi_parser *p, uint64_t rsdp_phys,
		      struct acpi_info *out, uint64_t *rsdt, uint64_t *xsdt)
{
	const uint8_t *r = acpi_mem_map(p, rsdp_phys, RSDP_V1_LEN);

	if (!r) {
		acpi_logf(p, "acpi: RSDP: 0x%llx is not in memory",
			  (unsigned long long)rsdp_phys);
		return -1;
	}
	if (memcmp(r, RSDP_SIGNATURE, RSDP_SIGNATURE_LEN) != 0) {
		acpi_logf(p, "acpi: RSDP: no \"RSD PTR \" signature at 0x%llx",
			  (unsigned long long)rsdp_phys);
		return -1;
	}
	if (!acpi_checksum_ok(r, RSDP_V1_LEN)) {
		acpi_logf(p, "acpi: RSDP: checksum of the first 20 bytes is "
			  "wrong (sum 0x%02x)", byte_sum(r, RSDP_V1_LEN));
		return -1;
	}
	out->rsdp_revision = r[RSDP_REVISION];
	*rsdt = acpi_rd32(r + RSDP_RSDT);
	*xsdt = 0;
	if (out->rsdp_revision < RSDP_REVISION_XSDT)
		return 0;

	const uint8_t *r2 = acpi_mem_map(p, rsdp_phys, RSDP_V2_LEN);
	if (!r2) {
		acpi_logf(p, "acpi: RSDP: revision %u needs 36 bytes at "
			  "0x%llx, past the end of memory",
			  out->rsdp_revision, (unsigned long long)rsdp_phys);
		return -1;
	}
	if (!acpi_checksum_ok(r2, RSDP_V2_LEN)) {
		acpi_logf(p, "acpi: RSDP: extended checksum of the 36 bytes is "
			  "wrong (sum 0x%02x)", byte_sum(r2, RSDP_V2_LEN));
		return -1;
	}
	*xsdt = acpi_rd64(r2 + RSDP_XSDT);
	return 0;
}

int acpi_parse(const struct acpi_mem *mem, uint64_t rsdp_phys,
	       struct acpi_info *out, acpi_log_fn log, void *log_ctx)
{
	struct acpi_parser p = { mem, log, log_ctx, false, false };
	struct table_view v;
	uint64_t rsdt, xsdt;

	if (!out)
		return -1;
	memset(out, 0, sizeof(*out));
	out->rsdp_phys = rsdp_phys;
	if (!mem || !mem->map) {
		acpi_logf(&p, "acpi: no memory access function");
		return -1;
	}
	if (rsdp_check(&p, rsdp_phys, out, &rsdt, &xsdt) < 0)
		return -1;

	/* Prefer the XSDT: 64-bit pointers, and on some firmware the RSDT
	 * is a stale copy. Fall back loudly, since it means broken tables. */
	if (out->rsdp_revision >= RSDP_REVISION_XSDT) {
		if (xsdt == 0) {
			acpi_logf(&p, "acpi: RSDP: revision %u but no XSDT "
				  "address; using the RSDT at 0x%llx",
				  out->rsdp_revision, (unsigned long long)rsdt);
		} else if (table_check(&p, xsdt, "XSDT", &v) < 0) {
			acpi_logf(&p, "acpi: XSDT: %s; using the RSDT at "
				  "0x%llx", v.why, (unsigned long long)rsdt);
			table_record(&p, out, xsdt, "XSDT", &v);
		} else {
			out->xsdt_used = true;
			table_record(&p, out, xsdt, "XSDT", &v);
			root_walk(&p, out, v.table, v.length, XSDT_ENTRY_LEN);
		}
	}
	if (!out->xsdt_used) {
		if (rsdt == 0) {
			acpi_logf(&p, "acpi: RSDP: no RSDT address either; "
				  "no ACPI tables");
			return -1;
		}
		if (table_check(&p, rsdt, "RSDT", &v) < 0) {
			acpi_logf(&p, "acpi: RSDT: %s; no ACPI tables", v.why);
			return -1;
		}
		table_record(&p, out, rsdt, "RSDT", &v);
		root_walk(&p, out, v.table, v.length, RSDT_ENTRY_LEN);
	}
	dsdt_check(&p, out);
	return 0;
}
