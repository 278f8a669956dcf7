/* SPDX-License-Identifier: Apache-2.0 */
/* NFProfile checks, TS 29.510 6.1.6.2.2 (nrf_profile.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "svc/nf_id.h"
#include "nrf_profile.h"

static int bad(sbi_err *e, const char *cause, const char *what)
{
	e->status = 400;
	e->cause = cause;
	snprintf(e->text, sizeof e->text, "NFProfile: %s", what);
	return -1;
}

static int string_array(const cJSON *p, const char *name)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(p, name), *it;
	if (a == NULL)
		return 0;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 1)
		return -1;
	cJSON_ArrayForEach(it, a) if (!cJSON_IsString(it)) return -1;
	return 1;
}

/* TS 29.510 6.1.6.2.3 NFService: serviceInstanceId, serviceName, versions, scheme,
 * nfServiceStatus. */
static int service_check(const cJSON *s, sbi_err *e)
{
	static const char *const str[] = {"serviceInstanceId", "serviceName", "scheme",
	                                  "nfServiceStatus"};
	if (!cJSON_IsObject(s))
		return bad(e, "MANDATORY_IE_INCORRECT", "an NFService is an object");
	for (size_t i = 0; i < sizeof str / sizeof str[0]; i++)
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(s, str[i])))
			return bad(e, "MANDATORY_IE_MISSING",
			           "NFService needs serviceInstanceId, "
			           "serviceName, versions, scheme, "
			           "nfServiceStatus");
	const char *scheme = cJSON_GetObjectItemCaseSensitive(s, "scheme")->valuestring;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "versions");
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		return bad(e, "MANDATORY_IE_INCORRECT", "NFService scheme is http or https");
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1)
		return bad(e, "MANDATORY_IE_INCORRECT", "NFService versions: at least one");
	return 0;
}

static int services_check(const cJSON *p, sbi_err *e)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(p, "nfServiceList"), *s;
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(p, "nfServices");
	if ((list && (!cJSON_IsObject(list) || cJSON_GetArraySize(list) < 1)) ||
	    (arr && (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1)))
		return bad(e, "MANDATORY_IE_INCORRECT", "nfServiceList / nfServices malformed");
	cJSON_ArrayForEach(s, list)
	{
		if (service_check(s, e) != 0)
			return -1;
		/* TS 29.510 6.1.6.2.2: the key of nfServiceList is the serviceInstanceId */
		if (strcmp(s->string,
		           cJSON_GetObjectItemCaseSensitive(s, "serviceInstanceId")->valuestring) !=
		    0)
			return bad(e, "MANDATORY_IE_INCORRECT",
			           "nfServiceList key differs from its serviceInstanceId");
	}
	cJSON_ArrayForEach(s, arr) if (service_check(s, e) != 0) return -1;
	return 0;
}

int nrf_profile_check(const cJSON *p, const char *id, sbi_err *e)
{
	if (!cJSON_IsObject(p))
		return bad(e, "INVALID_MSG_FORMAT", "the body is not an object");
	const cJSON *iid = cJSON_GetObjectItemCaseSensitive(p, "nfInstanceId");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(p, "nfType");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(p, "nfStatus");
	const cJSON *hb = cJSON_GetObjectItemCaseSensitive(p, "heartBeatTimer");
	const cJSON *fqdn = cJSON_GetObjectItemCaseSensitive(p, "fqdn");
	if (iid == NULL || type == NULL || st == NULL)
		return bad(e, "MANDATORY_IE_MISSING",
		           "nfInstanceId, nfType and nfStatus are required");
	if (!cJSON_IsString(iid) || !aiot_uuid_valid(iid->valuestring))
		return bad(e, "MANDATORY_IE_INCORRECT", "nfInstanceId is not a UUID");
	/* TS 29.510 5.2.2.2.2: the profile's nfInstanceId is the one of the resource URI */
	if (strcasecmp(iid->valuestring, id) != 0)
		return bad(e, "MANDATORY_IE_INCORRECT", "nfInstanceId differs from the URI's");
	if (!cJSON_IsString(type) || type->valuestring[0] == '\0' || !cJSON_IsString(st) ||
	    st->valuestring[0] == '\0')
		return bad(e, "MANDATORY_IE_INCORRECT", "nfType and nfStatus are strings");
	if (hb != NULL && (!cJSON_IsNumber(hb) || hb->valuedouble < 1 ||
	                   hb->valuedouble != (double)(long long)hb->valuedouble))
		return bad(e, "MANDATORY_IE_INCORRECT", "heartBeatTimer is an integer >= 1");
	int v4 = string_array(p, "ipv4Addresses"), v6 = string_array(p, "ipv6Addresses");
	if (v4 < 0 || v6 < 0 || (fqdn != NULL && !cJSON_IsString(fqdn)))
		return bad(e, "MANDATORY_IE_INCORRECT",
		           "fqdn, ipv4Addresses or ipv6Addresses malformed");
	if (v4 == 0 && v6 == 0 && fqdn == NULL)
		return bad(e, "MANDATORY_IE_MISSING", "one of fqdn, ipv4Addresses, ipv6Addresses");
	return services_check(p, e);
}

static int named(const cJSON *s, const char *const *names, size_t n)
{
	const cJSON *sn = cJSON_GetObjectItemCaseSensitive(s, "serviceName");
	for (size_t i = 0; cJSON_IsString(sn) && i < n; i++)
		if (strcmp(sn->valuestring, names[i]) == 0)
			return 1;
	return 0;
}

int nrf_profile_has_service(const cJSON *p, const char *const *names, size_t n)
{
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(
	                          p, "nfServiceList")) if (named(s, names, n)) return 1;
	cJSON_ArrayForEach(
	    s, cJSON_GetObjectItemCaseSensitive(p, "nfServices")) if (named(s, names, n)) return 1;
	return 0;
}
