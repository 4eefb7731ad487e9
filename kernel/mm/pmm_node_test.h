/* SPDX-License-Identifier: MIT */
/*
 * test=numa (kernel/selftest.c): node-local page allocation, resident
 * pages per node and the home node, and fallback when a node is full,
 * from kernel threads pinned to CPUs of the first and the last node.
 * Needs two NUMA nodes or more (fails with one line otherwise).
 */
#ifndef COHORT_MM_PMM_NODE_TEST_H
#define COHORT_MM_PMM_NODE_TEST_H

/* 0 if every check passed. */
int selftest_numa(void);

#endif
