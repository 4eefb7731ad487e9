// SPDX-License-Identifier: MIT
/*
 * The warning table (log_warn.h has the contract).
 *
 * Rules: `warn_lock` ("log_warn", a leaf) protects `kept`, `total` and
 * the table; it is taken with interrupts off (kwarn may run in an
 * interrupt handler) and never while the log lock is held: kwarn() prints
 * first and records afterwards, and readers copy one entry out under the
 * lock and print it after dropping it. The panic path never calls
 * kwarn() (a panic is not a warning), so it cannot wait on this lock.
 */
#include "log_warn.h"

#include <stdarg.h>

#include "../drivers/tsc.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "log.h"
#include "spinlock.h"

struct warning {
	uint64_t ns;
	char text[LOG_WARN_LEN];
};

static struct spinlock warn_lock = SPINLOCK_INIT("log_warn");
static struct warning table[LOG_WARN_KEEP];
static unsigned kept, total;

/* As long as a log line may be (kernel/log.c cuts there), so the printed
 * line is the one kprintf() would print; the table keeps its start. */
#define WARN_PRINT_MAX 512

void kwarn(const char *fmt, ...)
{
	char msg[WARN_PRINT_MAX];
	va_list ap;
	uint64_t ns = uptime_ns();

	va_start(ap, fmt);
	k_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("%s", msg);
	uint64_t f = spin_lock_irqsave(&warn_lock);
	if (kept < LOG_WARN_KEEP) {
		table[kept].ns = ns;
		size_t n = strlen(msg);
		if (n >= LOG_WARN_LEN)
			n = LOG_WARN_LEN - 1;
		memcpy(table[kept].text, msg, n);
		table[kept].text[n] = 0;
		kept++;
	}
	total++;
	spin_unlock_irqrestore(&warn_lock, f);
}

unsigned log_warn_count(void)
{
	uint64_t f = spin_lock_irqsave(&warn_lock);
	unsigned n = total;
	spin_unlock_irqrestore(&warn_lock, f);
	return n;
}

bool log_warn_get(unsigned i, char *buf, size_t size, uint64_t *ns)
{
	bool ok = false;
	uint64_t f = spin_lock_irqsave(&warn_lock);
	if (i < kept && size) {
		size_t n = strlen(table[i].text);
		if (n >= size)
			n = size - 1;
		memcpy(buf, table[i].text, n);
		buf[n] = 0;
		*ns = table[i].ns;
		ok = true;
	}
	spin_unlock_irqrestore(&warn_lock, f);
	return ok;
}
