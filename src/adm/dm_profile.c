/* SPDX-License-Identifier: Apache-2.0 */
/* AiotDevProfileData's writable members (dm_profile.h). */
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "dm_profile.h"

/* The TS 29.571 string patterns, verbatim ("\/" written "/": the same in POSIX ERE). */
enum { P_UUID, P_IPV4, P_IPV6_1, P_IPV6_2, P_PFX_1, P_PFX_2, P_FQDN, P_N };
static const char *const patterns[P_N] = {
    /* NfInstanceId: format uuid (RFC 4122 string form) */
    "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$",
    "^(([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\\.){3}([0-9]|[1-9][0-9]|1[0-9][0-9]|"
    "2[0-4][0-9]|25[0-5])$",
    "^((:|(0?|([1-9a-f][0-9a-f]{0,3}))):)((0?|([1-9a-f][0-9a-f]{0,3})):){0,6}(:|(0?|([1-9a-f]"
    "[0-9a-f]{0,3})))$",
    "^((([^:]+:){7}([^:]+))|((([^:]+:)*[^:]+)?::(([^:]+:)*[^:]+)?))$",
    "^((:|(0?|([1-9a-f][0-9a-f]{0,3}))):)((0?|([1-9a-f][0-9a-f]{0,3})):){0,6}(:|(0?|([1-9a-f]"
    "[0-9a-f]{0,3})))(/(([0-9])|([0-9]{2})|(1[0-1][0-9])|(12[0-8])))$",
    "^((([^:]+:){7}([^:]+))|((([^:]+:)*[^:]+)?::(([^:]+:)*[^:]+)?))(/.+)$",
    "^([0-9A-Za-z]([-0-9A-Za-z]{0,61}[0-9A-Za-z])?\\.)+[A-Za-z]{2,63}\\.?$",
};
static regex_t re[P_N];
static int re_ok;
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

static void re_init(void)
{
	for (int i = 0; i < P_N; i++)
		if (regcomp(&re[i], patterns[i], REG_EXTENDED | REG_NOSUB) != 0)
			return;
	re_ok = 1;
}

static int matches(const char *s, int p)
{
	pthread_once(&re_once, re_init);
	return re_ok && regexec(&re[p], s, 0, NULL, 0) == 0;
}

__attribute__((format(printf, 5, 6))) static int fail(dm_err *e, int status, const char *cause,
                                                      const char *param, const char *fmt, ...)
{
	va_list ap;
	e->status = status;
	e->cause = cause;
	snprintf(e->param, sizeof e->param, "%s", param);
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof e->reason, fmt, ap);
	va_end(ap);
	return -1;
}

/* Every member of obj is one of names[] (additional members are not accepted on a write:
 * the ADM stores only what it understands). */
static int only(const cJSON *obj, const char *const *names, const char *at, dm_err *e)
{
	for (const cJSON *m = obj->child; m != NULL; m = m->next) {
		size_t i = 0;
		while (names[i] != NULL && strcmp(names[i], m->string) != 0)
			i++;
		if (names[i] == NULL) {
			char p[160];
			snprintf(p, sizeof p, "%s/%.100s", at, m->string);
			return fail(e, 400, "INVALID_MSG_FORMAT", p, "unknown member");
		}
	}
	return 0;
}

static int string_of(const cJSON *s, int p1, int p2, const char *param, const char *what, dm_err *e)
{
	if (!cJSON_IsString(s) || !matches(s->valuestring, p1) ||
	    (p2 >= 0 && !matches(s->valuestring, p2)))
		return fail(e, 400, "OPTIONAL_IE_INCORRECT", param, "expected %s", what);
	return 0;
}

