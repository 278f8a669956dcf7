/* SPDX-License-Identifier: Apache-2.0 */
/* Constant-time helpers and zeroisation. Freestanding. */
#ifndef AIOT_CT_H
#define AIOT_CT_H
#include <stddef.h>
#include <stdint.h>

/* 1 if the n bytes at a and b are equal, else 0. CT: time depends on n only. */
int aiot_ct_eq(const void *a, const void *b, size_t n);

/* Overwrite n bytes with zeros in a way the compiler may not elide. */
void aiot_zeroize(void *p, size_t n);

#endif
