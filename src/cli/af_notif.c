/* SPDX-License-Identifier: Apache-2.0 */
/* AIoTNotif reception (af_notif.h). */
#include <string.h>

#include "af_notif.h"
#include "sbi/sbi_json.h"

cJSON *af_notif_accept(const sbi_request *req, sbi_response *resp)
{
	sbi_err e = {0};
	if (strcmp(req->method, "POST") != 0) {
		sbi_problem(resp, 405, NULL, "POST AIoTNotif here");
		return NULL;
	}
	cJSON *j = sbi_json_parse_object(req->body, req->body_len, &e);
	if (j == NULL) {
		int st = sbi_err_status(&e);
		sbi_problem(resp, st, st == 400 && e.cause == NULL ? "INVALID_MSG_FORMAT" : e.cause,
		            "%s", e.text);
		return NULL;
	}
	/* TS 29.569 AIoTNotif: transId is mandatory. */
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "transId"))) {
		cJSON_Delete(j);
		sbi_problem(resp, 400, "MANDATORY_IE_MISSING", "AIoTNotif needs transId");
		return NULL;
	}
	return j;
}
