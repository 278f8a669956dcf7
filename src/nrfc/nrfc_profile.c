/* SPDX-License-Identifier: Apache-2.0 */
/* The NFProfile an NF registers and the SearchResult it reads (nrfc.h), sans-I/O. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nrfc.h"
#include "sbi/sbi_json.h"

/* TS 29.510 6.1.6.2.2: fqdn, ipv4Addresses or ipv6Addresses; an endpoint in the service. */
static int put_address(cJSON *o, const char *host, int port, int in_service)
{
	struct in6_addr a6;
	struct in_addr a4;
	if (in_service) {
		cJSON *eps = cJSON_AddArrayToObject(o, "ipEndPoints"), *ep = cJSON_CreateObject();
		if (eps == NULL || ep == NULL || !cJSON_AddItemToArray(eps, ep)) {
			cJSON_Delete(ep);
			return -1;
		}
		o = ep;
		if (inet_pton(AF_INET, host, &a4) == 1)
			cJSON_AddStringToObject(o, "ipv4Address", host);
		else if (inet_pton(AF_INET6, host, &a6) == 1)
			cJSON_AddStringToObject(o, "ipv6Address", host);
		return cJSON_AddNumberToObject(o, "port", port) ? 0 : -1;
	}
	const char *member = inet_pton(AF_INET, host, &a4) == 1    ? "ipv4Addresses"
	                     : inet_pton(AF_INET6, host, &a6) == 1 ? "ipv6Addresses"
	                                                           : NULL;
	if (member == NULL)
		return cJSON_AddStringToObject(o, "fqdn", host) ? 0 : -1;
	cJSON *arr = cJSON_AddArrayToObject(o, member);
	return arr && cJSON_AddItemToArray(arr, cJSON_CreateString(host)) ? 0 : -1;
}

static cJSON *service(const nrfc_nf *nf, const char *name)
{
	cJSON *s = cJSON_CreateObject(), *vs = cJSON_AddArrayToObject(s, "versions");
	cJSON *v = cJSON_CreateObject();
	if (s == NULL || vs == NULL || v == NULL || !cJSON_AddItemToArray(vs, v)) {
		cJSON_Delete(v);
		cJSON_Delete(s);
		return NULL;
	}
	/* TS 29.510 6.1.6.2.4 NFServiceVersion: every API of this tree is v1 */
	cJSON_AddStringToObject(v, "apiVersionInUri", "v1");
	cJSON_AddStringToObject(v, "apiFullVersion", "1.0.0");
	if (!cJSON_AddStringToObject(s, "serviceInstanceId", name) ||
	    !cJSON_AddStringToObject(s, "serviceName", name) ||
	    !cJSON_AddStringToObject(s, "scheme", nf->tls ? "https" : "http") ||
	    !cJSON_AddStringToObject(s, "nfServiceStatus", "REGISTERED") ||
	    (nf->oauth2_required && !cJSON_AddBoolToObject(s, "oauth2Required", 1)) ||
	    put_address(s, nf->host, nf->port, 1) != 0) {
		cJSON_Delete(s);
		return NULL;
	}
	return s;
}

char *nrfc_profile_json(const nrfc_nf *nf)
{
	cJSON *p = cJSON_CreateObject(), *list = NULL, *info = NULL;
	char *out = NULL;
	if (p == NULL || !cJSON_AddStringToObject(p, "nfInstanceId", nf->nf_instance_id) ||
	    !cJSON_AddStringToObject(p, "nfType", nf->nf_type) ||
	    !cJSON_AddStringToObject(p, "nfStatus", "REGISTERED") ||
	    put_address(p, nf->host, nf->port, 0) != 0)
		goto out;
	/* nfServiceList (nfServices is deprecated): keyed by serviceInstanceId */
	for (size_t i = 0; nf->services != NULL && nf->services[i] != NULL; i++) {
		if ((list == NULL &&
		     (list = cJSON_AddObjectToObject(p, "nfServiceList")) == NULL) ||
		    sbi_json_put(list, nf->services[i], service(nf, nf->services[i])) != 0)
			goto out;
	}
	if (nf->info_name != NULL) {
		sbi_err e = {0};
		info = sbi_json_parse_object((const uint8_t *)nf->info_json, strlen(nf->info_json),
		                             &e);
		if (sbi_json_put(p, nf->info_name, info) != 0)
			goto out;
	}
	out = cJSON_PrintUnformatted(p);
out:
	cJSON_Delete(p);
	return out;
}

