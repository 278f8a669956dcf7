/* SPDX-License-Identifier: Apache-2.0 */
/* sbi_fetch(): the SBI client, blocking, for tools and tests (sbi_client.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "sbi/sbi_client.h"
#include "svc/wipe.h"

struct fetch_state {
	int done;
	int status;
	char *body;
	char err[200];
};

static void fetch_cb(void *arg, const sbi_client_response *resp)
{
	struct fetch_state *fs = arg;

	fs->done = 1;
	fs->status = resp->status;
	if (resp->error != NULL) {
		snprintf(fs->err, sizeof(fs->err), "%s", resp->error);
		return;
	}
	fs->body = malloc(resp->body_len + 1);
	if (fs->body != NULL) {
		memcpy(fs->body, resp->body, resp->body_len);
		fs->body[resp->body_len] = '\0';
	}
}

int sbi_fetch(const sbi_client_cfg *cfg, const char *method, const char *path,
              const char *content_type, const char *body, char **body_out, char *err, size_t errlen)
{
	return sbi_fetch_auth(cfg, method, path, content_type, body, NULL, body_out, err, errlen);
}

int sbi_fetch_auth(const sbi_client_cfg *cfg, const char *method, const char *path,
                   const char *content_type, const char *body, const char *authorization,
                   char **body_out, char *err, size_t errlen)
{
	struct fetch_state fs;
	struct event_base *base;
	sbi_client *c;

	memset(&fs, 0, sizeof(fs));
	if (body_out)
		*body_out = NULL;
	base = event_base_new();
	if (base == NULL) {
		snprintf(err, errlen, "event_base_new failed");
		return 0;
	}
	c = sbi_client_new(base, cfg, err, errlen);
	if (c == NULL)
		goto out;
	if (sbi_client_request_auth(c, method, path, content_type, body, body ? strlen(body) : 0,
	                            authorization, fetch_cb, &fs) != 0) {
		snprintf(err, errlen, "cannot queue the request");
		goto out;
	}
	while (!fs.done)
		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			break;
	if (!fs.done)
		snprintf(err, errlen, "event loop failed");
	else if (fs.status == 0)
		snprintf(err, errlen, "%s", fs.err);
out:
	sbi_client_free(c);
	event_base_free(base);
	if (body_out)
		*body_out = fs.body;
	else
		aiot_free_wipe(fs.body);
	return fs.status;
}
