/* SPDX-License-Identifier: Apache-2.0 */
/* The slot map: seeds, CLUSTER SLOTS replies, node table (slotmap.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "slotmap.h"

#define URL_SCHEME "redis-cluster://"

static int parse_port(const char *s, size_t len)
{
	long v = 0;
	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535 ? (int)v : -1;
}

static int host_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '-' || ch == ':' || ch == '_' || ch == '%';
}

int redis_addr_parse(const char *s, size_t len, const char *dflt_host, redis_addr *out)
{
	const char *colon = NULL;
	for (size_t i = 0; i < len; i++)
		if (s[i] == ':')
			colon = s + i;
	if (colon == NULL)
		return AIOT_ERR_MALFORMED;
	size_t hl = (size_t)(colon - s);
	int port = parse_port(colon + 1, len - hl - 1);
	if (port < 0)
		return AIOT_ERR_MALFORMED;
	if (hl == 0) {
		if (dflt_host == NULL || (hl = strlen(dflt_host)) == 0)
			return AIOT_ERR_MALFORMED;
		s = dflt_host;
	}
	if (hl >= REDIS_HOST_MAX)
		return AIOT_ERR_MALFORMED;
	for (size_t i = 0; i < hl; i++)
		if (!host_char_ok(s[i]))
			return AIOT_ERR_MALFORMED;
	memcpy(out->host, s, hl);
	out->host[hl] = '\0';
	out->port = port;
	return AIOT_OK;
}

int redis_slotmap_node(redis_slotmap *m, const redis_addr *a)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->node[i].addr.port == a->port && strcmp(m->node[i].addr.host, a->host) == 0)
			return (int)i;
	if (m->n == REDIS_MAX_NODES)
		return -1;
	m->node[m->n] = (redis_node){.addr = *a, .master = -1};
	return (int)m->n++;
}

int redis_slotmap_init(redis_slotmap *m, const char *url)
{
	memset(m, 0, sizeof *m);
	memset(m->slot, 0xff, sizeof m->slot); /* -1 */
	if (url == NULL)
		return AIOT_ERR_MALFORMED;
	if (strncmp(url, URL_SCHEME, strlen(URL_SCHEME)) == 0)
		url += strlen(URL_SCHEME);
	for (;;) {
		redis_addr a;
		const char *end = strchr(url, ',');
		size_t len = end ? (size_t)(end - url) : strlen(url);
		if (redis_addr_parse(url, len, NULL, &a) != AIOT_OK)
			return AIOT_ERR_MALFORMED;
		if (redis_slotmap_node(m, &a) < 0)
			return AIOT_ERR_NOSPACE;
		if (end == NULL)
			return AIOT_OK;
		url = end + 1;
	}
}

/* One node of a CLUSTER SLOTS range: [host, port, id, ...]. */
static int node_of(redis_slotmap *m, const redisReply *e, const char *from_host)
{
	char port[8];
	redis_addr a;
	if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    e->element[1]->type != REDIS_REPLY_INTEGER || e->element[1]->integer < 1 ||
	    e->element[1]->integer > 65535)
		return -1;
	int pl = snprintf(port, sizeof port, ":%lld", e->element[1]->integer);
	char buf[REDIS_HOST_MAX + sizeof port];
	if (e->element[0]->len >= REDIS_HOST_MAX || pl <= 0)
		return -1;
	memcpy(buf, e->element[0]->str, e->element[0]->len);
	memcpy(buf + e->element[0]->len, port, (size_t)pl);
	if (redis_addr_parse(buf, e->element[0]->len + (size_t)pl, from_host, &a) != AIOT_OK)
		return -1;
	return redis_slotmap_node(m, &a);
}

/* One range: [start, end, master, replica...]. */
static int apply_range(redis_slotmap *m, const redisReply *e, const char *from_host)
{
	if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
	    e->element[0]->type != REDIS_REPLY_INTEGER ||
	    e->element[1]->type != REDIS_REPLY_INTEGER)
		return AIOT_ERR_MALFORMED;
	long long lo = e->element[0]->integer, hi = e->element[1]->integer;
	if (lo < 0 || hi < lo || hi >= REDIS_SLOTS)
		return AIOT_ERR_MALFORMED;
	int master = node_of(m, e->element[2], from_host);
	if (master < 0)
		return AIOT_ERR_MALFORMED;
	m->node[master].master = -1;
	for (size_t i = 3; i < e->elements; i++) {
		int r = node_of(m, e->element[i], from_host);
		if (r < 0 || r == master)
			return AIOT_ERR_MALFORMED;
		m->node[r].master = master;
	}
	for (long long s = lo; s <= hi; s++) {
		if (m->slot[s] != -1)
			return AIOT_ERR_MALFORMED; /* overlapping ranges */
		m->slot[s] = (int16_t)master;
	}
	return AIOT_OK;
}

int redis_slotmap_update(redis_slotmap *m, const redisReply *r, const char *from_host)
{
	int rc = AIOT_ERR_MALFORMED;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		return rc;
	redis_slotmap *t = malloc(sizeof *t);
	if (t == NULL)
		return AIOT_ERR_NOSPACE;
	*t = *m;
	memset(t->slot, 0xff, sizeof t->slot);
	for (size_t i = 0; i < r->elements; i++)
		if ((rc = apply_range(t, r->element[i], from_host)) != AIOT_OK)
			goto out;
	*m = *t;
	rc = AIOT_OK;
out:
	free(t);
	return rc;
}

size_t redis_slotmap_covered(const redis_slotmap *m)
{
	size_t n = 0;
	for (size_t s = 0; s < REDIS_SLOTS; s++)
		n += m->slot[s] >= 0;
	return n;
}
