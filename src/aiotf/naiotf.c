/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Naiotf_AIoT (TS 29.569, naiotf-aiot/v1 1.0.1) request bodies: InventoryReq and CommandReq
 * checked against the OpenAPI schema (required members, anyOf targetArea/targetDevices,
 * AIoTDevices oneOf devices/filteringInfo, AiotArea patterns, devLocReqInd only true) plus
 * what the command needs to be executable (TS 23.369 5.2.2: READ offset+length, WRITE
 * offset+data, in the ranges of docs/protocol.md §3.3); and the DoaSubscription of our own
 * extension (openapi/Naiotf_DoA.yaml).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiotf_internal.h"
#include "common/base64.h"

#define MISSING "MANDATORY_IE_MISSING"
#define INCORRECT "MANDATORY_IE_INCORRECT"
#define OPT_INCORRECT "OPTIONAL_IE_INCORRECT"

static int bad(sbi_err *e, const char *cause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(sbi_err *e, const char *cause, const char *fmt, ...)
{
	va_list ap;
	e->cause = cause;
	e->status = 0; /* 400, or 500 for SYSTEM_FAILURE (sbi_err_status) */
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
	return -1;
}

static int match_digits(const char *s, size_t min, size_t max, int hex)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= '0' && c <= '9') ||
		         (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
		if (!ok)
			return 0;
	}
	return 1;
}

/* Optional string member matching a digit pattern; required adds MISSING. */
static int pattern_member(const cJSON *o, const char *name, int required, size_t min, size_t max,
                          int hex, const char *where, sbi_err *e)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	if (it == NULL)
		return required ? bad(e, MISSING, "%s%s: missing", where, name) : 0;
	if (!cJSON_IsString(it) || !match_digits(it->valuestring, min, max, hex))
		return bad(e, required ? INCORRECT : OPT_INCORRECT,
		           "%s%s: does not match its pattern", where, name);
	return 1;
}

/* Uinteger (TS 29.571): an integral JSON number >= 0, here also <= max. */
static int uint_member(const cJSON *o, const char *name, unsigned long max, unsigned long *out,
                       sbi_err *e)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	if (it == NULL)
		return 0;
	double v = cJSON_IsNumber(it) ? it->valuedouble : -1;
	if (!cJSON_IsNumber(it) || v < 0 || v != floor(v) || v > (double)max) {
		char m[32];
		snprintf(m, sizeof m, "%lu", max);
		return bad(e, OPT_INCORRECT, "%s: expected an integer from 0 to %s", name, m);
	}
	*out = (unsigned long)v;
	return 1;
}

static void copy_member(const cJSON *o, const char *name, char *out, size_t cap)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	snprintf(out, cap, "%s", cJSON_IsString(it) ? it->valuestring : "");
}

/* AiotArea: {areaIds: [AiotAreaId{plmnId{mcc,mnc}, nid?, aiotAreaCode}], minItems 1}.
 * where names the member in error texts ("targetArea", "allowedArea"). */
