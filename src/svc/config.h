/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Daemon configuration: a YAML file of nested mappings with scalar leaves, flattened to
 * dotted keys ("tls.cert", "limits.max-xres"). Sequences are refused. Command-line flags are
 * applied on top with cfg_set(). Every daemon (aiot-adm, aiot-aiotf, aiot-reader) uses it.
 */
#ifndef AIOT_SVC_CONFIG_H
#define AIOT_SVC_CONFIG_H
#include <stddef.h>

typedef struct cfg cfg;

/* Exit status of every program of this tree: the daemons, aiot-devsim and the aiot CLI
 * (its CLI_EXIT_FAIL / CLI_EXIT_USAGE are the same numbers). */
#define SVC_EXIT_OK 0
#define SVC_EXIT_FAIL 1  /* a runtime failure: a store, a port, a peer, a signal */
#define SVC_EXIT_USAGE 2 /* a bad command line or configuration (key, value, file) */

cfg *cfg_new(void);
void cfg_free(cfg *c);
/* Load path; 0, or -1 with "path:line:col: problem" in err. A key the file gives twice is
 * refused ("path:line: duplicate key 'k' (first at path:line)"). */
int cfg_load_file(cfg *c, const char *path, char *err, size_t errlen);
/* Parse YAML text (for tests and fuzzing). */
int cfg_load_string(cfg *c, const char *text, size_t len, char *err, size_t errlen);
/* Set or replace a key (flags override the file). */
int cfg_set(cfg *c, const char *key, const char *value);
/* The value or NULL. */
const char *cfg_get(const cfg *c, const char *key);
/* Keys not in the NULL-terminated list known[]: returns the first unknown key or NULL, so
 * that a typo in a config file is an error rather than silently ignored. */
const char *cfg_unknown_key(const cfg *c, const char *const *known);
/* The line of the configuration file that set key, or 0 (absent, or set by a flag). */
size_t cfg_line(const cfg *c, const char *key);
/* Unsigned integer in [min, max]; def when absent; -1 with err ("FILE:LINE: key: ..." when
 * the file set it) when malformed. */
int cfg_get_uint(const cfg *c, const char *key, unsigned long long def, unsigned long long min,
                 unsigned long long max, unsigned long long *out, char *err, size_t errlen);

/* A daemon option: `--flag VALUE` sets configuration key `key`; a key written "key=value"
 * makes a switch: `--flag` (no value) sets key to value. */
typedef struct cfg_opt {
	const char *flag;
	const char *key;
} cfg_opt;

/* The daemons' command line: -c/--config FILE, -h/--help, and `--flag VALUE` per opts[].
 * The file is loaded first and the flags override it; then a key that neither an option nor
 * file_keys (NULL-terminated, may be NULL: keys without a short flag, given on the command
 * line as `--KEY VALUE` with the key's own dotted name) names is refused, so a typo is an
 * error ("prog: FILE:LINE: unknown key 'k' (did you mean 'key'?)"). Problems are printed as
 * "prog: ..." on stderr.
 * Returns 0, 1 when --help was printed (exit 0), or -1 (exit SVC_EXIT_USAGE). */
int cfg_from_args(cfg *c, int argc, char **argv, const char *prog, const cfg_opt *opts,
                  size_t nopts, const char *const *file_keys, const char *usage);

#endif
