/*
 * maildir.c: archive the raw mail into a Maildir (maildir(5); the
 * protocol is in doc/durability.md, '2. Maildir').
 *
 * Design rationale:
 * - tmp/ then link() into new/: "at that instant the message has been
 *   successfully delivered".  link() fails with EEXIST where rename()
 *   would silently replace, so it is the uniqueness check too; rename()
 *   is the fallback for filesystems without hard links.
 * - The file and then new/ are fsync'd: on ext4 and XFS a crash after our
 *   exit 0 could otherwise lose the directory entry.  An fsync error is
 *   final (Linux may drop the dirty pages): TI_E_TEMP, never a retry.
 * - A Maildir message has no mbox From_ line: the one Postfix local(8),
 *   Exim and procmail prepend is dropped.  No ",S=" in the name: Dovecot
 *   believes it.
 * - Every failure is TI_E_TEMP (the MTA retries) and names the path; a
 *   permission problem also names the fix, because the usual cause is an
 *   /etc/aliases pipe running as nobody.
 */
#define _GNU_SOURCE /* sync_file_range(2) */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "ingest/maildir.h"

#define MD_DIR_MODE 0770 /* the umask narrows these */
#define MD_FILE_MODE 0660
#define MD_TRIES 5 /* unique names tried before giving up */

enum from_state {
	FROM_UNKNOWN, /* fewer than 5 bytes seen: may still be "From " */
	FROM_SKIP, /* inside the From_ line: drop through '\n' */
	FROM_DONE, /* copy everything */
};

struct maildir_msg {
	char *root;
	char *name; /* unique name of the tmp file */
	char *tmp; /* root/tmp/name */
	int fd;
	int failed; /* a write failed: commit must not deliver */
	enum from_state from;
	char head[5]; /* the first bytes while from == FROM_UNKNOWN */
	size_t head_len;
};

static unsigned long md_counter; /* deliveries by this process */

/* Record a failure on path; add the fix for a permission problem in dir. */
static int
md_fail(struct ti_err *err, const char *op, const char *path, const char *dir,
    int errnum)
{
	const char *sep = op[0] != '\0' ? ": " : "";

	if (errnum == EACCES || errnum == EPERM || errnum == EROFS)
		return ti_err_set(err, TI_E_TEMP,
		    "archive %s%s%s: %s; make %s writable by the user the "
		    "delivery runs as (nobody for an /etc/aliases pipe), or "
		    "set archive to a directory that user owns; see "
		    "tlsrpt-ingest(8)",
		    path, sep, op, strerror(errnum), dir);
	return ti_err_set(err, TI_E_TEMP, "archive %s%s%s: %s", path, sep, op,
	    strerror(errnum));
}

/* fsync a directory so that a new entry in it survives a crash. */
static int
fsync_dir(const char *dir, struct ti_err *err)
{
	int fd, e;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return md_fail(err, "open", dir, dir, errno);
	/* EINVAL: this filesystem cannot sync directories at all */
	if (fsync(fd) == -1 && errno != EINVAL) {
		e = errno;
		close(fd);
		return md_fail(err, "fsync", dir, dir, e);
	}
	close(fd);
	return 0;
}

/* mkdir path unless it is a directory already; *made tells which. */
static int
md_mkdir(const char *path, const char *parent, int *made, struct ti_err *err)
{
	struct stat st;

	*made = 0;
	if (mkdir(path, MD_DIR_MODE) == 0) {
		*made = 1;
		return 0;
	}
	if (errno != EEXIST)
		return md_fail(err, "mkdir", path, parent, errno);
	if (stat(path, &st) == -1)
		return md_fail(err, "stat", path, parent, errno);
	if (!S_ISDIR(st.st_mode))
		return ti_err_set(err, TI_E_TEMP,
		    "archive %s: exists and is not a directory", path);
	return 0;
}

/* Make dir a Maildir: dir itself, then tmp, new and cur in it. */
static int
md_make(const char *dir, struct ti_err *err)
{
	static const char *const sub[] = { "tmp", "new", "cur" };
	char *parent = g_path_get_dirname(dir), *p;
	int made, any = 0, rc = -1;
	size_t i;

	if (md_mkdir(dir, parent, &made, err) == -1)
		goto out;
	/* A new directory's entry is in its parent: sync it, best effort
	   (the parent may be write-only for us; only new/ is a must). */
	if (made)
		(void)fsync_dir(parent, NULL);
	for (i = 0; i < nitems(sub); i++) {
		p = g_build_filename(dir, sub[i], NULL);
		rc = md_mkdir(p, dir, &made, err);
		g_free(p);
		if (rc == -1)
			goto out;
		any |= made;
	}
	if (any)
		(void)fsync_dir(dir, NULL);
	rc = 0;
out:
	g_free(parent);
	return rc;
}

