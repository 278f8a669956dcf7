/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fake clock and timers for reader_io (src/reader/reader_proc.h), shared by
 * test_reader_util.h and fuzz/fuzz_reader_proc.c: the caller moves the clock; a table of the
 * live timers, armed and cancelled by the procedures, fired by the caller (fake_timer_fire).
 * A timer left in the table after reader_proc_free is a session or command that never ended.
 */
#ifndef AIOT_READER_FAKE_IO_H
#define AIOT_READER_FAKE_IO_H
#include <stdlib.h>
#include <string.h>

#include "reader/reader_proc.h"

#define FAKE_TIMERS 64

struct reader_timer {
	reader_timer_fn fn;
	void *arg;
	int armed;
	unsigned ms; /* the period it was last armed with */
};

static reader_timer *fake_timers[FAKE_TIMERS];
static size_t fake_ntimers; /* live */
static uint64_t fake_clock_us;

static void fake_io_reset(void)
{
	memset(fake_timers, 0, sizeof fake_timers);
	fake_ntimers = 0;
	fake_clock_us = 0;
}

static uint64_t fake_now(void *io_arg)
{
	(void)io_arg;
	return fake_clock_us;
}

/* NULL when the table is full or out of memory. */
static reader_timer *fake_timer_new(void *io_arg, reader_timer_fn fn, void *arg)
{
	(void)io_arg;
	for (size_t i = 0; i < FAKE_TIMERS; i++)
		if (fake_timers[i] == NULL) {
			reader_timer *tm = calloc(1, sizeof *tm);
			if (tm == NULL)
				return NULL;
			*tm = (reader_timer){fn, arg, 0, 0};
			fake_timers[i] = tm;
			fake_ntimers++;
			return tm;
		}
	return NULL;
}

static void fake_timer_arm(reader_timer *tm, unsigned ms)
{
	tm->armed = 1;
	tm->ms = ms;
}

static void fake_timer_cancel(reader_timer *tm)
{
	tm->armed = 0;
}

static void fake_timer_free(reader_timer *tm)
{
	if (tm == NULL)
		return;
	for (size_t i = 0; i < FAKE_TIMERS; i++)
		if (fake_timers[i] == tm) {
			fake_timers[i] = NULL;
			fake_ntimers--;
		}
	free(tm);
}

/* The timer expires: it runs once, as an event loop would run it. */
static void fake_timer_fire(reader_timer *tm)
{
	tm->armed = 0;
	tm->fn(tm->arg);
}

#endif
