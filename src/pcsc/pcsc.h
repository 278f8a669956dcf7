/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's link to a card through the PC/SC stack (libpcsclite, pcscd): reader discovery
 * by name, connect (T=0 or T=1, whichever the card and reader agree), one APDU exchange with
 * the T=0 rules of ISO/IEC 7816-3 (Le dropped from case-4 commands; '61xx' fetched with GET
 * RESPONSE; '6Cxx' re-sent with the right Le), and clear errors: no PC/SC service, no reader
 * (or none named so), no card, card removed. Blocking: a card answers in milliseconds; a
 * caller on an event loop says so where it calls. Not thread-safe per handle.
 * Errors (with a one-line reason): AIOT_ERR_NOTFOUND no reader, none named so, reader gone;
 * AIOT_ERR_STATE no PC/SC service, no card, card removed or mute, card reset by another host
 * (reconnected: select the application again); AIOT_ERR_NOSPACE an answer beyond cap;
 * AIOT_ERR_MALFORMED an answer without a status word, endless '61xx'; AIOT_ERR_INVAL not a
 * short C-APDU; AIOT_ERR_CALLBACK any other PC/SC failure.
 */
#ifndef AIOT_PCSC_H
#define AIOT_PCSC_H
#include <stddef.h>
#include <stdint.h>

typedef struct aiot_pcsc aiot_pcsc;

/* Connects to the card in the reader whose name contains `reader` (NULL or "": the first
 * reader holding a card). AIOT_OK, or AIOT_ERR_* with a one-line reason in err (which
 * readers exist, when none matched). */
int aiot_pcsc_open(const char *reader, aiot_pcsc **out, char *err, size_t errlen);

/* One command: capdu as uicc_cmd.h builds it; the answer's data into body (*body_len) and
 * its final status word into *sw. AIOT_OK whatever the status word; AIOT_ERR_* (with err)
 * when the exchange itself failed (card removed, reader gone, answer too long for cap). */
int aiot_pcsc_transmit(aiot_pcsc *c, const uint8_t *capdu, size_t len, uint8_t *body, size_t cap,
                       size_t *body_len, uint16_t *sw, char *err, size_t errlen);

/* aiot_pcsc_transmit for a uicc_link (uicc_link.h): c is an aiot_pcsc. */
int aiot_pcsc_xfer(void *c, const uint8_t *capdu, size_t len, uint8_t *body, size_t cap,
                   size_t *body_len, uint16_t *sw, char *err, size_t errlen);

/* Holds the card for this handle alone (on = 1: SCardBeginTransaction; 0: its end) so that
 * a sequence of exchanges (SELECT, then the command) is not interleaved with another
 * host's; holds nest. An aiot_uicc_hold (uicc_link.h): c is an aiot_pcsc. */
int aiot_pcsc_hold(void *c, int on, char *err, size_t errlen);

const char *aiot_pcsc_reader_name(const aiot_pcsc *c);
int aiot_pcsc_protocol(const aiot_pcsc *c); /* 0: T=0, 1: T=1 */
void aiot_pcsc_close(aiot_pcsc *c);

/* The readers' names, one per line, into out (NUL-terminated): for errors and `--list`. */
int aiot_pcsc_list_readers(char *out, size_t cap, char *err, size_t errlen);

#endif
