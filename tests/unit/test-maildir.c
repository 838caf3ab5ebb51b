/*
 * test-maildir.c: the Maildir protocol: exact bytes in new/, no From_
 * line (even split across writes), folders, nothing left in tmp/, unique
 * names, and every failure is TI_E_TEMP naming the path.
 */
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "ingest/maildir.h"
#include "tap.h"

static char *top; /* the mkdtemp() directory */

/* Number of entries in dir (not . and ..); -1 if it cannot be read. */
static int
count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int
countf(const char *root, const char *sub)
{
	char *p = g_build_filename(root, sub, NULL);
	int n = count(p);

	g_free(p);
	return n;
}

/* Does the file at path hold exactly want[0..len)? */
static int
holds(const char *path, const char *want, size_t len)
{
	size_t n;
	unsigned char *got = path ? tap_slurp(path, &n) : NULL;
	int same = got != NULL && n == len && memcmp(got, want, len) == 0;

	if (got != NULL && !same)
		diag("file %s holds %zu bytes: %.60s", path, n, got);
	free(got);
	return same;
}

static char *
fresh(const char *name)
{
	return g_build_filename(top, name, NULL);
}

/* Deliver the chunks (NULL-terminated) as separate writes. */
static int
deliver_chunks(const char *root, const char *const *chunks, char **path,
    struct ti_err *err)
{
	struct maildir_msg *m = maildir_open(root, err);

	if (m == NULL)
		return -1;
	for (; *chunks != NULL; chunks++)
		if (maildir_write(m, *chunks, strlen(*chunks), err) == -1) {
			maildir_abort(m);
			return -1;
		}
	return maildir_commit(m, NULL, path, err);
}

static void
test_basic(void)
{
	char *root = fresh("md"), *path = NULL, *newdir, *base;
	struct ti_err err = { 0 };
	static const char mail[] = "From sender@example.com Mon Jan  1 "
				   "00:00:00 2024\nSubject: x\n\nbody\n";
	struct stat st;

	ok(maildir_deliver(root, NULL, mail, strlen(mail), &path, &err) == 0,
	    "deliver: %s", err.msg);
	newdir = g_build_filename(root, "new", NULL);
	ok(path != NULL && g_str_has_prefix(path, newdir),
	    "path is in new/: %s", path ? path : "(null)");
	ok(holds(path, "Subject: x\n\nbody\n", 17), "From_ line dropped");
	ok(countf(root, "new") == 1 && countf(root, "tmp") == 0 &&
		countf(root, "cur") == 0,
	    "one file in new/, tmp/ empty, cur/ made");
	base = path ? g_path_get_basename(path) : g_strdup("");
	ok(g_regex_match_simple("^[0-9]+\\.M[0-9]{6}P[0-9]+R[0-9a-f]{16}Q[0-9]+"
				"\\.[^/:]+$",
	       base, 0, 0),
	    "unique name shape: %s", base);
	ok(strstr(base, ",S=") == NULL && strchr(base, ':') == NULL,
	    "no ,S= and no colon in the name");
	g_free(base);
	if (stat(path, &st) == -1)
		st.st_mode = 0;
	ok((st.st_mode & 0777) == 0660, "file mode 0660 under umask 007 (%o)",
	    st.st_mode & 0777);
	if (stat(newdir, &st) == -1)
		st.st_mode = 0;
	ok((st.st_mode & 0777) == 0770, "dir mode 0770 under umask 007 (%o)",
	    st.st_mode & 0777);
	g_free(newdir);
	g_free(path);
	path = NULL;

	/* an existing Maildir missing cur/ gets it back */
	newdir = g_build_filename(root, "cur", NULL);
	rmdir(newdir);
	ok(maildir_deliver(root, NULL, "A: b\n", 5, NULL, &err) == 0 &&
		count(newdir) == 0,
	    "existing Maildir: missing cur/ recreated; NULL path_out");
	g_free(newdir);
	g_free(root);
}

