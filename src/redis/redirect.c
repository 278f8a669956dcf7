/* SPDX-License-Identifier: Apache-2.0 */
/* MOVED / ASK / retry-later error replies (redirect.h). */
#include <string.h>

#include "common/aiot_err.h"
#include "redirect.h"

static int starts(const char *s, size_t len, const char *word)
{
	size_t l = strlen(word);
	return len >= l && memcmp(s, word, l) == 0 && (len == l || s[l] == ' ');
}

/* "slot host:port" after the keyword. */
static int parse_target(const char *s, size_t len, const char *from_host, redis_redirect *out)
{
	unsigned slot = 0;
	size_t i = 0;
	for (; i < len && s[i] >= '0' && s[i] <= '9' && i < 5; i++)
		slot = slot * 10 + (unsigned)(s[i] - '0');
	if (i == 0 || i == len || s[i] != ' ' || slot >= REDIS_SLOTS)
		return AIOT_ERR_MALFORMED;
	i++;
	if (redis_addr_parse(s + i, len - i, from_host, &out->addr) != AIOT_OK)
		return AIOT_ERR_MALFORMED;
	out->slot = slot;
	return AIOT_OK;
}

int redis_redirect_parse(const char *str, size_t len, const char *from_host, redis_redirect *out)
{
	static const char *const later[] = {"TRYAGAIN", "CLUSTERDOWN", "LOADING", "MASTERDOWN"};
	memset(out, 0, sizeof *out);
	if (str == NULL)
		return AIOT_ERR_MALFORMED;
	if (starts(str, len, "MOVED")) {
		out->kind = REDIS_REDIRECT_MOVED;
		return len > 6 ? parse_target(str + 6, len - 6, from_host, out)
		               : AIOT_ERR_MALFORMED;
	}
	if (starts(str, len, "ASK")) {
		out->kind = REDIS_REDIRECT_ASK;
		return len > 4 ? parse_target(str + 4, len - 4, from_host, out)
		               : AIOT_ERR_MALFORMED;
	}
	out->kind = REDIS_REPLY_FINAL;
	for (size_t i = 0; i < sizeof later / sizeof later[0]; i++)
		if (starts(str, len, later[i]))
			out->kind = REDIS_RETRY_LATER;
	return AIOT_OK;
}

redis_step redis_route_reply(redis_slotmap *m, const redisReply *r, int from, int *next,
                             int *asking)
{
	redis_redirect rd;
	*next = -1;
	*asking = 0;
	if (r == NULL)
		return REDIS_STEP_RETRY;
	if (r->type != REDIS_REPLY_ERROR || from < 0 || (size_t)from >= m->n)
		return REDIS_STEP_DONE;
	if (redis_redirect_parse(r->str, r->len, m->node[from].addr.host, &rd) != AIOT_OK)
		return REDIS_STEP_DONE; /* a malformed redirection is the caller's error reply */
	if (rd.kind == REDIS_RETRY_LATER)
		return REDIS_STEP_RETRY;
	if (rd.kind == REDIS_REPLY_FINAL)
		return REDIS_STEP_DONE;
	int idx = redis_slotmap_node(m, &rd.addr);
	if (idx < 0)
		return REDIS_STEP_RETRY; /* node table full: a refresh may help */
	if (rd.kind == REDIS_REDIRECT_MOVED) {
		m->slot[rd.slot] = (int16_t)idx;
		m->node[idx].master = -1;
		return REDIS_STEP_REDIRECT;
	}
	*next = idx;
	*asking = 1;
	return REDIS_STEP_REDIRECT;
}
