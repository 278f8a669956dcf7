/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AF authorization data the ADM serves (Nadm_DM af-authorization-data, TS 29.369 5.2),
 * checked once, when it is loaded, against AfAuthorizationData of TS29369_Nadm_DM.yaml and
 * the TS 29.571 types it references: the ADM answers it as it is, so an operator's mistake
 * is told at start-up instead of being served to every AIOTF as an invalid body.
 */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "adm_internal.h"
#include "common/base64.h"
#include "common/vendor_ext.h"

typedef struct chk {
	char *err;
	size_t errlen;
	const char *af; /* the map key */
} chk;

__attribute__((format(printf, 3, 4))) static int no(chk *c, const char *at, const char *fmt, ...)
{
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "AF authorization data '%.64s': %s: %s", c->af,
	         at[0] ? at : "/", why);
	return -1;
}

/* A string member matching the ERE pattern (the YAML's, anchored). */
static int pattern(chk *c, const cJSON *o, const char *name, int required, const char *re,
                   const char *at)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	regex_t r;
	int ok;
	if (v == NULL)
		return required ? no(c, at, "%s missing", name) : 0;
	if (!cJSON_IsString(v) || regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return no(c, at, "%s: expected a string matching %s", name, re);
	ok = regexec(&r, v->valuestring, 0, NULL, 0) == 0;
	regfree(&r);
	return ok ? 0 : no(c, at, "%s: expected a string matching %s", name, re);
}

/* Every member of o is one of names[] or a vendor extension (TS 29.500 6.6.3). */
static int members(chk *c, const cJSON *o, const char *const *names, const char *at)
{
	for (const cJSON *m = o->child; m != NULL; m = m->next) {
		size_t i = 0;
		while (names[i] != NULL && strcmp(names[i], m->string) != 0)
			i++;
		if (names[i] == NULL && strncmp(m->string, AIOT_VENDOR_EXT, 15) != 0)
			return no(c, at, "unknown member '%.64s'", m->string);
	}
	return 0;
}

/* An array of at least one item; each item passes item(). */
static int array_of(chk *c, const cJSON *o, const char *name, const char *at,
                    int (*item)(chk *, const cJSON *, const char *))
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, name), *it;
	char where[96];
	int i = 0;
	if (a == NULL)
		return 0;
	if (!cJSON_IsArray(a) || a->child == NULL)
		return no(c, at, "%s: expected a non-empty array", name);
	cJSON_ArrayForEach(it, a)
	{
		snprintf(where, sizeof where, "%s/%s/%d", at, name, i++);
		if (item(c, it, where) != 0)
			return -1;
	}
	return 0;
}

static int operation(chk *c, const cJSON *it, const char *at)
{
	return cJSON_IsString(it) ? 0 : no(c, at, "expected an AllowedServiceOperation string");
}

/* Bytes (format byte): base64 of at least one octet. */
static int bytes(chk *c, const cJSON *o, const char *name, const char *at)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	uint8_t buf[AIOT_PERM_ID_MAX];
	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) ||
	    aiot_b64_decode(v->valuestring, strlen(v->valuestring), buf, sizeof buf) <= 0)
		return no(c, at, "%s: expected base64 of 1 to %d octets", name, AIOT_PERM_ID_MAX);
	return 1;
}

static int target(chk *c, const cJSON *it, const char *at)
{
	static const char *const names[] = {"aiotDevPermId", "filteringInfo", NULL};
	int n;
	if (!cJSON_IsObject(it))
		return no(c, at, "expected an AllowedTargetAiotDevice object");
	if (members(c, it, names, at) != 0)
		return -1;
	if ((n = bytes(c, it, "aiotDevPermId", at)) < 0)
		return -1;
	int f = bytes(c, it, "filteringInfo", at);
	if (f < 0)
		return -1;
	return n + f == 1 ? 0 : no(c, at, "either aiotDevPermId or filteringInfo shall be present");
}

/* AiotAreaId (TS 29.571): plmnId, nid, aiotAreaCode. */
static int area_id(chk *c, const cJSON *it, const char *at)
{
	static const char *const names[] = {"plmnId", "nid", "aiotAreaCode", NULL};
	static const char *const plmn_names[] = {"mcc", "mnc", NULL};
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(it, "plmnId");
	char pat[96];
	if (!cJSON_IsObject(it))
		return no(c, at, "expected an AiotAreaId object");
	if (!cJSON_IsObject(p))
		return no(c, at, "plmnId: expected a PlmnId object");
	snprintf(pat, sizeof pat, "%s/plmnId", at);
	if (members(c, it, names, at) || members(c, p, plmn_names, pat) ||
	    pattern(c, p, "mcc", 1, "^[0-9]{3}$", pat) ||
	    pattern(c, p, "mnc", 1, "^[0-9]{2,3}$", pat) ||
	    pattern(c, it, "nid", 0, "^[A-Fa-f0-9]{11}$", at) ||
	    pattern(c, it, "aiotAreaCode", 1, "^[A-Fa-f0-9]{6}$", at))
		return -1;
	return 0;
}

static int area(chk *c, const cJSON *a, const char *at)
{
	static const char *const names[] = {"areaIds", NULL};
	if (a == NULL)
		return 0;
	if (!cJSON_IsObject(a) || cJSON_GetObjectItemCaseSensitive(a, "areaIds") == NULL)
		return no(c, at, "expected an AiotArea object with areaIds");
	if (members(c, a, names, at) || array_of(c, a, "areaIds", at, area_id))
		return -1;
	return 0;
}

/* IndividualAfAuthorizationData of TS29369_Nadm_DM.yaml. */
static int individual(chk *c, const cJSON *af)
{
	static const char *const names[] = {"afId", "allowedArea", "allowedServiceOperations",
	                                    "allowedTargetAiotDevices", NULL};
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(af, "afId");
	if (!cJSON_IsObject(af))
		return no(c, "/", "expected an IndividualAfAuthorizationData object");
	/* The map's key is the AF ID of its data (AfAuthorizationData.afAuthData). */
	if (!cJSON_IsString(id) || strcmp(id->valuestring, af->string) != 0)
		return no(c, "/afId", "required, equal to the map key");
	if (members(c, af, names, "") ||
	    area(c, cJSON_GetObjectItemCaseSensitive(af, "allowedArea"), "/allowedArea") ||
	    array_of(c, af, "allowedServiceOperations", "", operation) ||
	    array_of(c, af, "allowedTargetAiotDevices", "", target))
		return -1;
	return 0;
}

int dm_af_auth_check(const cJSON *map, char *err, size_t errlen)
{
	if (!cJSON_IsObject(map) || map->child == NULL) {
		snprintf(err, errlen,
		         "AF authorization data: expected an AfAuthorizationData "
		         "object with a non-empty afAuthData map");
		return -1;
	}
	for (const cJSON *af = map->child; af != NULL; af = af->next) {
		chk c = {.err = err, .errlen = errlen, .af = af->string};
		if (individual(&c, af) != 0)
			return -1;
	}
	return 0;
}
