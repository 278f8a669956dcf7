/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `aiot token keygen|kid|sign|verify`: the OAuth 2.0 access tokens of src/oauth (JWS ES256)
 * for operators and scripts (README "aiot tools"): make the NRF's signing key, sign a token
 * as the NRF would, verify one as a producer does, with the same code as the daemons.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "oauth/jws.h"

static const char token_usage[] =
    "usage: aiot token keygen --key FILE [--pub FILE]\n"
    "         the P-256 signing key (created, mode 0600, when absent), its public key to\n"
    "         --pub; prints the kid (RFC 7638 thumbprint)\n"
    "       aiot token kid --pub FILE\n"
    "       aiot token sign --key FILE (--claims JSON | --iss ID --sub ID --aud A[,B...]\n"
    "         --scope 'S1 S2' [--lifetime S] [--exp T] [--iat T] [--nbf T])\n"
    "         prints the compact ES256 token; exp = now + lifetime (600) unless given\n"
    "       aiot token verify --pub FILE --iss ID --aud TYPE[,INSTANCE] [--token T]\n"
    "         [--scope S]... [--peer ID] [--leeway S]\n"
    "         the token (--token or standard input) as a producer checks it: prints its\n"
    "         claims and exits 0, or the reason and exits 1\n";

typedef struct targs {
	const char *key, *pub, *claims, *iss, *sub, *aud, *scope, *token, *peer;
	const char *scopes[9];
	size_t nscopes;
	long long lifetime, exp, iat, nbf, leeway;
	int has_exp, has_iat, has_nbf;
} targs;

static long long num(const char *opt, const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || v > 253402300799LL)
		cli_fail(CLI_EXIT_USAGE, "token: %s: '%s' is not a time in seconds", opt, s);
	return v;
}

static void parse(int argc, char **argv, targs *a)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},    {"pub", required_argument, NULL, 'p'},
	    {"claims", required_argument, NULL, 'c'}, {"iss", required_argument, NULL, 'i'},
	    {"sub", required_argument, NULL, 's'},    {"aud", required_argument, NULL, 'a'},
	    {"scope", required_argument, NULL, 'o'},  {"token", required_argument, NULL, 't'},
	    {"peer", required_argument, NULL, 'P'},   {"lifetime", required_argument, NULL, 'L'},
	    {"exp", required_argument, NULL, 'E'},    {"iat", required_argument, NULL, 'I'},
	    {"nbf", required_argument, NULL, 'N'},    {"leeway", required_argument, NULL, 'W'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	int c;
	a->lifetime = 600;
	a->leeway = AIOT_JWT_MAX_LEEWAY;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			a->key = optarg;
			break;
		case 'p':
			a->pub = optarg;
			break;
		case 'c':
			a->claims = optarg;
			break;
		case 'i':
			a->iss = optarg;
			break;
		case 's':
			a->sub = optarg;
			break;
		case 'a':
			a->aud = optarg;
			break;
		case 'o':
			a->scope = optarg;
			if (a->nscopes == 8)
				cli_fail(CLI_EXIT_USAGE, "token: --scope: at most 8");
			a->scopes[a->nscopes++] = optarg;
			break;
		case 't':
			a->token = optarg;
			break;
		case 'P':
			a->peer = optarg;
			break;
		case 'L':
			a->lifetime = num("--lifetime", optarg);
			break;
		case 'E':
			a->exp = num("--exp", optarg), a->has_exp = 1;
			break;
		case 'I':
			a->iat = num("--iat", optarg), a->has_iat = 1;
			break;
		case 'N':
			a->nbf = num("--nbf", optarg), a->has_nbf = 1;
			break;
		case 'W':
			a->leeway = num("--leeway", optarg);
			break;
		case 'h':
			fputs(token_usage, stdout);
			exit(0);
		default:
			cli_fail(CLI_EXIT_USAGE, "token: bad option\n%s", token_usage);
		}
	}
	if (optind != argc)
		cli_fail(CLI_EXIT_USAGE, "token: unexpected argument '%s'", argv[optind]);
}

static EVP_PKEY *signing_key(const targs *a)
{
	char err[512];
	EVP_PKEY *k;
	if (a->key == NULL)
		cli_fail(CLI_EXIT_USAGE, "token: --key FILE is required\n%s", token_usage);
	if ((k = aiot_jws_key_load_or_create(a->key, err, sizeof err)) == NULL)
		cli_fail(CLI_EXIT_FAIL, "token: %s", err);
	return k;
}

static EVP_PKEY *public_key(const targs *a, char kid[AIOT_JWS_KID_LEN + 1])
{
	char err[512];
	EVP_PKEY *k;
	if (a->pub == NULL)
		cli_fail(CLI_EXIT_USAGE, "token: --pub FILE is required\n%s", token_usage);
	if ((k = aiot_jws_pubkey_load(a->pub, err, sizeof err)) == NULL)
		cli_fail(CLI_EXIT_FAIL, "token: %s", err);
	if (aiot_jws_kid(k, kid) != 0)
		cli_fail(CLI_EXIT_FAIL, "token: %s: no key id", a->pub);
	return k;
}

