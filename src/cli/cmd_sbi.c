/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `aiot sbi METHOD URL [--data JSON] [--content-type T] [--cacert F --cert F --key F]`:
 * one request with the project's own SBI client (nghttp2, h2c or TLS 1.3 + mTLS), for
 * operators and tests. Prints the HTTP status on the first line and the body after it;
 * exits 0 for 2xx, 1 otherwise.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "svc/wipe.h"
#include "sbi/sbi_client.h"

static const char sbi_usage[] =
    "usage: aiot sbi METHOD URL [--data JSON] [--content-type TYPE]\n"
    "                [--cacert FILE [--cert FILE --key FILE] [--server-name NAME]]\n"
    "                [--timeout MS]\n"
    "URL: http://HOST:PORT/path (h2c, prior knowledge) or https://HOST:PORT/path (TLS 1.3)\n";

int cmd_sbi(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"content-type", required_argument, NULL, 't'},
	    {"cacert", required_argument, NULL, 'a'},
	    {"cert", required_argument, NULL, 'c'},
	    {"key", required_argument, NULL, 'k'},
	    {"server-name", required_argument, NULL, 's'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *ctype = NULL;
	sbi_client_cfg cfg = {.timeout_ms = 10000};
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			data = optarg;
			break;
		case 't':
			ctype = optarg;
			break;
		case 'a':
			cfg.tls_ca = optarg;
			break;
		case 'c':
			cfg.tls_cert = optarg;
			break;
		case 'k':
			cfg.tls_key = optarg;
			break;
		case 's':
			cfg.tls_server_name = optarg;
			break;
		case 'T':
			cfg.timeout_ms = (int)cli_uint("--timeout", optarg, 600000);
			break;
		case 'h':
			fputs(sbi_usage, stdout);
			return 0;
		default:
			cli_fail(CLI_EXIT_USAGE, "sbi: bad option\n%s", sbi_usage);
		}
	}
	if (argc - optind != 2)
		cli_fail(CLI_EXIT_USAGE, "sbi: METHOD and URL expected\n%s", sbi_usage);
	const char *method = argv[optind], *url = argv[optind + 1];
	int tls;
	if (strncmp(url, "http://", 7) == 0)
		tls = 0, url += 7;
	else if (strncmp(url, "https://", 8) == 0)
		tls = 1, url += 8;
	else
		cli_fail(CLI_EXIT_USAGE, "sbi: URL must start with http:// or https://");
	if (tls && cfg.tls_ca == NULL)
		cli_fail(CLI_EXIT_USAGE, "sbi: https needs --cacert");
	if (!tls && cfg.tls_ca != NULL)
		cli_fail(CLI_EXIT_USAGE, "sbi: --cacert needs an https:// URL");

	/* host[:port] or [v6]:port, then the path. */
	char host[256];
	const char *path = strchr(url, '/');
	if (path == NULL)
		path = "/";
	size_t hl = (size_t)(strchr(url, '/') ? strchr(url, '/') - url : (long)strlen(url));
	if (hl == 0 || hl >= sizeof host)
		cli_fail(CLI_EXIT_USAGE, "sbi: bad host in URL");
	memcpy(host, url, hl);
	host[hl] = '\0';
	char *colon = strrchr(host, ':');
	cfg.port = tls ? 443 : 80;
	if (colon != NULL && strchr(colon, ']') == NULL) {
		*colon = '\0';
		cfg.port = (int)cli_uint("URL port", colon + 1, 65535);
	}
	if (host[0] == '[') { /* [::1] */
		size_t n = strlen(host);
		if (host[n - 1] != ']')
			cli_fail(CLI_EXIT_USAGE, "sbi: bad IPv6 host in URL");
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	cfg.host = host;
	if (data != NULL && ctype == NULL)
		ctype = "application/json";

	char *body = NULL, err[256] = "";
	int status = sbi_fetch(&cfg, method, path, ctype, data, &body, err, sizeof err);
	if (status == 0)
		cli_fail(CLI_EXIT_FAIL, "sbi: %s", err[0] ? err : "request failed");
	printf("%d\n%s\n", status, body ? body : "");
	aiot_free_wipe(body); /* it may hold a key (kAiotf) */
	return status >= 200 && status < 300 ? 0 : 1;
}
