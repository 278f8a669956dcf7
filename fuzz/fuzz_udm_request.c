/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The UDM's request path on arbitrary input: udm_handle end to end against a real store of
 * one subscriber (routing, the {supiOrSuci} segment, the AuthenticationInfoRequest body, the
 * AUTS check, the SQN write), plus the two other decoders of the UDM's side: a provisioning
 * line (aiot provision-ue) and, for the AUSF, the UDM's AuthenticationInfoResult.
 * Input: byte 0 selects; the rest is the body, or "SEGMENT\nBODY" for case 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/ct.h"
#include "udm/udm.h"
#include "udm/udm_sub.h"
#include "udm/ueau.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static udm *g_udm;
static aiot_kvs *g_kvs;
static char g_dir[64];

static void remove_scratch(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", g_dir);
}

static void setup(void)
{
	static const char line[] = "{\"supi\":\"imsi-001010000000001\",\"k\":"
	                           "\"465b5ce8b199b49faa5f0a2ee238a6bc\",\"opc\":"
	                           "\"cd63cb71954a9f4e48a5994e37a02baf\",\"akmaInd\":true}";
	char dir[] = "/tmp/aiot-fuzz-udm.XXXXXX", uri[128], err[256], *meta;
	uint8_t kek[32], secret[UDM_SECRET_LEN];
	udm_sub s;
	if (mkdtemp(dir) == NULL)
		abort(); /* local invariant of the harness, not peer data */
	snprintf(g_dir, sizeof g_dir, "%s", dir);
	atexit(remove_scratch);
	memset(kek, 7, sizeof kek);
	snprintf(uri, sizeof uri, "sqlite:%s/udm.db", dir);
	if ((g_kvs = aiot_kvs_open(uri, UDM_TABLE, kek, 1, err, sizeof err)) == NULL ||
	    udm_sub_from_line(&s, line, strlen(line), err, sizeof err) != 0 ||
	    (meta = udm_sub_meta(&s)) == NULL)
		abort();
	udm_sub_secret(&s, secret);
	if (aiot_kvs_put(g_kvs, s.supi, meta, secret, sizeof secret) != 0 ||
	    (g_udm = udm_new(g_kvs, err, sizeof err)) == NULL)
		abort();
	free(meta);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (g_udm == NULL)
		setup();
	if (size < 1)
		return 0;
	char path[700], err[256];
	sbi_request req = {.method = "POST", .content_type = "application/json"};
	sbi_response resp = {0};
	const uint8_t *body = data + 1;
	size_t len = size - 1;
	switch (data[0] % 4) {
	case 0: /* generate-auth-data of the known subscriber with this body */
		req.path = "/nudm-ueau/v1/imsi-001010000000001/security-information/"
		           "generate-auth-data";
		break;
	case 1: { /* an arbitrary {supiOrSuci} segment, then the body */
		const uint8_t *nl = memchr(body, '\n', len);
		size_t seg = nl ? (size_t)(nl - body) : len;
		snprintf(path, sizeof path,
		         "/nudm-ueau/v1/%.*s/security-information/generate-auth-data",
		         (int)(seg < 500 ? seg : 500), (const char *)body);
		req.path = path;
		body = nl ? nl + 1 : body + len;
		len = nl ? len - seg - 1 : 0;
		break;
	}
	case 2: { /* a provisioning line */
		udm_sub s;
		udm_sub_from_line(&s, (const char *)body, len, err, sizeof err);
		aiot_zeroize(&s, sizeof s);
		return 0;
	}
	default: { /* the UDM's answer, as the AUSF reads it */
		ueau_result r;
		sbi_err e = {0};
		ueau_result_parse(body, len, &r, &e);
		return 0;
	}
	}
	uint8_t *copy = malloc(len + 1); /* the server hands over a NUL-terminated body */
	if (copy == NULL)
		return 0;
	memcpy(copy, body, len);
	copy[len] = '\0';
	req.body = copy;
	req.body_len = len;
	udm_handle(g_udm, &req, &resp);
	free(resp.body);
	free(copy);
	return 0;
}
