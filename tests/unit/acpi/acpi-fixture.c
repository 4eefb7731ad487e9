// SPDX-License-Identifier: MIT
/*
 * Fake physical memory, log capture and table builder for the acpi/ tests
 * (see acpi-fixture.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acpi-fixture.h"

#define MIB (1ull << 20)

/* ---- Fake memory ---- */

static const void *fake_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct fake_mem *m = ctx;

	/* The parser promises never to ask for nothing. */
	assert_true(len > 0);
	if (phys < m->base || phys - m->base > m->size ||
	    len > m->size - (phys - m->base))
		return NULL;
	if (m->ncopies == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->copies = realloc(m->copies, m->cap * sizeof(void *));
		assert_non_null(m->copies);
	}
	void *copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, m->image + (phys - m->base), len);
	m->copies[m->ncopies++] = copy;
	return copy;
}

/* Where data/ and data-published/ are: $ACPI_TEST_DIR, else this file's
 * directory as the compiler saw it, which is right whenever the test runs
 * from the directory it was built in (both Makefiles do that). */
static const char *test_dir(void)
{
	static char dir[512];
	const char *d = getenv("ACPI_TEST_DIR");

	if (d && *d)
		return d;
	snprintf(dir, sizeof(dir), "%s", __FILE__);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return ".";
	*slash = 0;
	return dir;
}

static uint8_t *read_file(const char *path, uint32_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fprintf(stderr, "cannot open %s (set ACPI_TEST_DIR?)\n", path);
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	assert_true(n > 0);
	uint8_t *buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (uint32_t)n;
	return buf;
}

void fake_mem_load(struct fake_mem *m, const char *dir)
{
	char path[512], name[64];
	unsigned long long phys;
	uint8_t *data[FIXTURE_MAX_FILES];

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/%s/index.txt", test_dir(), dir);
	FILE *idx = fopen(path, "r");
	if (!idx)
		fprintf(stderr, "cannot open %s (set ACPI_TEST_DIR?)\n", path);
	assert_non_null(idx);
	uint64_t lo = UINT64_MAX, hi = 0;
	while (fscanf(idx, "%63s %llx", name, &phys) == 2) {
		assert_true(m->nfiles < FIXTURE_MAX_FILES);
		struct fake_file *f = &m->file[m->nfiles];
		snprintf(path, sizeof(path), "%s/%s/%s", test_dir(), dir, name);
		data[m->nfiles] = read_file(path, &f->len);
		char *dot = strchr(name, '.');
		if (dot)
			*dot = 0;
		assert_true(strlen(name) < sizeof(f->name));
		memcpy(f->name, name, strlen(name) + 1);
		f->phys = phys;
		if (f->phys < lo)
			lo = f->phys;
		if (f->phys + f->len > hi)
			hi = f->phys + f->len;
		m->nfiles++;
	}
	fclose(idx);
	assert_true(m->nfiles > 0);

	m->base = lo & ~(MIB - 1);
	uint64_t end = (hi + MIB - 1) & ~(MIB - 1);
	m->size = end - m->base + FIXTURE_SPARE;
	m->next_free = end;
	m->image = calloc(1, m->size);
	assert_non_null(m->image);
	for (int i = 0; i < m->nfiles; i++) {
		memcpy(m->image + (m->file[i].phys - m->base), data[i],
		       m->file[i].len);
		free(data[i]);
	}
	m->mem.map = fake_map;
	m->mem.ctx = m;
}

void fake_mem_free(struct fake_mem *m)
{
	for (size_t i = 0; i < m->ncopies; i++)
		free(m->copies[i]);
	free(m->copies);
	free(m->image);
	memset(m, 0, sizeof(*m));
}

uint64_t fake_mem_phys(const struct fake_mem *m, const char *name)
{
	for (int i = 0; i < m->nfiles; i++)
		if (strcmp(m->file[i].name, name) == 0)
			return m->file[i].phys;
	fail_msg("no table %s loaded", name);
	return 0;
}

uint8_t *fake_mem_ptr(struct fake_mem *m, uint64_t phys, uint64_t len)
{
	assert_true(phys >= m->base && phys - m->base <= m->size &&
		    len <= m->size - (phys - m->base));
	return m->image + (phys - m->base);
}

