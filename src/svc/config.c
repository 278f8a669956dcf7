/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 8
#define MAX_KEY 256
#define MAX_KEYS 4096 /* keys of one file, mappings included */

typedef struct kv {
	char *key, *value;
	size_t line; /* in cfg.file; 0 = not from a file (cfg_set, a flag) */
} kv;

struct cfg {
	kv *items;
	size_t n, cap;
	char *file; /* the file (or "<config>") the lines refer to */
};

cfg *cfg_new(void)
{
	return calloc(1, sizeof(cfg));
}

void cfg_free(cfg *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].key);
		free(c->items[i].value);
	}
	free(c->items);
	free(c->file);
	free(c);
}

static kv *find(const cfg *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->items[i].key, key) == 0)
			return &c->items[i];
	return NULL;
}

size_t cfg_line(const cfg *c, const char *key)
{
	const kv *it = find(c, key);

	return it != NULL ? it->line : 0;
}

/* Set key from line of the file being loaded (0: not from a file). */
static int set_at(cfg *c, const char *key, const char *value, size_t line)
{
	kv *it = find(c, key);

	if (it != NULL) {
		char *v = strdup(value);
		if (v == NULL)
			return -1;
		free(it->value);
		it->value = v;
		it->line = line;
		return 0;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		kv *items = realloc(c->items, cap * sizeof *items);
		if (items == NULL)
			return -1;
		c->items = items;
		c->cap = cap;
	}
	char *k = strdup(key), *v = strdup(value);
	if (k == NULL || v == NULL) {
		free(k);
		free(v);
		return -1;
	}
	c->items[c->n++] = (kv){k, v, line};
	return 0;
}

int cfg_set(cfg *c, const char *key, const char *value)
{
	return set_at(c, key, value, 0);
}

const char *cfg_get(const cfg *c, const char *key)
{
	const kv *it = find(c, key);

	return it != NULL ? it->value : NULL;
}

const char *cfg_unknown_key(const cfg *c, const char *const *known)
{
	for (size_t i = 0; i < c->n; i++) {
		size_t k = 0;
		while (known[k] != NULL && strcmp(known[k], c->items[i].key) != 0)
			k++;
		if (known[k] == NULL)
			return c->items[i].key;
	}
	return NULL;
}