/* IpAddr (TS 29.571): exactly one of ipv4Addr, ipv6Addr, ipv6Prefix. */
static int check_ipaddr(const cJSON *a, dm_err *e)
{
	static const char *const names[] = {"ipv4Addr", "ipv6Addr", "ipv6Prefix", NULL};
	static const char at[] = "/lastKnownAiotfInfo/lastKnownAiotfAddress";
	if (!cJSON_IsObject(a) || cJSON_GetArraySize(a) != 1)
		return fail(e, 400, "OPTIONAL_IE_INCORRECT", at,
		            "expected an IpAddr: one of ipv4Addr, ipv6Addr, ipv6Prefix");
	if (only(a, names, at, e) != 0)
		return -1;
	const cJSON *v = a->child;
	char p[160];
	snprintf(p, sizeof p, "%s/%s", at, v->string);
	if (strcmp(v->string, "ipv4Addr") == 0)
		return string_of(v, P_IPV4, -1, p, "a dotted-decimal IPv4 address", e);
	if (strcmp(v->string, "ipv6Addr") == 0)
		return string_of(v, P_IPV6_1, P_IPV6_2, p, "an IPv6 address (RFC 5952)", e);
	return string_of(v, P_PFX_1, P_PFX_2, p, "an IPv6 prefix (RFC 5952)/length", e);
}

static int check_lk(const cJSON *lk, dm_err *e)
{
	static const char *const names[] = {"lastKnownAiotfInfoInd", "lastKnownAiotfId",
	                                    "lastKnownAiotfAddress", "lastKnownAiotfFqdn", NULL};
	static const char at[] = "/lastKnownAiotfInfo";
	if (!cJSON_IsObject(lk))
		return fail(e, 400, "MANDATORY_IE_INCORRECT", at, "expected a LastKnownAiotfInfo");
	if (only(lk, names, at, e) != 0)
		return -1;
	const cJSON *ind = cJSON_GetObjectItemCaseSensitive(lk, "lastKnownAiotfInfoInd");
	if (!cJSON_IsBool(ind))
		return fail(e, 400, ind ? "MANDATORY_IE_INCORRECT" : "MANDATORY_IE_MISSING",
		            "/lastKnownAiotfInfo/lastKnownAiotfInfoInd", "expected a boolean");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(lk, "lastKnownAiotfId");
	if (id != NULL && string_of(id, P_UUID, -1, "/lastKnownAiotfInfo/lastKnownAiotfId",
	                            "an NfInstanceId (UUID)", e) != 0)
		return -1;
	const cJSON *fq = cJSON_GetObjectItemCaseSensitive(lk, "lastKnownAiotfFqdn");
	if (fq != NULL && (!cJSON_IsString(fq) || strlen(fq->valuestring) < 4 ||
	                   strlen(fq->valuestring) > 253 || !matches(fq->valuestring, P_FQDN)))
		return fail(e, 400, "OPTIONAL_IE_INCORRECT",
		            "/lastKnownAiotfInfo/lastKnownAiotfFqdn",
		            "expected an Fqdn (4 to 253 characters, labels of letters, digits "
		            "and inner hyphens)");
	const cJSON *ad = cJSON_GetObjectItemCaseSensitive(lk, "lastKnownAiotfAddress");
	return ad != NULL ? check_ipaddr(ad, e) : 0;
}

/* TidHandlingInformation: the T-ID type is fixed when the device is provisioned (the device
 * and the ADM derive T-IDs alike); a PATCH may state it but not change it. */
static int check_thi(const cJSON *t, aiot_tid_type type, dm_err *e)
{
	static const char *const names[] = {"tidType", "tidHandlingInformation", NULL};
	static const char at[] = "/tidHandlingInformation";
	if (!cJSON_IsObject(t))
		return fail(e, 400, "OPTIONAL_IE_INCORRECT", at,
		            "expected a TidHandlingInformation");
	if (only(t, names, at, e) != 0)
		return -1;
	const cJSON *tt = cJSON_GetObjectItemCaseSensitive(t, "tidType");
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(t, "tidHandlingInformation");
	if (f != NULL && !cJSON_IsBool(f))
		return fail(e, 400, "OPTIONAL_IE_INCORRECT",
		            "/tidHandlingInformation/"
		            "tidHandlingInformation",
		            "expected a boolean");
	if (!cJSON_IsString(tt))
		return fail(e, 400, tt ? "MANDATORY_IE_INCORRECT" : "MANDATORY_IE_MISSING",
		            "/tidHandlingInformation/tidType", "expected a TidType");
	const char *mine = type == AIOT_TID_CONCEALED ? "CONCEALED" : "STORED";
	if (strcmp(tt->valuestring, mine) != 0)
		return fail(e, 403, "MODIFICATION_NOT_ALLOWED", "/tidHandlingInformation/tidType",
		            "the device's T-ID type is %s, set at provisioning", mine);
	return 0;
}