/* This host's name for unique names: '/' and ':' are not allowed. */
static char *
md_host(void)
{
	char buf[256];
	GString *s = g_string_new(NULL);
	const char *p;

	if (gethostname(buf, sizeof(buf)) == -1 || buf[0] == '\0')
		g_strlcpy(buf, "localhost", sizeof(buf));
	buf[sizeof(buf) - 1] = '\0';
	for (p = buf; *p != '\0'; p++) {
		if (*p == '/')
			g_string_append(s, "\\057");
		else if (*p == ':')
			g_string_append(s, "\\072");
		else
			g_string_append_c(s, *p);
	}
	return g_string_free(s, FALSE);
}

/* "<time>.M<usec>P<pid>R<random>Q<counter>.<host>" (cr.yp.to/proto). */
static char *
md_unique(void)
{
	struct timeval tv;
	char *host = md_host(), *name;

	gettimeofday(&tv, NULL);
	name = g_strdup_printf("%lld.M%06ldP%ldR%08x%08xQ%lu.%s",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
	    (unsigned)g_random_int(), (unsigned)g_random_int(), ++md_counter,
	    host);
	g_free(host);
	return name;
}

static void
md_free(struct maildir_msg *m)
{
	if (m->fd != -1)
		close(m->fd);
	g_free(m->root);
	g_free(m->name);
	g_free(m->tmp);
	g_free(m);
}

struct maildir_msg *
maildir_open(const char *root, struct ti_err *err)
{
	struct maildir_msg *m;
	char *tmpdir;
	int i;

	if (root == NULL || root[0] == '\0') {
		ti_err_set(err, TI_E_TEMP, "archive: no directory given");
		return NULL;
	}
	if (md_make(root, err) == -1)
		return NULL;

	m = g_new0(struct maildir_msg, 1);
	m->root = g_strdup(root);
	m->fd = -1;
	m->from = FROM_UNKNOWN;
	tmpdir = g_build_filename(root, "tmp", NULL);
	for (i = 0; i < MD_TRIES; i++) {
		g_free(m->name);
		g_free(m->tmp);
		m->name = md_unique();
		m->tmp = g_build_filename(tmpdir, m->name, NULL);
		m->fd = open(m->tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		    MD_FILE_MODE);
		if (m->fd != -1 || errno != EEXIST)
			break;
	}
	if (m->fd == -1) {
		md_fail(err, "create", m->tmp, tmpdir, errno);
		g_free(tmpdir);
		md_free(m);
		return NULL;
	}
	g_free(tmpdir);
	return m;
}

