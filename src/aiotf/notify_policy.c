/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which notifUri an AF may name (docs/security.md "Notifications"): the AIOTF POSTs to it
 * from inside the operator's network, so an AF must not make it call internal services.
 * notify.schemes, notify.hosts and notify.networks (see notif_policy in aiotf.h); a name is
 * resolved once, here, every address it resolves to is checked, and the notification is
 * sent to the first one (never re-resolved), so a name cannot lead to a refused network.
 * A refused notifUri is answered 400 MANDATORY_IE_INCORRECT (TS 29.500 5.2.7.2: a
 * semantically incorrect mandatory IE), before the AF's authorization is fetched.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/dns.h>
#include <event2/util.h>

#include "aiotf_internal.h"
#include "svc/log.h"

typedef struct net {
	uint8_t a[16]; /* IPv4 as ::ffff:a.b.c.d */
	int bits;      /* of the 128 */
} net;

struct notif_policy {
	int schemes;  /* bit 0: http, bit 1: https */
	char **hosts; /* NULL: any host */
	size_t nhosts;
	net *nets; /* NULL: the default (public unicast) */
	size_t nnets;
	int loopback; /* default only: loopback too (the SBI listens on loopback) */
};

/* Not public unicast (IANA special-purpose registries): refused by default. */
static const char *const special[] = {
    "0.0.0.0/8",       "10.0.0.0/8",     "100.64.0.0/10",  "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24",    "192.0.2.0/24",   "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3",    "::/127",         "64:ff9b::/96",
    "64:ff9b:1::/48",  "100::/64",       "2001::/23",      "2001:db8::/32",  "2002::/16",
    "fc00::/7",        "fe80::/10",      "fec0::/10",      "ff00::/8"};
static const char *const loopback[] = {"127.0.0.0/8", "::1/128"};

static int addr16(const char *s, uint8_t out[16])
{
	struct in_addr v4;
	if (inet_pton(AF_INET, s, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, s, out) == 1 ? 0 : -1;
}

static int net_parse(const char *s, net *n)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t l = slash ? (size_t)(slash - s) : strlen(s);
	if (l == 0 || l >= sizeof buf)
		return -1;
	memcpy(buf, s, l);
	buf[l] = '\0';
	int v4 = strchr(buf, ':') == NULL;
	if (addr16(buf, n->a) != 0)
		return -1;
	long bits = v4 ? 32 : 128;
	if (slash != NULL) {
		char *end;
		bits = strtol(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || bits > (v4 ? 32 : 128))
			return -1;
	}
	n->bits = (int)bits + (v4 ? 96 : 0);
	return 0;
}

static int net_has(const net *n, const uint8_t a[16])
{
	int full = n->bits / 8, rest = n->bits % 8;
	if (memcmp(n->a, a, (size_t)full) != 0)
		return 0;
	return rest == 0 || ((n->a[full] ^ a[full]) & (0xff00 >> rest) & 0xff) == 0;
}

static int in_list(const char *const *l, size_t n, const uint8_t a[16])
{
	net x;
	for (size_t i = 0; i < n; i++)
		if (net_parse(l[i], &x) == 0 && net_has(&x, a))
			return 1;
	return 0;
}

/* Split a comma-separated list into trimmed items; fn(item) per item, -1 stops. */
static int each_item(const char *list, int (*fn)(void *, const char *), void *arg)
{
	char item[256];
	for (const char *p = list; *p != '\0';) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t l = strcspn(p, ",");
		while (l > 0 && p[l - 1] == ' ')
			l--;
		if (l == 0)
			break;
		if (l >= sizeof item)
			return -1;
		memcpy(item, p, l);
		item[l] = '\0';
		if (fn(arg, item) != 0)
			return -1;
		p += l;
	}
	return 0;
}

static int add_scheme(void *arg, const char *s)
{
	notif_policy *p = arg;
	if (strcmp(s, "http") == 0)
		p->schemes |= 1;
	else if (strcmp(s, "https") == 0)
		p->schemes |= 2;
	else
		return -1;
	return 0;
}

static int add_host(void *arg, const char *s)
{
	notif_policy *p = arg;
	char **h = realloc(p->hosts, (p->nhosts + 1) * sizeof *h);
	if (h == NULL)
		return -1;
	p->hosts = h;
	return (h[p->nhosts++] = strdup(s)) == NULL ? -1 : 0;
}

