/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's half of the card's APDUs (uicc_apdu.h): C-APDUs built and answers parsed, sans
 * I/O, no allocation; the transport (src/pcsc) moves the bytes. Every builder writes a short
 * C-APDU (case 4 with Le '00'; a T=0 transport drops Le and fetches the answer with GET
 * RESPONSE). Every parser takes the R-APDU's data and its status word, checks all of it
 * before writing, and returns AIOT_OK; AIOT_ERR_MAC ('9862'); AIOT_USIM_SYNC_FAILURE ('DC',
 * USIM only, AUTS written); AIOT_ERR_MALFORMED (an answer that does not parse: wrong tag,
 * lengths, trailing octets); AIOT_ERR_UNKNOWN (any other status word). Outputs are zeroed on
 * every error but SYNC_FAILURE.
 */
#ifndef AIOT_UICC_CMD_H
#define AIOT_UICC_CMD_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/aiot_fc.h"
#include "ue/usim.h"
#include "uicc/uicc_apdu.h"

#define UICC_CAPDU_MAX 261 /* 4 header + Lc + 255 data + Le */

/* SELECT by DF name (P1 '04', P2 '0C'). */
int uicc_cmd_select_aid(const uint8_t *aid, size_t aid_len, uint8_t *out, size_t cap,
                        size_t *out_len);
/* SELECT an EF (P1 '00', P2 '0C': EF_IMSI, EF_AIOT_ID) then READ BINARY (Le '00': to the
 * end of the file). */
int uicc_cmd_select_fid(uint16_t fid, uint8_t *out, size_t cap, size_t *out_len);
int uicc_cmd_read_binary(uint16_t offset, uint8_t le, uint8_t *out, size_t cap, size_t *out_len);
/* EF_IMSI content (TS 31.102 4.2.2) -> NUL-terminated digits (6..15). */
int uicc_rsp_imsi(const uint8_t *body, size_t len, uint16_t sw, char *imsi, size_t cap);
/* EF_AIOT_ID content (the permanent identifier as is, 1..AIOT_DOA_ID_MAX octets) -> id
 * (*id_len); id has room for AIOT_DOA_ID_MAX octets. Not a secret: it names the card. */
int uicc_rsp_aiot_id(const uint8_t *body, size_t len, uint16_t sw, uint8_t *id, size_t *id_len);
/* Only a status word (SELECT with P2 '0C'): AIOT_OK for '9000'. */
int uicc_rsp_status(size_t body_len, uint16_t sw);

/* USIM AUTHENTICATE, 3G/5G context. */
int uicc_cmd_usim_authenticate(const uint8_t rand[16], const uint8_t autn[AIOT_AUTN_LEN],
                               uint8_t *out, size_t cap, size_t *out_len);
int uicc_rsp_usim_authenticate(const uint8_t *body, size_t len, uint16_t sw, aiot_usim_result *r);

/* AIoT AUTHENTICATE: INVENTORY, DOA, NEXT_TID. */
int uicc_cmd_aiot_inventory(const uint8_t rand_n[16], const uint8_t rand_d[16], uint8_t res_octets,
                            uint8_t *out, size_t cap, size_t *out_len);
int uicc_rsp_aiot_inventory(const uint8_t *body, size_t len, uint16_t sw, uint8_t res_octets,
                            uint8_t *res, uint8_t k_aiotf[AIOT_KAIOTF_LEN]);
int uicc_cmd_aiot_doa(const uint8_t rand_n[16], const uint8_t rand_d[16], const uint8_t *id,
                      uint8_t id_len, const uint8_t mac_n[AIOT_MACN_LEN], uint8_t res_octets,
                      uint8_t *out, size_t cap, size_t *out_len);
int uicc_rsp_aiot_doa(const uint8_t *body, size_t len, uint16_t sw, uint8_t res_octets,
                      uint8_t *res_d, uint8_t k_aiotf[AIOT_KAIOTF_LEN]);
int uicc_cmd_aiot_next_tid(const uint8_t rand_n[16], const uint8_t rand_d[16], uint8_t *out,
                           size_t cap, size_t *out_len);
int uicc_rsp_aiot_next_tid(const uint8_t *body, size_t len, uint16_t sw, uint8_t tid[AIOT_TID_LEN]);

#endif
