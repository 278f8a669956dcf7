/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `aiot provision-ue`: import 5G subscribers (SUPI, K, OPc or OP, SQN, AMF, AKMA flag,
 * routing indicator) into the UDM's sealed record store, one JSON object a line (the format
 * is src/udm/udm_sub.h's; example: config/subscribers.example.jsonl). Every line is checked
 * before the first write, so a bad file changes nothing; a SUPI the store already holds is
 * refused (its SQN must not go back) unless --replace. OP is turned into OPc here: the store
 * never holds OP. The store (and, when missing, the KEK file) are created on first use.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/aiot_err.h"
#include "crypto/ct.h"
#include "store/kvs.h"
#include "store/store.h"
#include "udm/udm_sub.h"

#define MAX_SUBSCRIBERS 1000000

static const char usage_text[] =
    "usage: aiot provision-ue --store sqlite:PATH --kek-file FILE --import FILE.jsonl [--replace]\n"
    "Imports one subscriber per line into the UDM's store (created, with the KEK file, if\n"
    "missing):\n"
    "  {\"supi\":\"imsi-001010000000001\",\"k\":\"<32 hex>\",\"opc\":\"<32 hex>\" (or \"op\"),\n"
    "   \"sqn\":\"000000000000\",\"amf\":\"8000\",\"akmaInd\":true,\"routingId\":\"0\"}\n"
    "sqn, amf, akmaInd, routingId are optional (defaults as shown, akmaInd false). A SUPI\n"
    "already stored is refused unless --replace.\n";

static udm_sub *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, err[256];
	size_t cap = 0, lineno = 0;
	ssize_t len;
	udm_sub *subs = NULL;
	*n = 0;
	if (f == NULL) {
		fprintf(stderr, "aiot provision-ue: %s: cannot open\n", path);
		return NULL;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len <= 1 && (len == 0 || line[0] == '\n'))
			continue;
		udm_sub *g = *n < MAX_SUBSCRIBERS ? realloc(subs, (*n + 1) * sizeof *subs) : NULL;
		if (g == NULL) {
			fprintf(stderr, "aiot provision-ue: %s: too many subscribers\n", path);
			goto fail;
		}
		subs = g;
		if (udm_sub_from_line(&subs[*n], line, (size_t)len, err, sizeof err) != AIOT_OK) {
			fprintf(stderr, "aiot provision-ue: %s:%zu: %s\n", path, lineno, err);
			goto fail;
		}
		for (size_t i = 0; i < *n; i++)
			if (strcmp(subs[i].supi, subs[*n].supi) == 0) {
				fprintf(stderr, "aiot provision-ue: %s:%zu: %s twice\n", path,
				        lineno, subs[*n].supi);
				goto fail;
			}
		(*n)++;
	}
	aiot_zeroize(line, cap);
	free(line);
	fclose(f);
	return subs;
fail:
	if (subs != NULL)
		aiot_zeroize(subs, (*n + 1) * sizeof *subs);
	free(subs);
	aiot_zeroize(line, cap);
	free(line);
	fclose(f);
	*n = 0;
	return NULL;
}

static int store_all(aiot_kvs *kvs, const udm_sub *subs, size_t n, int replace)
{
	uint8_t secret[UDM_SECRET_LEN];
	for (size_t i = 0; i < n && !replace; i++)
		if (aiot_kvs_get(kvs, subs[i].supi, NULL, NULL, NULL) != AIOT_ERR_NOTFOUND) {
			fprintf(stderr,
			        "aiot provision-ue: %s is already provisioned (--replace)\n",
			        subs[i].supi);
			return -1;
		}
	for (size_t i = 0; i < n; i++) {
		char *meta = udm_sub_meta(&subs[i]);
		udm_sub_secret(&subs[i], secret);
		int rc = meta ? aiot_kvs_put(kvs, subs[i].supi, meta, secret, sizeof secret)
		              : AIOT_ERR_NOSPACE;
		aiot_zeroize(secret, sizeof secret);
		free(meta);
		if (rc != AIOT_OK) {
			fprintf(stderr, "aiot provision-ue: %s: %s\n", subs[i].supi,
			        aiot_strerror(rc));
			return -1;
		}
	}
	return 0;
}

int cmd_provision_ue(int argc, char **argv)
{
	enum { O_STORE = 1, O_KEK, O_IMPORT, O_REPLACE, O_HELP };
	static const struct option o[] = {
	    {"store", required_argument, NULL, O_STORE},
	    {"kek-file", required_argument, NULL, O_KEK},
	    {"import", required_argument, NULL, O_IMPORT},
	    {"replace", no_argument, NULL, O_REPLACE},
	    {"help", no_argument, NULL, O_HELP},
	    {NULL, 0, NULL, 0},
	};
	const char *store = NULL, *kek_file = NULL, *in = NULL;
	int c, replace = 0, rc = CLI_EXIT_FAIL;
	char err[512];
	uint8_t kek[32];
	size_t n = 0;
	while ((c = getopt_long(argc, argv, "", o, NULL)) != -1) {
		if (c == O_STORE)
			store = optarg;
		else if (c == O_KEK)
			kek_file = optarg;
		else if (c == O_IMPORT)
			in = optarg;
		else if (c == O_REPLACE)
			replace = 1;
		else {
			fputs(usage_text, c == O_HELP ? stdout : stderr);
			return c == O_HELP ? 0 : CLI_EXIT_USAGE;
		}
	}
	if (store == NULL || kek_file == NULL || in == NULL || optind != argc) {
		fputs(usage_text, stderr);
		return CLI_EXIT_USAGE;
	}
	udm_sub *subs = read_all(in, &n);
	if (subs == NULL)
		return CLI_EXIT_FAIL;
	if (aiot_kek_load(kek_file, kek, 1, err, sizeof err) != 0) {
		fprintf(stderr, "aiot provision-ue: %s\n", err);
		goto out;
	}
	aiot_kvs *kvs = aiot_kvs_open(store, UDM_TABLE, kek, 1, err, sizeof err);
	aiot_zeroize(kek, sizeof kek);
	if (kvs == NULL) {
		fprintf(stderr, "aiot provision-ue: %s\n", err);
		goto out;
	}
	if (store_all(kvs, subs, n, replace) == 0) {
		fprintf(stderr, "aiot provision-ue: %zu subscribers stored\n", n);
		rc = 0;
	}
	aiot_kvs_close(kvs);
out:
	aiot_zeroize(subs, n * sizeof *subs);
	free(subs);
	return rc;
}
