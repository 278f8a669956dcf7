/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `aiot pki --out DIR --names adm,aiotf[,af...] [--san LIST] [--nf-id NAME=UUID]... [--days N]
 * [--force]`: the
 * certificates for mutual TLS between AIOTF and ADM (README "Mutual TLS"): ca.crt, and
 * NAME.crt + NAME.key (mode 0600) per name, each valid as TLS server and client.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "pki.h"
#include "svc/nf_id.h"

#define PKI_MAX_NAMES 32

static const char pki_usage[] =
    "usage: aiot pki --out DIR --names NAME[,NAME...] [--san LIST] [--days N] [--force]\n"
    "  --out DIR      where to write ca.crt, NAME.crt, NAME.key (created, mode 0700, if absent)\n"
    "  --names LIST   one certificate per name, e.g. adm,aiotf,af (CN and DNS:NAME)\n"
    "  --san LIST     more subjectAltNames, OpenSSL syntax  [" PKI_DEFAULT_SAN "]\n"
    "  --nf-id NAME=UUID  NAME's NF instance ID, as the URI SAN urn:uuid:UUID (TS 33.310);\n"
    "                 repeat per name\n"
    "  --days N       validity in days                      [365]\n"
    "  --force        replace existing files (default: refuse)\n";

/* Split "a,b,c" in place into names[]; exits 2 on a bad name. */
static size_t split_names(char *list, const char *names[PKI_MAX_NAMES])
{
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		if (!pki_name_ok(t))
			cli_fail(CLI_EXIT_USAGE,
			         "pki: --names: '%s' is not 1..%d of a-z 0-9 . _ - (nor 'ca')", t,
			         PKI_MAX_NAME);
		for (size_t i = 0; i < n; i++)
			if (strcmp(names[i], t) == 0)
				cli_fail(CLI_EXIT_USAGE, "pki: --names: '%s' twice", t);
		if (n == PKI_MAX_NAMES)
			cli_fail(CLI_EXIT_USAGE, "pki: --names: at most %d", PKI_MAX_NAMES);
		names[n++] = t;
	}
	if (n == 0)
		cli_fail(CLI_EXIT_USAGE, "pki: --names: at least one name\n%s", pki_usage);
	return n;
}

/* "NAME=UUID" of --nf-id into ids[] beside names[]; exits 2 on a bad one. */
static void nf_id(char *arg, const char *const *names, size_t n, const char **ids)
{
	char *eq = strchr(arg, '=');
	size_t i = 0;
	if (eq != NULL) {
		*eq = '\0';
		if (!aiot_uuid_valid(eq + 1))
			eq = NULL;
	}
	while (eq != NULL && i < n && strcmp(names[i], arg) != 0)
		i++;
	if (eq == NULL || i == n || ids[i] != NULL)
		cli_fail(CLI_EXIT_USAGE, "pki: --nf-id: NAME=UUID, NAME one of --names, once each");
	ids[i] = eq + 1;
}

int cmd_pki(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"out", required_argument, NULL, 'o'},  {"names", required_argument, NULL, 'n'},
	    {"san", required_argument, NULL, 's'},  {"nf-id", required_argument, NULL, 'i'},
	    {"days", required_argument, NULL, 'd'}, {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	const char *names[PKI_MAX_NAMES], *ids[PKI_MAX_NAMES] = {0};
	char *list = NULL, *idarg[PKI_MAX_NAMES], err[1200];
	size_t nid = 0;
	pki_opts o = {.san = PKI_DEFAULT_SAN, .days = 365, .names = names};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.dir = optarg;
			break;
		case 'n':
			list = optarg;
			break;
		case 's':
			o.san = optarg;
			break;
		case 'i':
			if (nid == PKI_MAX_NAMES)
				cli_fail(CLI_EXIT_USAGE, "pki: --nf-id: at most %d", PKI_MAX_NAMES);
			idarg[nid++] = optarg;
			break;
		case 'd':
			o.days = (int)cli_uint("--days", optarg, 36500);
			break;
		case 'f':
			o.overwrite = 1;
			break;
		case 'h':
			fputs(pki_usage, stdout);
			return 0;
		default:
			cli_fail(CLI_EXIT_USAGE, "pki: bad option\n%s", pki_usage);
		}
	}
	if (optind != argc || o.dir == NULL || list == NULL)
		cli_fail(CLI_EXIT_USAGE, "pki: --out and --names are required\n%s", pki_usage);
	if (o.days == 0)
		cli_fail(CLI_EXIT_USAGE, "pki: --days: at least 1");
	o.nnames = split_names(list, names);
	o.nf_ids = ids;
	for (size_t k = 0; k < nid; k++)
		nf_id(idarg[k], names, o.nnames, ids);
	if (mkdir(o.dir, 0700) != 0 && errno != EEXIST)
		cli_fail(CLI_EXIT_FAIL, "pki: %s: %s", o.dir, strerror(errno));
	if (pki_make(&o, err, sizeof err) != 0)
		cli_fail(CLI_EXIT_FAIL, "pki: %s", err);
	printf("%s/ca.crt", o.dir);
	for (size_t i = 0; i < o.nnames; i++)
		printf(" %s/%s.crt %s/%s.key", o.dir, names[i], o.dir, names[i]);
	putchar('\n');
	return 0;
}