int naiotf_parse_area(const cJSON *area, const char *where, aiotf_area **out, size_t *n, sbi_err *e)
{
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(area, "areaIds");
	char w[64], wp[64];
	snprintf(w, sizeof w, "%s.areaIds[].", where);
	snprintf(wp, sizeof wp, "%s.areaIds[].plmnId.", where);
	if (!cJSON_IsObject(area))
		return bad(e, INCORRECT, "%s: expected an AiotArea object", where);
	if (ids == NULL)
		return bad(e, MISSING, "%s.%s: missing", where, "areaIds");
	if (!cJSON_IsArray(ids) || cJSON_GetArraySize(ids) < 1)
		return bad(e, INCORRECT, "%s.%s: expected a non-empty array", where, "areaIds");
	size_t cnt = (size_t)cJSON_GetArraySize(ids), i = 0;
	aiotf_area *v = calloc(cnt, sizeof *v);
	if (v == NULL)
		return bad(e, "SYSTEM_FAILURE", "%s%s: out of memory", "", "");
	const cJSON *it;
	cJSON_ArrayForEach(it, ids)
	{
		const cJSON *plmn = cJSON_GetObjectItemCaseSensitive(it, "plmnId");
		int rc = 0;
		if (!cJSON_IsObject(it))
			rc =
			    bad(e, INCORRECT, "%s.areaIds[]: expected an AiotAreaId object", where);
		else if (plmn == NULL)
			rc = bad(e, MISSING, "%s%s: missing", w, "plmnId");
		else if (!cJSON_IsObject(plmn))
			rc = bad(e, INCORRECT, "%s%s: expected a PlmnId object", w, "plmnId");
		if (rc < 0 || pattern_member(plmn, "mcc", 1, 3, 3, 0, wp, e) < 0 ||
		    pattern_member(plmn, "mnc", 1, 2, 3, 0, wp, e) < 0 ||
		    pattern_member(it, "nid", 0, 11, 11, 1, w, e) < 0 ||
		    pattern_member(it, "aiotAreaCode", 1, 6, 6, 1, w, e) < 0) {
			free(v);
			return -1;
		}
		copy_member(plmn, "mcc", v[i].mcc, sizeof v[i].mcc);
		copy_member(plmn, "mnc", v[i].mnc, sizeof v[i].mnc);
		copy_member(it, "nid", v[i].nid, sizeof v[i].nid);
		copy_member(it, "aiotAreaCode", v[i].code, sizeof v[i].code);
		i++;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int id_cmp(const void *x, const void *y)
{
	const aiotf_id *a = *(const aiotf_id *const *)x, *b = *(const aiotf_id *const *)y;
	if (a->len != b->len)
		return a->len - b->len;
	int c = memcmp(a->b, b->b, a->len);
	return c != 0 ? c : (a > b) - (a < b); /* equal ids: the first named sorts first */
}

/* A device named many times is paged and authenticated once: without this, copies of one
 * identifier multiply pagings and ADM calls (TS 33.369 5.2.2 per device). Order is kept. */
static int devices_merge(aiotf_id *d, size_t *n)
{
	const aiotf_id **v = malloc(*n * sizeof *v);
	uint8_t *dup = calloc(*n, 1);
	size_t i, k = 0;
	int rc = -1;
	if (v == NULL || dup == NULL)
		goto fail;
	for (i = 0; i < *n; i++)
		v[i] = &d[i];
	qsort(v, *n, sizeof *v, id_cmp);
	for (i = 1; i < *n; i++)
		if (v[i]->len == v[i - 1]->len && memcmp(v[i]->b, v[i - 1]->b, v[i]->len) == 0)
			dup[v[i] - d] = 1;
	for (i = 0; i < *n; i++)
		if (!dup[i])
			d[k++] = d[i];
	*n = k;
	rc = 0;
fail:
	free(v);
	free(dup);
	return rc;
}

/* AIoTDevices: oneOf devices (AiotDevPermId[], minItems 1) / filteringInfo. */
static int check_devices(const cJSON *td, aiotf_req *r, sbi_err *e)
{
	if (!cJSON_IsObject(td))
		return bad(e, INCORRECT, "%s%s: expected an AIoTDevices object", "targetDevices",
		           "");
	const cJSON *devs = cJSON_GetObjectItemCaseSensitive(td, "devices");
	const cJSON *filt = cJSON_GetObjectItemCaseSensitive(td, "filteringInfo");
	if ((devs == NULL) == (filt == NULL))
		return bad(e, INCORRECT, "%s%s: exactly one of devices and filteringInfo",
		           "targetDevices", "");
	if (filt != NULL) {
		size_t n = 0;
		if (sbi_json_b64(td, "filteringInfo", 1, r->filt.b, sizeof r->filt.b, &n, e) < 0) {
			snprintf(e->text, sizeof e->text,
			         "targetDevices.filteringInfo: expected base64 of 1 to %d bytes",
			         AIOT_NAS_MAX_ID_LEN);
			return -1;
		}
		r->filt.len = (uint8_t)n;
		r->kind = TGT_FILTER;
		return 0;
	}
	const cJSON *arr;
	size_t n;
	if (sbi_json_array(td, "devices", 1, AIOTF_MAX_DEVICES_PER_REQ, &arr, &n, e) < 0) {
		if (e->status != 413)
			snprintf(e->text, sizeof e->text,
			         "targetDevices.devices: expected a non-empty array");
		return -1;
	}
	if ((r->devs = calloc(n, sizeof *r->devs)) == NULL)
		return bad(e, "SYSTEM_FAILURE", "%s%s: out of memory", "", "");
	const cJSON *it;
	size_t i = 0;
	cJSON_ArrayForEach(it, arr)
	{
		int len = cJSON_IsString(it)
		              ? aiot_b64_decode(it->valuestring, strlen(it->valuestring),
		                                r->devs[i].b, sizeof r->devs[i].b)
		              : -1;
		if (len <= 0) {
			e->cause = INCORRECT;
			snprintf(
			    e->text, sizeof e->text,
			    "targetDevices.devices[%zu]: expected an AiotDevPermId (base64 of 1 "
			    "to %d bytes)",
			    i, AIOT_NAS_MAX_ID_LEN);
			return -1;
		}
		r->devs[i++].len = (uint8_t)len;
	}
	if (devices_merge(r->devs, &n) != 0)
		return bad(e, "SYSTEM_FAILURE", "%s%s: out of memory", "", "");
	r->ndevs = n;
	r->kind = TGT_DEVICES;
	return 0;
}

static int check_string(const cJSON *j, const char *name, char **out, sbi_err *e)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(j, name);
	if (it == NULL)
		return bad(e, MISSING, "%s%s: missing", name, "");
	if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
		return bad(e, INCORRECT, "%s%s: expected a non-empty string", name, "");
	if ((*out = strdup(it->valuestring)) == NULL)
		return bad(e, "SYSTEM_FAILURE", "%s%s: out of memory", "", "");
	return 0;
}

static int check_command(const cJSON *j, aiotf_req *r, sbi_err *e)
{
	const cJSON *ct = cJSON_GetObjectItemCaseSensitive(j, "commandType");
	unsigned long off = 0, len = 0, msz = 0;
	int hoff, hlen;
	if (ct == NULL)
		return bad(e, MISSING, "%s%s: missing", "commandType", "");
	if (!cJSON_IsString(ct))
		return bad(e, INCORRECT, "%s%s: expected a string", "commandType", "");
	if (strcmp(ct->valuestring, "READ") == 0)
		r->cmd = AIOT_CMD_READ;
	else if (strcmp(ct->valuestring, "WRITE") == 0)
		r->cmd = AIOT_CMD_WRITE;
	else if (strcmp(ct->valuestring, "PERMANENT_DISABLE") == 0)
		r->cmd = AIOT_CMD_DISABLE;
	else /* the anyOf string branch: well-formed, but nothing this AIOTF can execute */
		return bad(e, INCORRECT, "commandType: '%s' is not supported%s", ct->valuestring,
		           "");
	if ((hoff = uint_member(j, "offset", 65535, &off, e)) < 0 ||
	    (hlen = uint_member(j, "length", AIOT_NAS_MAX_DATA, &len, e)) < 0 ||
	    uint_member(j, "msgSize", 0xffffffffu, &msz, e) < 0)
		return -1;
	size_t dlen = 0;
	int hdata = sbi_json_b64(j, "data", 0, r->data, sizeof r->data, &dlen, e);
	if (hdata < 0) {
		snprintf(e->text, sizeof e->text, "data: expected base64 of 1 to %d bytes",
		         AIOT_NAS_MAX_DATA);
		return -1;
	}
	if (r->cmd == AIOT_CMD_READ) {
		if (!hoff || !hlen)
			return bad(e, MISSING, "%s%s: READ requires offset and length",
			           hoff ? "length" : "offset", "");
		if (len == 0)
			return bad(e, OPT_INCORRECT, "length: 1 to 200%s%s", "", "");
	} else if (r->cmd == AIOT_CMD_WRITE) {
		if (!hoff || !hdata)
			return bad(e, MISSING, "%s%s: WRITE requires offset and data",
			           hoff ? "data" : "offset", "");
		if (hlen && len != dlen)
			return bad(e, OPT_INCORRECT, "length: must equal the length of data%s%s",
			           "", "");
		len = dlen;
	}
	if (r->cmd != AIOT_CMD_DISABLE && off + len > 65536)
		return bad(e, OPT_INCORRECT, "offset + length: beyond the 64 KiB user memory%s%s",
		           "", "");
	r->offset = (uint16_t)off;
	r->length = (uint8_t)len;
	return 0;
}

/* DoaSubscription (openapi/Naiotf_DoA.yaml) past afId and notifUri: targetDevices (the
 * filter, optional: absent selects every device) and regInd. targetArea is refused rather
 * than ignored: a DO-A uplink names no area, so no area filter could be applied. */
static int check_doa_sub(const cJSON *j, aiotf_req *r, sbi_err *e)
{
	const cJSON *td = cJSON_GetObjectItemCaseSensitive(j, "targetDevices");
	const cJSON *ri = cJSON_GetObjectItemCaseSensitive(j, "regInd");
	r->kind = TGT_AREA;
	if (cJSON_GetObjectItemCaseSensitive(j, "targetArea") != NULL)
		return bad(e, OPT_INCORRECT, "targetArea: a DO-A subscription filters by %s%s",
		           "targetDevices only", "");
	if (ri != NULL && !cJSON_IsBool(ri))
		return bad(e, OPT_INCORRECT, "regInd: expected a boolean%s%s", "", "");
	r->reg_ind = cJSON_IsTrue(ri);
	return td != NULL ? check_devices(td, r, e) : 0;
}

aiotf_req *naiotf_parse(tx_type type, const uint8_t *body, size_t len, sbi_err *e)
{
	cJSON *j = sbi_json_parse_object(body, len, e);
	aiotf_req *r = j ? calloc(1, sizeof *r) : NULL;
	unsigned long v;
	int rc;
	if (r == NULL) {
		if (j != NULL)
			bad(e, "SYSTEM_FAILURE", "%s%s: out of memory", "", "");
		goto fail;
	}
	r->type = type;
	if (check_string(j, "afId", &r->af_id, e) < 0 ||
	    check_string(j, "notifUri", &r->notif_uri, e) < 0)
		goto fail;
	char host[256];
	int tls, port;
	const char *path;
	if (strlen(r->notif_uri) >= AIOTF_MAX_URI ||
	    sbi_parse_url(r->notif_uri, &tls, host, sizeof host, &port, &path) != 0) {
		bad(e, INCORRECT, "notifUri: expected http://HOST:PORT/path or https://...%s%s", "",
		    "");
		goto fail;
	}
	if (type == TX_COMMAND && check_command(j, r, e) < 0)
		goto fail;
	if (type == TX_DOA_SUB) {
		if (check_doa_sub(j, r, e) < 0)
			goto fail;
		cJSON_Delete(j);
		return r;
	}
	const cJSON *area = cJSON_GetObjectItemCaseSensitive(j, "targetArea");
	const cJSON *td = cJSON_GetObjectItemCaseSensitive(j, "targetDevices");
	if (area == NULL && td == NULL) {
		bad(e, MISSING, "%s%s: at least one of targetArea and targetDevices is required",
		    "targetArea/targetDevices", "");
		goto fail;
	}
	r->kind = TGT_AREA;
	if ((area != NULL && naiotf_parse_area(area, "targetArea", &r->areas, &r->nareas, e) < 0) ||
	    (td != NULL && check_devices(td, r, e) < 0))
		goto fail;
	if ((rc = uint_member(j, "numDevices", 0xffffffffu, &v, e)) < 0)
		goto fail;
	r->num_devices = rc ? (uint32_t)v : 0;
	const cJSON *ti = cJSON_GetObjectItemCaseSensitive(j, "timeInterval");
	if (ti != NULL) { /* DurationSec: an integer */
		if (!cJSON_IsNumber(ti) || ti->valuedouble != floor(ti->valuedouble) ||
		    ti->valuedouble < 0 || ti->valuedouble > 1e9) {
			bad(e, OPT_INCORRECT,
			    "timeInterval: expected an integer number of seconds%s%s", "", "");
			goto fail;
		}
		r->time_interval = (uint32_t)ti->valuedouble;
	}
	const cJSON *loc = cJSON_GetObjectItemCaseSensitive(j, "devLocReqInd");
	if (loc != NULL && !cJSON_IsTrue(loc)) {
		bad(e, OPT_INCORRECT, "devLocReqInd: when present, it shall be true%s%s", "", "");
		goto fail;
	}
	if (pattern_member(j, "suppFeat", 0, 0, 256, 1, "", e) < 0)
		goto fail;
	cJSON_Delete(j);
	return r;
fail:
	cJSON_Delete(j);
	aiotf_req_free(r);
	return NULL;
}

void aiotf_req_free(aiotf_req *r)
{
	if (r == NULL)
		return;
	free(r->af_id);
	free(r->notif_uri);
	free(r->devs);
	free(r->areas);
	free(r);
}
