/*
 * tlsrpt-ingest: the delivery agent.  Postfix (local(8) aliases or a
 * pipe(8) transport), procmail or sieve hands it one TLS-RPT report mail
 * (RFC 8460 §5.3) on standard input; with file or directory arguments it
 * backfills saved mails and report files in one process.
 *
 * Design rationale:
 * - Exit 0 when the mail was handled (stored, duplicate, or set aside as
 *   not a report): a report mail must never bounce back to its sender.
 *   Exit 75 (EX_TEMPFAIL) when something local failed, with one line that
 *   starts "4.3.0 " so that Postfix's defer notice carries the reason.
 *   64 only for a usage error at a terminal.  No other code, ever.
 * - Print nothing on success: Exim fails a pipe delivery that printed.
 * - Our own deadline, below every MTA's time limit (a time-out bounces),
 *   and a raised RLIMIT_FSIZE (local(8) sets mailbox_size_limit).
 * - All diagnostics go to syslog (facility mail) as key=value lines.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "conf.h"
#include "ingest/ingest.h"
#include "log.h"
#include "ingest/maildir.h"
#include "ingest/mime.h"
#include "priv.h"
#include "ingest/report.h"
#include "store/store.h"
#include "digest/alert.h"
#include "metrics/metrics.h"
#include "trust/trust.h"
#include "https/cgi.h"

#define PROG "tlsrpt-ingest"

static const char *const sender_vars[] = { "SENDER", NULL };
static const char *const recipient_vars[] = { "ORIGINAL_RECIPIENT",
	"ORIG_RECIPIENT", "RECIPIENT", NULL };

static const char defer_prefix[] = "4.3.0 " PROG ": ";

/* Whether a person is at the other end (else a mail system runs us). */
static int interactive;
/* Whether a web server runs us as a CGI (https/cgi.h). */
static int cgi_mode;

static void
on_deadline(int sig)
{
	static const char msg[] =
	    "4.3.0 " PROG ": deadline exceeded, try again later\n";

	(void)sig;
	/* async-signal-safe only: the mail is retried, nothing committed */
	if (cgi_mode) {
		if (write(STDOUT_FILENO, cgi_deadline_answer,
			cgi_deadline_answer_len) < 0) {
			/* nothing more can be done */
		}
		_exit(0);
	}
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more can be done */
	}
	_exit(EX_TEMPFAIL);
}

/*
 * Log a local fault at LOG_ERR (a deferred mail still bounces when the
 * queue lifetime runs out, so an admin must see it); client is a CGI
 * request's client address, or NULL.
 */
static void
log_fault(const struct ti_err *err, const char *client)
{
	GString *line = g_string_new("error");
	struct rlimit rl;
	char lim[32];

	log_kv(line, "class", ti_status_name(err->status));
	log_kv(line, "reason", err->msg);
	/* a finite file-size limit (local(8)) is the likely cause of EFBIG */
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		snprintf(lim, sizeof(lim), "%ju", (uintmax_t)rl.rlim_cur);
		log_kv(line, "rlimit_fsize", lim);
	}
	log_kv(line, "client", client);
	log_emit(LOG_ERR, "%s", line->str);
	g_string_free(line, TRUE);
}

/*
 * The one way out on a local fault: log it and print the enhanced
 * status line that Postfix puts in its defer notice, or, for a CGI, the
 * 503 answer (the web server's client never sees the reason).
 */
static int
tempfail(const struct ti_err *err)
{
	log_fault(err, NULL);
	if (cgi_mode) {
		struct cgi_outcome oc = { .temp_failure = 1 };
		struct cgi_answer a;

		cgi_answer_for(&oc, &a);
		cgi_answer_write(stdout, &a);
		cgi_answer_clear(&a);
		return 0;
	}
	printf("%s%s\n", defer_prefix, err->msg);
	fflush(stdout);
	return EX_TEMPFAIL;
}

/*
 * Read and drop what is left of standard input: left bytes, or
 * everything to the end when left is negative.  sieve and procmail want
 * a mail read to the end even when it is deferred; a web server that
 * cannot write a CGI request's whole body to us answers with an error
 * of its own instead of ours (fcgiwrap: 502).  The deadline bounds it.
 */
static void
drain_input(int64_t left)
{
	char chunk[65536];
	ssize_t n;

	while (left != 0) {
		n = read(STDIN_FILENO, chunk,
		    left > 0 && left < (int64_t)sizeof(chunk) ? (size_t)left
							      : sizeof(chunk));
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
		if (n > 0 && left > 0)
			left -= n;
	}
}

