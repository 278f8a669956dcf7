/* SPDX-License-Identifier: Apache-2.0 */
#include "netaddr.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int svc_parse_addr(const char *s, int passive, struct sockaddr_storage *ss, socklen_t *len,
                   char *err, size_t errlen)
{
	char host[256];
	const char *colon, *hs;
	size_t hl;
	char *end;
	long port;
	struct addrinfo hints, *ai = NULL;
	int rc;

	if (s == NULL || *s == '\0')
		goto bad;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			goto bad;
		hs = s + 1;
		hl = (size_t)(rb - hs);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			goto bad;
		hs = s;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host))
		goto bad;
	memcpy(host, hs, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || port < 0 || port > 65535)
		goto bad;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = passive ? AI_PASSIVE : 0;
	rc = getaddrinfo(host, NULL, &hints, &ai);
	if (rc != 0 || ai == NULL || ai->ai_addrlen > sizeof(*ss)) {
		snprintf(err, errlen, "%s: %s", s, rc ? gai_strerror(rc) : "no address");
		if (ai != NULL)
			freeaddrinfo(ai);
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = (socklen_t)ai->ai_addrlen;
	freeaddrinfo(ai);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "bad address \"%s\" (want ADDR:PORT or [ADDR]:PORT)",
	         s ? s : "(null)");
	return -1;
}