uint8_t *fake_mem_table(struct fake_mem *m, const char *name)
{
	return fake_mem_ptr(m, fake_mem_phys(m, name), 36);
}

uint64_t fake_mem_alloc(struct fake_mem *m, uint64_t len)
{
	uint64_t phys = m->next_free;
	m->next_free = (m->next_free + len + 15) & ~15ull;
	fake_mem_ptr(m, phys, len); /* asserts it fits */
	return phys;
}

/* ---- Editing tables ---- */

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static void wr64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static uint8_t sum(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;
	while (len--)
		s += *p++;
	return s;
}

void table_fix_checksum(uint8_t *t)
{
	t[9] = 0;
	t[9] = (uint8_t)-sum(t, rd32(t + 4));
}

void rsdp_fix_checksums(uint8_t *r)
{
	r[8] = 0;
	r[8] = (uint8_t)-sum(r, 20);
	if (r[15] >= 2) {
		r[32] = 0;
		r[32] = (uint8_t)-sum(r, 36);
	}
}

void xsdt_repoint(struct fake_mem *m, uint64_t old_phys, uint64_t new_phys)
{
	uint8_t *x = fake_mem_table(m, "XSDT");
	uint32_t n = (rd32(x + 4) - 36) / 8;

	for (uint32_t i = 0; i < n; i++) {
		if (rd64(x + 36 + 8 * i) == old_phys) {
			wr64(x + 36 + 8 * i, new_phys);
			table_fix_checksum(x);
			return;
		}
	}
	fail_msg("XSDT has no entry 0x%llx", (unsigned long long)old_phys);
}

uint64_t install_table(struct fake_mem *m, const char *replaces,
		       const uint8_t *t)
{
	uint32_t len = rd32(t + 4);
	uint64_t phys = fake_mem_alloc(m, len);

	memcpy(fake_mem_ptr(m, phys, len), t, len);
	xsdt_repoint(m, fake_mem_phys(m, replaces), phys);
	return phys;
}

void make_rsdt(struct fake_mem *m)
{
	const uint8_t *x = fake_mem_table(m, "XSDT");
	uint8_t *rsdp = fake_mem_table(m, "RSDP");
	uint32_t n = (rd32(x + 4) - 36) / 8;
	uint32_t len = 36 + 4 * n;
	uint8_t *r = fake_mem_ptr(m, rd32(rsdp + 16), len);

	memcpy(r, x, 36);
	memcpy(r, "RSDT", 4);
	wr32(r + 4, len);
	for (uint32_t i = 0; i < n; i++)
		wr32(r + 36 + 4 * i, (uint32_t)rd64(x + 36 + 8 * i));
	table_fix_checksum(r);
}

/* ---- Table builder ---- */

