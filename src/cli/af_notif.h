/* SPDX-License-Identifier: Apache-2.0 */
/* Receiving AIoTNotif (TS 29.569 Naiotf_AIoT, the notifUri callback) as an AF: shared by
 * `aiot af-sink` and `aiot demo`. */
#ifndef AIOT_CLI_AF_NOTIF_H
#define AIOT_CLI_AF_NOTIF_H
#include <cjson/cJSON.h>

#include "sbi/sbi_server.h"

/* A POSTed JSON object with a string transId: the parsed AIoTNotif, to be answered 204 by
 * the caller. Otherwise NULL, resp already set to a ProblemDetails (405 or 400). */
cJSON *af_notif_accept(const sbi_request *req, sbi_response *resp);

#endif