static const struct {
	const char *label;
	const char *chunks[10];
	const char *want;
} from_cases[] = {
	{ "From_ in one write", { "From a b\nX: 1\n", NULL }, "X: 1\n" },
	{ "From_ split in the word", { "Fr", "om a@b date\nX: 1\n", NULL },
	    "X: 1\n" },
	{ "From_ split in the line",
	    { "From a@b ", "Mon Jan 1", "\nX: 1\n", NULL }, "X: 1\n" },
	{ "From_ one byte at a time",
	    { "F", "r", "o", "m", " ", "x", "\n", "X: 1\n" }, "X: 1\n" },
	{ "newline in its own write", { "From x", "\n", "X: 1\n", NULL },
	    "X: 1\n" },
	{ "From_ with CRLF", { "From x\r\nX: 1\r\n\r\nb\r\n", NULL },
	    "X: 1\r\n\r\nb\r\n" },
	{ "only a From_ line", { "From x y\n", NULL }, "" },
	{ "From_ line without newline", { "From x y", NULL }, "" },
	{ "From: header kept", { "From: a@b\nX: 1\n", NULL },
	    "From: a@b\nX: 1\n" },
	{ "From: header split", { "Fro", "m: a@b\n", NULL }, "From: a@b\n" },
	{ ">From kept", { ">From x\nX: 1\n", NULL }, ">From x\nX: 1\n" },
	{ "lower-case from kept", { "from x\nX: 1\n", NULL },
	    "from x\nX: 1\n" },
	{ "second From_ kept", { "X: 1\n\nFrom x\n", NULL },
	    "X: 1\n\nFrom x\n" },
	{ "CRLF untouched", { "A: b\r\nC: d\r\n\r\nbody\r\n", NULL },
	    "A: b\r\nC: d\r\n\r\nbody\r\n" },
	{ "shorter than From_", { "Fro", NULL }, "Fro" },
	{ "one byte", { "F", NULL }, "F" },
	{ "empty mail", { NULL }, "" },
	{ "empty writes", { "", "From x\n", "", "Y: 2\n", NULL }, "Y: 2\n" },
	{ "NUL bytes kept", { "A: b\n\nx", NULL }, "A: b\n\nx" },
};

static void
test_from(void)
{
	char *root = fresh("from");

	for (size_t i = 0; i < nitems(from_cases); i++) {
		struct ti_err err = { 0 };
		char *path = NULL;
		int rc =
		    deliver_chunks(root, from_cases[i].chunks, &path, &err);

		ok(rc == 0 &&
			holds(path, from_cases[i].want,
			    strlen(from_cases[i].want)),
		    "%s: %s", from_cases[i].label, err.msg);
		g_free(path);
	}
	ok(countf(root, "tmp") == 0, "tmp/ empty after all commits");

	/* binary data with NUL bytes goes through untouched */
	{
		static const char bin[] = "X: 1\n\n\0\x01\xff\r\n";
		struct ti_err err = { 0 };
		char *path = NULL;

		ok(maildir_deliver(root, NULL, bin, sizeof(bin), &path, &err) ==
			    0 &&
			holds(path, bin, sizeof(bin)),
		    "NUL and high bytes kept");
		g_free(path);
	}
	g_free(root);
}

static void
test_folder_abort(void)
{
	char *root = fresh("fold"), *path = NULL, *want;
	struct ti_err err = { 0 };
	struct maildir_msg *m;

	ok(maildir_deliver(root, "rejected", "A: b\n", 5, &path, &err) == 0,
	    "deliver to folder: %s", err.msg);
	want = g_build_filename(root, ".rejected", "new", NULL);
	ok(path != NULL && g_str_has_prefix(path, want) &&
		holds(path, "A: b\n", 5),
	    "folder rejected -> .rejected/new/");
	g_free(want);
	g_free(path);
	path = NULL;
	ok(countf(root, ".rejected/tmp") == 0 &&
		countf(root, ".rejected/cur") == 0 &&
		countf(root, "new") == 0 && countf(root, "tmp") == 0,
	    "folder tmp/ and cur/ exist, main new/ and tmp/ empty");
	ok(maildir_deliver(root, "rejected", "C: d\n", 5, NULL, &err) == 0 &&
		countf(root, ".rejected/new") == 2,
	    "second delivery into an existing folder");

	ok(maildir_deliver(root, "../x", "A: b\n", 5, NULL, &err) == -1 &&
		countf(root, "tmp") == 0,
	    "folder with a slash refused, tmp/ cleaned: %s", err.msg);
	ti_err_clear(&err);
	ok(maildir_deliver(root, ".x", "A: b\n", 5, NULL, &err) == -1 &&
		countf(root, "tmp") == 0,
	    "folder starting with a dot refused");
	ti_err_clear(&err);

	m = maildir_open(root, &err);
	ok(m != NULL && countf(root, "tmp") == 1, "open makes a tmp file");
	ok(maildir_write(m, NULL, 0, &err) == 0, "write of nothing");
	ok(maildir_write(m, "From x\nA: b\n", 12, &err) == 0, "write");
	maildir_abort(m);
	ok(countf(root, "tmp") == 0 && countf(root, "new") == 0,
	    "abort removes the tmp file, nothing in new/");
	maildir_abort(NULL);
	ok(1, "maildir_abort(NULL) is a no-op");
	g_free(root);
}

