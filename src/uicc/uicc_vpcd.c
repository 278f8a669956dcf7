/* SPDX-License-Identifier: Apache-2.0 */
/* The vpcd link (uicc_vpcd.h). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include "crypto/ct.h"
#include "svc/log.h"
#include "uicc/uicc_vpcd.h"

#define VPCD_MSG_MAX 65535 /* what a 2-octet length can announce */

int uicc_vpcd_message(uicc_vpcd *v, const uint8_t *msg, size_t len, uint8_t out[UICC_VPCD_OUT_MAX],
                      size_t *out_len)
{
	size_t n = 0;

	*out_len = 0;
	if (len == 0)
		return AIOT_ERR_MALFORMED;
	if (len == 1) {
		switch (msg[0]) {
		case UICC_VPCD_POWER_OFF:
		case UICC_VPCD_POWER_ON:
		case UICC_VPCD_RESET:
			uicc_card_reset(v->card);
			return AIOT_OK;
		case UICC_VPCD_GET_ATR:
			n = uicc_card_atr(v->t0, v->t1, out + 2);
			break;
		default:
			return AIOT_ERR_UNKNOWN;
		}
	} else if (uicc_card_apdu(v->card, msg, len, out + 2, UICC_RAPDU_MAX, &n) == AIOT_OK) {
		v->apdus++;
	}
	out[0] = (uint8_t)(n >> 8), out[1] = (uint8_t)n;
	*out_len = n + 2;
	return AIOT_OK;
}

/* 1 all read, 0 the peer closed before the first octet, -1 an error or a stop. */
static int read_full(int fd, uint8_t *p, size_t n, volatile sig_atomic_t *stop)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		/* vpcd writes the length and the APDU apart, under Nagle: acknowledge at once, or
		 * the APDU waits for our delayed ACK (40 ms an exchange). Linux resets it: each
		 * read. Not a socket (a test's pipe): ignored. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &(int){1}, sizeof(int));
		if (r > 0) {
			got += (size_t)r;
		} else if (r == 0) {
			if (got == 0)
				return 0;
			errno = EPIPE;
			return -1;
		} else if (errno != EINTR || *stop) {
			return -1;
		}
	}
	return 1;
}

static int write_full(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w, n -= (size_t)w;
	}
	return 0;
}

int uicc_vpcd_serve(uicc_vpcd *v, int fd, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	static uint8_t msg[VPCD_MSG_MAX];
	uint8_t hdr[2], out[UICC_VPCD_OUT_MAX];
	size_t len, out_len;
	int rc = 0, r;

	while (!*stop) {
		if ((r = read_full(fd, hdr, 2, stop)) <= 0) {
			if (r < 0 && !*stop)
				snprintf(err, errlen, "vpcd: %s", strerror(errno)), rc = -1;
			break;
		}
		len = (size_t)hdr[0] << 8 | hdr[1];
		if (len == 0 || read_full(fd, msg, len, stop) != 1) {
			if (!*stop)
				snprintf(err, errlen, "vpcd: %s",
				         len == 0 ? "empty message" : "message cut short"),
				    rc = -1;
			break;
		}
		uint8_t first = msg[0];
		r = uicc_vpcd_message(v, msg, len, out, &out_len);
		if (len == 1)
			log_debug("vpcd control 0x%02x", first);
		else if (out_len >= 4) /* the header and the status word: no data, no keys */
			log_debug("C-APDU %02X %02X %02X %02X, %zu octets -> SW %02X%02X", msg[0],
			          msg[1], msg[2], msg[3], len, out[out_len - 2], out[out_len - 1]);
		aiot_zeroize(msg + 4, len > 4 ? len - 4 : 0);
		if (r != AIOT_OK) {
			snprintf(err, errlen, "vpcd: unknown control 0x%02x", first);
			rc = -1;
			break;
		}
		if (out_len != 0 && write_full(fd, out, out_len) != 0) {
			snprintf(err, errlen, "vpcd: %s", strerror(errno));
			rc = -1;
			break;
		}
		aiot_zeroize(out, out_len);
	}
	uicc_card_reset(v->card);
	return rc;
}
