/*
 * store-sqlite.c: the SQLite store backend (the default).
 *
 * Design rationale (doc/durability.md, '3. SQLite' and '4. Exactly once'):
 * - One write transaction per mail, always BEGIN IMMEDIATE: a deferred
 *   transaction that reads first gets SQLITE_BUSY on the lock upgrade
 *   without the busy handler ever running.
 * - WAL with synchronous=FULL: Postfix deletes the mail once we exit 0,
 *   so a commit must survive a power loss.
 * - Every failure is TI_E_TEMP (exit 75, Postfix retries) with a message
 *   naming the file, and the fix when it is a permission problem.
 * - Idempotent on (organization-name, report-id): INSERT ... ON CONFLICT
 *   DO NOTHING, then the stored SHA-256 tells a duplicate from a conflict.
 * - The schema is versioned with PRAGMA user_version and migrated by a
 *   table of steps, so that users may query the tables with sqlite3(1).
 * - Only prepared statements with bound values: report text never
 *   becomes SQL.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <glib.h>
#include <sqlite3.h>

#include "config.h"
#include "ti.h"
#include "ingest/report.h"
#include "store/store.h"
#include "store/store-int.h"

/* WAL pages that trigger a checkpoint: each process reads them back on
   open, a checkpoint costs three flushes.  About ten deliveries. */
#define WAL_PAGES 128
/* The -wal file is reused in place up to this size, cut back to it after
   a bigger transaction (a backfill batch): twice WAL_PAGES of 4 KB. */
#define WAL_LIMIT "1048576"

struct sq {
	sqlite3 *db;
	char *path;
	char *dir;
	enum store_mode mode;
	int version; /* schema version of the open store */
	sqlite3_stmt *ins_report;
	sqlite3_stmt *sel_sha;
	sqlite3_stmt *ins_policy;
	sqlite3_stmt *ins_failure;
	sqlite3_stmt *ins_domain;
	sqlite3_stmt *count_report;
	sqlite3_stmt *count;
	int batch; /* a backfill batch is open: a mail is a savepoint */
	int busy_timeout_ms;
	sqlite3_stmt *savepoint; /* prepared once: sqlite3_exec() would */
	sqlite3_stmt *release; /* parse the SQL for every mail */
};

/*
 * The counters a report moves (store.h, struct store_counter): rows of
 * (name, k1, k2, v) from the report rows that P (on policies p) and R
 * (on reports r) select, summed per counter, last_end by max.  The
 * same SQL fills the table from the stored reports (migration 2 -> 3)
 * and moves it for one new report (sql_count_report). * A domain's sessions are
 * those of its policy type with the most (the type's policies summed: STS and
 * TLSA reported side by side count once, as in report_totals()); a failure
 * detail repeated verbatim under an earlier policy of the report counts once
 * (as in the digest).
 */
#define COUNTER_ROWS(P, R)                                                    \
 "SELECT name, k1, k2, CASE WHEN name = 'last_end' THEN max(v)"               \
 " ELSE sum(v) END FROM ("                                                    \
 "SELECT 'sessions' AS name, s.k1 AS k1, o.k2 AS k2, CASE o.k2 WHEN"          \
 " 'success' THEN s.ok ELSE s.bad END AS v FROM (SELECT"                      \
 " substr(coalesce(p.policy_domain, ''), 1, 255) AS k1, sum(p.successful) AS" \
 " ok, sum(p.failed) AS bad, row_number() OVER (PARTITION BY"                 \
 " p.report, substr(coalesce(p.policy_domain, ''), 1, 255) ORDER BY"          \
 " sum(p.successful) + sum(p.failed) DESC, min(p.idx)) AS rn FROM"            \
 " policies p WHERE " P " GROUP BY p.report,"                                 \
 " substr(coalesce(p.policy_domain, ''), 1, 255), p.policy_type) AS s"        \
 " CROSS JOIN (SELECT 'success' AS k2 UNION ALL SELECT 'failure')"            \
 " AS o WHERE s.rn = 1 UNION ALL SELECT 'failures',"                          \
 " substr(coalesce(p.policy_domain, ''), 1, 255),"                            \
 " substr(f.result_type, 1, 255), f.failed_session_count FROM"                \
 " failures f JOIN policies p ON f.policy = p.id WHERE " P                    \
 " AND NOT EXISTS (SELECT 1 FROM failures f2 JOIN policies p2 ON"             \
 " p2.id = f2.policy WHERE p2.report = p.report AND p2.idx < p.idx"           \
 " AND f2.result_type = f.result_type AND f2.failed_session_count"            \
 " = f.failed_session_count AND f2.sending_mta_ip IS f.sending_mta_ip"        \
 " AND f2.receiving_mx_hostname IS f.receiving_mx_hostname"                   \
 " AND f2.receiving_ip IS f.receiving_ip AND f2.failure_reason_code IS "      \
 "f.failure_reason_code)"                                                     \
 " UNION ALL SELECT 'reports', coalesce(r.source, ''),"                       \
 " substr(r.organization_name, 1, 255), 1 FROM reports r WHERE " R            \
 " UNION ALL SELECT 'last_end', '', substr(r.organization_name, 1,"           \
 " 255), r.end_time FROM reports r WHERE " R                                  \
 " UNION ALL SELECT 'domains', substr(coalesce(p.policy_domain, ''),"         \
 " 1, 255), '', 1 FROM policies p JOIN reports r ON p.report = r.id"          \
 " WHERE " R " AND r.auth_result = 'pass') GROUP BY name, k1, k2"
#define COUNTER_UPSERT                                                \
 " ON CONFLICT (name, k1, k2) DO UPDATE SET value = CASE WHEN"        \
 " metric_counters.name = 'last_end' THEN max(metric_counters.value," \
 " excluded.value) ELSE metric_counters.value + excluded.value END"

/*
 * Migration steps: migrations[v] takes a store from version v to v + 1.
 * Append a step (never edit a released one) and bump STORE_SCHEMA_VERSION.
 */
