/* SPDX-License-Identifier: Apache-2.0 */
/* AAnF life cycle, request routing and metrics (aanf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aanf_internal.h"
#include "sbi/sbi_json.h"

#define ROOT "/naanf-akma/v1/"

/* "a, b,c" -> {"a", "b", "c", NULL}; NULL on allocation failure. */
static char **split_list(const char *list)
{
	size_t n = 1;
	for (const char *p = list; p && *p; p++)
		n += *p == ',';
	char **v = calloc(n + 1, sizeof *v);
	for (size_t i = 0; v != NULL && list != NULL && *list;) {
		list += strspn(list, " ,");
		size_t len = strcspn(list, ",");
		while (len > 0 && list[len - 1] == ' ')
			len--;
		if (len > 0 && (v[i++] = strndup(list, len)) == NULL)
			return v; /* partial: still NULL-terminated */
		list += strcspn(list, ",");
	}
	return v;
}

aanf *aanf_new(const aanf_cfg *cfg, char *err, size_t errlen)
{
	aanf *a = calloc(1, sizeof *a);
	if (a == NULL || pthread_rwlock_init(&a->lock, NULL) != 0) {
		free(a);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(a->ua_id, cfg->ua_id, sizeof a->ua_id);
	a->kaf_lifetime_s = cfg->kaf_lifetime_s;
	if (aanf_index_init(&a->idx) != 0 || (a->supi_afs = split_list(cfg->supi_afs)) == NULL) {
		snprintf(err, errlen, "out of memory or no randomness");
		goto fail;
	}
	if ((a->kvs = aiot_kvs_open(cfg->store_uri, "akma_contexts", cfg->kek, 1, err, errlen)) ==
	        NULL ||
	    aanf_store_load(a, err, errlen) != 0)
		goto fail;
	return a;
fail:
	aanf_free(a);
	return NULL;
}

void aanf_free(aanf *a)
{
	if (a == NULL)
		return;
	aiot_kvs_close(a->kvs);
	aanf_index_clear(&a->idx);
	for (char **p = a->supi_afs; p != NULL && *p != NULL; p++)
		free(*p);
	free(a->supi_afs);
	pthread_rwlock_destroy(&a->lock);
	free(a);
}

size_t aanf_contexts(aanf *a)
{
	pthread_rwlock_rdlock(&a->lock);
	size_t n = a->idx.n;
	pthread_rwlock_unlock(&a->lock);
	return n;
}

const char *const aanf_operations[] = {
    "register-anchorkey",
    "retrieve-applicationkey",
    "remove-context",
    NULL,
};

const aiot_oauth_service aanf_oauth_services[] = {
    {ROOT, "naanf-akma"},
    {NULL, NULL},
};

/* TS29535_Naanf_AKMA.yaml, securitySchemes: each operation's own scope. */
const char *const aanf_op_scopes[] = {
    "naanf-akma:anchorkey",
    "naanf-akma:applicationkeyget",
    "naanf-akma:anchorkey",
    NULL,
};

int aanf_operation(const sbi_request *req)
{
	if (strncmp(req->path, ROOT, strlen(ROOT)) != 0 || strcmp(req->method, "POST") != 0)
		return -1;
	for (int i = 0; i < AANF_OP_N; i++)
		if (strcmp(req->path + strlen(ROOT), aanf_operations[i]) == 0)
			return i;
	return -1;
}

void aanf_handle(void *app, const sbi_request *req, sbi_response *resp)
{
	static void (*const fn[AANF_OP_N])(aanf *, const sbi_request *, sbi_response *) = {
	    naanf_register_anchorkey, naanf_retrieve_applicationkey, naanf_remove_context};
	aanf *a = app;
	const char *p = req->path;
	int op = -1;
	if (strncmp(p, ROOT, strlen(ROOT)) == 0)
		for (int i = 0; i < AANF_OP_N && op < 0; i++)
			if (strcmp(p + strlen(ROOT), aanf_operations[i]) == 0)
				op = i;
	if (op < 0) {
		sbi_problem(resp, 404, "RESOURCE_URI_STRUCTURE_NOT_FOUND", "no resource %s", p);
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		sbi_problem(resp, 405, NULL, "%s accepts POST only", p);
		resp->extra[resp->nextra++] = (sbi_header){"allow", "POST"};
		return;
	}
	if (!sbi_media_is(req->content_type, "application/json")) {
		sbi_problem(resp, 415, NULL, "content-type must be application/json");
		return;
	}
	fn[op](a, req, resp);
}

char *aanf_metrics(void *app)
{
	aanf *a = app;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	fprintf(
	    f,
	    "# HELP aiot_aanf_contexts AKMA contexts held.\n"
	    "# TYPE aiot_aanf_contexts gauge\n"
	    "aiot_aanf_contexts %zu\n"
	    "# HELP aiot_aanf_ops_total Naanf_AKMA operations received.\n"
	    "# TYPE aiot_aanf_ops_total counter\n"
	    "aiot_aanf_ops_total{op=\"register-anchorkey\"} %llu\n"
	    "aiot_aanf_ops_total{op=\"retrieve-applicationkey\"} %llu\n"
	    "aiot_aanf_ops_total{op=\"remove-context\"} %llu\n"
	    "# HELP aiot_aanf_kaf_total retrieve-applicationkey outcomes.\n"
	    "# TYPE aiot_aanf_kaf_total counter\n"
	    "aiot_aanf_kaf_total{result=\"issued\"} %llu\n"
	    "aiot_aanf_kaf_total{result=\"unknown_akid\"} %llu\n"
	    "# HELP aiot_aanf_replaced_total Contexts replaced by a newer one of the same SUPI.\n"
	    "# TYPE aiot_aanf_replaced_total counter\n"
	    "aiot_aanf_replaced_total %llu\n"
	    "# HELP aiot_aanf_errors_total Requests refused as malformed.\n"
	    "# TYPE aiot_aanf_errors_total counter\n"
	    "aiot_aanf_errors_total{reason=\"invalid\"} %llu\n",
	    aanf_contexts(a), (unsigned long long)a->ops[AANF_OP_REGISTER],
	    (unsigned long long)a->ops[AANF_OP_RETRIEVE],
	    (unsigned long long)a->ops[AANF_OP_REMOVE], (unsigned long long)a->kaf[AANF_KAF_ISSUED],
	    (unsigned long long)a->kaf[AANF_KAF_UNKNOWN], (unsigned long long)a->replaced,
	    (unsigned long long)a->rejected);
	fclose(f);
	return out;
}
