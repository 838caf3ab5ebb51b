/*
 * maildir.h: deliver the raw mail into a Maildir by the Maildir protocol:
 * create in tmp/, write, fsync, link() into new/ (rename() where links
 * are not supported), fsync new/.  Folders are Maildir++ (".rejected").
 */
#ifndef MAILDIR_H
#define MAILDIR_H

#include <stddef.h>

#include "ti.h"

struct maildir_msg;

/*
 * Start a message in root/tmp/, creating root (and its tmp, new, cur) if
 * missing.  Every failure is TI_E_TEMP with a message that names the
 * directory, the system error and, for EACCES/EROFS, the fix.
 */
struct maildir_msg *maildir_open(const char *root, struct ti_err *err);

/* Append bytes.  A leading mbox "From " line in the first write is
   dropped (a Maildir message has none). */
int maildir_write(struct maildir_msg *m, const void *data, size_t len,
    struct ti_err *err);

/*
 * Make the message durable and visible in folder (NULL for the main
 * folder, or a Maildir++ folder name without the dot, e.g. "rejected",
 * created if missing).  *path_out (may be NULL) gets the new file's path
 * (g_free it).  Frees m in every case; on failure the tmp file is removed.
 */
int maildir_commit(struct maildir_msg *m, const char *folder, char **path_out,
    struct ti_err *err);

/* Start writing what m holds to the disk, without waiting for it, so
   that the fsync of maildir_commit() waits less (a hint; Linux
   sync_file_range(2), nothing elsewhere).  NULL is a no-op. */
void maildir_flush_start(struct maildir_msg *m);

/* Drop the message: remove the tmp file and free m.  NULL is a no-op. */
void maildir_abort(struct maildir_msg *m);

/* maildir_open + maildir_write + maildir_commit in one call. */
int maildir_deliver(const char *root, const char *folder, const void *data,
    size_t len, char **path_out, struct ti_err *err);

#endif
