/* SPDX-License-Identifier: MIT */
/* Time units, in one place for the kernel, sched/ and the host tools. */
#ifndef COHORT_LIB_UNITS_H
#define COHORT_LIB_UNITS_H

#define NSEC_PER_USEC 1000ull
#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_SEC 1000000000ull

#endif
