/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's PC/SC transport (pcsc.h) on libpcsclite. This file owns the PC/SC context and
 * card handle, the reader choice, and the ISO/IEC 7816-3 transport rules: what a T=0 TPDU
 * may carry (no Le in case 4, P3 = 0 in case 1), '61xx' answered with GET RESPONSE (on T=1
 * too: a card may use it there), '6Cxx' re-sent once with Le = xx. Each exchange, GET
 * RESPONSEs included, runs inside one PC/SC transaction, so that another host sharing the
 * card (pcsc_scan, opensc-tool, another aiot process) cannot interleave its APDUs.
 */
#include "pcsc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winscard.h>

#include "common/aiot_err.h"
#include "uicc/uicc_apdu.h"
#include "uicc/uicc_cmd.h"

#define PCSC_RAPDU_MAX 258 /* 256 data octets + SW1 SW2 */
#define PCSC_MAX_CHAIN 16  /* GET RESPONSEs per command: 16 x 256 octets, beyond any cap */

struct aiot_pcsc {
	SCARDCONTEXT ctx;
	SCARDHANDLE card;
	DWORD proto; /* SCARD_PROTOCOL_T0 or _T1 */
	char reader[256];
};

/* A PC/SC failure as one line and an AIOT_ERR_*: no service, no reader, no card, removed. */
static int pcsc_fail(LONG rv, const char *reader, char *err, size_t errlen)
{
	const char *r = reader ? reader : "";
	int rc = AIOT_ERR_STATE;

	switch (rv) {
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
		snprintf(err, errlen,
		         "no PC/SC service: pcscd is not running (scripts/pcsc.sh start)");
		break;
	case SCARD_E_NO_READERS_AVAILABLE:
		snprintf(err, errlen, "no PC/SC reader");
		rc = AIOT_ERR_NOTFOUND;
		break;
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_READER_UNAVAILABLE:
		snprintf(err, errlen, "reader '%s' is gone", r);
		rc = AIOT_ERR_NOTFOUND;
		break;
	case SCARD_E_NO_SMARTCARD:
		snprintf(err, errlen, "no card in reader '%s'", r);
		break;
	case SCARD_W_REMOVED_CARD:
		snprintf(err, errlen, "the card was removed from reader '%s'", r);
		break;
	case SCARD_W_UNRESPONSIVE_CARD:
	case SCARD_W_UNPOWERED_CARD:
		snprintf(err, errlen, "the card in reader '%s' does not answer", r);
		break;
	default:
		snprintf(err, errlen, "PC/SC, reader '%s': %s (0x%lX)", r, pcsc_stringify_error(rv),
		         (unsigned long)rv);
		rc = AIOT_ERR_CALLBACK;
	}
	return rc;
}

/* The readers' names as PC/SC lists them (a multi-string): malloc'd, or NULL with err. */
static char *pcsc_readers(SCARDCONTEXT ctx, int *rc, char *err, size_t errlen)
{
	DWORD len = 0;
	char *names;
	LONG rv = SCardListReaders(ctx, NULL, NULL, &len);

	if (rv == SCARD_S_SUCCESS && (names = malloc(len ? len : 1)) != NULL) {
		rv = SCardListReaders(ctx, NULL, names, &len);
		if (rv == SCARD_S_SUCCESS)
			return names;
		free(names);
	}
	*rc = rv == SCARD_S_SUCCESS ? AIOT_ERR_NOSPACE : pcsc_fail(rv, NULL, err, errlen);
	if (rv == SCARD_S_SUCCESS)
		snprintf(err, errlen, "out of memory");
	return NULL;
}

/* "A; B; C" of a multi-string, into out. */
static void pcsc_join(const char *names, const char *sep, char *out, size_t cap)
{
	size_t pos = 0;

	out[0] = '\0';
	for (const char *n = names; *n && pos < cap; n += strlen(n) + 1) {
		int k = snprintf(out + pos, cap - pos, "%s%s", pos ? sep : "", n);
		if (k < 0)
			break;
		pos += (size_t)k;
	}
}

