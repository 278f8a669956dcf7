/* SPDX-License-Identifier: Apache-2.0 */
/* Monotonic time for the daemons, the CLI, the tools and the benchmarks: the one copy of
 * clock_gettime(CLOCK_MONOTONIC) arithmetic. Header-only so that src/common stays
 * freestanding (its .c files are cross-built for Cortex-M0, which has no such clock). */
#ifndef AIOT_CLOCK_H
#define AIOT_CLOCK_H
#include <stdint.h>
#include <time.h>

/* Microseconds since an arbitrary start (timers, deadlines, latency histograms). */
static inline uint64_t aiot_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Milliseconds, same clock. */
static inline uint64_t aiot_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Milliseconds of the coarse clock (a tick or so of error, no system call on Linux): for
 * sweeps that run often and need no precision, as the SBI server's timeouts. */
static inline uint64_t aiot_mono_coarse_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Seconds as a double (durations printed to people, rates in the benchmarks). */
static inline double aiot_mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