static void
test_many(void)
{
	char *root = fresh("many");
	GHashTable *seen =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	int fails = 0;

	for (int i = 0; i < 100; i++) {
		struct ti_err err = { 0 };
		char *path = NULL, body[32];

		snprintf(body, sizeof(body), "N: %d\n", i);
		if (maildir_deliver(root, NULL, body, strlen(body), &path,
			&err) == -1 ||
		    !holds(path, body, strlen(body))) {
			fails++;
			g_free(path);
			continue;
		}
		g_hash_table_add(seen, path);
	}
	ok(fails == 0 && g_hash_table_size(seen) == 100 &&
		countf(root, "new") == 100 && countf(root, "tmp") == 0,
	    "100 deliveries, 100 distinct files (%u)", g_hash_table_size(seen));
	g_hash_table_destroy(seen);
	g_free(root);
}

struct nobody_call {
	int (*fn)(const char *);
	const char *arg;
};

static int
call_as_nobody(const void *p)
{
	const struct nobody_call *c = p;

	if (getuid() == 0 && (setgid(65534) == -1 || setuid(65534) == -1))
		return 77;
	return c->fn(c->arg);
}

/* Run fn in a child as nobody when we are root; its result is 0 if its
   checks held, 77 if it could not drop privileges. */
static int
as_nobody(int (*fn)(const char *), const char *arg)
{
	struct nobody_call c = { fn, arg };

	return tap_fork(call_as_nobody, &c);
}

static int
try_unwritable(const char *root)
{
	struct ti_err err = { 0 };
	char *parent = g_path_get_dirname(root);
	int rc = maildir_deliver(root, NULL, "A: b\n", 5, NULL, &err);
	int good = rc == -1 && err.status == TI_E_TEMP &&
	    strstr(err.msg, root) != NULL &&
	    strstr(err.msg, "Permission denied") != NULL &&
	    strstr(err.msg, "writable") != NULL &&
	    strstr(err.msg, "tlsrpt-ingest(8)") != NULL;

	printf("# %s\n", err.msg);
	fflush(stdout);
	g_free(parent);
	return good ? 0 : 1;
}

static void
test_errors(void)
{
	struct ti_err err = { 0 };
	char *ro = fresh("ro"), *root, *file, *deep;
	int rc;

	/* unwritable parent: as nobody when root, with chmod otherwise */
	mkdir(ro, 0755);
	root = g_build_filename(ro, "Maildir", NULL);
	if (getuid() != 0)
		chmod(ro, 0555);
	else
		chmod(top, 0755); /* nobody must reach ro/ */
	rc = as_nobody(try_unwritable, root);
	if (rc == 77)
		ok(1, "# SKIP unwritable root: cannot become nobody");
	else
		ok(rc == 0,
		    "unwritable root: TI_E_TEMP naming the dir and fix");
	chmod(top, 0700);
	chmod(ro, 0755);
	rmdir(ro);
	g_free(root);
	g_free(ro);

	file = fresh("plainfile");
	g_file_set_contents(file, "x", 1, NULL);
	ok(maildir_deliver(file, NULL, "A: b\n", 5, NULL, &err) == -1 &&
		err.status == TI_E_TEMP && strstr(err.msg, file) != NULL &&
		strstr(err.msg, "not a directory") != NULL,
	    "root is a regular file: %s", err.msg);
	ti_err_clear(&err);
	unlink(file);
	g_free(file);

	deep = g_build_filename(top, "no", "such", "Maildir", NULL);
	ok(maildir_deliver(deep, NULL, "A: b\n", 5, NULL, &err) == -1 &&
		err.status == TI_E_TEMP && strstr(err.msg, deep) != NULL &&
		strstr(err.msg, "No such file or directory") != NULL,
	    "missing parent: %s", err.msg);
	ti_err_clear(&err);
	g_free(deep);

	ok(maildir_deliver("", NULL, "A: b\n", 5, NULL, &err) == -1 &&
		err.status == TI_E_TEMP,
	    "empty root refused");
	ti_err_clear(&err);
	ok(maildir_commit(NULL, NULL, NULL, &err) == -1, "commit NULL");
	ti_err_clear(&err);
}

