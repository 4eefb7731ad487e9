// SPDX-License-Identifier: MIT
/*
 * CMOS RTC read (rtc.h). The registers can change under us while the RTC
 * updates (once a second, "update in progress" set about 244 us before),
 * so read them twice with the flag clear and accept only two equal
 * readings, as Linux's mc146818_get_time does. Register B says whether
 * values are BCD and whether hours are 12-hour.
 */
#include "rtc.h"

#include <stdbool.h>

#include "../kernel/arch/x86.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_OFF 0x80 /* keep NMIs masked at the index port: no change */

#define REG_SEC 0x00
#define REG_MIN 0x02
#define REG_HOUR 0x04
#define REG_DAY 0x07
#define REG_MONTH 0x08
#define REG_YEAR 0x09
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_CENTURY 0x32 /* ACPI FADT's usual century register */

#define A_UIP 0x80
#define B_24H 0x02
#define B_BINARY 0x04
#define HOUR_PM 0x80

#define RTC_READ_TRIES 1000

struct rtc_regs {
	uint8_t sec, min, hour, day, month, year, century;
};

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

static void read_regs(struct rtc_regs *r)
{
	r->sec = cmos_read(REG_SEC);
	r->min = cmos_read(REG_MIN);
	r->hour = cmos_read(REG_HOUR);
	r->day = cmos_read(REG_DAY);
	r->month = cmos_read(REG_MONTH);
	r->year = cmos_read(REG_YEAR);
	r->century = cmos_read(REG_CENTURY);
}

static int bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 15);
}

int64_t rtc_date_to_epoch(int year, int month, int day, int hour, int min,
			  int sec)
{
	static const int days_before[12] = { 0,	  31,  59,  90,	 120, 151,
					     181, 212, 243, 273, 304, 334 };
	if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 ||
	    day > 31 || hour < 0 || hour > 23 || min < 0 || min > 59 ||
	    sec < 0 || sec > 60)
		return -1;
	int64_t y = year - 1970;
	/* Leap days in [1970, year): years divisible by 4, except centuries
	 * not divisible by 400. */
	int64_t leaps = ((year - 1) / 4 - 1969 / 4) - ((year - 1) / 100 - 1969 / 100) +
			((year - 1) / 400 - 1969 / 400);
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	int64_t days = y * 365 + leaps + days_before[month - 1] + (day - 1) +
		       (leap && month > 2 ? 1 : 0);
	return ((days * 24 + hour) * 60 + min) * 60 + sec;
}

int64_t rtc_read_epoch(void)
{
	struct rtc_regs a, b;
	int tries = 0;
	do {
		while ((cmos_read(REG_A) & A_UIP) && ++tries < RTC_READ_TRIES)
			;
		read_regs(&a);
		while ((cmos_read(REG_A) & A_UIP) && ++tries < RTC_READ_TRIES)
			;
		read_regs(&b);
	} while (__builtin_memcmp(&a, &b, sizeof(a)) && ++tries < RTC_READ_TRIES);
	if (tries >= RTC_READ_TRIES || a.month == 0xff)
		return -1;
	uint8_t regb = cmos_read(REG_B);
	bool pm = a.hour & HOUR_PM;
	int sec = a.sec, min = a.min, hour = a.hour & ~HOUR_PM, day = a.day,
	    month = a.month, year = a.year, century = a.century;
	if (!(regb & B_BINARY)) {
		sec = bcd(a.sec), min = bcd(a.min), hour = bcd(a.hour & ~HOUR_PM);
		day = bcd(a.day), month = bcd(a.month), year = bcd(a.year);
		century = bcd(a.century);
	}
	if (!(regb & B_24H)) {
		hour %= 12;
		if (pm)
			hour += 12;
	}
	/* No century register (or nonsense in it): the RTC's two digits are
	 * taken as 20xx, which is right until 2100. */
	int full = (century >= 19 && century <= 99) ? century * 100 + year :
						       2000 + year;
	return rtc_date_to_epoch(full, month, day, hour, min, sec);
}