static void tb_bytes(struct tb *b, const void *p, uint32_t n)
{
	assert_true(b->len + n <= TB_MAX);
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

void tb_u8(struct tb *b, uint8_t v)
{
	tb_bytes(b, &v, 1);
}

void tb_u16(struct tb *b, uint16_t v)
{
	tb_u8(b, (uint8_t)v);
	tb_u8(b, (uint8_t)(v >> 8));
}

void tb_u32(struct tb *b, uint32_t v)
{
	tb_u16(b, (uint16_t)v);
	tb_u16(b, (uint16_t)(v >> 16));
}

void tb_u64(struct tb *b, uint64_t v)
{
	tb_u32(b, (uint32_t)v);
	tb_u32(b, (uint32_t)(v >> 32));
}

void tb_begin(struct tb *b, const char *sig, uint8_t revision)
{
	b->len = 0;
	tb_bytes(b, sig, 4);
	tb_u32(b, 0); /* length, set by tb_end */
	tb_u8(b, revision);
	tb_u8(b, 0);
	tb_bytes(b, "COHORT", 6);
	tb_bytes(b, "TESTTBL ", 8);
	tb_u32(b, 1);
	tb_bytes(b, "CHRT", 4);
	tb_u32(b, 1);
}

void tb_end(struct tb *b)
{
	wr32(b->buf + 4, b->len);
	table_fix_checksum(b->buf);
}

void madt_begin(struct tb *b, uint32_t lapic_phys, uint32_t flags)
{
	tb_begin(b, "APIC", 5);
	tb_u32(b, lapic_phys);
	tb_u32(b, flags);
}

void madt_lapic(struct tb *b, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	tb_u8(b, 0);
	tb_u8(b, 8);
	tb_u8(b, uid);
	tb_u8(b, apic_id);
	tb_u32(b, flags);
}

void madt_x2apic(struct tb *b, uint32_t x2apic_id, uint32_t flags,
		 uint32_t uid)
{
	tb_u8(b, 9);
	tb_u8(b, 16);
	tb_u16(b, 0);
	tb_u32(b, x2apic_id);
	tb_u32(b, flags);
	tb_u32(b, uid);
}

void madt_ioapic(struct tb *b, uint8_t id, uint32_t phys, uint32_t gsi_base)
{
	tb_u8(b, 1);
	tb_u8(b, 12);
	tb_u8(b, id);
	tb_u8(b, 0);
	tb_u32(b, phys);
	tb_u32(b, gsi_base);
}

void madt_override(struct tb *b, uint8_t bus, uint8_t irq, uint32_t gsi,
		   uint16_t flags)
{
	tb_u8(b, 2);
	tb_u8(b, 10);
	tb_u8(b, bus);
	tb_u8(b, irq);
	tb_u32(b, gsi);
	tb_u16(b, flags);
}

void madt_nmi(struct tb *b, uint8_t uid, uint16_t flags, uint8_t lint)
{
	tb_u8(b, 4);
	tb_u8(b, 6);
	tb_u8(b, uid);
	tb_u16(b, flags);
	tb_u8(b, lint);
}

void madt_x2nmi(struct tb *b, uint16_t flags, uint32_t uid, uint8_t lint)
{
	tb_u8(b, 10);
	tb_u8(b, 12);
	tb_u16(b, flags);
	tb_u32(b, uid);
	tb_u8(b, lint);
	tb_u8(b, 0);
	tb_u16(b, 0);
}

void madt_lapic_override(struct tb *b, uint64_t phys)
{
	tb_u8(b, 5);
	tb_u8(b, 12);
	tb_u16(b, 0);
	tb_u64(b, phys);
}

/* ---- Log capture ---- */

void log_capture(void *ctx, const char *msg)
{
	struct log_capture *c = ctx;
	size_t n = strlen(msg);

	/* The contract acpi.h promises the kernel's log. */
	assert_true(strncmp(msg, "acpi: ", 6) == 0);
	assert_true(n < 160);
	for (size_t i = 0; i < n; i++)
		assert_true(msg[i] >= 0x20 && msg[i] < 0x7f);
	if (c->n < LOG_MAX_LINES)
		snprintf(c->line[c->n], LOG_LINE_LEN, "%s", msg);
	c->n++;
}

void log_reset(struct log_capture *c)
{
	memset(c, 0, sizeof(*c));
}

void log_print(const struct log_capture *c, const char *what)
{
	fprintf(stderr, "%s: %d log line(s)\n", what, c->n);
	for (int i = 0; i < c->n && i < LOG_MAX_LINES; i++)
		fprintf(stderr, "  | %s\n", c->line[i]);
}

void log_expect(const struct log_capture *c, const char *const *lines)
{
	int n = 0;

	while (lines[n])
		n++;
	bool same = c->n == n;
	for (int i = 0; same && i < n; i++)
		same = strcmp(c->line[i], lines[i]) == 0;
	if (!same) {
		log_print(c, "got");
		fprintf(stderr, "expected %d line(s)\n", n);
		for (int i = 0; i < n; i++)
			fprintf(stderr, "  | %s\n", lines[i]);
	}
	assert_int_equal(c->n, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(c->line[i], lines[i]);
}

void log_expect_one(const struct log_capture *c, const char *line)
{
	const char *lines[] = { line, NULL };
	log_expect(c, lines);
}

int parse(struct fake_mem *m, struct acpi_info *info, struct log_capture *c)
{
	log_reset(c);
	/* Poison, so a field the parser forgot to zero shows up. */
	memset(info, 0xa5, sizeof(*info));
	return acpi_parse(&m->mem, fake_mem_phys(m, "RSDP"), info, log_capture,
			  c);
}
