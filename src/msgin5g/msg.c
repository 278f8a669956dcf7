/* SPDX-License-Identifier: Apache-2.0 */
/* MSGin5G-1 JSON messages (msg.h): the strict decoder and the encoder. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/aiot_err.h"
#include "msg.h"
#include "sbi/sbi_json.h"

static const char *const type_names[] = {NULL, "REG", "DEREG", "MSG", "MSGRESP", "IMDN"};

/* Member flags: which members each type has (R required, O optional). */
enum {
	F_UE = 1,
	F_MID = 2,
	F_FROM = 4,
	F_TO = 8,
	F_DR = 16,
	F_PAYLOAD = 32,
	F_RESULT = 64,
	F_CAUSE = 128,
	F_STATUS = 256
};
static const unsigned required[] = {
    0, F_UE, F_UE, F_MID | F_FROM | F_TO | F_PAYLOAD, F_RESULT, F_MID | F_FROM | F_TO | F_STATUS};
static const unsigned optional[] = {0, 0, 0, F_DR, F_MID | F_CAUSE, 0};

static const struct member {
	const char *name;
	unsigned flag;
	size_t off, cap; /* a string member of msgin5g_msg */
} members[] = {
    {"ueServiceId", F_UE, offsetof(msgin5g_msg, ue_service_id), MSGIN5G_ID_MAX},
    {"messageId", F_MID, offsetof(msgin5g_msg, message_id), MSGIN5G_ID_MAX},
    {"originatingUeServiceId", F_FROM, offsetof(msgin5g_msg, from), MSGIN5G_ID_MAX},
    {"recipientUeServiceId", F_TO, offsetof(msgin5g_msg, to), MSGIN5G_ID_MAX},
    {"payload", F_PAYLOAD, offsetof(msgin5g_msg, payload), MSGIN5G_PAYLOAD_MAX},
    {"cause", F_CAUSE, offsetof(msgin5g_msg, cause), MSGIN5G_CAUSE_MAX},
};

const char *msgin5g_type_name(msgin5g_type t)
{
	return t >= MSGIN5G_REG && t <= MSGIN5G_IMDN ? type_names[t] : "?";
}

/* One member of m: a bounded non-empty string, or the booleans and enumerations. */
static int member(msgin5g_msg *m, const cJSON *it, unsigned *seen)
{
	for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
		if (strcmp(it->string, members[i].name) != 0)
			continue;
		size_t n = cJSON_IsString(it) ? strlen(it->valuestring) : 0;
		if (n == 0 || n > members[i].cap)
			return AIOT_ERR_MALFORMED;
		memcpy((char *)m + members[i].off, it->valuestring, n + 1);
		*seen |= members[i].flag;
		return AIOT_OK;
	}
	if (strcmp(it->string, "deliveryReport") == 0 && cJSON_IsBool(it)) {
		m->delivery_report = cJSON_IsTrue(it);
		*seen |= F_DR;
	} else if (strcmp(it->string, "result") == 0 && cJSON_IsString(it) &&
	           (strcmp(it->valuestring, "SUCCESS") == 0 ||
	            strcmp(it->valuestring, "FAILURE") == 0)) {
		m->success = it->valuestring[0] == 'S';
		*seen |= F_RESULT;
	} else if (strcmp(it->string, "deliveryStatus") == 0 && cJSON_IsString(it) &&
	           strcmp(it->valuestring, "DELIVERED") == 0) {
		*seen |= F_STATUS;
	} else {
		return AIOT_ERR_MALFORMED;
	}
	return AIOT_OK;
}

int msgin5g_decode(const char *json, size_t len, msgin5g_msg *m)
{
	sbi_err e = {0};
	unsigned seen = 0;
	int rc = AIOT_ERR_MALFORMED;
	memset(m, 0, sizeof *m);
	cJSON *j = sbi_json_parse_object((const uint8_t *)json, len, &e), *it;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "messageType");
	for (int i = MSGIN5G_REG; cJSON_IsString(t) && i <= MSGIN5G_IMDN; i++)
		if (strcmp(t->valuestring, type_names[i]) == 0)
			m->type = (msgin5g_type)i;
	if (m->type == 0)
		goto out;
	cJSON_ArrayForEach(it, j)
	{
		if (it != t && member(m, it, &seen) != AIOT_OK)
			goto out;
	}
	if ((seen & required[m->type]) == required[m->type] &&
	    (seen & ~(required[m->type] | optional[m->type])) == 0)
		rc = AIOT_OK;
out:
	cJSON_Delete(j);
	return rc;
}

static int add_str(cJSON *o, const char *name, const char *v)
{
	return v[0] == '\0' || cJSON_AddStringToObject(o, name, v) != NULL ? 0 : -1;
}

char *msgin5g_encode(const msgin5g_msg *m)
{
	char *txt = NULL;
	if (m->type < MSGIN5G_REG || m->type > MSGIN5G_IMDN)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	if (o == NULL || cJSON_AddStringToObject(o, "messageType", type_names[m->type]) == NULL)
		goto out;
	unsigned want = required[m->type] | optional[m->type], have = 0;
	for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
		const char *v = (const char *)m + members[i].off;
		if ((want & members[i].flag) == 0)
			continue;
		if (strlen(v) > members[i].cap || add_str(o, members[i].name, v) != 0)
			goto out;
		have |= v[0] ? members[i].flag : 0;
	}
	if (((want & F_DR) &&
	     cJSON_AddBoolToObject(o, "deliveryReport", m->delivery_report) == NULL) ||
	    ((want & F_RESULT) &&
	     cJSON_AddStringToObject(o, "result", m->success ? "SUCCESS" : "FAILURE") == NULL) ||
	    ((want & F_STATUS) &&
	     cJSON_AddStringToObject(o, "deliveryStatus", "DELIVERED") == NULL))
		goto out;
	have |= want & (F_DR | F_RESULT | F_STATUS);
	if ((have & required[m->type]) == required[m->type])
		txt = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return txt;
}
