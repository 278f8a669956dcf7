/* SPDX-License-Identifier: Apache-2.0 */
/* The http:// and https:// URLs the NFs are given or told about: the ADM's (adm.url), the
 * NRF's (nrf.url), an AF's notifUri, a producer found by discovery. */
#ifndef AIOT_SBI_URL_H
#define AIOT_SBI_URL_H
#include <stddef.h>

/* "http://HOST:PORT/path" / "https://..." ([v6] allowed). 0 or -1. path points into uri
 * ("/" when absent). */
int sbi_parse_url(const char *uri, int *tls, char *host, size_t hcap, int *port, const char **path);

#endif
