/* SPDX-License-Identifier: Apache-2.0 */
/* UDP plumbing shared by aiot-reader and aiot-devsim for the simulated air interface. */
#ifndef AIOT_AIR_UDP_H
#define AIOT_AIR_UDP_H
#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>

typedef union air_addr {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
} air_addr;

/* "A.B.C.D:PORT" or "[V6]:PORT", numeric only. 0, or -1 with err. */
int air_addr_parse(const char *s, air_addr *a, socklen_t *len, char *err, size_t errlen);
/* "A.B.C.D:PORT" / "[V6]:PORT" into buf. */
const char *air_addr_str(const struct sockaddr *sa, char *buf, size_t len);
socklen_t air_addr_len(const struct sockaddr *sa);
/* Non-blocking UDP socket with large buffers (bursts of D2R frames), bound to bind_to and/or
 * connected to peer (either may be NULL). Returns the fd, or -1 with err. */
int air_udp_socket(const air_addr *bind_to, const air_addr *peer, char *err, size_t errlen);

#endif