static int add_net(void *arg, const char *s)
{
	notif_policy *p = arg;
	if (strcmp(s, "any") == 0)
		return add_net(arg, "::/0");
	net *n = realloc(p->nets, (p->nnets + 1) * sizeof *n);
	if (n == NULL)
		return -1;
	p->nets = n;
	return net_parse(s, &n[p->nnets++]);
}

notif_policy *notif_policy_new(const char *schemes, const char *hosts, const char *networks,
                               int local, char *err, size_t errlen)
{
	notif_policy *p = calloc(1, sizeof *p);
	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->loopback = local;
	if (each_item(schemes ? schemes : "http,https", add_scheme, p) != 0 || p->schemes == 0) {
		snprintf(err, errlen, "notify.schemes: '%s': a list of http, https", schemes);
		goto fail;
	}
	if (hosts != NULL && (each_item(hosts, add_host, p) != 0 || p->nhosts == 0)) {
		snprintf(err, errlen, "notify.hosts: '%s': a list of names or *.domain", hosts);
		goto fail;
	}
	if (networks != NULL && (each_item(networks, add_net, p) != 0 || p->nnets == 0)) {
		snprintf(err, errlen, "notify.networks: '%s': a list of ADDR/BITS, or any",
		         networks);
		goto fail;
	}
	return p;
fail:
	notif_policy_free(p);
	return NULL;
}

int aiotf_notify_policy_check(const char *schemes, const char *hosts, const char *networks,
                              char *err, size_t errlen)
{
	notif_policy *p = notif_policy_new(schemes, hosts, networks, 0, err, errlen);
	notif_policy_free(p);
	return p != NULL ? 0 : -1;
}

void notif_policy_free(notif_policy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nhosts; i++)
		free(p->hosts[i]);
	free(p->hosts);
	free(p->nets);
	free(p);
}

void aiotf_log_notify(const aiotf *a)
{
	const notif_policy *p = a->notif_pol;
	log_info("notifUri: schemes %s%s%s, hosts %s, networks %s; at most %d destinations "
	         "(%d per AF), %zu bytes queued (%zu per destination)",
	         p->schemes & 1 ? "http" : "", p->schemes == 3 ? "," : "",
	         p->schemes & 2 ? "https" : "", p->nhosts ? "listed" : "any",
	         p->nets       ? "listed"
	         : p->loopback ? "public and loopback (the SBI is on loopback)"
	                       : "public",
	         a->cfg.notify_max_dests, a->cfg.notify_max_dests_per_af, a->cfg.notify_queue_bytes,
	         a->cfg.notify_dest_queue_bytes);
}

static int host_ok(const notif_policy *p, const char *host)
{
	if (p->hosts == NULL)
		return 1;
	size_t hl = strlen(host);
	for (size_t i = 0; i < p->nhosts; i++) {
		const char *h = p->hosts[i];
		size_t l = strlen(h);
		if (strcasecmp(h, host) == 0 || (h[0] == '*' && h[1] == '.' && hl > l - 1 &&
		                                 strcasecmp(host + hl - (l - 1), h + 1) == 0))
			return 1;
	}
	return 0;
}

static int addr_ok(const notif_policy *p, const uint8_t a[16])
{
	if (p->nets != NULL) {
		for (size_t i = 0; i < p->nnets; i++)
			if (net_has(&p->nets[i], a))
				return 1;
		return 0;
	}
	if (in_list(loopback, 2, a))
		return p->loopback;
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	int v4 = memcmp(a, mapped, 12) == 0;
	if (!v4 && (a[0] & 0xe0) != 0x20) /* IPv6 public unicast is 2000::/3 */
		return 0;
	return !in_list(special, sizeof special / sizeof special[0], a);
}

int notif_policy_allows_addr(const notif_policy *p, const char *addr)
{
	uint8_t x[16];
	return addr16(addr, x) != 0 ? -1 : addr_ok(p, x);
}

int notif_policy_allows_host(const notif_policy *p, const char *host)
{
	return host_ok(p, host);
}

/* ---- the check, in the loop thread ------------------------------------------------------ */

typedef struct lookup {
	aiotf *a;
	aiotf_req *r;
	struct evdns_getaddrinfo_request *q;
	int in_call, done;
	struct lookup *next, **pprev;
	char host[256];
} lookup;