static int
usage_error(const char *msg)
{
	struct ti_err err = { 0 };

	if (!interactive) {
		/* a mistyped master.cf argv must defer, not bounce */
		ti_err_set(&err, TI_E_CONFIG, "usage: %s", msg);
		return tempfail(&err);
	}
	fprintf(stderr, "%s: %s\nTry '%s --help'.\n", PROG, msg, PROG);
	return EX_USAGE;
}

/*
 * Read fd to EOF, or want bytes at most.  Keep at most cap bytes in
 * *out; past that set *oversize and keep nothing.  If archive is not
 * NULL, write every byte there too, as it is read.  With want
 * UINT64_MAX it drains the input (sieve and procmail want it read to
 * the end).
 */
static int
read_input(int fd, size_t cap, uint64_t want, GByteArray *out, int *oversize,
    struct maildir_msg *archive, struct ti_err *err)
{
	unsigned char chunk[65536];
	uint64_t got = 0;
	ssize_t n;

	*oversize = 0;
	for (; got < want; got += (uint64_t)n) {
		n = read(fd, chunk,
		    want - got < sizeof(chunk) ? (size_t)(want - got)
					       : sizeof(chunk));
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			return ti_err_set(err, TI_E_TEMP, "read input: %s",
			    g_strerror(errno));
		}
		if (archive != NULL &&
		    maildir_write(archive, chunk, (size_t)n, err) == -1)
			return -1;
		if (!*oversize && out->len + (size_t)n > cap) {
			*oversize = 1;
			g_byte_array_set_size(out, 0);
		}
		if (!*oversize)
			g_byte_array_append(out, chunk, (guint)n);
	}
	return 0;
}

static void
raise_limits(void)
{
	struct rlimit rl;

	/* local(8) sets RLIMIT_FSIZE to mailbox_size_limit (51200000
	   upstream); a store past it would fail with EFBIG */
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
			log_emit(LOG_WARNING,
			    "warning reason=\"cannot raise RLIMIT_FSIZE\"");
	}
	/* past a file-size limit: EFBIG and 75, not death by SIGXFSZ */
	signal(SIGXFSZ, SIG_IGN);
	/* hostile mail does not belong in core files */
	rl.rlim_cur = rl.rlim_max = 0;
	(void)setrlimit(RLIMIT_CORE, &rl);
}

/*
 * local(8) sets both RLIMIT_FSIZE limits to mailbox_size_limit (51200000
 * upstream), so raise_limits() cannot help there.  Refuse to write (75,
 * LOG_ERR) while a SQLite store is within FSIZE_MARGIN of the limit,
 * rather than fail halfway into a write with EFBIG.
 */
#define FSIZE_MARGIN (1u << 20)

static int
check_fsize(const char *spec, struct ti_err *err)
{
	struct rlimit rl;
	struct stat st;
	const char *path = store_sqlite_path(spec);
	char *wal;
	uintmax_t size = 0;

	if (getrlimit(RLIMIT_FSIZE, &rl) == -1 ||
	    rl.rlim_cur == RLIM_INFINITY || path == NULL)
		return 0;
	if (stat(path, &st) == 0)
		size = (uintmax_t)st.st_size;
	wal = g_strconcat(path, "-wal", NULL);
	if (stat(wal, &st) == 0 && (uintmax_t)st.st_size > size)
		size = (uintmax_t)st.st_size;
	g_free(wal);
	if (size + FSIZE_MARGIN <= (uintmax_t)rl.rlim_cur)
		return 0;
	return ti_err_set(err, TI_E_TEMP,
	    "store %s: %ju bytes, too close to the file size limit "
	    "(RLIMIT_FSIZE) of %ju bytes: set mailbox_size_limit = 0 in "
	    "main.cf or deliver through a pipe(8) transport, see "
	    "tlsrpt-ingest(8)",
	    path, size, (uintmax_t)rl.rlim_cur);
}

/* The value of the first of the NULL-terminated variable names set. */
static const char *
env_first(const char *const *names)
{
	for (; *names != NULL; names++)
		if (getenv(*names) != NULL)
			return getenv(*names);
	return NULL;
}

struct run {
	struct ingest_opts opts;
	struct ingest_stats stats;
	const struct ti_conf *conf;
	unsigned batch_mails; /* backfill: mails in the open batch */
	gint64 batch_start; /* and when it began (monotonic, us) */
};

/*
 * Backfill commits a batch of mails at a time (store_batch_begin): one
 * fsync per mail would hold it to a few hundred mails a second.  The
 * input stays where it is, so a crash costs at most a second run.  A
 * pipe delivery waiting for the store's lock waits BATCH_USEC at most.
 */