static const char *const migrations[] = {
	/* 0 -> 1: everything */
	"CREATE TABLE reports ("
	" id INTEGER PRIMARY KEY,"
	" organization_name TEXT NOT NULL,"
	" report_id TEXT NOT NULL,"
	" contact_info TEXT,"
	" domain TEXT,"
	" start_datetime TEXT NOT NULL,"
	" end_datetime TEXT NOT NULL,"
	" start_time INTEGER NOT NULL,"
	" end_time INTEGER NOT NULL,"
	" successful INTEGER NOT NULL,"
	" failed INTEGER NOT NULL,"
	" message_id TEXT,"
	" envelope_sender TEXT,"
	" envelope_recipient TEXT,"
	" filename TEXT,"
	" source TEXT,"
	" origin TEXT,"
	" archive_path TEXT,"
	" received INTEGER NOT NULL,"
	" deviations TEXT,"
	" json TEXT NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" UNIQUE (organization_name, report_id));"
	"CREATE TABLE policies ("
	" id INTEGER PRIMARY KEY,"
	" report INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL,"
	" policy_type TEXT NOT NULL,"
	" policy_domain TEXT,"
	" policy_string TEXT,"
	" mx_host TEXT,"
	" successful INTEGER NOT NULL,"
	" failed INTEGER NOT NULL);"
	"CREATE TABLE failures ("
	" id INTEGER PRIMARY KEY,"
	" policy INTEGER NOT NULL REFERENCES policies(id) ON DELETE CASCADE,"
	" result_type TEXT NOT NULL,"
	" sending_mta_ip TEXT,"
	" receiving_mx_hostname TEXT,"
	" receiving_mx_helo TEXT,"
	" receiving_ip TEXT,"
	" failed_session_count INTEGER NOT NULL,"
	" additional_information TEXT,"
	" failure_reason_code TEXT);"
	"CREATE INDEX reports_start_time ON reports(start_time);"
	"CREATE INDEX reports_domain ON reports(domain);"
	"CREATE INDEX policies_report ON policies(report);"
	"CREATE INDEX policies_policy_domain ON policies(policy_domain);"
	"CREATE INDEX failures_policy ON failures(policy);",
	/* 1 -> 2: who vouched for each report (trust/auth.h); the reports
	   stored before read as method none, result none */
	"ALTER TABLE reports ADD COLUMN auth_method TEXT NOT NULL"
	" DEFAULT 'none';"
	"ALTER TABLE reports ADD COLUMN auth_result TEXT NOT NULL"
	" DEFAULT 'none';"
	"ALTER TABLE reports ADD COLUMN auth_domain TEXT;"
	"ALTER TABLE reports ADD COLUMN auth_selector TEXT;"
	"ALTER TABLE reports ADD COLUMN auth_algorithm TEXT;"
	"ALTER TABLE reports ADD COLUMN auth_bits INTEGER;"
	"ALTER TABLE reports ADD COLUMN auth_dnssec TEXT;"
	"ALTER TABLE reports ADD COLUMN auth_reason TEXT;",
	/* 2 -> 3: each report's domains, normalised once (store_domain_norm,
	   the SQL function tlsrpt_domain() of sq_open_write), beside its
	   start time: a query for one domain is a range of this primary
	   key, in the order list and digest read it.  The rows come from
	   the reports already stored. */
	"CREATE TABLE report_domains ("
	" domain TEXT NOT NULL,"
	" start_time INTEGER NOT NULL,"
	" report INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	" PRIMARY KEY (domain, start_time, report)) WITHOUT ROWID;"
	"CREATE INDEX report_domains_report ON report_domains(report);"
	"INSERT OR IGNORE INTO report_domains (domain, start_time, report)"
	" SELECT d, start_time, id FROM (SELECT tlsrpt_domain(domain) AS d,"
	" start_time, id FROM reports UNION ALL SELECT"
	" tlsrpt_domain(p.policy_domain), r.start_time, r.id FROM policies p"
	" JOIN reports r ON r.id = p.report) WHERE d IS NOT NULL;",
	/* 3 -> 4: PostgreSQL partitions its tables by month (store-pg.c);
	   nothing changes here */
	"",
	/* 4 -> 5: when each report's mail arrived (report_source.arrived);
	   the reports stored before arrived, as far as we know, when they
	   were stored */
	("ALTER TABLE reports ADD COLUMN arrived INTEGER;"
	 " UPDATE reports SET arrived = received;"),
	/* 5 -> 6: what tlsrpt digest's checks saw (store_seen) */
	("CREATE TABLE check_history (domain TEXT NOT NULL,"
	 " checked_at INTEGER NOT NULL, kind TEXT NOT NULL,"
	 " key TEXT NOT NULL, value TEXT NOT NULL);"
	 " CREATE INDEX check_history_domain ON check_history(domain,"
	 " checked_at);"),
	/* 6 -> 7: the counters of tlsrpt metrics, from the reports stored
	   so far (the inputs set aside before were not counted) */
	"CREATE TABLE metric_counters ("
	" name TEXT NOT NULL,"
	" k1 TEXT NOT NULL,"
	" k2 TEXT NOT NULL,"
	" value INTEGER NOT NULL,"
	" PRIMARY KEY (name, k1, k2));"
	"INSERT INTO metric_counters (name, k1, k2, value) " COUNTER_ROWS("1",
	    "1") COUNTER_UPSERT ";",
};

_Static_assert(nitems(migrations) == STORE_SCHEMA_VERSION,
    "one migration step per schema version");

static const char sql_ins_report[] =
    "INSERT INTO reports (organization_name, report_id, contact_info,"
    " domain, start_datetime, end_datetime, start_time, end_time,"
    " successful, failed, message_id, envelope_sender,"
    " envelope_recipient, filename, source, origin, archive_path,"
    " received, deviations, json, sha256, auth_method, auth_result,"
    " auth_domain, auth_selector, auth_algorithm, auth_bits, auth_dnssec,"
    " auth_reason, arrived) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
    " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22,"
    " ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)"
    " ON CONFLICT (organization_name, report_id) DO NOTHING";
static const char sql_sel_sha[] =
    "SELECT sha256 FROM reports WHERE organization_name = ?1 AND"
    " report_id = ?2";
static const char sql_ins_policy[] =
    "INSERT INTO policies (report, idx, policy_type, policy_domain,"
    " policy_string, mx_host, successful, failed) VALUES (?1, ?2, ?3,"
    " ?4, ?5, ?6, ?7, ?8)";
static const char sql_ins_domain[] =
    "INSERT OR IGNORE INTO report_domains (domain, start_time, report)"
    " VALUES (?1, ?2, ?3)";
static const char sql_ins_failure[] =
    "INSERT INTO failures (policy, result_type, sending_mta_ip,"
    " receiving_mx_hostname, receiving_mx_helo, receiving_ip,"
    " failed_session_count, additional_information,"
    " failure_reason_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

static const char sql_count_report[] =
    "INSERT INTO metric_counters (name, k1, k2, value) " COUNTER_ROWS(
	"p.report = ?1", "r.id = ?1") COUNTER_UPSERT;
