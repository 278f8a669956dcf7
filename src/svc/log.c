/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *g_prog = "aiot";
static int g_level = LOG_INFO;
static const char *const names[] = {"error", "warn", "info", "debug"};

void log_init(const char *prog, int level)
{
	g_prog = prog;
	g_level = level;
}

int log_level_from_name(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int log_init_from_cfg(const char *prog, const struct cfg *c)
{
	const char *lvl = cfg_get(c, "log-level") ? cfg_get(c, "log-level") : "info";
	int level = log_level_from_name(lvl);
	if (level < 0) {
		fprintf(stderr, "%s: log-level: '%s' is not error, warn, info or debug\n", prog,
		        lvl);
		return -1;
	}
	log_init(prog, level);
	return 0;
}

void log_msg(int level, const char *fmt, ...)
{
	if (level > g_level)
		return;
	char msg[1024], ts[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s %s: %s\n", ts, g_prog, names[level], msg);
}