#define BATCH_MAILS 1000
#define BATCH_USEC 250000

static int
batch_tick(struct run *run, struct ti_err *err)
{
	gint64 now = g_get_monotonic_time();

	if (run->opts.store == NULL ||
	    (++run->batch_mails < BATCH_MAILS &&
		now - run->batch_start < BATCH_USEC))
		return 0;
	if (store_batch_end(run->opts.store, err) == -1 ||
	    store_batch_begin(run->opts.store, err) == -1)
		return -1;
	run->batch_mails = 0;
	run->batch_start = now;
	return 0;
}

/*
 * One input file of a backfill, read and parsed (the pure half,
 * ingest_prepare), maybe in a parse thread, then delivered in order.
 */
struct job {
	const char *path;
	GByteArray *buf;
	int oversize;
	int rc; /* -1: read failed, err says why */
	struct ti_err err;
	struct ingest_mail mail;
	int done; /* read and parsed; under pipe.lock */
	guint owner; /* the parse thread that did it */
	int64_t file_time; /* maildir_file_time() */
};

/*
 * When the file path (mtime its modification time) was delivered, if it
 * is a mail of a Maildir (in a new/ or cur/ directory): the time at the
 * start of its name ("1700000000.M1P2.host"), else its mtime; 0 for any
 * other file, whose times say nothing of when the mail came.
 */
static int64_t
maildir_file_time(const char *path, int64_t mtime)
{
	char *dir = g_path_get_dirname(path), *sub = g_path_get_basename(dir);
	char *name = g_path_get_basename(path), *end = NULL;
	int64_t t = 0;

	if (strcmp(sub, "new") == 0 || strcmp(sub, "cur") == 0) {
		t = g_ascii_strtoll(name, &end, 10);
		if (end == name || *end != '.' || t <= 0)
			t = mtime;
	}
	g_free(dir);
	g_free(sub);
	g_free(name);
	return t;
}

static void
job_read(struct job *j, const struct ti_conf *conf, const char *const *domains)
{
	int fd;

	j->buf = g_byte_array_new();
	if ((fd = open(j->path, O_RDONLY | O_CLOEXEC)) == -1) {
		j->rc = ti_err_set(&j->err, TI_E_TEMP, "cannot open %s: %s",
		    j->path, g_strerror(errno));
		return;
	}
	{
		struct stat st;

		if (fstat(fd, &st) == 0)
			j->file_time =
			    maildir_file_time(j->path, (int64_t)st.st_mtime);
	}
	j->rc = read_input(fd, conf->limits.message_size, UINT64_MAX, j->buf,
	    &j->oversize, NULL, &j->err);
	close(fd);
	if (j->rc == 0) {
		ingest_prepare(j->buf->data, j->buf->len, j->oversize, j->path,
		    &conf->limits, &j->mail);
		ingest_keep_domains(&j->mail, domains);
	}
}

/* The side effects of one file, in the main thread: as a pipe delivery,
   then the batch's commit when it is due. */
static int
job_deliver(struct run *run, struct job *j, struct ti_err *err)
{
	int rc = j->rc;

	if (rc == -1)
		*err = j->err;
	else {
		run->opts.origin = j->path;
		run->opts.file_time = j->file_time;
		rc = ingest_deliver_parsed(&run->opts, j->buf->data,
		    j->buf->len, &j->mail, NULL, &run->stats, err);
	}
	if (rc == 0)
		rc = batch_tick(run, err);
	return rc;
}

static void
job_clear(struct job *j)
{
	ingest_mail_clear(&j->mail);
	if (j->buf != NULL)
		g_byte_array_unref(j->buf);
	j->buf = NULL;
}

/* One input file: a saved mail or a bare report. */
static int
ingest_file(struct run *run, const char *path, struct ti_err *err)
{
	struct job j = { 0 };
	int rc;

	j.path = path;
	job_read(&j, run->conf, trust_domains(run->opts.trust));
	rc = job_deliver(run, &j, err);
	job_clear(&j);
	return rc;
}

/*
 * Parsing (GMime, gunzip, cJSON: ingest_prepare) is most of a mail's
 * cost and touches nothing shared, so a backfill parses in up to
 * PARSE_THREADS threads, each taking the next file, while the main
 * thread delivers the files strictly in name order: the store, the log
 * and the batches see exactly what one thread would do, and an error
 * stops the run at the same file.  The parse threads keep working while
 * a batch's commit waits for the disk, up to PARSE_AHEAD files or
 * PARSE_BYTES bytes (mails and their reports' JSON) ahead of the
 * delivery, which bounds the memory.  A delivered file goes back to
 * the thread that parsed it to be freed: free(3) of another thread's
 * memory waits for that thread's malloc arena.
 */
