/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Naanf_AKMA (TS 29.535 5.2.2, TS29535_Naanf_AKMA.yaml): every check of a request before the
 * contexts are touched; every answer a schema of the YAMLs or a ProblemDetails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aanf_internal.h"
#include "common/aiot_err.h"
#include "common/hex.h"
#include "crypto/aka5g.h"
#include "crypto/ct.h"
#include "sbi/sbi_json.h"

/* "<name>: <what>", 400 with cause. -1. */
static int refuse(sbi_err *e, const char *cause, const char *name, const char *what)
{
	e->cause = cause;
	e->status = 400;
	snprintf(e->text, sizeof e->text, "%s: %s", name, what);
	return -1;
}

/* A string member of 1..max bytes without control characters: 1, 0 (absent, optional), -1. */
static int get_str(const cJSON *j, const char *name, int required, size_t max, const char **out,
                   sbi_err *e)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(j, name);
	const char *bad = required ? "MANDATORY_IE_INCORRECT" : "OPTIONAL_IE_INCORRECT";
	if (it == NULL)
		return required ? refuse(e, "MANDATORY_IE_MISSING", name, "missing") : 0;
	if (!cJSON_IsString(it))
		return refuse(e, bad, name, "expected a string");
	size_t n = strlen(it->valuestring);
	if (n == 0 || n > max)
		return refuse(e, bad, name, "empty or too long");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)it->valuestring[i] < 0x20 || it->valuestring[i] == 0x7f)
			return refuse(e, bad, name, "control character");
	*out = it->valuestring;
	return 1;
}

/* AKId (TS29522_AKMA.yaml): the A-KID of DESIGN's convention, RID.A-TID@realm. */
static int get_akid(const cJSON *j, const char **akid, sbi_err *e)
{
	char rid[5], mcc[4], mnc[4];
	uint8_t atid[32];
	if (get_str(j, "aKId", 1, AANF_AKID_MAX, akid, e) < 0)
		return -1;
	int rc = aiot_akma_akid_parse(*akid, rid, atid, mcc, mnc);
	aiot_zeroize(atid, sizeof atid);
	return rc == AIOT_OK
	           ? 0
	           : refuse(e, "MANDATORY_IE_INCORRECT", "aKId", "not an A-KID (TS 33.535 6.1)");
}

/* suppFeat: SupportedFeatures (TS 29.571), ^[A-Fa-f0-9]*$. */
static int check_supp_feat(const cJSON *j, sbi_err *e)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(j, "suppFeat");
	if (it == NULL)
		return 0;
	if (!cJSON_IsString(it) ||
	    strspn(it->valuestring, "0123456789abcdefABCDEF") != strlen(it->valuestring))
		return refuse(e, "OPTIONAL_IE_INCORRECT", "suppFeat", "expected hex digits");
	return 0;
}

/* An AF FQDN (RFC 1035 2.3.1 as relaxed by RFC 1123): labels of letters, digits, hyphens. */
static int fqdn_valid(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		char c = s[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		           (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
			label++;
		} else {
			return 0;
		}
	}
	return 1;
}

static void reject(aanf *a, sbi_response *resp, const sbi_err *e)
{
	atomic_fetch_add(&a->rejected, 1);
	sbi_problem(resp, sbi_err_status(e), e->cause, "%s", e->text);
}

/* Takes j: prints it, wipes it (it holds a key), answers status. */
static void reply(sbi_response *resp, int status, cJSON *j)
{
	char *txt = j ? cJSON_PrintUnformatted(j) : NULL;
	sbi_json_wipe(j);
	if (txt == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	sbi_json(resp, status, txt);
	resp->sensitive = 1; /* wiped when sent */
}

/* AkmaKeyInfo of a register-anchorkey: aKId, kAkma and the SUPI (TS 29.535 5.2.2.2). */
static int parse_key_info(const cJSON *j, const char **akid, const char **supi,
                          uint8_t kakma[AANF_KAKMA_LEN], sbi_err *e)
{
	if (check_supp_feat(j, e) != 0 || get_akid(j, akid, e) != 0 ||
	    sbi_json_hex(j, "kAkma", 1, kakma, AANF_KAKMA_LEN, e) < 0)
		return -1;
	int has_gpsi = cJSON_GetObjectItemCaseSensitive(j, "gpsi") != NULL;
	int has_supi = get_str(j, "supi", 0, AANF_SUPI_MAX, supi, e);
	if (has_supi < 0)
		return -1;
	if (has_supi && has_gpsi) /* oneOf: [supi] | [gpsi] */
		return refuse(e, "MANDATORY_IE_INCORRECT", "gpsi", "supi and gpsi are exclusive");
	if (!has_supi) /* the contexts are keyed by SUPI, as remove-context (CtxRemove) is */
		return refuse(e, "MANDATORY_IE_MISSING", "supi", "required by this AAnF");
	return 0;
}

void naanf_register_anchorkey(aanf *a, const sbi_request *req, sbi_response *resp)
{
	sbi_err e = {0};
	uint8_t kakma[AANF_KAKMA_LEN];
	const char *akid, *supi;
	int replaced = 0;
	atomic_fetch_add(&a->ops[AANF_OP_REGISTER], 1);
	cJSON *j = sbi_json_parse_object(req->body, req->body_len, &e);
	if (j == NULL || parse_key_info(j, &akid, &supi, kakma, &e) != 0) {
		reject(a, resp, &e);
		goto out;
	}
	if (aanf_store_register(a, akid, supi, kakma, &replaced) != AIOT_OK) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "the AKMA context could not be stored");
		goto out;
	}
	if (replaced)
		atomic_fetch_add(&a->replaced, 1);
	cJSON *o = cJSON_CreateObject(); /* 200 AkmaKeyInfo: what is now stored */
	if (o != NULL &&
	    (sbi_json_put(o, "supi", cJSON_CreateString(supi)) != 0 ||
	     sbi_json_put(o, "aKId", cJSON_CreateString(akid)) != 0 ||
	     sbi_json_put(o, "kAkma", sbi_json_hex_item(kakma, AANF_KAKMA_LEN)) != 0)) {
		sbi_json_wipe(o);
		o = NULL;
	}
	reply(resp, 200, o);