__attribute__((format(printf, 3, 4))) static void refuse(aiotf *a, aiotf_req *r, const char *fmt,
                                                         ...)
{
	char why[300], pa[80];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	for (char *c = why; *c; c++) /* the AF's own text, safe for the log */
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	snprintf(pa, sizeof pa, "%s", r->af_id);
	for (char *c = pa; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	log_info("request from AF '%s' refused: %s", pa, why);
	atomic_fetch_add(&a->st.notif_uri_refused, 1);
	afauth_refuse(a, r, 400, "MANDATORY_IE_INCORRECT", why);
}

static void set_addr(aiotf_req *r, const uint8_t a[16])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (memcmp(a, mapped, 12) == 0)
		inet_ntop(AF_INET, a + 12, r->notif_addr, sizeof r->notif_addr);
	else
		inet_ntop(AF_INET6, a, r->notif_addr, sizeof r->notif_addr);
}

static void on_resolved(int rc, struct evutil_addrinfo *res, void *arg)
{
	lookup *l = arg;
	aiotf_req *r = l->r;
	aiotf *a = l->a;
	uint8_t first[16], x[16];
	int n = 0, bad = 0;
	for (struct evutil_addrinfo *ai = rc == 0 ? res : NULL; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			memset(x, 0, 10);
			x[10] = x[11] = 0xff;
			memcpy(x + 12, &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr, 4);
		} else if (ai->ai_family == AF_INET6) {
			memcpy(x, &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		if (!addr_ok(a->notif_pol, x))
			bad = 1;
		if (n++ == 0)
			memcpy(first, x, 16);
	}
	if (res != NULL)
		evutil_freeaddrinfo(res);
	*l->pprev = l->next;
	if (l->next)
		l->next->pprev = l->pprev;
	l->done = 1;
	if (rc == EVUTIL_EAI_CANCEL)
		afauth_refuse(a, r, 503, NULL, "the AIOTF is stopping");
	else if (n == 0)
		refuse(a, r, "notifUri: host %s does not resolve", l->host);
	else if (bad)
		refuse(a, r, "notifUri: %s resolves to an address outside notify.networks",
		       l->host);
	else {
		set_addr(r, first);
		afauth_submit(a, r);
	}
	if (!l->in_call)
		free(l);
}

void notif_policy_admit(aiotf *a, aiotf_req *r)
{
	const notif_policy *p = a->notif_pol;
	char host[256];
	const char *path;
	int tls, port;
	uint8_t x[16];
	if (sbi_parse_url(r->notif_uri, &tls, host, sizeof host, &port, &path) != 0) {
		refuse(a, r, "notifUri: %s", "malformed"); /* naiotf_parse checked it */
		return;
	}
	if (!(p->schemes & (tls ? 2 : 1))) {
		refuse(a, r, "notifUri: scheme %s not allowed (notify.schemes)",
		       tls ? "https" : "http");
		return;
	}
	if (!host_ok(p, host)) {
		refuse(a, r, "notifUri: host %s not allowed (notify.hosts)", host);
		return;
	}
	if (addr16(host, x) == 0) {
		if (!addr_ok(p, x)) {
			refuse(a, r, "notifUri: address %s outside notify.networks", host);
			return;
		}
		set_addr(r, x);
		afauth_submit(a, r);
		return;
	}
	lookup *l = calloc(1, sizeof *l);
	if (l == NULL) {
		afauth_refuse(a, r, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	struct evutil_addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	l->a = a;
	l->r = r;
	snprintf(l->host, sizeof l->host, "%s", host);
	l->next = a->lookups;
	l->pprev = &a->lookups;
	if (l->next)
		l->next->pprev = &l->next;
	a->lookups = l;
	l->in_call = 1;
	l->q = evdns_getaddrinfo(a->dns, host, NULL, &hints, on_resolved, l);
	l->in_call = 0;
	if (l->done) /* answered at once (/etc/hosts, or an error) */
		free(l);
}

void notif_policy_cancel_all(aiotf *a)
{
	while (a->lookups != NULL) {
		lookup *l = a->lookups;
		if (l->q != NULL)
			evdns_getaddrinfo_cancel(l->q);
		if (a->lookups == l) /* not answered by the cancel: answer it here */
			on_resolved(EVUTIL_EAI_CANCEL, NULL, l);
	}
}
