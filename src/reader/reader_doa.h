/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reader's device-originated access (DO-A, docs/protocol.md §5.7), sans I/O like the
 * inventory (reader_proc.h, whose reader_io it uses and which routes the events here): one
 * DO-A session at a time (a random air id, a new one every doa_session_s seconds and after
 * the loss of the NG link), an access round (DOA_OPEN) every doa_interval_ms with a frame
 * size from the DO-A rule of reader_dfsa.h, each SINGLE slot's uplink PDU relayed as a DO-A
 * Uplink NAS Transport under the device's RAN-AIOT-Device-NGAP-ID (stable for the session)
 * and ACKed on the air at the round's end; each DO-A Downlink NAS Transport sent to the
 * device's handle (DOA_DOWNLINK), an unknown RAN ID answered with a DO-A Downlink Failure.
 *
 * Ownership: reader_doa owns its device table (at most doa_max_devices entries), its ACK
 * list and its round timer; reader_proc owns the reader_doa and the counters it writes
 * (the doa_* fields of the reader_stats passed in). Frames and messages passed in are
 * borrowed for the call.
 */
#ifndef AIOT_READER_DOA_H
#define AIOT_READER_DOA_H
#include "air/air.h"
#include "ngap/ngap_aiot.h"
#include "reader_proc.h"

typedef struct reader_doa reader_doa;

/* Opens the first DO-A session and its first round (none when doa_interval_ms is 0: the
 * downlinks are then all for unknown RAN IDs). NULL when out of memory. */
reader_doa *reader_doa_new(const reader_cfg *cfg, const reader_io *io, void *io_arg,
                           reader_stats *st);
void reader_doa_free(reader_doa *d); /* NULL allowed */
/* A decoded D2R frame: 1 if it is the DO-A session's (handled), 0 if not. */
int reader_doa_on_air(reader_doa *d, const air_frame *f);
/* NGAP_DOA_DOWNLINK_NAS. */
void reader_doa_on_downlink(reader_doa *d, const ngap_msg *m);
/* The NG link closed: the AIOTF's DO-A contexts are gone, a new DO-A session starts. */
void reader_doa_link_lost(reader_doa *d);

#endif