/* The AccessTokenClaims (TS 29.510 6.3.5.2.4) of the flags, as JSON text (malloc'd). */
static char *claims_of(const targs *a)
{
	long long now = (long long)time(NULL);
	cJSON *o = cJSON_CreateObject(), *aud;
	char *list, *save = NULL, *s;
	if (a->iss == NULL || a->sub == NULL || a->aud == NULL || a->scope == NULL)
		cli_fail(CLI_EXIT_USAGE, "token: sign: --claims, or --iss --sub --aud --scope");
	cJSON_AddStringToObject(o, "iss", a->iss);
	cJSON_AddStringToObject(o, "sub", a->sub);
	if (strchr(a->aud, ',') == NULL) {
		cJSON_AddStringToObject(o, "aud", a->aud);
	} else { /* RFC 7519 4.1.3: several audiences are an array */
		aud = cJSON_AddArrayToObject(o, "aud");
		list = strdup(a->aud);
		for (s = strtok_r(list, ",", &save); s != NULL; s = strtok_r(NULL, ",", &save))
			cJSON_AddItemToArray(aud, cJSON_CreateString(s));
		free(list);
	}
	cJSON_AddStringToObject(o, "scope", a->scope);
	cJSON_AddNumberToObject(o, "exp", (double)(a->has_exp ? a->exp : now + a->lifetime));
	cJSON_AddNumberToObject(o, "iat", (double)(a->has_iat ? a->iat : now));
	if (a->has_nbf)
		cJSON_AddNumberToObject(o, "nbf", (double)a->nbf);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		cli_fail(CLI_EXIT_FAIL, "token: out of memory");
	return s;
}

static int do_sign(const targs *a)
{
	char kid[AIOT_JWS_KID_LEN + 1], err[256], *tok = NULL;
	EVP_PKEY *k = signing_key(a);
	char *claims = a->claims != NULL ? strdup(a->claims) : claims_of(a);
	if (claims == NULL || aiot_jws_kid(k, kid) != 0 ||
	    aiot_jws_sign_es256(k, kid, claims, &tok, err, sizeof err) != 0)
		cli_fail(CLI_EXIT_FAIL, "token: %s", claims == NULL ? "out of memory" : err);
	puts(tok);
	free(tok);
	free(claims);
	EVP_PKEY_free(k);
	return 0;
}

static char *read_token(const targs *a)
{
	static char buf[AIOT_JWS_MAX_TOKEN * 4];
	size_t n;
	if (a->token != NULL)
		return strdup(a->token);
	n = fread(buf, 1, sizeof buf - 1, stdin);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return strdup(buf);
}

static int do_verify(const targs *a)
{
	char kid[AIOT_JWS_KID_LEN + 1], type[AIOT_JWT_MAX_STR + 1];
	EVP_PKEY *k = public_key(a, kid);
	char *tok = read_token(a), *comma;
	aiot_jwt_claims c;
	aiot_jwt_status st;
	if (tok == NULL || a->iss == NULL || a->aud == NULL)
		cli_fail(CLI_EXIT_USAGE, "token: verify: --iss and --aud are required");
	snprintf(type, sizeof type, "%s", a->aud);
	comma = strchr(type, ',');
	if (comma != NULL)
		*comma = '\0';
	aiot_jwt_policy pol = {
	    .issuer = a->iss,
	    .nf_type = type,
	    .nf_instance = comma != NULL ? comma + 1 : NULL,
	    .leeway_s = (int)(a->leeway > AIOT_JWT_MAX_LEEWAY ? AIOT_JWT_MAX_LEEWAY : a->leeway)};
	const char *scopes[9];
	memcpy(scopes, a->scopes, sizeof scopes);
	scopes[a->nscopes] = NULL;
	st = aiot_jws_verify_es256(k, kid, tok, strlen(tok), &c);
	if (st == AIOT_JWT_OK)
		st = aiot_jwt_validate(&c, &pol, (int64_t)time(NULL), a->peer, scopes);
	free(tok);
	EVP_PKEY_free(k);
	if (st != AIOT_JWT_OK) {
		fprintf(stderr, "aiot: token: refused: %s\n", aiot_jwt_status_name(st));
		return CLI_EXIT_FAIL;
	}
	printf("{\"iss\":\"%s\",\"sub\":\"%s\",\"scope\":\"%s\",\"exp\":%lld}\n", c.iss, c.sub,
	       c.scope, (long long)c.exp);
	return 0;
}

int cmd_token(int argc, char **argv)
{
	targs a = {0};
	char kid[AIOT_JWS_KID_LEN + 1], err[512];
	const char *sub = argc > 1 ? argv[1] : "";
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(token_usage, stdout);
		return 0;
	}
	parse(argc, argv, &a);
	if (strcmp(sub, "sign") == 0)
		return do_sign(&a);
	if (strcmp(sub, "verify") == 0)
		return do_verify(&a);
	if (strcmp(sub, "kid") == 0) {
		EVP_PKEY_free(public_key(&a, kid));
		puts(kid);
		return 0;
	}
	if (strcmp(sub, "keygen") == 0) {
		EVP_PKEY *k = signing_key(&a);
		if (aiot_jws_kid(k, kid) != 0 ||
		    (a.pub != NULL && aiot_jws_pubkey_save(k, a.pub, err, sizeof err) != 0))
			cli_fail(CLI_EXIT_FAIL, "token: %s", a.pub ? err : "no key id");
		EVP_PKEY_free(k);
		puts(kid);
		return 0;
	}
	cli_fail(CLI_EXIT_USAGE, "token: keygen, kid, sign or verify\n%s", token_usage);
}
