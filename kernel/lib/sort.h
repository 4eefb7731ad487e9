/* SPDX-License-Identifier: MIT */
/*
 * Small in-place sort for the handful of samples calibration and the
 * benchmarks collect (tens to hundreds): insertion sort, no allocation,
 * arch-free.
 */
#ifndef COHORT_LIB_SORT_H
#define COHORT_LIB_SORT_H

#include <stdint.h>

static inline void sort_u64(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

#endif