/* Write all of data, across EINTR and short writes. */
static int
md_write_all(struct maildir_msg *m, const char *p, size_t len,
    struct ti_err *err)
{
	while (len > 0) {
		ssize_t w = write(m->fd, p, len);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			m->failed = 1;
			return md_fail(err, "", m->tmp, m->root, errno);
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int
maildir_write(struct maildir_msg *m, const void *data, size_t len,
    struct ti_err *err)
{
	const char *p = data;
	const char *nl;
	size_t n;

	if (m == NULL)
		return ti_err_set(err, TI_E_BUG, "maildir_write: no message");
	if (m->failed)
		return ti_err_set(err, TI_E_TEMP,
		    "archive %s: an earlier write failed", m->tmp);
	if (len == 0)
		return 0;
	/* Gather the first 5 bytes, possibly over several writes. */
	while (m->from == FROM_UNKNOWN && len > 0) {
		m->head[m->head_len++] = *p++;
		len--;
		if (memcmp(m->head, "From ", m->head_len) != 0) {
			m->from = FROM_DONE;
			if (md_write_all(m, m->head, m->head_len, err) == -1)
				return -1;
		} else if (m->head_len == sizeof(m->head)) {
			m->from = FROM_SKIP;
		}
	}
	if (m->from == FROM_SKIP) {
		if ((nl = memchr(p, '\n', len)) == NULL)
			return 0; /* still inside the From_ line */
		n = (size_t)(nl - p) + 1;
		p += n;
		len -= n;
		m->from = FROM_DONE;
	}
	return md_write_all(m, p, len, err);
}

/* Check a Maildir++ folder name: ours are constants, but be sure. */
static int
folder_ok(const char *folder)
{
	return folder[0] != '\0' && folder[0] != '.' &&
	    strchr(folder, '/') == NULL && strlen(folder) < 128;
}

/* Move tmp into dir/new under a unique name; *out gets the path. */
static int
md_publish(struct maildir_msg *m, const char *dir, char **out,
    struct ti_err *err)
{
	char *newdir = g_build_filename(dir, "new", NULL);
	char *dst = NULL;
	int i, rc = -1, e = 0;

	for (i = 0; i < MD_TRIES; i++) {
		g_free(dst);
		if (i > 0) { /* the name is taken: pick another */
			g_free(m->name);
			m->name = md_unique();
		}
		dst = g_build_filename(newdir, m->name, NULL);
		if (link(m->tmp, dst) == 0) {
			unlink(m->tmp); /* delivered; a leftover is harmless */
			e = 0;
			break;
		}
		e = errno;
		if (e == EEXIST)
			continue;
		if (e != EPERM && e != EXDEV && e != ENOSYS &&
		    e != EOPNOTSUPP && e != EMLINK)
			break;
		/* No hard links here: rename(), which would replace a file
		   of the same name, so look first. */
		if (access(dst, F_OK) == 0) {
			e = EEXIST;
			continue;
		}
		e = rename(m->tmp, dst) == 0 ? 0 : errno;
		break;
	}
	if (i == MD_TRIES || e != 0) {
		md_fail(err, "deliver", dst, newdir, e);
		goto out;
	}
	/* The message is visible: now make its entry in new/ durable. */
	if (fsync_dir(newdir, err) == -1) {
		unlink(dst); /* claim nothing: the retry delivers again */
		goto out;
	}
	*out = dst;
	dst = NULL;
	rc = 0;
out:
	g_free(dst);
	g_free(newdir);
	return rc;
}

int
maildir_commit(struct maildir_msg *m, const char *folder, char **path_out,
    struct ti_err *err)
{
	char *dir = NULL, *sub, *dst = NULL;
	int rc = -1, fd;

	if (path_out != NULL)
		*path_out = NULL;
	if (m == NULL)
		return ti_err_set(err, TI_E_BUG, "maildir_commit: no message");
	if (m->failed) {
		ti_err_set(err, TI_E_TEMP, "archive %s: write failed", m->tmp);
		goto out;
	}
	/* A mail shorter than "From " is kept as it is. */
	if (m->from == FROM_UNKNOWN && m->head_len > 0) {
		m->from = FROM_DONE;
		if (md_write_all(m, m->head, m->head_len, err) == -1)
			goto out;
	}
	if (fsync(m->fd) == -1) {
		md_fail(err, "fsync", m->tmp, m->root, errno);
		goto out;
	}
	fd = m->fd;
	m->fd = -1; /* never close twice, even after an error */
	if (close(fd) == -1) {
		md_fail(err, "close", m->tmp, m->root, errno);
		goto out;
	}

	if (folder == NULL) {
		dir = g_strdup(m->root);
	} else {
		if (!folder_ok(folder)) {
			ti_err_set(err, TI_E_BUG, "archive: bad folder name");
			goto out;
		}
		sub = g_strconcat(".", folder, NULL);
		dir = g_build_filename(m->root, sub, NULL);
		g_free(sub);
		if (md_make(dir, err) == -1)
			goto out;
	}
	if (md_publish(m, dir, &dst, err) == -1)
		goto out;
	if (path_out != NULL) {
		*path_out = dst;
		dst = NULL;
	}
	rc = 0;
out:
	if (rc == -1)
		unlink(m->tmp);
	g_free(dst);
	g_free(dir);
	md_free(m);
	return rc;
}

void
maildir_flush_start(struct maildir_msg *m)
{
#ifdef SYNC_FILE_RANGE_WRITE
	if (m != NULL && m->fd != -1 && !m->failed)
		(void)sync_file_range(m->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
	(void)m;
#endif
}

void
maildir_abort(struct maildir_msg *m)
{
	if (m == NULL)
		return;
	unlink(m->tmp);
	md_free(m);
}

int
maildir_deliver(const char *root, const char *folder, const void *data,
    size_t len, char **path_out, struct ti_err *err)
{
	struct maildir_msg *m;

	if (path_out != NULL)
		*path_out = NULL;
	if ((m = maildir_open(root, err)) == NULL)
		return -1;
	if (maildir_write(m, data, len, err) == -1) {
		maildir_abort(m);
		return -1;
	}
	return maildir_commit(m, folder, path_out, err);
}