static const char sql_count[] =
    "INSERT INTO metric_counters (name, k1, k2, value) VALUES (?1,"
    " substr(?2, 1, 255), substr(?3, 1, 255), ?4)" COUNTER_UPSERT;

/* Whether we lack the permissions the mode needs.  SQLite's own errno
   is often that of its read-only retry (ENOENT), not the EACCES. */
static int
sq_denied(struct sq *s)
{
	int mode = s->mode == STORE_WRITE ? W_OK : R_OK;

	if (access(s->dir, mode | X_OK) == -1 &&
	    (errno == EACCES || errno == EPERM || errno == EROFS))
		return 1;
	if (access(s->path, mode) == -1 &&
	    (errno == EACCES || errno == EPERM || errno == EROFS))
		return 1;
	return 0;
}

/*
 * Turn a SQLite failure into a TI_E_TEMP with a message naming the file:
 * every failure of the store is worth a retry (exit 75) except a newer
 * schema, which is not decided here.
 */
static int
sq_fail(struct sq *s, int rc, const char *what, struct ti_err *err)
{
	const char *msg;
	int sys = 0;

	msg = s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
	if (s->db != NULL)
		sys = sqlite3_system_errno(s->db);
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ti_err_set(err, TI_E_TEMP,
		    "store %s: %s: busy past the timeout (another process "
		    "holds the lock): %s",
		    s->path, what, msg);
	case SQLITE_FULL:
		return ti_err_set(err, TI_E_TEMP, "store %s: %s: disk full: %s",
		    s->path, what, msg);
	case SQLITE_IOERR:
		if (sys == EFBIG)
			return ti_err_set(err, TI_E_TEMP,
			    "store %s: %s: file size limit reached (Postfix "
			    "mailbox_size_limit applies to aliases; use a "
			    "pipe(8) transport, see tlsrpt-ingest(8)): %s",
			    s->path, what, msg);
		if (sys == ENOSPC || sys == EDQUOT)
			return ti_err_set(err, TI_E_TEMP,
			    "store %s: %s: disk full: %s (%s)", s->path, what,
			    msg, g_strerror(sys));
		if (sys != 0)
			return ti_err_set(err, TI_E_TEMP,
			    "store %s: %s: I/O error: %s (%s)", s->path, what,
			    msg, g_strerror(sys));
		return ti_err_set(err, TI_E_TEMP, "store %s: %s: I/O error: %s",
		    s->path, what, msg);
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		if ((rc & 0xff) != SQLITE_READONLY && sys != EACCES &&
		    sys != EPERM && sys != EROFS && !sq_denied(s))
			return ti_err_set(err, TI_E_TEMP,
			    "store %s: %s: cannot open: %s", s->path, what,
			    msg);
		if (s->mode == STORE_READ)
			return ti_err_set(err, TI_E_TEMP,
			    "store %s: %s: %s: run as a user that may read "
			    "%s and write %s (SQLite WAL creates -shm and -wal "
			    "files there)",
			    s->path, what, msg, s->path, s->dir);
		return ti_err_set(err, TI_E_TEMP,
		    "store %s: %s: %s: make %s writable by the user the "
		    "delivery runs as (nobody for /etc/aliases), or use a "
		    "pipe(8) transport with user=tlsrpt; see tlsrpt-ingest(8)",
		    s->path, what, msg, s->dir);
	default:
		break;
	}
	return ti_err_set(err, TI_E_TEMP,
	    "store %s: %s: store corrupt or unusable: %s (SQLite error %d)",
	    s->path, what, msg, rc);
}