#define PARSE_THREADS 4
#define PARSE_AHEAD 256
#define PARSE_BYTES (64u << 20)

struct pipe {
	GMutex lock;
	GCond cond; /* a job done, the delivery moved on, or stop */
	struct job *jobs;
	guint n;
	guint next; /* the next job to parse */
	guint delivered; /* jobs [0, delivered) are delivered */
	size_t bytes; /* held by jobs parsed and not delivered */
	int stop;
	const struct ti_conf *conf;
	const char *const *domains; /* [trust] domains */
	GPtrArray *trash[PARSE_THREADS]; /* delivered jobs, by owner */
};

struct parser {
	struct pipe *pipe;
	guint id;
};

/* The memory a parsed job holds, about: its mail and reports' JSON. */
static size_t
job_bytes(const struct job *j)
{
	size_t n = j->buf != NULL ? j->buf->len : 0;

	for (size_t i = 0; i < j->mail.n_items; i++)
		if (j->mail.items[i].report != NULL)
			n += j->mail.items[i].report->json_len;
	return n;
}

static gpointer
parse_thread(gpointer data)
{
	struct parser *me = data;
	struct pipe *p = me->pipe;
	GPtrArray *trash = g_ptr_array_new(), *t;
	size_t bytes;
	guint i;

	g_mutex_lock(&p->lock);
	for (;;) {
		if (p->trash[me->id]->len > 0) {
			t = p->trash[me->id];
			p->trash[me->id] = trash;
			g_mutex_unlock(&p->lock);
			for (i = 0; i < t->len; i++)
				job_clear(t->pdata[i]);
			g_ptr_array_set_size(t, 0);
			trash = t;
			g_mutex_lock(&p->lock);
			continue;
		}
		if (p->stop || p->next >= p->n)
			break;
		/* the next file to deliver is always parsed */
		if (p->next > p->delivered &&
		    (p->next >= p->delivered + PARSE_AHEAD ||
			p->bytes > PARSE_BYTES)) {
			g_cond_wait(&p->cond, &p->lock);
			continue;
		}
		i = p->next++;
		g_mutex_unlock(&p->lock);
		job_read(&p->jobs[i], p->conf, p->domains);
		bytes = job_bytes(&p->jobs[i]);
		g_mutex_lock(&p->lock);
		p->jobs[i].done = 1;
		p->jobs[i].owner = me->id;
		p->bytes += bytes;
		g_cond_broadcast(&p->cond);
	}
	g_mutex_unlock(&p->lock);
	g_ptr_array_unref(trash);
	return NULL;
}

