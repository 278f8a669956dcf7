/* SPDX-License-Identifier: Apache-2.0 */
/* The card's personalisation file (uicc_perso.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hex.h"
#include "crypto/ct.h"
#include "crypto/milenage.h"
#include "devfile/devices_jsonl.h"
#include "sbi/sbi_json.h"
#include "store/private_file.h"
#include "uicc/uicc_perso.h"

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return -1;                                                                         \
	} while (0)

enum { U_IMSI, U_K, U_OPC, U_OP, U_SQN, U_AMF, U_COUNT };
static const char *const usim_names[U_COUNT] = {"imsi", "k", "opc", "op", "sqn", "amf"};

/* Each member of o at most once and among names; m[i] the member called names[i]. */
static int members(const cJSON *o, const char *what, const char *const *names, size_t n,
                   const cJSON **m, char *err, size_t errlen)
{
	if (!cJSON_IsObject(o))
		FAIL("%s: not a JSON object", what);
	for (const cJSON *c = o->child; c != NULL; c = c->next) {
		size_t k = 0;
		while (k < n && strcmp(c->string, names[k]) != 0)
			k++;
		if (k == n)
			FAIL("%s: unknown member \"%.40s\"", what, c->string);
		if (m[k] != NULL)
			FAIL("%s: duplicate member \"%s\"", what, names[k]);
		m[k] = c;
	}
	return 0;
}

/* A hex string of exactly n octets (absent: def, or an error when def is NULL). */
static int hex_member(const cJSON *v, const char *name, uint8_t *out, size_t n, const uint8_t *def,
                      char *err, size_t errlen)
{
	const char *s = cJSON_GetStringValue(v);
	if (v == NULL && def != NULL) {
		memcpy(out, def, n);
		return 0;
	}
	if (s == NULL || strlen(s) != 2 * n || aiot_hex_decode(s, 2 * n, out, n) != (int)n)
		FAIL("usim.%s: not %zu hex digits", name, 2 * n);
	return 0;
}

static int usim(const cJSON *o, uicc_perso *p, char *err, size_t errlen)
{
	static const uint8_t sqn0[6] = {0}, amf0[2] = {0x80, 0x00};
	const cJSON *m[U_COUNT] = {0};
	const char *imsi;
	size_t n;

	if (members(o, "usim", usim_names, U_COUNT, m, err, errlen) != 0)
		return -1;
	imsi = cJSON_GetStringValue(m[U_IMSI]);
	n = imsi ? strlen(imsi) : 0;
	if (n < UICC_IMSI_MIN || n > UICC_IMSI_MAX || strspn(imsi, "0123456789") != n)
		FAIL("usim.imsi: not %d to %d digits", UICC_IMSI_MIN, UICC_IMSI_MAX);
	memcpy(p->imsi, imsi, n + 1);
	if ((m[U_OPC] == NULL) == (m[U_OP] == NULL))
		FAIL("usim: give exactly one of \"opc\" and \"op\"");
	if (hex_member(m[U_K], "k", p->k, 16, NULL, err, errlen) != 0 ||
	    hex_member(m[U_OPC] ? m[U_OPC] : m[U_OP], m[U_OPC] ? "opc" : "op", p->opc, 16, NULL,
	               err, errlen) != 0 ||
	    hex_member(m[U_SQN], "sqn", p->sqn, 6, sqn0, err, errlen) != 0 ||
	    hex_member(m[U_AMF], "amf", p->amf, 2, amf0, err, errlen) != 0)
		return -1;
	if (m[U_OP] != NULL)
		aiot_milenage_opc(p->k, p->opc, p->opc); /* TS 35.206 4.1: OPc from OP */
	p->apps |= UICC_HAS_USIM;
	return 0;
}

/* The credential members of a devices.jsonl line, read by that format's one reader. */
static int aiot(const cJSON *o, uicc_perso *p, char *err, size_t errlen)
{
	static const char *const names[] = {"aiotDevPermId", "key", "suite"};
	const cJSON *m[3] = {0};
	aiot_devline d;
	char msg[160];
	char *text;
	int rc;

	if (members(o, "aiot", names, 3, m, err, errlen) != 0)
		return -1;
	if ((text = cJSON_PrintUnformatted(o)) == NULL)
		FAIL("aiot: out of memory");
	rc = aiot_devline_parse(text, strlen(text), 0, AIOT_DOA_ID_MAX, &d, msg, sizeof msg);
	aiot_zeroize(text, strlen(text));
	free(text);
	if (rc != 0)
		FAIL("aiot: %s", rc > 0 ? "empty" : msg);
	memcpy(p->aiot_key, d.key, d.key_len);
	p->aiot_key_len = d.key_len;
	p->suite = d.suite;
	memcpy(p->perm_id, d.perm_id, d.perm_id_len);
	p->perm_id_len = d.perm_id_len;
	aiot_zeroize(&d, sizeof d);
	p->apps |= UICC_HAS_AIOT;
	return 0;
}

int uicc_perso_parse(const char *text, size_t len, uicc_perso *p, char *err, size_t errlen)
{
	static const char *const names[] = {"usim", "aiot"};
	const cJSON *m[2] = {0};
	const char *end = NULL;
	cJSON *o;
	int rc = -1;

	memset(p, 0, sizeof *p);
	o = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (o == NULL)
		snprintf(err, errlen, "not JSON");
	else if (strspn(end, " \t\r\n") != (size_t)(text + len - end))
		snprintf(err, errlen, "trailing characters after the JSON object");
	else if (members(o, "perso", names, 2, m, err, errlen) != 0)
		;
	else if (m[0] == NULL && m[1] == NULL)
		snprintf(err, errlen, "perso: neither \"usim\" nor \"aiot\"");
	else if ((m[0] == NULL || usim(m[0], p, err, errlen) == 0) &&
	         (m[1] == NULL || aiot(m[1], p, err, errlen) == 0))
		rc = 0;
	sbi_json_wipe(o);
	if (rc != 0)
		aiot_zeroize(p, sizeof *p);
	return rc;
}

int uicc_perso_load(const char *path, uicc_perso *p, char *err, size_t errlen)
{
	char buf[UICC_PERSO_MAX_BYTES + 1], e[300];
	ssize_t n;
	size_t len = 0;
	int fd = aiot_private_open("the perso file", path, O_RDONLY, e, sizeof e), rc;

	if (fd < 0) {
		snprintf(err, errlen, "%s", e);
		return -1;
	}
	while ((n = read(fd, buf + len, sizeof buf - len)) > 0 && len + (size_t)n < sizeof buf)
		len += (size_t)n;
	close(fd);
	if (n != 0) {
		aiot_zeroize(buf, sizeof buf);
		if (n < 0)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		else
			snprintf(err, errlen, "%s: larger than %d bytes", path,
			         UICC_PERSO_MAX_BYTES);
		return -1;
	}
	rc = uicc_perso_parse(buf, len, p, e, sizeof e);
	aiot_zeroize(buf, sizeof buf);
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, e);
	return rc;
}
