/* SPDX-License-Identifier: Apache-2.0 */
/* Files at rest that hold secrets or wrapped keys (the KEK file, the device store): opened
 * without following a symbolic link, then checked on the descriptor that is read, so that
 * the file checked is the file used (no lstat-then-open race). src/store, and the NG link
 * TLS key (src/ngap/ngap_tls.c). */
#ifndef AIOT_PRIVATE_FILE_H
#define AIOT_PRIVATE_FILE_H
#include <stddef.h>

/* open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600), then aiot_private_check(). The fd, or
 * -1 with a message naming what and path in err; errno is kept from a failed open (ENOENT
 * for a missing file). */
int aiot_private_open(const char *what, const char *path, int flags, char *err, size_t errlen);

/* A regular file owned by the running user (or root) that gives group and other no access.
 * 0, or -1 with a message saying what to do. */
int aiot_private_check(int fd, const char *what, const char *path, char *err, size_t errlen);

/* A store's database file, before SQLite opens it: checked as aiot_private_open (no symbolic
 * link, owner, mode); with create, made (mode 0600) if missing and *created set (created may
 * be NULL). missing: what a missing file's message adds, after "store PATH does not exist".
 * 0, or -1 with a message in err. The fd is closed: closing any fd of the file would drop
 * SQLite's locks later. */
int aiot_private_store_file(const char *path, int create, int *created, const char *missing,
                            char *err, size_t errlen);

/* The advisory lock PATH.lock beside a store: one process at a time (flock, not the POSIX
 * locks SQLite keeps on the database file). The lock fd (holding the lock until closed,
 * with this process's PID written in the file), or -1 with a message naming the holder. */
int aiot_private_lock(const char *path, char *err, size_t errlen);

#endif