int dm_doc_check(const cJSON *doc, aiot_tid_type type, dm_err *e)
{
	static const char *const names[] = {"lastKnownAiotfInfo", "tidHandlingInformation", NULL};
	if (only(doc, names, "", e) != 0)
		return -1;
	const cJSON *lk = cJSON_GetObjectItemCaseSensitive(doc, "lastKnownAiotfInfo");
	if (lk == NULL)
		return fail(e, 400, "MANDATORY_IE_MISSING", "/lastKnownAiotfInfo", "required");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(doc, "tidHandlingInformation");
	if (t == NULL)
		return fail(e, 400, "MANDATORY_IE_MISSING", "/tidHandlingInformation/tidType",
		            "required");
	return check_lk(lk, e) != 0 ? -1 : check_thi(t, type, e);
}

cJSON *dm_doc_load(const char *stored, aiot_tid_type type)
{
	dm_err e;
	cJSON *doc = stored ? cJSON_Parse(stored) : NULL;
	cJSON *lk = doc ? cJSON_DetachItemFromObjectCaseSensitive(doc, "lastKnownAiotfInfo") : NULL;
	cJSON *t =
	    doc ? cJSON_DetachItemFromObjectCaseSensitive(doc, "tidHandlingInformation") : NULL;
	cJSON_Delete(doc);
	if (lk == NULL || check_lk(lk, &e) != 0) { /* required: "not known" by default */
		cJSON_Delete(lk);
		lk = cJSON_CreateObject();
		cJSON_AddBoolToObject(lk, "lastKnownAiotfInfoInd", 0);
	}
	const cJSON *flag = cJSON_GetObjectItemCaseSensitive(t, "tidHandlingInformation");
	int has_flag = cJSON_IsBool(flag), on = cJSON_IsTrue(flag);
	cJSON_Delete(t);
	doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "lastKnownAiotfInfo", lk);
	t = cJSON_AddObjectToObject(doc, "tidHandlingInformation");
	cJSON_AddStringToObject(t, "tidType", type == AIOT_TID_CONCEALED ? "CONCEALED" : "STORED");
	if (has_flag)
		cJSON_AddBoolToObject(t, "tidHandlingInformation", on);
	return doc;
}

char *dm_doc_text(const cJSON *doc)
{
	cJSON *copy = cJSON_Duplicate(doc, 1);
	cJSON *t = cJSON_GetObjectItemCaseSensitive(copy, "tidHandlingInformation");
	cJSON_DeleteItemFromObjectCaseSensitive(t, "tidType");
	char *txt = copy ? cJSON_PrintUnformatted(copy) : NULL;
	cJSON_Delete(copy);
	return txt;
}

static void merge(cJSON *target, const cJSON *patch)
{
	for (const cJSON *p = patch->child; p != NULL; p = p->next) {
		cJSON *t = cJSON_GetObjectItemCaseSensitive(target, p->string);
		if (cJSON_IsNull(p)) {
			cJSON_DeleteItemFromObjectCaseSensitive(target, p->string);
		} else if (cJSON_IsObject(p) && cJSON_IsObject(t)) {
			merge(t, p);
		} else {
			cJSON_DeleteItemFromObjectCaseSensitive(target, p->string);
			cJSON_AddItemToObject(target, p->string, cJSON_Duplicate(p, 1));
		}
	}
}

int dm_merge(cJSON *doc, const cJSON *patch, const uint8_t *id, size_t idlen, dm_err *e)
{
	for (const cJSON *p = patch->child; p != NULL; p = p->next) {
		if (strcmp(p->string, "aiotDevPermId") == 0) {
			uint8_t other[AIOT_PERM_ID_MAX];
			int n = cJSON_IsString(p)
			            ? aiot_b64_decode(p->valuestring, strlen(p->valuestring), other,
			                              sizeof other)
			            : -1;
			if (n != (int)idlen || memcmp(other, id, idlen) != 0)
				return fail(e, 403, "MODIFICATION_NOT_ALLOWED", "/aiotDevPermId",
				            "the resource's identifier cannot be changed");
		} else if (strcmp(p->string, "tidCurrent") == 0 ||
		           strcmp(p->string, "tidPrevious") == 0) {
			char at[32];
			snprintf(at, sizeof at, "/%s", p->string);
			return fail(e, 403, "MODIFICATION_NOT_ALLOWED", at,
			            "managed by the ADM (Nadm_Sec get-tid)");
		}
	}
	cJSON *body = cJSON_Duplicate(patch, 1);
	if (body == NULL)
		return fail(e, 500, "SYSTEM_FAILURE", "", "out of memory");
	cJSON_DeleteItemFromObjectCaseSensitive(body, "aiotDevPermId");
	merge(doc, body);
	cJSON_Delete(body);
	return 0;
}