static LONG pcsc_connect(aiot_pcsc *c, const char *name)
{
	snprintf(c->reader, sizeof c->reader, "%s", name);
	return SCardConnect(c->ctx, name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                    &c->card, &c->proto);
}

/* The first reader whose name contains want (any, if empty) and holds a card. */
static int pcsc_pick(aiot_pcsc *c, const char *names, const char *want, char *err, size_t errlen)
{
	LONG rv = SCARD_E_NO_SMARTCARD;
	const char *tried = NULL;
	char list[512];

	for (const char *n = names; *n; n += strlen(n) + 1) {
		if (want[0] && strstr(n, want) == NULL)
			continue;
		tried = n;
		rv = pcsc_connect(c, n);
		if (rv == SCARD_S_SUCCESS)
			return AIOT_OK;
	}
	if (tried && !(want[0] == '\0' && rv == SCARD_E_NO_SMARTCARD))
		return pcsc_fail(rv, tried, err, errlen);
	pcsc_join(names, "; ", list, sizeof list);
	if (tried) {
		snprintf(err, errlen, "no card in any reader (readers: %s)", list);
		return AIOT_ERR_STATE;
	}
	snprintf(err, errlen, "no reader named '%s' (readers: %s)", want, list);
	return AIOT_ERR_NOTFOUND;
}

