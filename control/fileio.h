/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Files the control plane writes (the roots folder, the revoked list, client
 * packages): whole writes and atomic replacement, so that after a crash a
 * file is either the old one or the new one, never a mix. Control thread
 * only: these make system calls and may block on the disk.
 */
#ifndef SGW_CONTROL_FILEIO_H
#define SGW_CONTROL_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* All of buf, across short writes and EINTR. 0 or -errno. */
__attribute__((warn_unused_result))
int sgw_write_all(int fd, const void *buf, size_t len);

/* rel (relative to dirfd, or a path with AT_FDCWD) replaced by buf: written
 * to rel.tmp with exactly mode (whatever the umask), fsync'd when sync,
 * renamed over rel. The folder itself is not fsync'd (sgw_fsync_dir). On
 * failure rel is untouched and rel.tmp removed. 0 or -errno. */
__attribute__((warn_unused_result))
int sgw_file_replace_at(int dirfd, const char *rel, const void *buf, size_t len,
			mode_t mode, bool sync);

/* fsync of a folder: makes a rename in it durable. 0 or -errno. */
__attribute__((warn_unused_result))
int sgw_fsync_dir(const char *dir);

#ifdef __cplusplus
}
#endif
#endif
