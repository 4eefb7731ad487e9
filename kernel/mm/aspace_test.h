/* SPDX-License-Identifier: MIT */
/*
 * test=aspace (kernel/selftest.c): user address spaces, faults, COW, user
 * copies and targeted TLB shootdown, from a pinned kernel thread.
 */
#ifndef COHORT_MM_ASPACE_TEST_H
#define COHORT_MM_ASPACE_TEST_H

/* 0 if every check passed. */
int selftest_aspace(void);
/* test=aspace-smap / aspace-smep: a stray kernel read of (call into) a
 * user page must end in the fatal page-fault report; they return 1 only
 * if it did not (or the CPU lacks SMAP/SMEP). */
int selftest_aspace_smap(void);
int selftest_aspace_smep(void);

#endif