uint32_t nrfc_profile_heartbeat(const char *json, size_t len)
{
	sbi_err e = {0};
	cJSON *p = sbi_json_parse_object((const uint8_t *)json, len, &e);
	const cJSON *hb = cJSON_GetObjectItemCaseSensitive(p, "heartBeatTimer");
	uint32_t v = cJSON_IsNumber(hb) && hb->valuedouble >= 1 && hb->valuedouble <= 86400
	                 ? (uint32_t)hb->valuedouble
	                 : 0;
	cJSON_Delete(p);
	return v;
}

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The first address of a profile: ipv4Addresses, ipv6Addresses, then fqdn. */
static const char *profile_host(const cJSON *p, int *v6)
{
	const cJSON *a =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(p, "ipv4Addresses"), 0);
	*v6 = 0;
	if (cJSON_IsString(a))
		return a->valuestring;
	a = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(p, "ipv6Addresses"), 0);
	if (cJSON_IsString(a)) {
		*v6 = 1;
		return a->valuestring;
	}
	return str(p, "fqdn");
}

/* The URL of endpoint i of NFService s (i 0 also without ipEndPoints: the profile's
 * address): 0; 1 past the last one; -1 when it has no usable scheme, host or port (the
 * caller goes on with the next one). */
static int service_url(const cJSON *p, const cJSON *s, int i, char *url, size_t cap)
{
	const char *scheme = str(s, "scheme"), *host;
	const cJSON *eps = cJSON_GetObjectItemCaseSensitive(s, "ipEndPoints");
	const cJSON *ep = cJSON_GetArrayItem(eps, i);
	const cJSON *port = cJSON_GetObjectItemCaseSensitive(ep, "port");
	int v6 = 0;
	if (ep == NULL && i > 0)
		return 1;
	if ((host = str(ep, "ipv4Address")) == NULL && (host = str(ep, "ipv6Address")) != NULL)
		v6 = 1;
	if (host == NULL)
		host = profile_host(p, &v6);
	if (scheme == NULL || host == NULL ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
		return -1;
	/* TS 29.510 6.1.6.2.5: without a port, the scheme's default; an integer 1..65535 (the
	 * range checked on the double: a peer's 1e300 or NaN converted would be undefined) */
	if (cJSON_IsNumber(port) && !(port->valuedouble >= 1 && port->valuedouble <= 65535 &&
	                              port->valuedouble == (double)(long)port->valuedouble))
		return -1;
	long prt = cJSON_IsNumber(port) ? (long)port->valuedouble : scheme[4] ? 443 : 80;
	int n = snprintf(url, cap, v6 ? "%s://[%s]:%ld" : "%s://%s:%ld", scheme, host, prt);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

int nrfc_search_result_url(const char *json, size_t len, const char *service, char *url, size_t cap)
{
	return nrfc_search_result(json, len, service, url, cap, NULL);
}

int nrfc_search_result(const char *json, size_t len, const char *service, char *url, size_t cap,
                       int *oauth2)
{
	return nrfc_search_result_all(json, len, service, 1, url, cap, oauth2);
}

/* 1 when u is an item of the comma-separated list. */
static int listed(const char *list, const char *u)
{
	size_t ul = strlen(u);
	for (const char *p = list; *p != '\0'; p += strcspn(p, ","), p += *p == ',')
		if (strncmp(p, u, ul) == 0 && (p[ul] == '\0' || p[ul] == ','))
			return 1;
	return 0;
}

int nrfc_search_result_all(const char *json, size_t len, const char *service, int max, char *urls,
                           size_t cap, int *oauth2)
{
	sbi_err e = {0};
	cJSON *r = sbi_json_parse_object((const uint8_t *)json, len, &e);
	const cJSON *p, *s;
	int n = 0;
	size_t used = 0;
	if (oauth2 != NULL)
		*oauth2 = 0;
	if (cap > 0)
		urls[0] = '\0';
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(r, "nfInstances"))
	{
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(p, "nfServiceList"))
		{
			const char *name = str(s, "serviceName");
			char u[300];
			if (name == NULL || strcmp(name, service) != 0)
				continue;
			int rc;
			for (int i = 0; n < max && (rc = service_url(p, s, i, u, sizeof u)) <= 0;
			     i++) {
				/* an unusable endpoint: the next one; one two profiles give: once;
				 * a host with a comma (the list's separator: a peer's text, not an
				 * address) never */
				if (rc < 0 || listed(urls, u) || strchr(u, ',') != NULL)
					continue;
				size_t ul = strlen(u);
				if (used + (n > 0) + ul + 1 > cap)
					goto out;
				used += (size_t)snprintf(urls + used, cap - used, "%s%s",
				                         n > 0 ? "," : "", u);
				n++;
				/* TS 29.510 6.1.6.2.3 NFService: one requiring tokens makes them
				 * sent to all */
				if (oauth2 != NULL && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
				                          s, "oauth2Required")))
					*oauth2 = 1;
			}
		}
	}
out:
	cJSON_Delete(r);
	return n > 0 ? 0 : -1;
}
