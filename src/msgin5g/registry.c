/* SPDX-License-Identifier: Apache-2.0 */
/* UE service IDs: bindings, registrations, store-and-forward queues (registry.h). A sorted
 * array searched by bsearch: the bindings are fixed at start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "registry.h"
#include "sbi/sbi_json.h"
#include "svc/wipe.h"

typedef struct qitem {
	msgin5g_msg m;
	struct qitem *next;
} qitem;

typedef struct ue {
	char id[MSGIN5G_ID_MAX + 1];
	char supi[72];
	void *conn;
	qitem *head, *tail;
	size_t n;
} ue;

struct registry {
	ue *ues;
	size_t n, max_per_ue, max_total, queued;
};

static int ue_cmp(const void *a, const void *b)
{
	return strcmp(((const ue *)a)->id, ((const ue *)b)->id);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;
	if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n <= (1 << 24) &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	if (f != NULL)
		fclose(f);
	return buf;
}

/* "imsi-" and 5 to 15 digits (TS 29.571 Supi, the IMSI form). */
static int supi_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 10 || n > 20 || strncmp(s, "imsi-", 5) != 0)
		return 0;
	return strspn(s + 5, "0123456789") == n - 5;
}

registry *registry_load(const char *bindings, size_t max_per_ue, size_t max_total, char *err,
                        size_t errlen)
{
	size_t len = 2, i = 0;
	sbi_err e = {0};
	char *txt = bindings ? slurp(bindings, &len) : strdup("{}"); /* none: nobody may REG */
	cJSON *j = txt ? sbi_json_parse_object((const uint8_t *)txt, len, &e) : NULL, *it;
	registry *r = calloc(1, sizeof *r);
	int unread = txt == NULL;
	free(txt);
	if (j == NULL || r == NULL) {
		snprintf(err, errlen, "%s: %s", bindings ? bindings : "bindings",
		         unread      ? "cannot read"
		         : r == NULL ? "out of memory"
		                     : e.text);
		goto fail;
	}
	r->max_per_ue = max_per_ue;
	r->max_total = max_total;
	r->n = (size_t)cJSON_GetArraySize(j);
	if ((r->ues = calloc(r->n ? r->n : 1, sizeof *r->ues)) == NULL)
		goto fail;
	cJSON_ArrayForEach(it, j)
	{
		size_t n = strlen(it->string);
		if (n == 0 || n > MSGIN5G_ID_MAX || !cJSON_IsString(it) ||
		    !supi_ok(it->valuestring)) {
			snprintf(err, errlen,
			         "%s: '%s': expected \"<UE service ID>\": \"imsi-<digits>\"",
			         bindings, it->string);
			goto fail;
		}
		strcpy(r->ues[i].id, it->string);
		strcpy(r->ues[i++].supi, it->valuestring);
	}
	qsort(r->ues, r->n, sizeof *r->ues, ue_cmp);
	cJSON_Delete(j);
	return r;
fail:
	cJSON_Delete(j);
	registry_free(r);
	return NULL;
}

void registry_free(registry *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		while (r->ues[i].head != NULL) {
			qitem *q = r->ues[i].head;
			r->ues[i].head = q->next;
			aiot_free_wipe(q);
		}
	free(r->ues);
	free(r);
}

size_t registry_count(const registry *r)
{
	return r->n;
}

static ue *find(const registry *r, const char *id)
{
	ue key;
	if (strlen(id) > MSGIN5G_ID_MAX)
		return NULL;
	strcpy(key.id, id);
	return r->n ? bsearch(&key, r->ues, r->n, sizeof *r->ues, ue_cmp) : NULL;
}

const char *registry_supi(const registry *r, const char *id)
{
	ue *u = find(r, id);
	return u ? u->supi : NULL;
}

void *registry_conn(const registry *r, const char *id)
{
	ue *u = find(r, id);
	return u ? u->conn : NULL;
}

void registry_set_conn(registry *r, const char *id, void *conn)
{
	ue *u = find(r, id);
	if (u != NULL)
		u->conn = conn;
}

int registry_push(registry *r, const char *id, const msgin5g_msg *m, int head)
{
	ue *u = find(r, id);
	qitem *q;
	if (u == NULL || (!head && (u->n >= r->max_per_ue || r->queued >= r->max_total)) ||
	    (q = malloc(sizeof *q)) == NULL)
		return -1;
	q->m = *m;
	q->next = NULL;
	if (head) {
		q->next = u->head;
		u->head = q;
		if (u->tail == NULL)
			u->tail = q;
	} else {
		if (u->tail != NULL)
			u->tail->next = q;
		else
			u->head = q;
		u->tail = q;
	}
	u->n++;
	r->queued++;
	return 0;
}

msgin5g_msg *registry_pop(registry *r, const char *id)
{
	ue *u = find(r, id);
	qitem *q = u ? u->head : NULL;
	if (q == NULL)
		return NULL;
	u->head = q->next;
	if (u->head == NULL)
		u->tail = NULL;
	u->n--;
	r->queued--;
	return &q->m; /* m is the first member: free(m) frees the item */
}

size_t registry_queued(const registry *r)
{
	return r->queued;
}