int aiot_pcsc_open(const char *reader, aiot_pcsc **out, char *err, size_t errlen)
{
	aiot_pcsc *c;
	char *names = NULL;
	int rc = AIOT_ERR_NOSPACE;
	LONG rv;

	*out = NULL;
	if ((c = calloc(1, sizeof *c)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &c->ctx);
	if (rv != SCARD_S_SUCCESS) {
		free(c);
		return pcsc_fail(rv, NULL, err, errlen);
	}
	names = pcsc_readers(c->ctx, &rc, err, errlen);
	if (names != NULL)
		rc = pcsc_pick(c, names, reader ? reader : "", err, errlen);
	free(names);
	if (rc != AIOT_OK) {
		SCardReleaseContext(c->ctx);
		free(c);
		return rc;
	}
	*out = c;
	return AIOT_OK;
}

/* 0 if the reader's card is gone, or goes within a second (pcscd sees a removal at its next
 * poll of the reader, after the command that met it). */
static int pcsc_card_present(aiot_pcsc *c)
{
	SCARD_READERSTATE rs = {.szReader = c->reader, .dwCurrentState = SCARD_STATE_UNAWARE};
	LONG rv = SCardGetStatusChange(c->ctx, 0, &rs, 1);

	if (rv == SCARD_S_SUCCESS && !(rs.dwEventState & SCARD_STATE_EMPTY)) {
		rs.dwCurrentState = rs.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
		rv = SCardGetStatusChange(c->ctx, 1000, &rs, 1);
	}
	return !(rv == SCARD_S_SUCCESS && (rs.dwEventState & SCARD_STATE_EMPTY));
}

/* A failure on the card's handle: a reset card is reconnected (AIOT_ERR_STATE: the caller
 * selects its application again); a card that went away is said to be removed, whatever PC/SC
 * reported (with vpcd: a transaction that failed). */
static int pcsc_card_fail(aiot_pcsc *c, LONG rv, char *err, size_t errlen)
{
	if (rv == SCARD_W_RESET_CARD) {
		SCardReconnect(c->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
		               SCARD_LEAVE_CARD, &c->proto);
		snprintf(err, errlen, "the card in reader '%s' was reset: select again", c->reader);
		return AIOT_ERR_STATE;
	}
	if (rv != SCARD_E_NO_SERVICE && rv != SCARD_E_SERVICE_STOPPED && !pcsc_card_present(c))
		rv = SCARD_W_REMOVED_CARD;
	return pcsc_fail(rv, c->reader, err, errlen);
}

/* One TPDU and its answer (data + SW, *rlen >= 2); a reset card is reconnected (the
 * applications' selection is lost: AIOT_ERR_STATE, the caller selects again). */
static int pcsc_tpdu(aiot_pcsc *c, const uint8_t *tpdu, size_t n, uint8_t *r, DWORD *rlen,
                     char *err, size_t errlen)
{
	const SCARD_IO_REQUEST *pci = c->proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
	LONG rv;

	*rlen = PCSC_RAPDU_MAX;
	rv = SCardTransmit(c->card, pci, tpdu, (DWORD)n, NULL, r, rlen);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_card_fail(c, rv, err, errlen);
	if (*rlen < 2) { /* vpcd's answer when its card went away mid-command */
		if (!pcsc_card_present(c))
			return pcsc_fail(SCARD_W_REMOVED_CARD, c->reader, err, errlen);
		snprintf(err, errlen, "reader '%s': an answer without a status word", c->reader);
		return AIOT_ERR_MALFORMED;
	}
	return AIOT_OK;
}

/* The TPDU for capdu (short APDU, ISO/IEC 7816-3 12.1 and 12.2): its length into tpdu, and
 * *le_at = where Le sits in it (0 if none), or AIOT_ERR_INVAL. */
static int pcsc_frame(const aiot_pcsc *c, const uint8_t *capdu, size_t len, uint8_t *tpdu,
                      size_t *le_at)
{
	size_t n = len;
	int t0 = c->proto != SCARD_PROTOCOL_T1;

	*le_at = 0;
	if (len < 4 || len > UICC_CAPDU_MAX)
		return AIOT_ERR_INVAL;
	memcpy(tpdu, capdu, len);
	if (len == 4 && t0) {
		tpdu[n++] = 0; /* case 1: P3 = 0 */
	} else if (len == 5) {
		*le_at = 4; /* case 2: P3 = Le */
	} else if (len > 5 && len == 6u + capdu[4]) {
		if (t0)
			n--; /* case 4: T=0 carries no Le; the answer comes as '61xx' */
		else
			*le_at = len - 1;
	} else if (len > 5 && len != 5u + capdu[4]) {
		return AIOT_ERR_INVAL; /* Lc does not match the data */
	}
	return (int)n;
}

/* Append r's data to body; AIOT_ERR_NOSPACE beyond cap. */
static int pcsc_take(const uint8_t *r, DWORD rlen, uint8_t *body, size_t cap, size_t *body_len,
                     char *err, size_t errlen)
{
	size_t k = rlen - 2;

	if (k > cap - *body_len) {
		snprintf(err, errlen, "the card's answer is longer than %zu octets", cap);
		return AIOT_ERR_NOSPACE;
	}
	memcpy(body + *body_len, r, k);
	*body_len += k;
	return AIOT_OK;
}

/* The exchange inside the transaction: the command, at most one '6Cxx' re-send, then GET
 * RESPONSE while the card answers '61xx'. */
static int pcsc_exchange(aiot_pcsc *c, const uint8_t *capdu, size_t len, uint8_t *body, size_t cap,
                         size_t *body_len, uint16_t *sw, char *err, size_t errlen)
{
	uint8_t tpdu[UICC_CAPDU_MAX + 1], r[PCSC_RAPDU_MAX];
	size_t le_at;
	DWORD rlen;
	int n = pcsc_frame(c, capdu, len, tpdu, &le_at), rc, chain = 0;

	if (n < 0) {
		snprintf(err, errlen, "not a short C-APDU (%zu octets)", len);
		return n;
	}
	rc = pcsc_tpdu(c, tpdu, (size_t)n, r, &rlen, err, errlen);
	if (rc == AIOT_OK && r[rlen - 2] == UICC_SW1_WRONG_LE && le_at) {
		tpdu[le_at] = r[rlen - 1]; /* ISO/IEC 7816-3 12.2.2: the same command, Le = SW2 */
		rc = pcsc_tpdu(c, tpdu, (size_t)n, r, &rlen, err, errlen);
	}
	while (rc == AIOT_OK) {
		rc = pcsc_take(r, rlen, body, cap, body_len, err, errlen);
		*sw = (uint16_t)(r[rlen - 2] << 8 | r[rlen - 1]);
		if (rc != AIOT_OK || r[rlen - 2] != UICC_SW1_MORE)
			break;
		if (++chain > PCSC_MAX_CHAIN) {
			snprintf(err, errlen, "the card keeps answering '61xx'");
			return AIOT_ERR_MALFORMED;
		}
		const uint8_t get[5] = {UICC_CLA_ISO, UICC_INS_GET_RESPONSE, 0, 0, r[rlen - 1]};
		rc = pcsc_tpdu(c, get, sizeof get, r, &rlen, err, errlen);
	}
	return rc;
}

/* SCardBeginTransaction (pcsc-lite counts nested ones on the same handle). */
static int pcsc_begin(aiot_pcsc *c, char *err, size_t errlen)
{
	LONG rv = SCardBeginTransaction(c->card);

	return rv == SCARD_S_SUCCESS ? AIOT_OK : pcsc_card_fail(c, rv, err, errlen);
}

int aiot_pcsc_hold(void *io, int on, char *err, size_t errlen)
{
	aiot_pcsc *c = io;

	if (c == NULL) {
		snprintf(err, errlen, "bad arguments");
		return AIOT_ERR_INVAL;
	}
	if (on)
		return pcsc_begin(c, err, errlen);
	SCardEndTransaction(c->card, SCARD_LEAVE_CARD);
	return AIOT_OK;
}

int aiot_pcsc_transmit(aiot_pcsc *c, const uint8_t *capdu, size_t len, uint8_t *body, size_t cap,
                       size_t *body_len, uint16_t *sw, char *err, size_t errlen)
{
	int rc;

	*body_len = 0;
	*sw = 0;
	if (c == NULL || capdu == NULL || (cap && body == NULL)) {
		snprintf(err, errlen, "bad arguments");
		return AIOT_ERR_INVAL;
	}
	if ((rc = pcsc_begin(c, err, errlen)) != AIOT_OK)
		return rc;
	rc = pcsc_exchange(c, capdu, len, body, cap, body_len, sw, err, errlen);
	SCardEndTransaction(c->card, SCARD_LEAVE_CARD);
	if (rc != AIOT_OK) {
		*body_len = 0;
		*sw = 0;
	}
	return rc;
}

int aiot_pcsc_xfer(void *c, const uint8_t *capdu, size_t len, uint8_t *body, size_t cap,
                   size_t *body_len, uint16_t *sw, char *err, size_t errlen)
{
	return aiot_pcsc_transmit(c, capdu, len, body, cap, body_len, sw, err, errlen);
}

const char *aiot_pcsc_reader_name(const aiot_pcsc *c)
{
	return c ? c->reader : "";
}

int aiot_pcsc_protocol(const aiot_pcsc *c)
{
	return c && c->proto == SCARD_PROTOCOL_T1 ? 1 : 0;
}

void aiot_pcsc_close(aiot_pcsc *c)
{
	if (c == NULL)
		return;
	SCardDisconnect(c->card, SCARD_LEAVE_CARD);
	SCardReleaseContext(c->ctx);
	free(c);
}

int aiot_pcsc_list_readers(char *out, size_t cap, char *err, size_t errlen)
{
	SCARDCONTEXT ctx;
	char *names;
	int rc = AIOT_OK;
	LONG rv;

	if (out == NULL || cap == 0)
		return AIOT_ERR_INVAL;
	out[0] = '\0';
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail(rv, NULL, err, errlen);
	names = pcsc_readers(ctx, &rc, err, errlen);
	if (names != NULL)
		pcsc_join(names, "\n", out, cap);
	free(names);
	SCardReleaseContext(ctx);
	return rc;
}