int cfg_get_uint(const cfg *c, const char *key, unsigned long long def, unsigned long long min,
                 unsigned long long max, unsigned long long *out, char *err, size_t errlen)
{
	const char *v = cfg_get(c, key);
	if (v == NULL) {
		*out = def;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (*v == '\0' || *v == '-' || *end != '\0' || errno != 0 || x < min || x > max) {
		size_t line = cfg_line(c, key);

		if (line > 0)
			snprintf(err, errlen, "%s:%zu: %s: '%s' is not an integer in %llu..%llu",
			         c->file, line, key, v, min, max);
		else
			snprintf(err, errlen, "%s: '%s' is not an integer in %llu..%llu", key, v,
			         min, max);
		return -1;
	}
	*out = x;
	return 0;
}

/* A key of the file at line: refused when the file already gave it (YAML 1.2 3.2.1.1: the
 * keys of a mapping are unique; "a: {b: 1}" and "a.b: 1" name the same setting too). */
static int key_seen(cfg *seen, const char *name, const char *key, size_t line, char *err,
                    size_t errlen)
{
	size_t first = cfg_line(seen, key);

	if (first > 0) {
		snprintf(err, errlen, "%s:%zu: duplicate key '%s' (first at %s:%zu)", name, line,
		         key, name, first);
		return -1;
	}
	if (seen->n >= MAX_KEYS) {
		snprintf(err, errlen, "%s:%zu: more than %d keys", name, line, MAX_KEYS);
		return -1;
	}
	if (set_at(seen, key, "", line) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Walk the event stream: mappings push a key prefix, scalars in value position are leaves. */
static int parse(cfg *c, yaml_parser_t *p, const char *name, char *err, size_t errlen)
{
	char path[MAX_DEPTH][MAX_KEY];
	int depth = -1, want_key[MAX_DEPTH] = {0}, rc = -1, done = 0;
	char key[MAX_KEY] = "";
	size_t key_line = 0;
	yaml_event_t ev;
	cfg *seen = cfg_new();

	free(c->file);
	c->file = strdup(name);
	if (seen == NULL || c->file == NULL) {
		snprintf(err, errlen, "out of memory");
		cfg_free(seen);
		return -1;
	}
	while (!done) {
		if (!yaml_parser_parse(p, &ev)) {
			snprintf(err, errlen, "%s:%zu:%zu: %s", name, p->problem_mark.line + 1,
			         p->problem_mark.column + 1, p->problem ? p->problem : "bad YAML");
			cfg_free(seen);
			return -1;
		}
		size_t line = ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_MAPPING_START_EVENT:
			if (depth + 1 >= MAX_DEPTH) {
				snprintf(err, errlen, "%s:%zu: nested too deeply", name, line);
				goto out;
			}
			if (depth >= 0 && want_key[depth]) {
				snprintf(err, errlen, "%s:%zu: a mapping cannot be a key", name,
				         line);
				goto out;
			}
			depth++;
			snprintf(path[depth], MAX_KEY, "%s", depth > 0 ? key : "");
			want_key[depth] = 1;
			break;
		case YAML_MAPPING_END_EVENT:
			if (depth < 0)
				goto out;
			depth--;
			if (depth >= 0) {
				want_key[depth] = 1;
				/* restore the key prefix of the enclosing mapping */
				snprintf(key, sizeof key, "%s", path[depth]);
			}
			break;
		case YAML_SCALAR_EVENT: {
			const char *s = (const char *)ev.data.scalar.value;
			if (depth < 0) {
				snprintf(err, errlen, "%s:%zu: expected a mapping at the top", name,
				         line);
				goto out;
			}
			if (want_key[depth]) {
				int n = snprintf(key, sizeof key, "%s%s%s", path[depth],
				                 path[depth][0] ? "." : "", s);
				if (n < 0 || (size_t)n >= sizeof key) {
					snprintf(err, errlen, "%s:%zu: key too long", name, line);
					goto out;
				}
				if (key_seen(seen, name, key, line, err, errlen) != 0)
					goto out;
				key_line = line;
				want_key[depth] = 0;
			} else {
				if (set_at(c, key, s, key_line) != 0) {
					snprintf(err, errlen, "out of memory");
					goto out;
				}
				want_key[depth] = 1;
			}
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
			snprintf(err, errlen, "%s:%zu: lists are not supported here (key '%s')",
			         name, line, key);
			goto out;
		case YAML_ALIAS_EVENT:
			snprintf(err, errlen, "%s:%zu: aliases are not supported", name, line);
			goto out;
		default:
			break;
		}
		yaml_event_delete(&ev);
		continue;
	out:
		yaml_event_delete(&ev);
		cfg_free(seen);
		return rc;
	}
	cfg_free(seen);
	return 0;
}

int cfg_load_string(cfg *c, const char *text, size_t len, char *err, size_t errlen)
{
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	int rc = parse(c, &p, "<config>", err, errlen);
	yaml_parser_delete(&p);
	return rc;
}

int cfg_load_file(cfg *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	yaml_parser_set_input_file(&p, f);
	int rc = parse(c, &p, path, err, errlen);
	yaml_parser_delete(&p);
	fclose(f);
	return rc;
}

/* The key of an option: "key" of a switch's "key=value". */
static size_t opt_key_len(const cfg_opt *o)
{
	return strcspn(o->key, "=");
}

static int is_known(const char *key, const cfg_opt *opts, size_t nopts,
                    const char *const *file_keys)
{
	for (size_t i = 0; i < nopts; i++)
		if (strncmp(opts[i].key, key, opt_key_len(&opts[i])) == 0 &&
		    key[opt_key_len(&opts[i])] == '\0')
			return 1;
	for (size_t i = 0; file_keys != NULL && file_keys[i] != NULL; i++)
		if (strcmp(file_keys[i], key) == 0)
			return 1;
	return 0;
}

/* Levenshtein distance of a and b (both < MAX_KEY): one row of the table at a time. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[MAX_KEY + 1], i, j;

	if (la > MAX_KEY || lb > MAX_KEY)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The known key nearest to key, when a typo can explain the difference (at most a third of
 * its characters), else NULL. */
static const char *nearest(const char *key, const cfg_opt *opts, size_t nopts,
                           const char *const *file_keys)
{
	const char *best = NULL;
	size_t bd = strlen(key) / 3 + 1, d;

	for (size_t i = 0; i < nopts; i++)
		if ((d = distance(key, opts[i].key)) < bd) {
			bd = d;
			best = opts[i].key;
		}
	for (size_t i = 0; file_keys != NULL && file_keys[i] != NULL; i++)
		if ((d = distance(key, file_keys[i])) < bd) {
			bd = d;
			best = file_keys[i];
		}
	return best;
}

static void unknown_key(const cfg *c, const kv *it, const char *prog, const cfg_opt *opts,
                        size_t nopts, const char *const *file_keys)
{
	const char *near = nearest(it->key, opts, nopts, file_keys);

	fprintf(stderr, "%s: ", prog);
	if (it->line > 0)
		fprintf(stderr, "%s:%zu: ", c->file, it->line);
	fprintf(stderr, "unknown key '%s'", it->key);
	if (near != NULL)
		fprintf(stderr, " (did you mean '%s'?)", near);
	fputc('\n', stderr);
}

/* A switch's "key=value": key set to value. 0 or -1. */
static int set_switch(cfg *flags, const cfg_opt *o)
{
	char key[MAX_KEY];
	size_t n = opt_key_len(o);
	if (n >= sizeof key)
		return -1;
	memcpy(key, o->key, n);
	key[n] = '\0';
	return cfg_set(flags, key, o->key + n + 1);
}

int cfg_from_args(cfg *c, int argc, char **argv, const char *prog, const cfg_opt *opts,
                  size_t nopts, const char *const *file_keys, const char *usage)
{
	const char *file = NULL;
	char err[512];
	int o, rc = -1;
	size_t nfk = 0;
	while (file_keys != NULL && file_keys[nfk] != NULL)
		nfk++;
	struct option *lo = calloc(nopts + nfk + 3, sizeof *lo);
	cfg *flags = cfg_new(); /* collected first so that they override the file */
	if (lo == NULL || flags == NULL)
		goto out;
	for (size_t i = 0; i < nopts; i++)
		lo[i] = (struct option){opts[i].flag,
		                        opts[i].key[opt_key_len(&opts[i])] ? no_argument
		                                                           : required_argument,
		                        NULL, 256 + (int)i};
	/* Every key is a flag too: a file-only key is spelled as in the file, --limits.max-body */
	for (size_t i = 0; i < nfk; i++)
		lo[nopts + i] =
		    (struct option){file_keys[i], required_argument, NULL, 256 + (int)(nopts + i)};
	lo[nopts + nfk] = (struct option){"config", required_argument, NULL, 'c'};
	lo[nopts + nfk + 1] = (struct option){"help", no_argument, NULL, 'h'};
	optind = 1;
	while ((o = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (o == 'c') {
			file = optarg;
		} else if (o == 'h') {
			fputs(usage, stdout);
			rc = 1;
			goto out;
		} else if (o >= 256 && (size_t)(o - 256) < nopts + nfk) {
			size_t i = (size_t)(o - 256);
			if (i < nopts && opts[i].key[opt_key_len(&opts[i])] != '\0') {
				if (set_switch(flags, &opts[i]) != 0)
					goto out;
			} else if (cfg_set(flags, i < nopts ? opts[i].key : file_keys[i - nopts],
			                   optarg)) {
				goto out;
			}
		} else {
			fputs(usage, stderr);
			goto out;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		goto out;
	}
	if (file != NULL && cfg_load_file(c, file, err, sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		goto out;
	}
	for (size_t i = 0; i < flags->n; i++)
		if (cfg_set(c, flags->items[i].key, flags->items[i].value) != 0)
			goto out;
	for (size_t i = 0; i < c->n; i++) {
		if (!is_known(c->items[i].key, opts, nopts, file_keys)) {
			unknown_key(c, &c->items[i], prog, opts, nopts, file_keys);
			goto out;
		}
	}
	rc = 0;
out:
	cfg_free(flags);
	free(lo);
	return rc;
}
