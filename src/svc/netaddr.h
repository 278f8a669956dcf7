/* SPDX-License-Identifier: Apache-2.0 */
/* "ADDR:PORT" / "[ADDR]:PORT" to a socket address, for every listener and connector of the
 * daemons (SBI, NG link). ADDR may be a host name, resolved once (blocking: call it at
 * start-up or when (re)connecting, never on a hot path). */
#ifndef AIOT_SVC_NETADDR_H
#define AIOT_SVC_NETADDR_H
#include <stddef.h>
#include <sys/socket.h>

/* passive: for bind() (AI_PASSIVE). 0, or -1 with a message in err. */
int svc_parse_addr(const char *s, int passive, struct sockaddr_storage *ss, socklen_t *len,
                   char *err, size_t errlen);

#endif