/* In a child: a file size limit makes write() fail with EFBIG. */
static int
try_efbig(const char *root)
{
	struct rlimit rl = { 4096, 4096 };
	struct ti_err err = { 0 };
	static char big[16384];
	struct maildir_msg *m;
	int good;

	signal(SIGXFSZ, SIG_IGN); /* as Postfix local(8) does */
	memset(big, 'x', sizeof(big));
	if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
		return 77;
	good =
	    maildir_deliver(root, NULL, big, sizeof(big), NULL, &err) == -1 &&
	    err.status == TI_E_TEMP && strstr(err.msg, "File too large") &&
	    strstr(err.msg, root) != NULL;
	printf("# %s\n", err.msg);
	/* the same through open/write/commit: commit refuses */
	ti_err_clear(&err);
	if ((m = maildir_open(root, &err)) == NULL)
		return 1;
	good &= maildir_write(m, big, sizeof(big), &err) == -1;
	good &= maildir_write(m, "x", 1, &err) == -1;
	good &= maildir_commit(m, NULL, NULL, &err) == -1;
	good &= countf(root, "new") == 0 && countf(root, "tmp") == 0;
	fflush(stdout);
	return good ? 0 : 1;
}

static int
call_efbig(const void *root)
{
	return try_efbig(root);
}

static void
test_efbig(void)
{
	char *root = fresh("efbig");
	ok(tap_fork(call_efbig, root) == 0,
	    "EFBIG (RLIMIT_FSIZE): TI_E_TEMP, nothing in new/ or tmp/");
	g_free(root);
}

static void
test_enospc(void)
{
	char *mnt = fresh("tiny"), *root, *data;
	struct ti_err err = { 0 };
	size_t len = 256 * 1024;

	mkdir(mnt, 0700);
	if (getuid() != 0 ||
	    mount("tmpfs", mnt, "tmpfs", 0, "size=64k,mode=0700") == -1) {
		diag("ENOSPC test needs root and tmpfs: %s", strerror(errno));
		ok(1, "# SKIP ENOSPC: cannot mount a tiny tmpfs");
		rmdir(mnt);
		g_free(mnt);
		return;
	}
	root = g_build_filename(mnt, "Maildir", NULL);
	data = g_malloc(len);
	memset(data, 'x', len);
	memcpy(data, "A: b\n\n", 6);
	ok(maildir_deliver(root, NULL, data, len, NULL, &err) == -1 &&
		err.status == TI_E_TEMP &&
		strstr(err.msg, "No space left on device") != NULL &&
		strstr(err.msg, root) != NULL,
	    "ENOSPC: %s", err.msg);
	ok(countf(root, "new") == 0 && countf(root, "tmp") == 0,
	    "ENOSPC: nothing left in new/ or tmp/");
	ti_err_clear(&err);
	ok(maildir_deliver(root, NULL, "A: b\n", 5, NULL, &err) == 0,
	    "a small mail still fits afterwards");
	g_free(data);
	g_free(root);
	if (umount(mnt) == -1)
		diag("umount %s: %s", mnt, strerror(errno));
	rmdir(mnt);
	g_free(mnt);
}

/* rm -r of our own scratch tree */
static void
rmtree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			char *p;

			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			p = g_build_filename(path, e->d_name, NULL);
			rmtree(p);
			g_free(p);
		}
		closedir(d);
		if (rmdir(path) == -1)
			diag("rmdir %s: %s", path, strerror(errno));
	} else if (unlink(path) == -1) {
		diag("unlink %s: %s", path, strerror(errno));
	}
}

int
main(void)
{
	char tmpl[] = "/tmp/test-maildir.XXXXXX";

	umask(007);
	if ((top = mkdtemp(tmpl)) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 99;
	}
	test_basic();
	test_from();
	test_folder_abort();
	test_many();
	test_errors();
	test_efbig();
	test_enospc();
	rmtree(top);
	return done_testing();
}