/* ---- RFC 6902 ------------------------------------------------------------------------------ */

/* The parent object of the member ptr names, and that member's name (RFC 6901 unescaped). */
static cJSON *resolve(cJSON *doc, const char *ptr, char *name, size_t cap)
{
	cJSON *cur = doc;
	if (*ptr != '/')
		return NULL;
	for (;;) {
		const char *seg = ptr + 1, *end = strchr(seg, '/');
		size_t n = 0;
		for (const char *c = seg; c < (end ? end : seg + strlen(seg)); c++) {
			if (n + 1 >= cap)
				return NULL;
			if (*c == '~' && (c[1] == '0' || c[1] == '1'))
				name[n++] = *++c == '0' ? '~' : '/';
			else if (*c == '~')
				return NULL;
			else
				name[n++] = *c;
		}
		name[n] = '\0';
		if (end == NULL)
			return cur;
		cur = cJSON_GetObjectItemCaseSensitive(cur, name);
		if (!cJSON_IsObject(cur))
			return NULL;
		ptr = end;
	}
}

int dm_patch_op(cJSON *doc, const cJSON *item, const char *ptr, const char *from_ptr,
                const char *where, dm_err *e)
{
	char name[128], fname[128];
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(item, "op");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(item, "value");
	const char *o = cJSON_IsString(op) ? op->valuestring : "";
	cJSON *parent = resolve(doc, ptr, name, sizeof name);
	cJSON *target = parent ? cJSON_GetObjectItemCaseSensitive(parent, name) : NULL;
	cJSON *add = NULL;

	int needs = !strcmp(o, "replace") || !strcmp(o, "remove") || !strcmp(o, "test");
	if (parent == NULL || (needs && target == NULL))
		return fail(e, 400, "INVALID_MSG_FORMAT", where,
		            "path names no member of the "
		            "profile");
	if (strcmp(o, "add") == 0 || strcmp(o, "replace") == 0) {
		if (value == NULL)
			return fail(e, 400, "MANDATORY_IE_MISSING", where, "%s needs a value", o);
		add = cJSON_Duplicate(value, 1);
	} else if (strcmp(o, "test") == 0) {
		if (value == NULL || !cJSON_Compare(target, value, 1))
			return fail(e, 400, "INVALID_MSG_FORMAT", where, "test failed");
		return 0;
	} else if (strcmp(o, "copy") == 0 || strcmp(o, "move") == 0) {
		cJSON *fp = from_ptr ? resolve(doc, from_ptr, fname, sizeof fname) : NULL;
		cJSON *src = fp ? cJSON_GetObjectItemCaseSensitive(fp, fname) : NULL;
		if (src == NULL)
			return fail(e, 400, "INVALID_MSG_FORMAT", where,
			            "from names no member of "
			            "the same profile");
		add = strcmp(o, "move") == 0 ? cJSON_DetachItemViaPointer(fp, src)
		                             : cJSON_Duplicate(src, 1);
		parent = resolve(doc, ptr, name, sizeof name); /* the move may have changed it */
		if (parent == NULL) {
			cJSON_Delete(add);
			return fail(e, 400, "INVALID_MSG_FORMAT", where, "path names no member");
		}
	} else if (strcmp(o, "remove") != 0) {
		return fail(e, 400, "MANDATORY_IE_INCORRECT", where,
		            "op '%.20s' is not an RFC 6902 "
		            "operation",
		            o);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(parent, name);
	if (add != NULL)
		cJSON_AddItemToObject(parent, name, add);
	return 0;
}
