/* SPDX-License-Identifier: Apache-2.0 */
/* Daemon logging to stderr: "2026-11-23T01:02:03Z aiot-adm info: message". Never pass a
 * key to it. Thread-safe (one fprintf per line). */
#ifndef AIOT_SVC_LOG_H
#define AIOT_SVC_LOG_H

enum { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void log_init(const char *prog, int level);
/* "error", "warn", "info", "debug" -> level, or -1. */
int log_level_from_name(const char *name);
struct cfg;
/* log_init() from the configuration key "log-level" (default info); -1 after printing
 * "prog: log-level: ..." when the value is not a level. */
int log_init_from_cfg(const char *prog, const struct cfg *c);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