out:
	aiot_zeroize(kakma, sizeof kakma);
	sbi_json_wipe(j); /* the request's kAkma */
}

/* AkmaAfKeyRequest (TS29522_AKMA.yaml): afId (the AF's FQDN here) and aKId. */
static int parse_af_key_request(const cJSON *j, const char **af_id, const char **akid, int *anon,
                                sbi_err *e)
{
	const char *uri;
	if (check_supp_feat(j, e) != 0 || get_str(j, "afId", 1, 253, af_id, e) < 0)
		return -1;
	if (!fqdn_valid(*af_id))
		return refuse(e, "MANDATORY_IE_INCORRECT", "afId", "not an FQDN");
	if (get_akid(j, akid, e) != 0 || get_str(j, "notifUri", 0, 2048, &uri, e) < 0 ||
	    sbi_json_bool(j, "anonInd", 0, anon, e) < 0)
		return -1;
	return 0;
}

static int supi_allowed(const aanf *a, const char *af_id)
{
	for (char **p = a->supi_afs; p != NULL && *p != NULL; p++)
		if (strcasecmp(*p, af_id) == 0)
			return 1;
	return 0;
}

static char *put(char *o, const char *s)
{
	size_t n = strlen(s);
	memcpy(o, s, n);
	return o + n;
}

/* 200 AkmaAfKeyData: kaf (hex), expiry (now + kaf-lifetime-s) and the SUPI when allowed,
 * written straight into the body: the one copy of K_AF in the answer, wiped when sent. */
static void af_key_data(const aanf *a, const uint8_t kaf[32], const char *supi, sbi_response *resp)
{
	char expiry[32], *b, *o;
	struct tm tm;
	time_t t = time(NULL) + (time_t)a->kaf_lifetime_s;
	size_t n = sizeof "{\"kaf\":\"\",\"expiry\":\"\",\"supi\":\"\"}" + 64 + sizeof expiry +
	           (supi != NULL ? sbi_json_escape(NULL, supi) : 0);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(expiry, sizeof expiry, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 ||
	    (b = malloc(n)) == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	o = put(b, "{\"kaf\":\"");
	aiot_hex_encode(kaf, 32, o);
	o = put(put(put(o + 64, "\",\"expiry\":\""), expiry), "\"");
	if (supi != NULL) {
		o = put(o, ",\"supi\":\"");
		o += sbi_json_escape(o, supi);
		o = put(o, "\"");
	}
	o = put(o, "}");
	*o = '\0';
	sbi_json(resp, 200, b);
	resp->sensitive = 1; /* wiped when sent */
}

void naanf_retrieve_applicationkey(aanf *a, const sbi_request *req, sbi_response *resp)
{
	sbi_err e = {0};
	uint8_t kakma[AANF_KAKMA_LEN], kaf[32];
	char supi[AANF_SUPI_MAX + 1];
	const char *af_id, *akid;
	int anon = 0;
	atomic_fetch_add(&a->ops[AANF_OP_RETRIEVE], 1);
	cJSON *j = sbi_json_parse_object(req->body, req->body_len, &e);
	if (j == NULL || parse_af_key_request(j, &af_id, &akid, &anon, &e) != 0) {
		reject(a, resp, &e);
		goto out;
	}
	if (aanf_store_find(a, akid, kakma, supi) != AIOT_OK) {
		atomic_fetch_add(&a->kaf[AANF_KAF_UNKNOWN], 1);
		resp->status = 204; /* TS 29.535 5.2.2.3: no AKMA context for this A-KID */
		goto out;
	}
	/* TS 33.535 6.2 / A.4: K_AF for AF_ID = the AF's FQDN || the Ua* protocol identifier. */
	if (aiot_akma_kaf(kakma, af_id, a->ua_id, kaf) != AIOT_OK) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "K_AF derivation failed");
		goto out;
	}
	atomic_fetch_add(&a->kaf[AANF_KAF_ISSUED], 1);
	af_key_data(a, kaf, !anon && supi_allowed(a, af_id) ? supi : NULL, resp);
out:
	aiot_zeroize(kakma, sizeof kakma);
	aiot_zeroize(kaf, sizeof kaf);
	cJSON_Delete(j);
}

void naanf_remove_context(aanf *a, const sbi_request *req, sbi_response *resp)
{
	sbi_err e = {0};
	const char *supi;
	atomic_fetch_add(&a->ops[AANF_OP_REMOVE], 1);
	cJSON *j = sbi_json_parse_object(req->body, req->body_len, &e);
	/* CtxRemove: 'the "supi" attribute shall be included' (TS 29.535 6.1.6.2.3). */
	if (j == NULL || get_str(j, "supi", 1, AANF_SUPI_MAX, &supi, &e) < 0) {
		reject(a, resp, &e);
		goto out;
	}
	int rc = aanf_store_remove(a, supi);
	if (rc == AIOT_OK)
		resp->status = 204;
	else if (rc == AIOT_ERR_UNKNOWN)
		sbi_problem(resp, 404, NULL, "no AKMA context for this SUPI");
	else
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "the AKMA context could not be removed");
out:
	cJSON_Delete(j);
}
