/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot's vendor-specific extension of SBI bodies (TS 29.500 6.6.3): a member named
 * "vendorSpecific-" + the vendor's IANA Private Enterprise Number in 6 digits, whose value
 * the vendor defines. aiot has no PEN of its own and uses 32473, the number RFC 5612
 * reserves for documentation; a deployment with its own PEN changes this one line.
 * Only schemas that allow additional members carry it (docs/protocol.md).
 */
#ifndef AIOT_COMMON_VENDOR_EXT_H
#define AIOT_COMMON_VENDOR_EXT_H

#define AIOT_VENDOR_EXT "vendorSpecific-032473"
/* In GetSessionKeyResponse: the device's security suite, "3gpp" or "aes" (absent: 3gpp). */
#define AIOT_VENDOR_SUITE "aiotSuite"
/* In GetAuthenticationRequest: the T-ID a device presented (32 hex digits); the ADM computes
 * XRES only for the device whose current or previous T-ID it is. Echoed in the answer, so
 * the AIOTF knows the ADM resolved it (an ADM without the extension scans every device). */
#define AIOT_VENDOR_TID "tid"

#endif
