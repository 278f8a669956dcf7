/* SPDX-License-Identifier: Apache-2.0 */
/* Error codes shared by every layer. Decoders and the device library return these,
 * never assert on input. Freestanding: no libc needed. */
#ifndef AIOT_ERR_H
#define AIOT_ERR_H

enum {
	AIOT_OK = 0,
	AIOT_ERR_INVAL = -1,          /* a caller argument is out of range */
	AIOT_ERR_TRUNC = -2,          /* input ends before a field it announces */
	AIOT_ERR_NOSPACE = -3,        /* output buffer too small */
	AIOT_ERR_UNKNOWN = -4,        /* unknown message type, command or code point */
	AIOT_ERR_MALFORMED = -5,      /* inconsistent lengths, reserved bits set, trailing bytes */
	AIOT_ERR_MAC = -6,            /* integrity check failed */
	AIOT_ERR_REPLAY = -7,         /* COUNT already used under this key */
	AIOT_ERR_STATE = -8,          /* not valid in the current state (e.g. no session) */
	AIOT_ERR_CRYPTO = -9,         /* the crypto backend failed */
	AIOT_ERR_NOT_ADDRESSED = -10, /* paging not for this device */
	AIOT_ERR_KEYLEN = -11,        /* key length the suite cannot take */
	AIOT_ERR_DISABLED = -12,      /* device permanently disabled */
	AIOT_ERR_CALLBACK = -13,      /* an application callback failed */
	AIOT_ERR_TIMEOUT = -14,       /* no answer after the allowed attempts (device DO-A) */
	AIOT_ERR_NOTFOUND = -15,      /* no such record (sealed records, src/store/kvs.h) */
};

/* A static English description; never NULL. */
const char *aiot_strerror(int err);

#endif