/* Run SQL that returns no rows we need. */
static int
sq_exec(struct sq *s, const char *sql, const char *what, struct ti_err *err)
{
	int rc;

	if ((rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return sq_fail(s, rc, what, err);
	return 0;
}

/* Run a single-row, single-column statement; copy the text out. */
static int
sq_query_text(struct sq *s, const char *sql, char **out, struct ti_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	if ((rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return sq_fail(s, rc, sql, err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = g_strdup((const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE) {
		sq_fail(s, rc, sql, err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static int
sq_user_version(struct sq *s, int *version, struct ti_err *err)
{
	char *text;

	if (sq_query_text(s, "PRAGMA user_version", &text, err) == -1)
		return -1;
	*version = text != NULL ? atoi(text) : 0;
	g_free(text);
	return 0;
}

/* Bring the schema to STORE_SCHEMA_VERSION inside one IMMEDIATE
   transaction, so that two first deliveries do not both create it. */
static int
sq_migrate(struct sq *s, struct ti_err *err)
{
	char sql[64];
	int v;

	/* The usual case, a current store: no write transaction (it would
	   cost a WAL frame and an fsync per delivery). */
	if (sq_user_version(s, &v, err) == -1)
		return -1;
	if (v == STORE_SCHEMA_VERSION) {
		s->version = v;
		return 0;
	}
	if (sq_exec(s, "BEGIN IMMEDIATE", "begin migration", err) == -1)
		return -1;
	if (sq_user_version(s, &v, err) == -1)
		goto fail;
	if (v > STORE_SCHEMA_VERSION) {
		ti_err_set(err, TI_E_CONFIG,
		    "store %s: store schema %d is newer than this program "
		    "(%d)",
		    s->path, v, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (v < 0) {
		ti_err_set(err, TI_E_CONFIG, "store %s: bad schema version %d",
		    s->path, v);
		goto fail;
	}
	for (; v < STORE_SCHEMA_VERSION; v++)
		if (sq_exec(s, migrations[v], "migrate schema", err) == -1)
			goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    STORE_SCHEMA_VERSION);
	if (sq_exec(s, sql, "set schema version", err) == -1)
		goto fail;
	/* Before the COMMIT: its WAL hook (sq_wal_hook) may rewrite
	   user_version, and must write the version being committed, not
	   the one before. */
	s->version = STORE_SCHEMA_VERSION;
	if (sq_exec(s, "COMMIT", "commit migration", err) == -1)
		goto fail;
	return 0;
fail:
	s->version = 0;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int
sq_prepare(struct sq *s, const char *sql, sqlite3_stmt **st, struct ti_err *err)
{
	int rc;

	if ((rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL)) != SQLITE_OK)
		return sq_fail(s, rc, "prepare", err);
	return 0;
}

/* Prepare *st on its first use: what a delivery does not need (the
   duplicate check, failure rows) costs it nothing. */
static int
sq_lazy(struct sq *s, const char *sql, sqlite3_stmt **st, struct ti_err *err)
{
	return *st != NULL ? 0 : sq_prepare(s, sql, st, err);
}

static void
sq_free(struct sq *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->ins_report);
	sqlite3_finalize(s->sel_sha);
	sqlite3_finalize(s->ins_policy);
	sqlite3_finalize(s->ins_failure);
	sqlite3_finalize(s->ins_domain);
	sqlite3_finalize(s->count_report);
	sqlite3_finalize(s->count);
	sqlite3_finalize(s->savepoint);
	sqlite3_finalize(s->release);
	if (s->db != NULL) {
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(s->db);
	}
	g_free(s->path);
	g_free(s->dir);
	g_free(s);
}

/*
 * After each commit: past WAL_PAGES, copy the WAL into the database and
 * start it again from its first frame, over the old ones.  The -wal file
 * keeps its size, so a commit's fdatasync writes only its pages: no new
 * file size, no filesystem journal commit.  (Truncating the file made
 * every commit grow it again.)
 *
 * A writer starts the WAL again when it finds it wholly copied, but only
 * a writer that shares the WAL index with the checkpointer knows that:
 * the next process rebuilds the index from the file (SQLite's recovery)
 * and would see the old frames as new.  So this connection writes once
 * more after its checkpoint: the schema version, unchanged, one page.
 * When another process is in the store, a later delivery does it: never
 * wait here.  The commit is durable already, so a failure loses nothing.
 */
static int
sq_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct sq *s = arg;
	int in_wal = -1, copied = 0;
	char sql[64];

	/* version 0: not known yet (a migration is committing) */
	if (pages < WAL_PAGES || s->version == 0)
		return SQLITE_OK;
	sqlite3_busy_timeout(db, 0);
	if (sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
		&in_wal, &copied) == SQLITE_OK &&
	    copied == in_wal) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    s->version);
		(void)sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	sqlite3_busy_timeout(db, s->busy_timeout_ms);
	return SQLITE_OK;
}

/* tlsrpt_domain(x): store_domain_norm(x), for the migration to schema 3. */
static void
sq_domain_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char *n;

	(void)argc;
	n = store_domain_norm((const char *)sqlite3_value_text(argv[0]));
	if (n == NULL)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_text(ctx, n, -1, g_free);
}

/* Writer: create the file (never its directory), WAL, FULL, migrate. */
static int
sq_open_write(struct sq *s, int busy_timeout_ms, struct ti_err *err)
{
	struct stat sb;
	char *mode = NULL;
	int rc;

	if (stat(s->dir, &sb) == -1) {
		if (errno == ENOENT)
			return ti_err_set(err, TI_E_TEMP,
			    "store directory %s does not exist: create it, "
			    "owned by the delivery user",
			    s->dir);
		return ti_err_set(err, TI_E_TEMP, "store directory %s: %s",
		    s->dir, strerror(errno));
	}
	if (!S_ISDIR(sb.st_mode))
		return ti_err_set(err, TI_E_TEMP,
		    "store directory %s is not a directory", s->dir);
	rc = sqlite3_open_v2(s->path, &s->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, "open", err);
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, busy_timeout_ms);
	s->busy_timeout_ms = busy_timeout_ms;
	/* One process per mail: a checkpoint at every close would cost two
	   more fsyncs and a new -wal file (and a directory fsync) per
	   delivery.  The WAL is checkpointed as it fills up instead
	   (sq_wal_hook); a commit is as durable either way. */
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_wal_hook(s->db, sq_wal_hook, s);
	if (sq_query_text(s, "PRAGMA journal_mode = WAL", &mode, err) == -1)
		return -1;
	if (mode == NULL || g_ascii_strcasecmp(mode, "wal") != 0) {
		ti_err_set(err, TI_E_TEMP,
		    "store %s: cannot switch to WAL mode (journal mode %s)",
		    s->path, mode != NULL ? mode : "unknown");
		g_free(mode);
		return -1;
	}
	g_free(mode);
	if (sq_exec(s, "PRAGMA synchronous = FULL", "set synchronous", err) ==
		-1 ||
	    sq_exec(s, "PRAGMA foreign_keys = ON", "set foreign_keys", err) ==
		-1 ||
	    sq_exec(s, "PRAGMA journal_size_limit = " WAL_LIMIT,
		"set journal_size_limit", err) == -1)
		return -1;
	rc = sqlite3_create_function_v2(s->db, "tlsrpt_domain", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sq_domain_fn, NULL, NULL,
	    NULL);
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, "create function", err);
	if (sq_migrate(s, err) == -1)
		return -1;
	return 0;
}

/*
 * Reader: SQLITE_OPEN_READONLY, never creates or migrates.  A reader
 * that may not write the directory cannot create the -shm file of a WAL
 * store; when no -wal file exists no writer is connected, and the store
 * is then opened immutable instead (a read of a quiet store).
 */
static int
sq_open_read(struct sq *s, int busy_timeout_ms, struct ti_err *err)
{
	struct stat sb;
	char *uri, *wal;
	int rc, v, quiet;

	if (stat(s->path, &sb) == -1) {
		if (errno == ENOENT)
			return ti_err_set(err, TI_E_TEMP,
			    "no store at %s; nothing ingested yet?", s->path);
		return ti_err_set(err, TI_E_TEMP, "store %s: %s", s->path,
		    strerror(errno));
	}
	rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, "open", err);
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, busy_timeout_ms);
	if (sq_user_version(s, &v, NULL) == -1) {
		wal = g_strconcat(s->path, "-wal", NULL);
		quiet = access(s->dir, W_OK) == -1 && access(wal, F_OK) == -1;
		g_free(wal);
		if (!quiet)
			return sq_user_version(s, &v, err);
		sqlite3_close(s->db);
		s->db = NULL;
		/* Escape what a URI path may not hold ("?", "#", "%"). */
		wal = g_uri_escape_string(s->path, "/", FALSE);
		uri = sqlite3_mprintf("file:%s?immutable=1", wal);
		g_free(wal);
		if (uri == NULL)
			return ti_err_set(err, TI_E_TEMP, "out of memory");
		rc = sqlite3_open_v2(uri, &s->db,
		    SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
		sqlite3_free(uri);
		if (rc != SQLITE_OK)
			return sq_fail(s, rc, "open", err);
		sqlite3_extended_result_codes(s->db, 1);
		if (sq_user_version(s, &v, err) == -1)
			return -1;
	}
	if (v > STORE_SCHEMA_VERSION)
		return ti_err_set(err, TI_E_CONFIG,
		    "store %s: store schema %d is newer than this program "
		    "(%d)",
		    s->path, v, STORE_SCHEMA_VERSION);
	if (v < 0 || (v > 0 && v < STORE_SCHEMA_VERSION))
		return ti_err_set(err, TI_E_CONFIG,
		    "store %s: store schema %d is older than this program "
		    "(%d): the next delivery migrates it; to migrate it now, "
		    "run tlsrpt-ingest on an empty directory as the delivery "
		    "user",
		    s->path, v, STORE_SCHEMA_VERSION);
	s->version = v; /* 0: a store nothing was written to */
	return 0;
}

static void *
sq_open(const char *target, enum store_mode mode, int busy_timeout_ms,
    struct ti_err *err)
{
	struct sq *s;
	int rc;

	s = g_new0(struct sq, 1);
	s->path = g_strdup(target);
	s->dir = g_path_get_dirname(target);
	s->mode = mode;
	if (mode == STORE_WRITE)
		rc = sq_open_write(s, busy_timeout_ms, err);
	else
		rc = sq_open_read(s, busy_timeout_ms, err);
	if (rc == -1) {
		sq_free(s);
		return NULL;
	}
	return s;
}

static void
sq_close(void *backend)
{
	sq_free(backend);
}

static int sq_run(struct sq *, sqlite3_stmt *, const char *, struct ti_err *);

static int
sq_begin(void *backend, struct ti_err *err)
{
	struct sq *s = backend;

	if (s->mode != STORE_WRITE)
		return ti_err_set(err, TI_E_BUG, "store %s: opened read-only",
		    s->path);
	if (s->batch)
		return sq_run(s, s->savepoint, "begin", err);
	return sq_exec(s, "BEGIN IMMEDIATE", "begin", err);
}

static int
sq_commit(void *backend, struct ti_err *err)
{
	struct sq *s = backend;

	if (s->batch)
		return sq_run(s, s->release, "commit", err);
	return sq_exec(s, "COMMIT", "commit", err);
}

static void
sq_rollback(void *backend)
{
	struct sq *s = backend;

	if (s->db == NULL || sqlite3_get_autocommit(s->db))
		return;
	if (s->batch)
		/* this mail only; the batch goes on */
		sqlite3_exec(s->db, "ROLLBACK TO mail; RELEASE mail", NULL,
		    NULL, NULL);
	else
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int
sq_batch_begin(void *backend, struct ti_err *err)
{
	struct sq *s = backend;

	if (s->mode != STORE_WRITE)
		return ti_err_set(err, TI_E_BUG, "store %s: opened read-only",
		    s->path);
	if (sq_lazy(s, "SAVEPOINT mail", &s->savepoint, err) == -1 ||
	    sq_lazy(s, "RELEASE mail", &s->release, err) == -1 ||
	    sq_exec(s, "BEGIN IMMEDIATE", "begin", err) == -1)
		return -1;
	s->batch = 1;
	return 0;
}

static int
sq_batch_end(void *backend, struct ti_err *err)
{
	struct sq *s = backend;

	if (!s->batch)
		return 0;
	s->batch = 0;
	/* SQLite rolls the whole transaction back on some errors (full
	   disk, I/O error): then the batch is lost, and must be said so */
	if (sqlite3_get_autocommit(s->db))
		return ti_err_set(err, TI_E_TEMP,
		    "store %s: the mails since the last commit were rolled "
		    "back; run the backfill again",
		    s->path);
	if (sq_exec(s, "COMMIT", "commit", err) == -1) {
		sq_rollback(s);
		return -1;
	}
	return 0;
}

/* Bind text, or NULL; invalid UTF-8 (from mail headers) is replaced so
   that every reader of the TEXT columns gets valid UTF-8.  Not copied:
   text must live until the statement is reset (sq_run does that). */
static void
bind_str(sqlite3_stmt *st, int i, const char *text, size_t len)
{
	char *valid;

	if (text == NULL) {
		sqlite3_bind_null(st, i);
		return;
	}
	if (g_utf8_validate_len(text, len, NULL)) {
		sqlite3_bind_text64(st, i, text, len, SQLITE_STATIC,
		    SQLITE_UTF8);
		return;
	}
	valid = g_utf8_make_valid(text, len);
	sqlite3_bind_text(st, i, valid, -1, SQLITE_TRANSIENT);
	g_free(valid);
}

static void
bind_cstr(sqlite3_stmt *st, int i, const char *text)
{
	bind_str(st, i, text, text != NULL ? strlen(text) : 0);
}

/* Bind a NULL-terminated string list as JSON array text, or NULL. */
static int
bind_strv(sqlite3_stmt *st, int i, char *const *strv, struct ti_err *err)
{
	char *text;

	if (report_strv_json(strv, &text, err) == -1)
		return -1;
	if (text == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, text, -1, g_free);
	return 0;
}

/* Step a statement that returns no row, then make it ready for reuse. */
static int
sq_run(struct sq *s, sqlite3_stmt *st, const char *what, struct ti_err *err)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		sq_fail(s, rc, what, err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
sq_put_policies(struct sq *s, const struct report *r, int64_t report_row,
    struct ti_err *err)
{
	const struct policy *p;
	const struct failure *f;
	int64_t policy_row;
	size_t i, j;

	for (i = 0; i < r->n_policies; i++) {
		p = &r->policies[i];
		if (p->policy_type == NULL)
			return ti_err_set(err, TI_E_INPUT,
			    "store: policy %zu lacks policy-type", i);
		if (sq_lazy(s, sql_ins_policy, &s->ins_policy, err) == -1)
			return -1;
		sqlite3_bind_int64(s->ins_policy, 1, report_row);
		sqlite3_bind_int64(s->ins_policy, 2, (int64_t)i);
		bind_cstr(s->ins_policy, 3, p->policy_type);
		bind_cstr(s->ins_policy, 4, p->policy_domain);
		if (bind_strv(s->ins_policy, 5, p->policy_string, err) == -1 ||
		    bind_strv(s->ins_policy, 6, p->mx_host, err) == -1) {
			sqlite3_reset(s->ins_policy);
			sqlite3_clear_bindings(s->ins_policy);
			return -1;
		}
		sqlite3_bind_int64(s->ins_policy, 7, p->successful);
		sqlite3_bind_int64(s->ins_policy, 8, p->failed);
		if (sq_run(s, s->ins_policy, "insert policy", err) == -1)
			return -1;
		policy_row = sqlite3_last_insert_rowid(s->db);
		for (j = 0; j < p->n_failures; j++) {
			f = &p->failures[j];
			if (f->result_type == NULL)
				return ti_err_set(err, TI_E_INPUT,
				    "store: failure-details lack result-type");
			if (sq_lazy(s, sql_ins_failure, &s->ins_failure, err) ==
			    -1)
				return -1;
			sqlite3_bind_int64(s->ins_failure, 1, policy_row);
			bind_cstr(s->ins_failure, 2, f->result_type);
			bind_cstr(s->ins_failure, 3, f->sending_mta_ip);
			bind_cstr(s->ins_failure, 4, f->receiving_mx_hostname);
			bind_cstr(s->ins_failure, 5, f->receiving_mx_helo);
			bind_cstr(s->ins_failure, 6, f->receiving_ip);
			sqlite3_bind_int64(s->ins_failure, 7,
			    f->failed_session_count);
			bind_cstr(s->ins_failure, 8, f->additional_information);
			bind_cstr(s->ins_failure, 9, f->failure_reason_code);
			if (sq_run(s, s->ins_failure, "insert failure", err) ==
			    -1)
				return -1;
		}
	}
	return 0;
}

/* The report's domains into report_domains (schema 3). */
static int
sq_put_domains(struct sq *s, const struct report *r, int64_t report_row,
    struct ti_err *err)
{
	char **domains, **d;
	int rc = 0;

	if (sq_lazy(s, sql_ins_domain, &s->ins_domain, err) == -1)
		return -1;
	domains = store_report_domains(r);
	for (d = domains; *d != NULL && rc == 0; d++) {
		bind_cstr(s->ins_domain, 1, *d);
		sqlite3_bind_int64(s->ins_domain, 2, r->start);
		sqlite3_bind_int64(s->ins_domain, 3, report_row);
		rc = sq_run(s, s->ins_domain, "insert domain", err);
	}
	g_strfreev(domains);
	return rc;
}

/* Tell a duplicate from a conflict by the stored hash. */
static int
sq_existing(struct sq *s, const struct report *r, enum store_put_result *result,
    char *existing_sha256, struct ti_err *err)
{
	const char *sha;
	int rc;

	if (sq_lazy(s, sql_sel_sha, &s->sel_sha, err) == -1)
		return -1;
	bind_cstr(s->sel_sha, 1, r->organization_name);
	bind_cstr(s->sel_sha, 2, r->report_id);
	rc = sqlite3_step(s->sel_sha);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			ti_err_set(err, TI_E_BUG,
			    "store %s: conflicting row not found", s->path);
		else
			sq_fail(s, rc, "select sha256", err);
		sqlite3_reset(s->sel_sha);
		sqlite3_clear_bindings(s->sel_sha);
		return -1;
	}
	sha = (const char *)sqlite3_column_text(s->sel_sha, 0);
	if (sha == NULL)
		sha = "";
	*result =
	    strcmp(sha, r->sha256) == 0 ? STORE_DUPLICATE : STORE_CONFLICT;
	if (existing_sha256 != NULL)
		g_strlcpy(existing_sha256, sha, 65);
	sqlite3_reset(s->sel_sha);
	sqlite3_clear_bindings(s->sel_sha);
	return 0;
}

/* Bind the authentication record at columns i .. i + 7 (sql_ins_report
   order); NULL, or a record without method or result, is nobody
   vouching: none, none.  bits 0 (unknown) is stored as NULL. */
static void
bind_auth(sqlite3_stmt *st, int i, const struct ti_auth *a)
{
	static const struct ti_auth nobody;

	if (a == NULL)
		a = &nobody;
	bind_cstr(st, i, a->method != NULL ? a->method : AUTH_NONE);
	bind_cstr(st, i + 1, a->result != NULL ? a->result : AUTH_RNONE);
	bind_cstr(st, i + 2, a->domain);
	bind_cstr(st, i + 3, a->selector);
	bind_cstr(st, i + 4, a->algorithm);
	if (a->bits > 0)
		sqlite3_bind_int(st, i + 5, a->bits);
	else
		sqlite3_bind_null(st, i + 5);
	bind_cstr(st, i + 6, a->dnssec);
	bind_cstr(st, i + 7, a->reason);
}

static int
sq_put(void *backend, const struct report *r, const struct report_source *src,
    enum store_put_result *result, char *existing_sha256, struct ti_err *err)
{
	static const struct report_source none;
	struct sq *s = backend;
	sqlite3_stmt *st;
	int64_t ok = 0, failed = 0, received, row;
	char *devs;
	int rc;

	if (s->mode != STORE_WRITE || sqlite3_get_autocommit(s->db))
		return ti_err_set(err, TI_E_BUG,
		    "store %s: store_put outside a write transaction", s->path);
	if (r->organization_name == NULL || r->report_id == NULL ||
	    r->start_datetime == NULL || r->end_datetime == NULL ||
	    r->json == NULL)
		return ti_err_set(err, TI_E_INPUT,
		    "store: report lacks a required member");
	if (sq_lazy(s, sql_ins_report, &s->ins_report, err) == -1)
		return -1;
	st = s->ins_report;
	if (src == NULL)
		src = &none;
	received = src->received != 0 ? src->received : (int64_t)time(NULL);
	report_totals(r, &ok, &failed);
	devs = report_deviation_codes(r);

	bind_cstr(st, 1, r->organization_name);
	bind_cstr(st, 2, r->report_id);
	bind_cstr(st, 3, r->contact_info);
	bind_cstr(st, 4, report_domain(r));
	bind_cstr(st, 5, r->start_datetime);
	bind_cstr(st, 6, r->end_datetime);
	sqlite3_bind_int64(st, 7, r->start);
	sqlite3_bind_int64(st, 8, r->end);
	sqlite3_bind_int64(st, 9, ok);
	sqlite3_bind_int64(st, 10, failed);
	bind_cstr(st, 11, src->message_id);
	bind_cstr(st, 12, src->envelope_sender);
	bind_cstr(st, 13, src->envelope_recipient);
	bind_cstr(st, 14, src->filename);
	bind_cstr(st, 15, src->source);
	bind_cstr(st, 16, src->origin);
	bind_cstr(st, 17, src->archive_path);
	sqlite3_bind_int64(st, 18, received);
	bind_cstr(st, 19, devs);
	/* report_decode() checked it is UTF-8; a big report is 10 MB */
	sqlite3_bind_text64(st, 20, r->json, r->json_len, SQLITE_STATIC,
	    SQLITE_UTF8);
	bind_cstr(st, 21, r->sha256);
	bind_auth(st, 22, src->auth);
	sqlite3_bind_int64(st, 30, src->arrived != 0 ? src->arrived : received);
	rc = sq_run(s, st, "insert report", err);
	g_free(devs);
	if (rc == -1)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return sq_existing(s, r, result, existing_sha256, err);
	row = sqlite3_last_insert_rowid(s->db);
	if (sq_put_policies(s, r, row, err) == -1 ||
	    sq_put_domains(s, r, row, err) == -1 ||
	    sq_lazy(s, sql_count_report, &s->count_report, err) == -1)
		return -1;
	/* the counters move with the report (store.h) */
	sqlite3_bind_int64(s->count_report, 1, row);
	if (sq_run(s, s->count_report, "count report", err) == -1)
		return -1;
	*result = STORE_NEW;
	if (existing_sha256 != NULL)
		existing_sha256[0] = '\0';
	return 0;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* struct ti_auth's strings are not const; the record is borrowed all
   the same (store.h), and no reader writes through it. */
static char *
col_auth(sqlite3_stmt *st, int i)
{
	return (char *)sqlite3_column_text(st, i);
}

/* The columns of struct stored_report, in sq_each_report()'s order. */
#define SQ_COLUMNS                                                 \
 "r.id, r.organization_name, r.report_id, r.contact_info,"         \
 " r.domain, r.start_time, r.end_time, r.successful, r.failed,"    \
 " r.received, r.message_id, r.envelope_sender, r.filename,"       \
 " r.source, r.json, r.envelope_recipient, r.origin,"              \
 " r.archive_path, r.deviations, r.auth_method, r.auth_result,"    \
 " r.auth_domain, r.auth_selector, r.auth_algorithm, r.auth_bits," \
 " r.auth_dnssec, r.auth_reason, r.arrived"

/* " AND t.start_time >= ?1 AND t.start_time < ?2", as q bounds it. */
static void
sq_time(GString *sql, const char *t, const struct store_query *q)
{
	if (q->since != 0)
		g_string_append_printf(sql, " AND %s.start_time >= ?1", t);
	if (q->until != 0)
		g_string_append_printf(sql, " AND %s.start_time < ?2", t);
}

/*
 * The SQL of the reports that q selects: a SELECT of SQ_COLUMNS in
 * start time then id order, or (prune) a DELETE.  With a domain it is
 * a range of report_domains' primary key (domain, then time), already
 * in that order, joined to reports by id: the query reads only that
 * domain's rows (test-store checks the plan).  CROSS JOIN keeps
 * report_domains the outer loop whatever the statistics say.
 */
static char *
sq_query_sql(const struct store_query *q, int prune)
{
	GString *sql = g_string_new(NULL);

	if (prune && q->domain != NULL) {
		g_string_append(sql,
		    "DELETE FROM reports WHERE id IN (SELECT report FROM"
		    " report_domains d WHERE d.domain = ?3");
		sq_time(sql, "d", q);
		g_string_append(sql, ")");
	} else if (prune) {
		g_string_append(sql, "DELETE FROM reports AS r WHERE 1");
		sq_time(sql, "r", q);
	} else if (q->domain != NULL) {
		g_string_append(sql,
		    "SELECT " SQ_COLUMNS " FROM report_domains d CROSS JOIN"
		    " reports r ON r.id = d.report WHERE d.domain = ?3");
		sq_time(sql, "d", q);
		g_string_append(sql, " ORDER BY d.start_time, d.report");
	} else {
		g_string_append(sql,
		    "SELECT " SQ_COLUMNS " FROM reports r"
		    " WHERE 1");
		sq_time(sql, "r", q);
		g_string_append(sql, " ORDER BY r.start_time, r.id");
	}
	return g_string_free(sql, FALSE);
}

/* Prepare prefix + sq_query_sql(q, prune) and bind q's values: the one
   selection of store_each_report(), store_prune() and their plans. */
static int
sq_query(struct sq *s, const char *prefix, const struct store_query *q,
    int prune, sqlite3_stmt **st, struct ti_err *err)
{
	char *sql, *body, *domain;
	int rc;

	body = sq_query_sql(q, prune);
	sql = g_strconcat(prefix, body, NULL);
	g_free(body);
	rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
	g_free(sql);
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, "query reports", err);
	if (q->since != 0)
		sqlite3_bind_int64(*st, 1, q->since);
	if (q->until != 0)
		sqlite3_bind_int64(*st, 2, q->until);
	if (q->domain != NULL) {
		/* "Example.COM." names example.com, as it was stored; a
		   name that is none ("", too long) matches nothing */
		domain = store_domain_norm(q->domain);
		sqlite3_bind_text(*st, 3, domain != NULL ? domain : "", -1,
		    SQLITE_TRANSIENT);
		g_free(domain);
	}
	return 0;
}

static int
sq_explain(void *backend, const struct store_query *q, int prune, char **plan,
    struct ti_err *err)
{
	struct sq *s = backend;
	sqlite3_stmt *st;
	GString *out = g_string_new(NULL);
	int rc;

	*plan = NULL;
	if (sq_query(s, "EXPLAIN QUERY PLAN ", q, prune, &st, err) == -1) {
		g_string_free(out, TRUE);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		g_string_append_printf(out, "%s\n", col_text(st, 3));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		g_string_free(out, TRUE);
		return sq_fail(s, rc, "explain", err);
	}
	*plan = g_string_free(out, FALSE);
	return 0;
}

/* Delete what q selects in one transaction; the schema's ON DELETE
   CASCADE (foreign_keys is on for a writer) takes the policies and
   failure details along. */
static int
sq_prune(void *backend, const struct store_query *q, int64_t *deleted,
    struct ti_err *err)
{
	struct sq *s = backend;
	sqlite3_stmt *st;

	*deleted = 0;
	if (s->mode != STORE_WRITE)
		return ti_err_set(err, TI_E_BUG, "store %s: opened read-only",
		    s->path);
	if (sq_query(s, "", q, 1, &st, err) == -1)
		return -1;
	if (sq_exec(s, "BEGIN IMMEDIATE", "begin", err) == -1)
		goto fail;
	if (sq_run(s, st, "delete reports", err) == -1)
		goto fail;
	*deleted = sqlite3_changes(s->db);
	if (sq_exec(s, "COMMIT", "commit", err) == -1)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	*deleted = 0;
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(st);
	return -1;
}

static int
sq_each_report(void *backend, const struct store_query *q,
    int (*cb)(const struct stored_report *sr, void *arg), void *arg,
    struct ti_err *err)
{
	static char none[] = AUTH_NONE;
	struct sq *s = backend;
	struct stored_report sr;
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (s->version == 0) /* nothing was ever written */
		return 0;
	if (sq_query(s, "", q, 0, &st, err) == -1)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&sr, 0, sizeof(sr));
		sr.id = sqlite3_column_int64(st, 0);
		sr.organization_name = col_text(st, 1);
		sr.report_id = col_text(st, 2);
		sr.contact_info = col_text(st, 3);
		sr.domain = col_text(st, 4);
		sr.start = sqlite3_column_int64(st, 5);
		sr.end = sqlite3_column_int64(st, 6);
		sr.successful = sqlite3_column_int64(st, 7);
		sr.failed = sqlite3_column_int64(st, 8);
		sr.received = sqlite3_column_int64(st, 9);
		sr.message_id = col_text(st, 10);
		sr.envelope_sender = col_text(st, 11);
		sr.filename = col_text(st, 12);
		sr.source = col_text(st, 13);
		sr.json = col_text(st, 14);
		sr.json_len = (size_t)sqlite3_column_bytes(st, 14);
		if (sr.json == NULL)
			sr.json = "";
		sr.envelope_recipient = col_text(st, 15);
		sr.origin = col_text(st, 16);
		sr.archive_path = col_text(st, 17);
		sr.deviations = col_text(st, 18);
		sr.auth.method = col_auth(st, 19);
		sr.auth.result = col_auth(st, 20);
		if (sr.auth.method == NULL) /* NOT NULL: cannot happen */
			sr.auth.method = none;
		if (sr.auth.result == NULL)
			sr.auth.result = none;
		sr.auth.domain = col_auth(st, 21);
		sr.auth.selector = col_auth(st, 22);
		sr.auth.algorithm = col_auth(st, 23);
		sr.auth.bits = sqlite3_column_int(st, 24);
		sr.auth.dnssec = col_auth(st, 25);
		sr.auth.reason = col_auth(st, 26);
		sr.arrived = sqlite3_column_int64(st, 27);
		if (sr.arrived == 0)
			sr.arrived = sr.received;
		if ((ret = cb(&sr, arg)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		sq_fail(s, rc, "read reports", err);
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

static int
sq_count(void *backend, const char *name, const char *k1, const char *k2,
    int64_t n, struct ti_err *err)
{
	struct sq *s = backend;

	if (s->mode != STORE_WRITE || sqlite3_get_autocommit(s->db))
		return ti_err_set(err, TI_E_BUG,
		    "store %s: store_count outside a write transaction",
		    s->path);
	if (sq_lazy(s, sql_count, &s->count, err) == -1)
		return -1;
	bind_cstr(s->count, 1, name);
	bind_cstr(s->count, 2, k1);
	bind_cstr(s->count, 3, k2);
	sqlite3_bind_int64(s->count, 4, n);
	return sq_run(s, s->count, "count", err);
}

static int
sq_each_counter(void *backend,
    int (*cb)(const struct store_counter *c, void *arg), void *arg,
    struct ti_err *err)
{
	struct sq *s = backend;
	struct store_counter c;
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (s->version == 0) /* nothing was ever written */
		return 0;
	if (sq_prepare(s,
		"SELECT name, k1, k2, value FROM metric_counters ORDER BY"
		" name, k1, k2",
		&st, err) == -1)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c.name = col_text(st, 0);
		c.k1 = col_text(st, 1);
		c.k2 = col_text(st, 2);
		c.value = sqlite3_column_int64(st, 3);
		if (c.name == NULL || c.k1 == NULL || c.k2 == NULL)
			continue; /* NOT NULL: cannot happen */
		if ((ret = cb(&c, arg)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		sq_fail(s, rc, "read counters", err);
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

void *
store_sqlite_db(struct store *st)
{
	if (st == NULL || st->ops != &store_sqlite_ops)
		return NULL;
	return ((struct sq *)st->backend)->db;
}

/* ---- the check history ---------------------------------------------- */

static int
sq_history_add(void *backend, const char *domain, int64_t at,
    const struct store_seen *rows, size_t n, struct ti_err *err)
{
	struct sq *s = backend;
	sqlite3_stmt *ins = NULL, *del = NULL;

	if (s->mode != STORE_WRITE)
		return ti_err_set(err, TI_E_BUG, "store %s: opened read-only",
		    s->path);
	if (sq_prepare(s,
		"INSERT INTO check_history (domain, checked_at, kind, key,"
		" value) VALUES (?1, ?2, ?3, ?4, ?5)",
		&ins, err) == -1 ||
	    sq_prepare(s,
		"DELETE FROM check_history WHERE domain = ?1 AND checked_at <"
		" (SELECT min(checked_at) FROM (SELECT DISTINCT checked_at"
		" FROM check_history WHERE domain = ?1 ORDER BY checked_at"
		" DESC LIMIT ?2))",
		&del, err) == -1 ||
	    sq_exec(s, "BEGIN IMMEDIATE", "begin", err) == -1)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_text(ins, 1, domain, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, at);
		sqlite3_bind_text(ins, 3, rows[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, rows[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, rows[i].value, -1, SQLITE_STATIC);
		if (sq_run(s, ins, "insert check history", err) == -1)
			goto fail;
	}
	sqlite3_bind_text(del, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_int(del, 2, STORE_HISTORY_RUNS);
	if (sq_run(s, del, "prune check history", err) == -1 ||
	    sq_exec(s, "COMMIT", "commit", err) == -1)
		goto fail;
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	return 0;
fail:
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	return -1;
}

static int
sq_history_each(void *backend, const char *domain,
    int (*cb)(const struct store_seen *row, void *arg), void *arg,
    struct ti_err *err)
{
	struct sq *s = backend;
	struct store_seen row;
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (s->version == 0) /* nothing was ever written */
		return 0;
	if (sq_prepare(s,
		"SELECT checked_at, kind, key, value FROM check_history"
		" WHERE domain = ?1 ORDER BY checked_at, rowid",
		&st, err) == -1)
		return -1;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.at = sqlite3_column_int64(st, 0);
		row.kind = col_text(st, 1);
		row.key = col_text(st, 2);
		row.value = col_text(st, 3);
		if ((ret = cb(&row, arg)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = sq_fail(s, rc, "read check history", err);
	sqlite3_finalize(st);
	return ret;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.begin = sq_begin,
	.put = sq_put,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.each_report = sq_each_report,
	.prune = sq_prune,
	.explain = sq_explain,
	.history_add = sq_history_add,
	.history_each = sq_history_each,
	.batch_begin = sq_batch_begin,
	.batch_end = sq_batch_end,
	.count = sq_count,
	.each_counter = sq_each_counter,
};
