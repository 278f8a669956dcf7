/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AAnF's request path on arbitrary input: routing, content-type and the three Naanf_AKMA
 * operations end to end (JSON, A-KID, FQDN and key checks; the index; K_AF; the answers)
 * against a real store holding one context, whose A-KID the retrieve inputs may name.
 * Input: byte 0 selects the operation (and, with bit 2, a wrong method or content-type); the
 * rest is the body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aanf/aanf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define AKID                                                                                       \
	"12.00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff@5gc.mnc001.mcc001."   \
	"3gppnetwork.org"

static aanf *g_aanf;
static char g_dir[64];

static void remove_scratch(void)
{
	char cmd[128];
	aanf_free(g_aanf);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", g_dir);
}

static void call(const char *method, const char *op, const char *ct, const uint8_t *body,
                 size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/naanf-akma/v1/%s", op);
	sbi_request req = {
	    .method = method, .path = path, .content_type = ct, .body = body, .body_len = len};
	sbi_response resp = {0};
	aanf_handle(g_aanf, &req, &resp);
	free(resp.body);
}

static void setup(void)
{
	char dir[] = "/tmp/aiot-fuzz-aanf.XXXXXX", uri[128], err[256];
	static const char reg[] = "{\"supi\":\"imsi-001010000000001\",\"aKId\":\"" AKID
	                          "\",\"kAkma\":\"000102030405060708090a0b0c0d0e0f"
	                          "101112131415161718191a1b1c1d1e1f\"}";
	uint8_t kek[32];
	if (mkdtemp(dir) == NULL)
		abort(); /* local invariant of the harness, not peer data */
	snprintf(g_dir, sizeof g_dir, "%s", dir);
	for (int i = 0; i < 32; i++)
		kek[i] = (uint8_t)i;
	snprintf(uri, sizeof uri, "sqlite:%s/aanf.db", dir);
	aanf_cfg cfg = {.store_uri = uri,
	                .kek = kek,
	                .ua_id = {1, 0, 0, 0, 7},
	                .kaf_lifetime_s = 3600,
	                .supi_afs = "af.example.org"};
	if ((g_aanf = aanf_new(&cfg, err, sizeof err)) == NULL)
		abort();
	atexit(remove_scratch);
	call("POST", "register-anchorkey", "application/json", (const uint8_t *)reg, strlen(reg));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ops[] = {"retrieve-applicationkey", "register-anchorkey",
	                                  "remove-context", "unknown"};
	if (g_aanf == NULL)
		setup();
	if (size < 1)
		return 0;
	int odd = (data[0] & 4) != 0;
	call(odd && (data[0] & 8) ? "GET" : "POST", ops[data[0] % 4],
	     odd ? "text/plain" : "application/json", data + 1, size - 1);
	return 0;
}
