/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "air_udp.h"

#define AIR_SOCKBUF (4 << 20)

int air_addr_parse(const char *s, air_addr *a, socklen_t *len, char *err, size_t errlen)
{
	char host[64];
	const char *colon, *h = s;
	size_t hl;

	memset(a, 0, sizeof *a);
	if (s == NULL || (colon = strrchr(s, ':')) == NULL)
		goto bad;
	hl = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hl < 2 || s[hl - 1] != ']')
			goto bad;
		h = s + 1;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof host)
		goto bad;
	memcpy(host, h, hl);
	host[hl] = '\0';
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port > 65535 || errno != 0)
		goto bad;
	if (inet_pton(AF_INET, host, &a->in4.sin_addr) == 1) {
		a->in4.sin_family = AF_INET;
		a->in4.sin_port = htons((uint16_t)port);
		*len = sizeof a->in4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a->in6.sin6_addr) == 1) {
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_port = htons((uint16_t)port);
		*len = sizeof a->in6;
		return 0;
	}
bad:
	snprintf(err, errlen, "'%s': not a numeric ADDR:PORT", s ? s : "");
	return -1;
}

socklen_t air_addr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

const char *air_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char h[INET6_ADDRSTRLEN] = "?";
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof h);
		snprintf(buf, len, "[%s]:%u", h, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &a->sin_addr, h, sizeof h);
		snprintf(buf, len, "%s:%u", h, ntohs(a->sin_port));
	}
	return buf;
}

int air_udp_socket(const air_addr *bind_to, const air_addr *peer, char *err, size_t errlen)
{
	int family = bind_to ? bind_to->sa.sa_family : peer->sa.sa_family;
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int sz = AIR_SOCKBUF;
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* Root may exceed net.core.rmem_max; otherwise the kernel caps the request. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) != 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	if (bind_to != NULL && bind(fd, &bind_to->sa, air_addr_len(&bind_to->sa)) != 0) {
		snprintf(err, errlen, "bind: %s", strerror(errno));
		goto fail;
	}
	if (peer != NULL && connect(fd, &peer->sa, air_addr_len(&peer->sa)) != 0) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}
