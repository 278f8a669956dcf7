/* SPDX-License-Identifier: Apache-2.0 */
/* SBI URLs (sbi_url.h). */
#include <stdlib.h>
#include <string.h>

#include "sbi_url.h"

int sbi_parse_url(const char *uri, int *tls, char *host, size_t hcap, int *port, const char **path)
{
	const char *p;
	if (strncmp(uri, "http://", 7) == 0) {
		*tls = 0;
		p = uri + 7;
	} else if (strncmp(uri, "https://", 8) == 0) {
		*tls = 1;
		p = uri + 8;
	} else {
		return -1;
	}
	const char *hs = p, *he;
	if (*p == '[') {
		hs = p + 1;
		if ((he = strchr(hs, ']')) == NULL)
			return -1;
		p = he + 1;
	} else {
		he = p + strcspn(p, ":/?#");
		p = he;
	}
	size_t hl = (size_t)(he - hs);
	if (hl == 0 || hl >= hcap || memchr(hs, '@', hl) != NULL)
		return -1;
	memcpy(host, hs, hl);
	host[hl] = '\0';
	long prt = *tls ? 443 : 80;
	if (*p == ':') {
		char *end;
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		prt = strtol(p, &end, 10);
		if (prt < 1 || prt > 65535)
			return -1;
		p = end;
	}
	if (*p != '\0' && *p != '/' && *p != '?')
		return -1;
	*port = (int)prt;
	*path = *p == '/' ? p : "/";
	for (const char *c = p; *c != '\0'; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f || *c == '#')
			return -1;
	return 0;
}