/* The files names[] (sorted) in order, parsed ahead in threads. */
static int
ingest_files(struct run *run, GPtrArray *names, struct ti_err *err)
{
	struct pipe p;
	struct parser parsers[PARSE_THREADS];
	GThread *threads[PARSE_THREADS];
	guint n_threads, started = 0, i;
	int rc = 0;

	n_threads = MIN((guint)g_get_num_processors(), PARSE_THREADS);
	n_threads = MIN(n_threads, names->len);
	if (n_threads <= 1) {
		for (i = 0; i < names->len && rc == 0; i++)
			rc = ingest_file(run, names->pdata[i], err);
		return rc;
	}

	memset(&p, 0, sizeof(p));
	g_mutex_init(&p.lock);
	g_cond_init(&p.cond);
	p.jobs = g_new0(struct job, names->len);
	p.n = names->len;
	p.conf = run->conf;
	p.domains = trust_domains(run->opts.trust);
	for (i = 0; i < p.n; i++)
		p.jobs[i].path = names->pdata[i];
	for (i = 0; i < n_threads; i++) {
		p.trash[i] = g_ptr_array_new();
		parsers[started].pipe = &p;
		parsers[started].id = started;
		if ((threads[started] = g_thread_try_new("parse", parse_thread,
			 &parsers[started], NULL)) != NULL)
			started++;
	}

	for (i = 0; i < p.n && rc == 0; i++) {
		struct job *j = &p.jobs[i];
		size_t bytes = 0;

		if (started == 0) /* no thread: parse here */
			job_read(j, p.conf, p.domains);
		else {
			g_mutex_lock(&p.lock);
			while (!j->done)
				g_cond_wait(&p.cond, &p.lock);
			g_mutex_unlock(&p.lock);
			bytes = job_bytes(j);
		}
		rc = job_deliver(run, j, err);
		if (started == 0)
			job_clear(j);
		g_mutex_lock(&p.lock);
		if (started > 0)
			g_ptr_array_add(p.trash[j->owner], j);
		p.delivered = i + 1;
		p.bytes -= bytes;
		if (rc != 0)
			p.stop = 1;
		g_cond_broadcast(&p.cond);
		g_mutex_unlock(&p.lock);
	}
	g_mutex_lock(&p.lock);
	p.stop = 1;
	g_cond_broadcast(&p.cond);
	g_mutex_unlock(&p.lock);
	for (i = 0; i < started; i++)
		g_thread_join(threads[i]);
	for (i = 0; i < p.n; i++) /* what the threads left */
		job_clear(&p.jobs[i]);
	for (i = 0; i < n_threads; i++)
		g_ptr_array_unref(p.trash[i]);
	g_free(p.jobs);
	g_cond_clear(&p.cond);
	g_mutex_clear(&p.lock);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir, sorted, without dot files. */
static int
ingest_dir_files(struct run *run, const char *dir, struct ti_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	struct stat st;
	int rc = 0;

	if (d == NULL) {
		g_ptr_array_unref(names);
		return ti_err_set(err, TI_E_TEMP, "cannot open %s: %s", dir,
		    g_strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		char *p;

		if (de->d_name[0] == '.')
			continue;
		p = g_build_filename(dir, de->d_name, NULL);
		/* a stat(2) only when the type is not given or a link */
		if (de->d_type == DT_REG ||
		    ((de->d_type == DT_UNKNOWN || de->d_type == DT_LNK) &&
			stat(p, &st) == 0 && S_ISREG(st.st_mode)))
			g_ptr_array_add(names, p);
		else
			g_free(p);
	}
	closedir(d);
	if (names->len > 1) /* pdata is NULL while empty: UB for qsort */
		qsort(names->pdata, names->len, sizeof(char *), cmp_str);
	rc = ingest_files(run, names, err);
	g_ptr_array_unref(names);
	return rc;
}

/* A file, a directory of files, or a Maildir (its new/ and cur/). */
static int
ingest_path(struct run *run, const char *path, struct ti_err *err)
{
	struct stat st;
	char *sub;
	int rc = 0, maildir = 0;

	if (stat(path, &st) == -1)
		return ti_err_set(err, TI_E_TEMP, "cannot read %s: %s", path,
		    g_strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ingest_file(run, path, err);
	for (int i = 0; i < 2 && rc == 0; i++) {
		sub = g_build_filename(path, i == 0 ? "new" : "cur", NULL);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
			maildir = 1;
			rc = ingest_dir_files(run, sub, err);
		}
		g_free(sub);
	}
	if (!maildir && rc == 0)
		rc = ingest_dir_files(run, path, err);
	return rc;
}

/*
 * Standard input: the pipe delivery.  The mail goes into the archive's
 * tmp/ as it is read (whole, even past message-size), and the disk starts
 * writing it while the mail is parsed; ingest_deliver() then commits it
 * into the main folder or .rejected.
 */
static int
ingest_stdin(struct run *run, struct ti_err *err)
{
	GByteArray *buf = g_byte_array_new();
	struct maildir_msg *staged = NULL;
	int oversize = 0, rc = -1;

	if (run->opts.archive != NULL && run->opts.dry_run == NULL &&
	    (staged = maildir_open(run->opts.archive, err)) == NULL)
		goto out;
	if (read_input(STDIN_FILENO, run->conf->limits.message_size, UINT64_MAX,
		buf, &oversize, staged, err) == -1)
		goto out;
	maildir_flush_start(staged);
	run->opts.origin = "-";
	rc = ingest_deliver(&run->opts, buf->data, buf->len, oversize, staged,
	    &run->stats, err);
	staged = NULL; /* ingest_deliver() took it */
out:
	maildir_abort(staged);
	g_byte_array_unref(buf);
	return rc;
}

static const char *
env_get(const char *name, void *arg)
{
	(void)arg;
	return getenv(name);
}

/*
 * A CGI request (https/cgi.h): a report POSTed to an https: rua.  The
 * body is read like a mail (CONTENT_LENGTH bytes, else to the end,
 * capped at message-size), archived as it is read, delivered with source
 * https and the client address as its origin, and answered once the
 * store has committed.  Always 0: whatever happened is in the answer.
 */
/*
 * After the commit: rewrite [metrics] file for node_exporter's textfile
 * collector.  The mail is stored: a failure is logged, never deferred.
 */
static void
write_metrics(struct store *st, const struct ti_conf *conf)
{
	struct ti_err err = { 0 };
	GString *line;

	if (metrics_write_file(st, conf, conf->metrics_file, &err) == 0)
		return;
	line = g_string_new("metrics");
	log_kv(line, "status", "failed");
	log_kv(line, "file", conf->metrics_file);
	log_kv(line, "reason", err.msg);
	log_emit(LOG_WARNING, "%s", line->str);
	g_string_free(line, TRUE);
}

static int
ingest_cgi(struct run *run)
{
	struct cgi_request rq;
	struct cgi_outcome oc = { 0 };
	struct cgi_answer a;
	struct ti_err err = { 0 };
	GByteArray *buf = g_byte_array_new();
	struct maildir_msg *staged = NULL;
	size_t cap = run->conf->limits.message_size;
	uint64_t want;
	const unsigned char *body;
	int64_t unread = 0; /* of the body, to drain before the answer */
	int oversize = 0;
	GString *line;

	cgi_request_read(&rq, env_get, NULL);
	oc.size_limit = cap;
	if (rq.method == NULL || strcmp(rq.method, "POST") != 0)
		oc.not_post = 1;
	else if (rq.bad_length)
		oc.bad_length = 1;
	else if (rq.content_length > (int64_t)cap)
		oc.oversize = 1;
	if (oc.not_post || oc.bad_length || oc.oversize) {
		/* a GET without a length has no body to wait for */
		unread = rq.content_length > 0 ? rq.content_length : 0;
		goto answer;
	}

	/* without a length (Apache's chunked body), one byte past the
	   cap is enough to know */
	want = rq.content_length >= 0 ? (uint64_t)rq.content_length
				      : (uint64_t)cap + 1;
	if (run->opts.archive != NULL &&
	    (staged = maildir_open(run->opts.archive, &err)) == NULL) {
		unread = rq.content_length;
		goto temp;
	}
	if (read_input(STDIN_FILENO, cap, want, buf, &oversize, staged, &err) ==
	    -1)
		goto temp;
	if (oversize) {
		oc.oversize = 1;
		unread = -1; /* no length: to the end */
		goto answer;
	}
	if (rq.content_length >= 0 && buf->len < (uint64_t)rq.content_length) {
		oc.short_body = 1;
		goto answer;
	}
	maildir_flush_start(staged);
	/* an empty body has no buffer (NULL): the parsers want a pointer */
	body = buf->len > 0 ? buf->data : (const unsigned char *)"";
	run->opts.origin = rq.remote_addr != NULL ? rq.remote_addr : "-";
	run->opts.source = "https";
	run->opts.content_type = rq.content_type;
	if (ingest_deliver(&run->opts, body, buf->len, 0, staged, &run->stats,
		&err) == -1) {
		staged = NULL; /* ingest_deliver() took it */
		goto temp;
	}
	staged = NULL;
	oc.stored = run->stats.stored;
	oc.duplicates = run->stats.duplicates;
	oc.foreign = run->stats.foreign;
	oc.rejected = run->stats.rejected_parts + run->stats.rejected_mails;
	oc.reject_reason =
	    run->stats.why.status != TI_OK ? run->stats.why.msg : NULL;
	if (!ingest_is_bare_report(body, buf->len))
		oc.reject_reason = "the body is neither gzip nor JSON";
	oc.foreign_reason =
	    run->stats.foreign > 0 ? run->stats.foreign_why.msg : NULL;
	goto answer;
temp:
	oc.temp_failure = 1;
	log_fault(&err, rq.remote_addr);
answer:
	maildir_abort(staged);
	drain_input(unread);
	alarm(0);
	cgi_answer_for(&oc, &a);
	line = g_string_new("https");
	log_kv_int(line, "status", a.status);
	log_kv(line, "client", rq.remote_addr);
	log_kv(line, "method", rq.method);
	log_kv(line, "type", rq.content_type);
	log_kv_int(line, "size", (int64_t)buf->len);
	log_kv(line, "answer", a.text);
	log_emit(a.status == 200 ? LOG_INFO : LOG_WARNING, "%s", line->str);
	g_string_free(line, TRUE);
	cgi_answer_write(stdout, &a);
	cgi_answer_clear(&a);
	cgi_request_clear(&rq);
	g_byte_array_unref(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	char *opt_config = NULL, *opt_store = NULL, *opt_archive = NULL;
	char *opt_log = NULL, *opt_sender = NULL, *opt_recipient = NULL;
	char *opt_dkim = NULL;
	const char *conf_file;
	int conf_must_exist;
	gboolean opt_dry_run = FALSE, opt_version = FALSE, opt_verbose = FALSE;
	gboolean opt_no_archive = FALSE;
	char **opt_files = NULL;
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
		    "Read FILE instead of the default configuration file",
		    "FILE" },
		{ "store", 's', 0, G_OPTION_ARG_STRING, &opt_store,
		    "Store reports in S: a SQLite file or postgresql:// URI",
		    "S" },
		{ "archive", 'a', 0, G_OPTION_ARG_FILENAME, &opt_archive,
		    "Archive each raw mail into the Maildir DIR", "DIR" },
		{ "no-archive", 0, 0, G_OPTION_ARG_NONE, &opt_no_archive,
		    "Do not archive, whatever the configuration says", NULL },
		{ "dkim", 0, 0, G_OPTION_ARG_STRING, &opt_dkim,
		    "Authenticate report mail: verify (default), "
		    "authentication-results or off ([trust] dkim)",
		    "MODE" },
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &opt_dry_run,
		    "Parse and print what would be stored; store nothing",
		    NULL },
		{ "log", 'l', 0, G_OPTION_ARG_STRING, &opt_log,
		    "Log to syslog (default) or stderr", "syslog|stderr" },
		{ "sender", 'f', 0, G_OPTION_ARG_STRING, &opt_sender,
		    "Envelope sender (default: $SENDER)", "ADDR" },
		{ "recipient", 'r', 0, G_OPTION_ARG_STRING, &opt_recipient,
		    "Envelope recipient (default: $RECIPIENT)", "ADDR" },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
		    "Log debugging lines too, and print a summary", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version,
		    "Print the version and exit", NULL },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY,
		    &opt_files, NULL, NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionContext *ctx;
	GError *gerr = NULL;
	struct ti_conf conf;
	struct ti_err err = { 0 };
	struct run run;
	struct store *st = NULL;
	enum log_target target;
	int status = 0, rc = 0;
	struct alert_queue *alerts = NULL;
	struct trust *trust = NULL;

	umask(007);
	alarm(0); /* OpenSMTPD's alarm(300) survives exec */
	log_init(PROG);
	conf_init(&conf);
	memset(&run, 0, sizeof(run));

	ctx = g_option_context_new("[FILE|DIR ...]");
	g_option_context_set_summary(ctx,
	    "Receive SMTP TLS reports (RFC 8460): read one report mail on "
	    "standard input,\nor backfill the mails, report files and "
	    "Maildirs given as arguments.");
	g_option_context_set_description(ctx,
	    "Exit status: 0 handled (stored, duplicate or set aside), "
	    "75 try again later,\n64 usage error.  See tlsrpt-ingest(8).");
	g_option_context_add_main_entries(ctx, entries, NULL);
	/* a mail system gives us no terminal at all */
	interactive = isatty(STDIN_FILENO) || isatty(STDOUT_FILENO) ||
	    isatty(STDERR_FILENO);
	/* A web server may pass a query string as arguments (RFC 3875
	   §4.4): a CGI takes none, so that no request sets an option. */
	if ((cgi_mode = cgi_detect(getenv("GATEWAY_INTERFACE")))) {
		interactive = 0;
		argc = 1;
	}
	if (!g_option_context_parse(ctx, &argc, &argv, &gerr)) {
		status = usage_error(gerr->message);
		g_error_free(gerr);
		goto out;
	}
	if (opt_files != NULL)
		interactive = 1;
	if (opt_version) {
		printf("%s %s\n", PROG, PACKAGE_VERSION);
		goto out;
	}

	conf_file = conf_path(opt_config, &conf_must_exist);
	if (conf_load(&conf, conf_file, conf_must_exist, &err) == -1) {
		status = tempfail(&err);
		goto out;
	}
	if (opt_store != NULL)
		conf_set(&conf.store, opt_store);
	if (opt_archive != NULL)
		conf_set(&conf.archive, opt_archive);
	if (opt_no_archive)
		conf_set(&conf.archive, NULL);
	if (opt_log != NULL)
		conf_set(&conf.log_target, opt_log);
	if (opt_dkim != NULL && conf_set_dkim(&conf, opt_dkim, &err) == -1) {
		char *msg = g_strconcat("--", err.msg, NULL);

		status = usage_error(msg);
		g_free(msg);
		goto out;
	}
	if (strcmp(conf.log_target, "stderr") == 0)
		target = LOG_TARGET_STDERR;
	else if (strcmp(conf.log_target, "syslog") == 0)
		target = LOG_TARGET_SYSLOG;
	else {
		status = usage_error("--log takes syslog or stderr");
		goto out;
	}
	if (log_open(target, conf.log_facility, &err) == -1) {
		status = tempfail(&err);
		goto out;
	}
	log_set_level(opt_verbose ? LOG_DEBUG : LOG_INFO);

	if (opt_files == NULL && conf.deadline > 0) {
		signal(SIGALRM, on_deadline);
		alarm(conf.deadline);
	}
	raise_limits();
	mime_init();
	report_init(); /* before any parse thread (cJSON's hooks) */

	if ((trust = trust_new(&conf, &err)) == NULL) {
		status = tempfail(&err);
		goto shutdown;
	}
	run.conf = &conf;
	run.opts.trust = trust;
	/* a pipe delivery defers a temperror; a backfill leaves the file */
	run.opts.defer_temp = opt_files == NULL;
	run.opts.limits = &conf.limits;
	run.opts.max_failure_lines = conf.max_failure_lines;
	run.opts.archive = opt_files == NULL ? conf.archive : opt_archive;
	/* pipe(8) passes them as arguments; local(8), procmail, Exim and
	   OpenSMTPD in the environment; sieve says ORIG_RECIPIENT */
	run.opts.sender =
	    opt_sender != NULL ? opt_sender : env_first(sender_vars);
	run.opts.recipient =
	    opt_recipient != NULL ? opt_recipient : env_first(recipient_vars);
	if (opt_dry_run)
		run.opts.dry_run = stdout;
	else {
		if (priv_drop_to_store_owner(conf.store, &err) == -1 ||
		    check_fsize(conf.store, &err) == -1 ||
		    (st = store_open(conf.store, STORE_WRITE,
			 conf.busy_timeout_ms, &err)) == NULL) {
			status = tempfail(&err);
			goto shutdown;
		}
		run.opts.store = st;
	}
	if (conf.alert_command != NULL && st != NULL) {
		alerts = alert_queue_new();
		run.opts.on_stored = alert_on_stored_auth;
		run.opts.on_stored_arg = alerts;
	}

	if (cgi_mode)
		rc = ingest_cgi(&run);
	else if (opt_files == NULL)
		rc = ingest_stdin(&run, &err);
	else {
		/* a backfill: one alert per domain at most, and it says so */
		alert_queue_set_backfill(alerts, 1);
		run.batch_start = g_get_monotonic_time();
		if (st != NULL)
			rc = store_batch_begin(st, &err);
		for (size_t i = 0; opt_files[i] != NULL && rc == 0; i++)
			rc = ingest_path(&run, opt_files[i], &err);
		/* after an error too: what was logged as stored is */
		if (st != NULL && store_batch_end(st, &err) == -1)
			rc = -1;
	}
	if (rc != -1 && st != NULL && conf.metrics_file != NULL)
		write_metrics(st, &conf);
	if (rc == -1)
		status = tempfail(&err);
	else if (alerts != NULL) {
		/* The mail is committed: the alert command runs under its
		   own timeout, not the deadline, and whatever it does the
		   exit status stays 0 (tlsrpt.conf(5) [alert]). */
		struct ti_err aerr = { 0 };
		GString *line;

		alarm(0);
		if (alert_run(alerts, st, &conf, (int64_t)time(NULL), &aerr) ==
		    -1) {
			line = g_string_new("alert");
			log_kv(line, "status", "failed");
			log_kv(line, "reason", aerr.msg);
			log_emit(LOG_WARNING, "%s", line->str);
			g_string_free(line, TRUE);
		}
	}
	if (opt_verbose)
		fprintf(stderr,
		    "%s: %zu mails, %zu reports: %zu stored, %zu duplicates, "
		    "%zu parts and %zu mails set aside, %zu mails not "
		    "authenticated\n",
		    PROG, run.stats.mails, run.stats.reports, run.stats.stored,
		    run.stats.duplicates, run.stats.rejected_parts,
		    run.stats.rejected_mails, run.stats.unauthenticated);
shutdown:
	alarm(0);
	alert_queue_free(alerts);
	trust_free(trust);
	if (st != NULL)
		store_close(st);
	mime_shutdown();
out:
	/* sieve and procmail want their input read to the end, even when
	   the mail is deferred */
	if (status != 0 && opt_files == NULL && !interactive) {
		signal(SIGALRM, on_deadline);
		alarm(conf.deadline > 0 ? conf.deadline : 60);
		drain_input(-1);
	}
	if (fflush(stdout) == EOF && status == 0 && opt_dry_run)
		status = EX_TEMPFAIL;
	log_close();
	conf_clear(&conf);
	g_option_context_free(ctx);
	g_free(opt_config);
	g_free(opt_store);
	g_free(opt_archive);
	g_free(opt_log);
	g_free(opt_sender);
	g_free(opt_recipient);
	g_free(opt_dkim);
	g_strfreev(opt_files);
	return status;
}
