/* SPDX-License-Identifier: Apache-2.0 */
/* Listen/connect address parsing and process-wide libevent threading setup. */
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/thread.h>

#include "sbi/sbi_internal.h"

int sbi_socket_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

static pthread_once_t threads_once = PTHREAD_ONCE_INIT;

static void threads_init_once(void)
{
	evthread_use_pthreads();
}

void sbi_threads_init(void)
{
	pthread_once(&threads_once, threads_init_once);
}
