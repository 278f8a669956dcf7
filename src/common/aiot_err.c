/* SPDX-License-Identifier: Apache-2.0 */
#include "aiot_err.h"

const char *aiot_strerror(int err)
{
	switch (err) {
	case AIOT_OK:
		return "success";
	case AIOT_ERR_INVAL:
		return "invalid argument";
	case AIOT_ERR_TRUNC:
		return "truncated input";
	case AIOT_ERR_NOSPACE:
		return "output buffer too small";
	case AIOT_ERR_UNKNOWN:
		return "unknown message type or code point";
	case AIOT_ERR_MALFORMED:
		return "malformed input";
	case AIOT_ERR_MAC:
		return "integrity check failed";
	case AIOT_ERR_REPLAY:
		return "replayed COUNT";
	case AIOT_ERR_STATE:
		return "not valid in the current state";
	case AIOT_ERR_CRYPTO:
		return "crypto backend failure";
	case AIOT_ERR_NOT_ADDRESSED:
		return "paging not addressed to this device";
	case AIOT_ERR_KEYLEN:
		return "key length not supported by the suite";
	case AIOT_ERR_DISABLED:
		return "device permanently disabled";
	case AIOT_ERR_CALLBACK:
		return "application callback failed";
	case AIOT_ERR_TIMEOUT:
		return "no answer after the allowed attempts";
	case AIOT_ERR_NOTFOUND:
		return "no such record";
	}
	return "unknown error";
}
