/*
 * store-pg.c: the PostgreSQL store backend, for several MX hosts that
 * deliver into one database ("postgresql://user@host/db" store spec).
 *
 * Design rationale (doc/durability.md, '4. Exactly once'):
 * - The same tables, columns and indexes as store-sqlite.c, so that
 *   list, export and migrate give the same output whatever the backend;
 *   types translated (INTEGER -> BIGINT, ids GENERATED AS IDENTITY).
 * - One transaction per mail, READ COMMITTED.  The report identity
 *   (organization-name, report-id) is a unique index, and INSERT ...
 *   ON CONFLICT DO NOTHING makes a second delivery from another host
 *   wait for the first one's commit and then see the conflict.  The
 *   index is on md5() of both columns: a plain btree refuses keys
 *   longer than about 2700 bytes, which a hostile report-id reaches.
 * - The schema version lives in tlsrpt_meta; migrations run in one
 *   transaction under pg_advisory_xact_lock, so that first deliveries
 *   from several hosts at once do not race to create the tables.
 * - connect_timeout (5 s unless the spec says otherwise), lock_timeout
 *   and statement_timeout keep a delivery under the self-deadline; every
 *   failure worth a retry is TI_E_TEMP (exit 75, the mail stays queued).
 * - Prepared statements with text parameters only: report text never
 *   becomes SQL.  No message ever holds the password of the spec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <glib.h>
#include "config.h"
#include "ti.h"
#include "store/pq.h"
#include "ingest/report.h"
#include "store/store.h"
#include "store/store-int.h"

/* pg_advisory_xact_lock() key of schema migrations: "tlsrpt" in ASCII. */
#define PG_MIGRATE_LOCK "128047868211828"
/* and of the creation of a month's partitions: "tlsrpu" */
#define PG_PARTITION_LOCK "128047868211829"
#define PG_CONNECT_TIMEOUT "5"
#define PG_FETCH "500" /* rows per FETCH of each_report */

/* libpq, loaded by the first pg_open() (pq.h). */
static const struct pq *pq;

struct pg {
	PGconn *conn;
	char *name; /* the spec without its password, for messages */
	char **secrets; /* strings never to print (NULL-terminated) */
	enum store_mode mode;
	int version; /* schema version of the open store */
	int prepared; /* the write statements are prepared */
	GHashTable *parts; /* months whose partitions exist ("YYYYMM") */
};

/*
 * 2 -> 3: each report's domains, normalised once (store_domain_norm)
 * beside its start time: a query for one domain is a range of this
 * primary key, in the order list and digest read it.  The rows come
 * from the reports already stored: SQL lowers ASCII names (the "C"
 * collation folds only ASCII) and pg_fix_domains() then rewrites the
 * others in C, where IDNA is (migrations[] may be renumbered: it is
 * found by this address, not by its index).  Keys past 1000 bytes
 * stay out of the btree (its limit is about 2700); store_domain_norm
 * drops those past 253 anyway.  reports_start_time becomes (start_time,
 * id), the order of every read, so that a read bounded in time only
 * needs no sort either (SQLite's index holds the rowid already).
 */
static const char migrate_domains[] =
    "CREATE TABLE report_domains ("
    " domain TEXT NOT NULL,"
    " start_time BIGINT NOT NULL,"
    " report BIGINT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
    " PRIMARY KEY (domain, start_time, report));"
    "CREATE INDEX report_domains_report ON report_domains(report);"
    "CREATE INDEX reports_start_id ON reports(start_time, id);"
    "DROP INDEX reports_start_time;"
    "INSERT INTO report_domains (domain, start_time, report)"
    " SELECT DISTINCT lower(rtrim(d, '.') COLLATE \"C\"), start_time, id"
    " FROM (SELECT id, start_time, domain AS d FROM reports UNION ALL"
    " SELECT r.id, r.start_time, p.policy_domain FROM policies p JOIN"
    " reports r ON r.id = p.report) x WHERE rtrim(d, '.') <> '' AND"
    " octet_length(d) <= 1000 ON CONFLICT DO NOTHING;";

/*
 * 3 -> 4: reports, policies, failures and report_domains partitioned by
 * month of start_time (declarative partitioning), so that tlsrpt prune
 * drops whole months.  The tables are made again from the old ones
 * (LIKE: every column, whatever steps added), a partition for each
 * month pg_partition() creates when a report first needs it, and one
 * DEFAULT partition for the years outside 1 to 9999, which get none.
 * A unique index covers one partition only: report_keys, not
 * partitioned, keeps (organization-name, report-id) exactly once
 * across them all (md5 of both, as the old reports_identity).  The
 * partitioned tables have no foreign keys (a partition referenced by
 * one cannot simply be dropped): prune deletes the rows that went
 * with a report.  pg_fix_partitions() creates the months of the old
 * rows, copies them and drops the old tables.
 */
static const char migrate_partitions[] =
    "ALTER TABLE reports RENAME TO reports_old;"
    "ALTER TABLE policies RENAME TO policies_old;"
    "ALTER TABLE failures RENAME TO failures_old;"
    "ALTER TABLE report_domains RENAME TO report_domains_old;"
    "CREATE TABLE reports (LIKE reports_old INCLUDING DEFAULTS)"
    " PARTITION BY RANGE (start_time);"
    "CREATE TABLE policies (LIKE policies_old INCLUDING DEFAULTS,"
    " start_time BIGINT NOT NULL) PARTITION BY RANGE (start_time);"
    "CREATE TABLE failures (LIKE failures_old INCLUDING DEFAULTS,"
    " start_time BIGINT NOT NULL) PARTITION BY RANGE (start_time);"
    "CREATE TABLE report_domains (LIKE report_domains_old)"
    " PARTITION BY RANGE (start_time);"
    "CREATE TABLE reports_pother PARTITION OF reports DEFAULT;"
    "CREATE TABLE policies_pother PARTITION OF policies DEFAULT;"
    "CREATE TABLE failures_pother PARTITION OF failures DEFAULT;"
    "CREATE TABLE report_domains_pother PARTITION OF report_domains"
    " DEFAULT;"
    "CREATE SEQUENCE report_ids OWNED BY reports.id;"
    "CREATE SEQUENCE policy_ids OWNED BY policies.id;"
    "CREATE SEQUENCE failure_ids OWNED BY failures.id;"
    "ALTER TABLE reports ALTER COLUMN id SET DEFAULT nextval('report_ids');"
    "ALTER TABLE policies ALTER COLUMN id SET DEFAULT"
    " nextval('policy_ids');"
    "ALTER TABLE failures ALTER COLUMN id SET DEFAULT"
    " nextval('failure_ids');"
    "CREATE TABLE report_keys (org_md5 TEXT NOT NULL,"
    " rid_md5 TEXT NOT NULL, report BIGINT NOT NULL,"
    " start_time BIGINT NOT NULL, PRIMARY KEY (org_md5, rid_md5));";

/* After pg_fix_partitions() created the months: the rows, the
   sequences, the old tables gone, the indexes (on the partitioned
   tables: each partition gets them, the future ones too). */
static const char migrate_partitions_copy[] =
    "INSERT INTO reports SELECT * FROM reports_old;"
    "INSERT INTO policies SELECT p.*, r.start_time FROM policies_old p"
    " JOIN reports_old r ON r.id = p.report;"
    "INSERT INTO failures SELECT f.*, r.start_time FROM failures_old f"
    " JOIN policies_old p ON p.id = f.policy JOIN reports_old r ON"
    " r.id = p.report;"
    "INSERT INTO report_domains SELECT * FROM report_domains_old;"
    "INSERT INTO report_keys SELECT md5(organization_name),"
    " md5(report_id), id, start_time FROM reports_old;"
    "SELECT setval('report_ids', coalesce(max(id), 0) + 1, false) FROM"
    " reports_old;"
    "SELECT setval('policy_ids', coalesce(max(id), 0) + 1, false) FROM"
    " policies_old;"
    "SELECT setval('failure_ids', coalesce(max(id), 0) + 1, false) FROM"
    " failures_old;"
    "DROP TABLE failures_old, policies_old, report_domains_old,"
    " reports_old;"
    "ALTER TABLE reports ADD PRIMARY KEY (id, start_time);"
    "CREATE INDEX reports_start_id ON reports(start_time, id);"
    "ALTER TABLE policies ADD PRIMARY KEY (id, start_time);"
    "CREATE INDEX policies_report ON policies(report, start_time);"
    "ALTER TABLE failures ADD PRIMARY KEY (id, start_time);"
    "CREATE INDEX failures_policy ON failures(policy, start_time);"
    "ALTER TABLE report_domains ADD PRIMARY KEY (domain, start_time,"
    " report);"
    "CREATE INDEX report_domains_report ON report_domains(report,"
    " start_time);"
    "CREATE INDEX report_keys_report ON report_keys(report);"
    "CREATE INDEX report_keys_start ON report_keys(start_time);";

/*
 * The counters a report moves (store.h, struct store_counter), as in
 * store-sqlite.c: rows of (name, k1, k2, v) from the report rows that P
 * (on policies p) and R (on reports r) select, summed per counter,
 * last_end by max; the same SQL fills the table (migration 2 -> 3) and
 * moves it for one new report (sql_count_report). * A domain's sessions are
 * those of its policy type with the most (the type's policies summed: STS and
 * TLSA reported side by side count once, as in report_totals()); a failure
 * detail repeated verbatim under an earlier policy of the report counts once
 * (as in the digest).
 */
#define COUNTER_ROWS(P, R)                                                    \
 "SELECT name, k1, k2, (CASE WHEN name = 'last_end' THEN max(v)"              \
 " ELSE sum(v) END)::bigint FROM ("                                           \
 "SELECT 'sessions'::text AS name, s.k1 AS k1, o.k2 AS k2, CASE o.k2 WHEN"    \
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
 " = f.failed_session_count AND f2.sending_mta_ip IS NOT DISTINCT FROM "      \
 "f.sending_mta_ip"                                                           \
 " AND f2.receiving_mx_hostname IS NOT DISTINCT FROM f.receiving_mx_hostname" \
 " AND f2.receiving_ip IS NOT DISTINCT FROM f.receiving_ip AND "              \
 "f2.failure_reason_code IS NOT DISTINCT FROM f.failure_reason_code)"         \
 " UNION ALL SELECT 'reports', coalesce(r.source, ''),"                       \
 " substr(r.organization_name, 1, 255), 1 FROM reports r WHERE " R            \
 " UNION ALL SELECT 'last_end', '', substr(r.organization_name, 1,"           \
 " 255), r.end_time FROM reports r WHERE " R                                  \
 " UNION ALL SELECT 'domains', substr(coalesce(p.policy_domain, ''),"         \
 " 1, 255), '', 1 FROM policies p JOIN reports r ON p.report = r.id"          \
 " WHERE " R " AND r.auth_result = 'pass') AS c GROUP BY name, k1, k2"
#define COUNTER_UPSERT                                                \
 " ON CONFLICT (name, k1, k2, shard) DO UPDATE SET value = CASE WHEN" \
 " metric_counters.name = 'last_end' THEN"                            \
 " greatest(metric_counters.value, EXCLUDED.value) ELSE"              \
 " metric_counters.value + EXCLUDED.value END"

/*
 * Migration steps: migrations[v] takes a store from version v to v + 1,
 * the same steps as store-sqlite.c.  Append a step (never edit a
 * released one) and bump STORE_SCHEMA_VERSION.
 */
static const char *const migrations[] = {
	/* 0 -> 1: everything */
	"CREATE TABLE reports ("
	" id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" organization_name TEXT NOT NULL,"
	" report_id TEXT NOT NULL,"
	" contact_info TEXT,"
	" domain TEXT,"
	" start_datetime TEXT NOT NULL,"
	" end_datetime TEXT NOT NULL,"
	" start_time BIGINT NOT NULL,"
	" end_time BIGINT NOT NULL,"
	" successful BIGINT NOT NULL,"
	" failed BIGINT NOT NULL,"
	" message_id TEXT,"
	" envelope_sender TEXT,"
	" envelope_recipient TEXT,"
	" filename TEXT,"
	" source TEXT,"
	" origin TEXT,"
	" archive_path TEXT,"
	" received BIGINT NOT NULL,"
	" deviations TEXT,"
	" json TEXT NOT NULL,"
	" sha256 TEXT NOT NULL);"
	"CREATE UNIQUE INDEX reports_identity ON reports"
	" (md5(organization_name), md5(report_id));"
	"CREATE TABLE policies ("
	" id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" report BIGINT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	" idx BIGINT NOT NULL,"
	" policy_type TEXT NOT NULL,"
	" policy_domain TEXT,"
	" policy_string TEXT,"
	" mx_host TEXT,"
	" successful BIGINT NOT NULL,"
	" failed BIGINT NOT NULL);"
	"CREATE TABLE failures ("
	" id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" policy BIGINT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,"
	" result_type TEXT NOT NULL,"
	" sending_mta_ip TEXT,"
	" receiving_mx_hostname TEXT,"
	" receiving_mx_helo TEXT,"
	" receiving_ip TEXT,"
	" failed_session_count BIGINT NOT NULL,"
	" additional_information TEXT,"
	" failure_reason_code TEXT);"
	"CREATE INDEX reports_start_time ON reports(start_time);"
	"CREATE INDEX reports_domain ON reports(domain);"
	"CREATE INDEX policies_report ON policies(report);"
	"CREATE INDEX policies_policy_domain ON policies(policy_domain);"
	"CREATE INDEX failures_policy ON failures(policy);",
	/* 1 -> 2: who vouched for each report (trust/auth.h); the reports
	   stored before read as method none, result none.  A constant
	   default rewrites no row (PostgreSQL 11 and later). */
	"ALTER TABLE reports"
	" ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'none',"
	" ADD COLUMN auth_result TEXT NOT NULL DEFAULT 'none',"
	" ADD COLUMN auth_domain TEXT,"
	" ADD COLUMN auth_selector TEXT,"
	" ADD COLUMN auth_algorithm TEXT,"
	" ADD COLUMN auth_bits INTEGER,"
	" ADD COLUMN auth_dnssec TEXT,"
	" ADD COLUMN auth_reason TEXT;",
	migrate_domains,
	migrate_partitions,
	/* 4 -> 5: when each report's mail arrived (report_source.arrived);
	   the reports stored before arrived, as far as we know, when they
	   were stored */
	("ALTER TABLE reports ADD COLUMN arrived BIGINT;"
	 " UPDATE reports SET arrived = received;"),
	/* 5 -> 6: what tlsrpt digest's checks saw (store_seen) */
	("CREATE TABLE check_history (domain TEXT NOT NULL,"
	 " checked_at BIGINT NOT NULL, kind TEXT NOT NULL,"
	 " key TEXT NOT NULL, value TEXT NOT NULL,"
	 " seq BIGINT GENERATED BY DEFAULT AS IDENTITY);"
	 " CREATE INDEX check_history_domain ON check_history(domain,"
	 " checked_at);"),
	/* 6 -> 7: the counters of tlsrpt metrics, from the reports stored
	   so far (the inputs set aside before were not counted) */
	"CREATE TABLE metric_counters ("
	" name TEXT NOT NULL,"
	" k1 TEXT NOT NULL,"
	" k2 TEXT NOT NULL,"
	" value BIGINT NOT NULL,"
	" shard INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (name, k1, k2, shard));"
	"INSERT INTO metric_counters (name, k1, k2, value) " COUNTER_ROWS(
	    "true", "true") COUNTER_UPSERT ";",
};

_Static_assert(nitems(migrations) == STORE_SCHEMA_VERSION,
    "one migration step per schema version");

/* The identity first: exactly once across the partitions of reports,
   whose unique indexes each cover one partition only.  A second
   delivery from another host waits here for the first one's commit,
   then finds the key taken. */
static const char sql_ins_key[] =
    "INSERT INTO report_keys (org_md5, rid_md5, report, start_time)"
    " VALUES (md5($1), md5($2), nextval('report_ids'), $3::bigint)"
    " ON CONFLICT DO NOTHING RETURNING report";
static const char sql_ins_report[] =
    "INSERT INTO reports (organization_name, report_id, contact_info,"
    " domain, start_datetime, end_datetime, start_time, end_time,"
    " successful, failed, message_id, envelope_sender,"
    " envelope_recipient, filename, source, origin, archive_path,"
    " received, deviations, json, sha256, auth_method, auth_result,"
    " auth_domain, auth_selector, auth_algorithm, auth_bits, auth_dnssec,"
    " auth_reason, id, arrived) VALUES ($1, $2, $3, $4, $5, $6, $7::bigint,"
    " $8::bigint, $9::bigint, $10::bigint, $11, $12, $13, $14, $15, $16,"
    " $17, $18::bigint, $19, $20, $21, $22, $23, $24, $25, $26,"
    " $27::integer, $28, $29, $30::bigint, $31::bigint)";
/* The row that holds the identity: the same one, or (for an md5
   collision) one whose JSON differs, so a conflict all the same. */
static const char sql_sel_sha[] =
    "SELECT r.sha256 FROM report_keys k JOIN reports r ON r.id = k.report"
    " AND r.start_time = k.start_time WHERE k.org_md5 = md5($1) AND"
    " k.rid_md5 = md5($2)";
static const char sql_ins_policy[] =
    "INSERT INTO policies (report, idx, policy_type, policy_domain,"
    " policy_string, mx_host, successful, failed, start_time) VALUES"
    " ($1::bigint, $2::bigint, $3, $4, $5, $6, $7::bigint, $8::bigint,"
    " $9::bigint) RETURNING id";
static const char sql_ins_domain[] =
    "INSERT INTO report_domains (domain, start_time, report) VALUES ($1,"
    " $2::bigint, $3::bigint) ON CONFLICT DO NOTHING";
static const char sql_ins_failure[] =
    "INSERT INTO failures (policy, result_type, sending_mta_ip,"
    " receiving_mx_hostname, receiving_mx_helo, receiving_ip,"
    " failed_session_count, additional_information,"
    " failure_reason_code, start_time) VALUES ($1::bigint, $2, $3, $4,"
    " $5, $6, $7::bigint, $8, $9, $10::bigint)";

/* Concurrent writers (several MX hosts, 64 deliveries at once) would
   all wait for the one row of a busy counter, from their update to
   their commit, and time out or deadlock: each connection moves the
   counters of its own shard (of COUNTER_SHARDS, by backend process),
   in one order (name, k1, k2), and a reader sums the shards. */
#define COUNTER_SHARDS "16"
static const char sql_count_report[] =
    "INSERT INTO metric_counters (name, k1, k2, value, shard) SELECT c.*,"
    " pg_backend_pid() % " COUNTER_SHARDS
    " FROM (" COUNTER_ROWS("p.report = $1::bigint",
	"r.id = $1::bigint") ") AS c ORDER BY 1, 2, 3" COUNTER_UPSERT;
static const char sql_count[] =
    "INSERT INTO metric_counters (name, k1, k2, value, shard) VALUES ($1,"
    " substr($2, 1, 255), substr($3, 1, 255), $4::bigint,"
    " pg_backend_pid() % " COUNTER_SHARDS ")" COUNTER_UPSERT;

/* ---- messages without passwords ------------------------------------- */

/* Whether s[i] starts the key "password" or "sslpassword" (after the
   "ssl") of a URI parameter or a keyword=value pair. */
static int
pg_pw_key(const char *s, size_t i)
{
	if (strncmp(s + i, "password", 8) != 0)
		return 0;
	if (i >= 3 && strncmp(s + i - 3, "ssl", 3) == 0)
		i -= 3;
	return i == 0 || strchr("?& ", s[i - 1]) != NULL;
}

/* Where the password of a URI's "user:PASS@host" stands in spec: 0 and
 *start, *len, or -1 when there is none. */
static int
pg_uri_password(const char *spec, size_t *start, size_t *len)
{
	const char *p, *auth, *end, *at = NULL, *colon;

	if ((p = strstr(spec, "://")) == NULL)
		return -1;
	auth = p + 3;
	end = auth + strcspn(auth, "/?#");
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	colon = at != NULL ? memchr(auth, ':', at - auth) : NULL;
	if (colon == NULL)
		return -1;
	*start = colon + 1 - spec;
	*len = at - colon - 1;
	return 0;
}

/*
 * The spec with the password of a URI ("user:PASS@host") and of a
 * "password=" or "sslpassword=" parameter replaced by "***".
 */
static char *
pg_mask_spec(const char *spec)
{
	GString *s = g_string_new(spec);
	const char *p;
	size_t i, j;

	if (pg_uri_password(spec, &i, &j) == 0) {
		g_string_erase(s, i, j);
		g_string_insert(s, i, "***");
	}
	/* "password=" after "?", "&" or a space (URI or keyword form) */
	for (i = 0; (p = strstr(s->str + i, "password")) != NULL;) {
		i = p - s->str;
		j = i + strlen("password");
		while (s->str[j] == ' ')
			j++;
		if (!pg_pw_key(s->str, i) || s->str[j] != '=') {
			i++;
			continue;
		}
		j++;
		while (s->str[j] == ' ')
			j++;
		i = j;
		while (s->str[j] != '\0' && strchr("& ", s->str[j]) == NULL)
			j++;
		g_string_erase(s, i, j - i);
		g_string_insert(s, i, "***");
		i += 3;
	}
	return g_string_free(s, FALSE);
}

/* The password in the spec (decoded by libpq, and as written in a URI),
   to scrub from any message a server or libpq sends back. */
static char **
pg_secrets(const char *spec)
{
	GPtrArray *a = g_ptr_array_new();
	PQconninfoOption *opts, *o;
	const char *p;
	size_t start, len;
	char *errmsg = NULL;

	if ((opts = pq->conninfoParse(spec, &errmsg)) != NULL) {
		for (o = opts; o->keyword != NULL; o++)
			if ((strcmp(o->keyword, "password") == 0 ||
				strcmp(o->keyword, "sslpassword") == 0) &&
			    o->val != NULL && *o->val != '\0')
				g_ptr_array_add(a, g_strdup(o->val));
		pq->conninfoFree(opts);
	}
	pq->freemem(errmsg);
	if (pg_uri_password(spec, &start, &len) == 0 && len > 0)
		g_ptr_array_add(a, g_strndup(spec + start, len));
	/* "?password=x" or "&sslpassword=x", as written */
	for (p = spec; (p = strstr(p, "password=")) != NULL; p++)
		if (p > spec && pg_pw_key(spec, p - spec) && p[9] != '\0' &&
		    p[9] != '&')
			g_ptr_array_add(a,
			    g_strndup(p + 9, strcspn(p + 9, "&")));
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

/* msg on one line (tabs and newlines become spaces, a trailing one
   goes), with every secret replaced by "***".  Returns a new string. */
static char *
pg_clean(struct pg *p, const char *msg)
{
	GString *s = g_string_new(msg != NULL ? msg : "");
	char **sec;
	char *hit;
	size_t i, n;

	for (sec = p->secrets; sec != NULL && *sec != NULL; sec++) {
		n = strlen(*sec);
		for (i = 0; (hit = strstr(s->str + i, *sec)) != NULL;) {
			i = hit - s->str;
			g_string_erase(s, i, n);
			g_string_insert(s, i, "***");
			i += 3;
		}
	}
	/* one line, white space runs folded into one space */
	for (i = 0; i < s->len;) {
		if (s->str[i] == '\n' || s->str[i] == '\r' || s->str[i] == '\t')
			s->str[i] = ' ';
		if (s->str[i] == ' ' && (i == 0 || s->str[i - 1] == ' '))
			g_string_erase(s, i, 1);
		else
			i++;
	}
	while (s->len > 0 && s->str[s->len - 1] == ' ')
		g_string_truncate(s, s->len - 1);
	/* "ERROR:  x" reads better as "x" */
	if (g_str_has_prefix(s->str, "ERROR:  "))
		g_string_erase(s, 0, strlen("ERROR:  "));
	return g_string_free(s, FALSE);
}

/*
 * Turn a failure (res may be NULL: a connection-level failure) into
 * *err.  Every failure a retry may cure is TI_E_TEMP; a database in an
 * encoding that cannot hold UTF-8 is TI_E_CONFIG; the rest (an SQL
 * error: a bug, or a schema someone changed by hand) TI_E_BUG.  The
 * caller's exit status is 75 for all of them.
 */
static int
pg_fail(struct pg *p, const PGresult *res, const char *what, struct ti_err *err)
{
	const char *state = NULL, *raw;
	enum ti_status status = TI_E_TEMP;
	const char *hint = "";
	char *msg;

	/* the primary message only: no "LINE 1: <our SQL>" context */
	raw = res != NULL ? pq->resultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
			  : NULL;
	if (raw == NULL || *raw == '\0')
		raw = pq->errorMessage(p->conn);
	if (res != NULL)
		state = pq->resultErrorField(res, PG_DIAG_SQLSTATE);
	if (pq->status(p->conn) == CONNECTION_BAD || state == NULL)
		hint = "connection failed: ";
	else if (strncmp(state, "08", 2) == 0)
		hint = "connection failed: ";
	else if (strncmp(state, "40", 2) == 0)
		hint = "transaction conflict, retry: ";
	else if (strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0)
		hint = "busy past the timeout (another transaction holds the "
		       "lock): ";
	else if (strncmp(state, "53", 2) == 0)
		hint = "server out of resources: ";
	else if (strncmp(state, "57", 2) == 0 || strncmp(state, "58", 2) == 0 ||
	    strncmp(state, "XX", 2) == 0 || strcmp(state, "25006") == 0)
		hint = "server unavailable: ";
	else if (strcmp(state, "42501") == 0)
		hint =
		    "grant the store's user CREATE on the schema (PostgreSQL "
		    "15 revoked it from PUBLIC) or make it the database "
		    "owner: ";
	else if (strcmp(state, "22021") == 0 || strcmp(state, "22P05") == 0) {
		status = TI_E_CONFIG;
		hint = "the database must use the UTF8 encoding: ";
	} else
		status = TI_E_BUG;
	msg = pg_clean(p, raw);
	ti_err_set(err, status, "store %s: %s: %s%s%s%s%s", p->name, what, hint,
	    msg, state != NULL ? " (SQLSTATE " : "", state != NULL ? state : "",
	    state != NULL ? ")" : "");
	g_free(msg);
	return -1;
}

/* ---- running SQL ---------------------------------------------------- */

/* Run SQL that returns no rows we need (several statements allowed). */
static int
pg_exec(struct pg *p, const char *sql, const char *what, struct ti_err *err)
{
	PGresult *res;
	int rc = 0;

	res = pq->exec(p->conn, sql);
	if (pq->resultStatus(res) != PGRES_COMMAND_OK &&
	    pq->resultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_fail(p, res, what, err);
	pq->clear(res);
	return rc;
}

/* Run a statement with text parameters; returns its result (free with
   PQclear) or NULL with *err set. */
static PGresult *
pg_params(struct pg *p, const char *stmt, const char *sql, int n,
    const char *const *values, const char *what, struct ti_err *err)
{
	PGresult *res;
	ExecStatusType rs;

	if (stmt != NULL)
		res = pq->execPrepared(p->conn, stmt, n, values, NULL, NULL, 0);
	else
		res = pq->execParams(p->conn, sql, n, NULL, values, NULL, NULL,
		    0);
	rs = pq->resultStatus(res);
	if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
		pg_fail(p, res, what, err);
		pq->clear(res);
		return NULL;
	}
	return res;
}

/* The schema version of the store: 0 when it has none. */
static int
pg_version(struct pg *p, int *version, struct ti_err *err)
{
	PGresult *res;
	char *end;
	long v;

	*version = 0;
	res =
	    pg_params(p, NULL, "SELECT to_regclass('tlsrpt_meta') IS NOT NULL",
		0, NULL, "read schema version", err);
	if (res == NULL)
		return -1;
	v = pq->ntuples(res) == 1 && strcmp(pq->getvalue(res, 0, 0), "t") == 0;
	pq->clear(res);
	if (!v)
		return 0;
	res = pg_params(p, NULL,
	    "SELECT value FROM tlsrpt_meta WHERE key = 'schema_version'", 0,
	    NULL, "read schema version", err);
	if (res == NULL)
		return -1;
	if (pq->ntuples(res) == 1) {
		v = strtol(pq->getvalue(res, 0, 0), &end, 10);
		if (*end != '\0' || v < 0 || v > 1000000) {
			pq->clear(res);
			return ti_err_set(err, TI_E_CONFIG,
			    "store %s: bad schema version in tlsrpt_meta",
			    p->name);
		}
		*version = (int)v;
	}
	pq->clear(res);
	return 0;
}

static int
pg_too_new(struct pg *p, int v, struct ti_err *err)
{
	return ti_err_set(err, TI_E_CONFIG,
	    "store %s: store schema %d is newer than this program (%d)",
	    p->name, v, STORE_SCHEMA_VERSION);
}

/* ---- monthly partitions -------------------------------------------- */

/* The first day (days since the epoch) of month m (1-12) of year y,
   proleptic Gregorian (H. Hinnant's days_from_civil). */
static int64_t
pg_days(int64_t y, int m)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The month of t: "YYYYMM" into name (16 bytes), its [lo, hi) in epoch
   seconds; -1 for a year outside 1 to 9999 (the DEFAULT partition). */
static int
pg_month(int64_t t, char *name, int64_t *lo, int64_t *hi)
{
	int64_t days, z, era, doe, yoe, doy, mp, y;
	int m;

	if (t < INT64_C(-62135596800) || t >= INT64_C(253402300800))
		return -1; /* before 0001-01-01, from 10000-01-01 */
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	m = (int)(mp < 10 ? mp + 3 : mp - 9);
	y = yoe + era * 400 + (m <= 2);
	snprintf(name, 16, "%04d%02d", (int)y % 10000, m % 100);
	*lo = pg_days(y, m) * 86400;
	*hi = (m == 12 ? pg_days(y + 1, 1) : pg_days(y, m + 1)) * 86400;
	return 0;
}

/* The bounds of the month "YYYYMM"; -1 when it is none. */
static int
pg_month_bounds(const char *name, int64_t *lo, int64_t *hi)
{
	char again[16];
	int y, m;

	if (strlen(name) != 6 || sscanf(name, "%4d%2d", &y, &m) != 2 || y < 1 ||
	    m < 1 || m > 12)
		return -1;
	return pg_month(pg_days(y, m) * 86400, again, lo, hi);
}

/*
 * The partitions of t's month, in every partitioned table, created
 * when missing: in the delivery's transaction, under an advisory lock
 * so that two hosts do not both create them (the second one waits,
 * then finds them).  A month known to exist costs nothing; the first
 * report of a month one query (to_regclass).  The cache is emptied on
 * a rollback, which takes a creation along.
 */
static int
pg_partition(struct pg *p, int64_t t, struct ti_err *err)
{
	static const char *const tables[] = { "reports", "policies", "failures",
		"report_domains" };
	char month[16], rel[32], *sql;
	const char *v[1];
	int64_t lo, hi;
	PGresult *res;
	size_t i;
	int have;

	if (pg_month(t, month, &lo, &hi) == -1 ||
	    g_hash_table_contains(p->parts, month))
		return 0;
	snprintf(rel, sizeof(rel), "reports_p%s", month);
	v[0] = rel;
	res = pg_params(p, NULL, "SELECT to_regclass($1) IS NOT NULL", 1, v,
	    "find partition", err);
	if (res == NULL)
		return -1;
	have = strcmp(pq->getvalue(res, 0, 0), "t") == 0;
	pq->clear(res);
	if (!have) {
		if (pg_exec(p,
			"SELECT pg_advisory_xact_lock(" PG_PARTITION_LOCK ")",
			"lock for partition", err) == -1)
			return -1;
		for (i = 0; i < nitems(tables); i++) {
			sql = g_strdup_printf(
			    "CREATE TABLE IF NOT EXISTS %s_p%s PARTITION OF"
			    " %s FOR VALUES FROM (%" G_GINT64_FORMAT
			    ") TO (%" G_GINT64_FORMAT ")",
			    tables[i], month, tables[i], (gint64)lo,
			    (gint64)hi);
			if (pg_exec(p, sql, "create partition", err) == -1) {
				g_free(sql);
				return -1;
			}
			g_free(sql);
		}
	}
	g_hash_table_add(p->parts, g_strdup(month));
	return 0;
}

/*
 * At a writer's open: this month's and next month's partitions, made
 * in a transaction of their own when missing, so that the reports of
 * the day never create one inside a delivery's transaction (where the
 * lock on the tables would last until its commit, and a long read
 * would hold it up).  One query when they exist.  A failure changes
 * nothing: pg_partition() creates them when a report needs them.
 */
static void
pg_premonths(struct pg *p)
{
	int64_t now = (int64_t)time(NULL), lo, hi, t[2];
	char month[16], rel[2][32];
	const char *v[2];
	PGresult *res;
	int have, i;

	t[0] = now;
	if (pg_month(now, month, &lo, &hi) == -1)
		return;
	t[1] = hi;
	for (i = 0; i < 2; i++) {
		if (pg_month(t[i], month, &lo, &hi) == -1)
			return;
		snprintf(rel[i], sizeof(rel[i]), "reports_p%s", month);
		v[i] = rel[i];
	}
	res = pg_params(p, NULL,
	    "SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT"
	    " NULL",
	    2, v, "find partitions", NULL);
	if (res == NULL)
		return;
	have = strcmp(pq->getvalue(res, 0, 0), "t") == 0;
	pq->clear(res);
	if (!have) {
		if (pg_exec(p, "BEGIN", "begin", NULL) == -1)
			return;
		if (pg_partition(p, t[0], NULL) == -1 ||
		    pg_partition(p, t[1], NULL) == -1 ||
		    pg_exec(p, "COMMIT", "commit", NULL) == -1) {
			pq->clear(pq->exec(p->conn, "ROLLBACK"));
			g_hash_table_remove_all(p->parts);
			return;
		}
	}
	for (i = 0; i < 2; i++)
		g_hash_table_add(p->parts,
		    g_strdup(rel[i] + strlen("reports_p")));
}

/* After migrate_partitions: a partition for each month of the old
   rows, then migrate_partitions_copy. */
static int
pg_fix_partitions(struct pg *p, struct ti_err *err)
{
	PGresult *res;
	int i;

	res = pg_params(p, NULL,
	    "SELECT DISTINCT floor(start_time / 86400.0)::bigint * 86400"
	    " FROM reports_old",
	    0, NULL, "migrate partitions", err);
	if (res == NULL)
		return -1;
	for (i = 0; i < pq->ntuples(res); i++)
		if (pg_partition(p,
			g_ascii_strtoll(pq->getvalue(res, i, 0), NULL, 10),
			err) == -1) {
			pq->clear(res);
			return -1;
		}
	pq->clear(res);
	return pg_exec(p, migrate_partitions_copy, "migrate partitions", err);
}

/* After migrate_domains: the names SQL could not normalise (non-ASCII,
   or too long) through store_domain_norm(). */
static int
pg_fix_domains(struct pg *p, struct ti_err *err)
{
	static const char *const fix[] = {
		"INSERT INTO report_domains (domain, start_time, report)"
		" SELECT $2, start_time, report FROM report_domains WHERE"
		" domain = $1 ON CONFLICT DO NOTHING",
		"DELETE FROM report_domains WHERE domain = $1",
	};
	PGresult *res, *r2;
	const char *v[2];
	char *norm;
	int i, k;

	res = pg_params(p, NULL,
	    "SELECT DISTINCT domain FROM report_domains WHERE"
	    " octet_length(domain) <> char_length(domain) OR"
	    " octet_length(domain) > 253",
	    0, NULL, "migrate domains", err);
	if (res == NULL)
		return -1;
	for (i = 0; i < pq->ntuples(res); i++) {
		v[0] = pq->getvalue(res, i, 0);
		norm = store_domain_norm(v[0]);
		v[1] = norm;
		if (norm != NULL && strcmp(norm, v[0]) == 0) {
			g_free(norm);
			continue;
		}
		for (k = norm != NULL ? 0 : 1; k < 2; k++) {
			r2 = pg_params(p, NULL, fix[k], 2 - k, v,
			    "migrate domains", err);
			if (r2 == NULL) {
				g_free(norm);
				pq->clear(res);
				return -1;
			}
			pq->clear(r2);
		}
		g_free(norm);
	}
	pq->clear(res);
	return 0;
}

/* Bring the schema to STORE_SCHEMA_VERSION.  The advisory lock makes a
   second host wait until the first one committed, then find it done. */
static int
pg_migrate(struct pg *p, struct ti_err *err)
{
	char sql[160];
	int v;

	if (pg_version(p, &v, err) == -1)
		return -1;
	if (v == STORE_SCHEMA_VERSION) {
		p->version = v;
		return 0;
	}
	if (v > STORE_SCHEMA_VERSION)
		return pg_too_new(p, v, err);
	if (pg_exec(p, "BEGIN", "begin migration", err) == -1)
		return -1;
	if (pg_exec(p, "SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK ")",
		"lock for migration", err) == -1 ||
	    pg_exec(p,
		"CREATE TABLE IF NOT EXISTS tlsrpt_meta (key TEXT PRIMARY KEY,"
		" value TEXT NOT NULL)",
		"create tlsrpt_meta", err) == -1 ||
	    pg_version(p, &v, err) == -1)
		goto fail;
	if (v > STORE_SCHEMA_VERSION) {
		pg_too_new(p, v, err);
		goto fail;
	}
	for (; v < STORE_SCHEMA_VERSION; v++)
		if (pg_exec(p, migrations[v], "migrate schema", err) == -1 ||
		    (migrations[v] == migrate_domains &&
			pg_fix_domains(p, err) == -1) ||
		    (migrations[v] == migrate_partitions &&
			pg_fix_partitions(p, err) == -1))
			goto fail;
	snprintf(sql, sizeof(sql),
	    "INSERT INTO tlsrpt_meta (key, value) VALUES ('schema_version',"
	    " '%d') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
	    STORE_SCHEMA_VERSION);
	if (pg_exec(p, sql, "set schema version", err) == -1 ||
	    pg_exec(p, "COMMIT", "commit migration", err) == -1)
		goto fail;
	p->version = STORE_SCHEMA_VERSION;
	return 0;
fail:
	pq->clear(pq->exec(p->conn, "ROLLBACK"));
	return -1;
}

static int
pg_prepare(struct pg *p, struct ti_err *err)
{
	static const struct {
		const char *name, *sql;
	} stmts[] = {
		{ "ti_ins_key", sql_ins_key },
		{ "ti_ins_report", sql_ins_report },
		{ "ti_sel_sha", sql_sel_sha },
		{ "ti_ins_policy", sql_ins_policy },
		{ "ti_ins_failure", sql_ins_failure },
		{ "ti_ins_domain", sql_ins_domain },
		{ "ti_count_report", sql_count_report },
		{ "ti_count", sql_count },
	};
	PGresult *res;
	size_t i;

	for (i = 0; i < nitems(stmts); i++) {
		res =
		    pq->prepare(p->conn, stmts[i].name, stmts[i].sql, 0, NULL);
		if (pq->resultStatus(res) != PGRES_COMMAND_OK) {
			pg_fail(p, res, "prepare", err);
			pq->clear(res);
			return -1;
		}
		pq->clear(res);
	}
	p->prepared = 1;
	return 0;
}

/* ---- open and close ------------------------------------------------- */

static void
pg_free(struct pg *p)
{
	if (p == NULL)
		return;
	if (p->conn != NULL)
		pq->finish(p->conn);
	if (p->parts != NULL)
		g_hash_table_destroy(p->parts);
	g_free(p->name);
	g_strfreev(p->secrets);
	g_free(p);
}

/* Whether the spec sets connect_timeout itself. */
static int
pg_has_timeout(const char *spec)
{
	PQconninfoOption *opts, *o;
	char *errmsg = NULL;
	int has = 0;

	if ((opts = pq->conninfoParse(spec, &errmsg)) == NULL) {
		pq->freemem(errmsg);
		return 0;
	}
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 &&
		    o->val != NULL && *o->val != '\0')
			has = 1;
	pq->conninfoFree(opts);
	return has;
}

/* libpq prints server notices ("relation exists, skipping") on stderr,
   which a delivery agent must keep quiet. */
static void
pg_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static void *
pg_open(const char *target, enum store_mode mode, int busy_timeout_ms,
    struct ti_err *err)
{
	/* Processed in order, the last value wins: the spec (expanded
	   from "dbname") overrides our connect_timeout default, and we
	   insist on UTF-8. */
	const char *keys[] = { "connect_timeout", "fallback_application_name",
		"dbname", "client_encoding", NULL };
	const char *vals[] = { PG_CONNECT_TIMEOUT, "tlsrpt", target, "UTF8",
		NULL };
	PQconninfoOption *opts;
	struct pg *p;
	char *errmsg = NULL, *msg;
	char sql[160];
	int k, v;

	if (pq == NULL && (pq = pq_load(err)) == NULL)
		return NULL;
	p = g_new0(struct pg, 1);
	p->mode = mode;
	p->parts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	p->name = pg_mask_spec(target);
	p->secrets = pg_secrets(target);
	if ((opts = pq->conninfoParse(target, &errmsg)) == NULL) {
		msg = pg_clean(p, errmsg != NULL ? errmsg : "out of memory");
		ti_err_set(err, TI_E_CONFIG, "store %s: bad connection URI: %s",
		    p->name, msg);
		g_free(msg);
		pq->freemem(errmsg);
		pg_free(p);
		return NULL;
	}
	pq->conninfoFree(opts);
	/* skip our default when the spec or PGCONNECT_TIMEOUT has one */
	k = pg_has_timeout(target) || getenv("PGCONNECT_TIMEOUT") != NULL;
	p->conn = pq->connectdbParams(keys + k, vals + k, 1);
	if (p->conn == NULL) {
		ti_err_set(err, TI_E_TEMP, "store %s: out of memory", p->name);
		goto fail;
	}
	if (pq->status(p->conn) != CONNECTION_OK) {
		msg = pg_clean(p, pq->errorMessage(p->conn));
		ti_err_set(err, TI_E_TEMP, "store %s: cannot connect: %s",
		    p->name, msg);
		g_free(msg);
		goto fail;
	}
	pq->setNoticeProcessor(p->conn, pg_notice, NULL);
	/* lock_timeout 0 would wait forever, SQLite's 0 does not wait */
	snprintf(sql, sizeof(sql),
	    "SET lock_timeout = %d; SET statement_timeout = %d",
	    busy_timeout_ms > 0 ? busy_timeout_ms : 1,
	    busy_timeout_ms > 0 && busy_timeout_ms < 1000000000 / 2
		? busy_timeout_ms * 2
		: 0);
	if (pg_exec(p, sql, "set timeouts", err) == -1)
		goto fail;
	if (mode == STORE_WRITE) {
		if (pg_migrate(p, err) == -1 || pg_prepare(p, err) == -1)
			goto fail;
		pg_premonths(p);
		return p;
	}
	if (pg_version(p, &v, err) == -1)
		goto fail;
	if (v > STORE_SCHEMA_VERSION) {
		pg_too_new(p, v, err);
		goto fail;
	}
	if (v > 0 && v < STORE_SCHEMA_VERSION) {
		ti_err_set(err, TI_E_CONFIG,
		    "store %s: store schema %d is older than this program "
		    "(%d): the next delivery migrates it; to migrate it now, "
		    "run tlsrpt-ingest on an empty directory as the delivery "
		    "user",
		    p->name, v, STORE_SCHEMA_VERSION);
		goto fail;
	}
	p->version = v; /* 0: a store nothing was written to */
	return p;
fail:
	pg_free(p);
	return NULL;
}

static void
pg_close(void *backend)
{
	pg_free(backend);
}

/* ---- writing -------------------------------------------------------- */

static int
pg_begin(void *backend, struct ti_err *err)
{
	struct pg *p = backend;

	if (p->mode != STORE_WRITE)
		return ti_err_set(err, TI_E_BUG, "store %s: opened read-only",
		    p->name);
	return pg_exec(p, "BEGIN ISOLATION LEVEL READ COMMITTED", "begin", err);
}

static int
pg_commit(void *backend, struct ti_err *err)
{
	struct pg *p = backend;
	PGresult *res;
	int rc = 0;

	res = pq->exec(p->conn, "COMMIT");
	if (pq->resultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(p, res, "commit", err);
	else if (strcmp(pq->cmdStatus(res), "COMMIT") != 0)
		/* COMMIT of a failed transaction rolls back quietly */
		rc = ti_err_set(err, TI_E_BUG,
		    "store %s: commit: the transaction had failed and was "
		    "rolled back",
		    p->name);
	pq->clear(res);
	if (rc == -1) /* a partition created in it is gone */
		g_hash_table_remove_all(p->parts);
	return rc;
}

static void
pg_rollback(void *backend)
{
	struct pg *p = backend;

	/* a partition created in the transaction goes with it */
	g_hash_table_remove_all(p->parts);
	if (p->conn != NULL && pq->transactionStatus(p->conn) != PQTRANS_IDLE &&
	    pq->transactionStatus(p->conn) != PQTRANS_UNKNOWN)
		pq->clear(pq->exec(p->conn, "ROLLBACK"));
}

/* Text as a parameter: NULL stays NULL; invalid UTF-8 (from mail
   headers) is replaced, as in the SQLite store.  *tmp owns a copy. */
static const char *
param_str(const char *text, char **tmp)
{
	*tmp = NULL;
	if (text == NULL || g_utf8_validate(text, -1, NULL))
		return text;
	*tmp = g_utf8_make_valid(text, -1);
	return *tmp;
}

/* Up to PG_PARAMS parameters and the copies they own. */
#define PG_PARAMS 31
struct params {
	const char *v[PG_PARAMS];
	char *own[PG_PARAMS * 2];
	size_t n_own;
};

static const char *
keep(struct params *pp, char *s)
{
	if (s != NULL)
		pp->own[pp->n_own++] = s;
	return s;
}

static const char *
text_param(struct params *pp, const char *text)
{
	char *tmp;
	const char *v = param_str(text, &tmp);

	keep(pp, tmp);
	return v;
}

static const char *
int_param(struct params *pp, int64_t n)
{
	return keep(pp, g_strdup_printf("%" G_GINT64_FORMAT, (gint64)n));
}

static void
params_clear(struct params *pp)
{
	size_t i;

	for (i = 0; i < pp->n_own; i++)
		g_free(pp->own[i]);
	memset(pp, 0, sizeof(*pp));
}

/* The id an INSERT ... RETURNING id gave. */
static const char *
returned_id(PGresult *res)
{
	return pq->ntuples(res) == 1 ? pq->getvalue(res, 0, 0) : NULL;
}

static int
pg_put_policies(struct pg *p, const struct report *r, const char *report_row,
    const char *start, struct ti_err *err)
{
	const struct policy *pol;
	const struct failure *f;
	struct params pp = { 0 };
	PGresult *res;
	char *policy_row, *ps, *mx;
	size_t i, j;

	for (i = 0; i < r->n_policies; i++) {
		pol = &r->policies[i];
		if (pol->policy_type == NULL)
			return ti_err_set(err, TI_E_INPUT,
			    "store: policy %zu lacks policy-type", i);
		if (report_strv_json(pol->policy_string, &ps, err) == -1)
			return -1;
		if (report_strv_json(pol->mx_host, &mx, err) == -1) {
			g_free(ps);
			return -1;
		}
		pp.v[0] = report_row;
		pp.v[1] = int_param(&pp, (int64_t)i);
		pp.v[2] = text_param(&pp, pol->policy_type);
		pp.v[3] = text_param(&pp, pol->policy_domain);
		pp.v[4] = keep(&pp, ps);
		pp.v[5] = keep(&pp, mx);
		pp.v[6] = int_param(&pp, pol->successful);
		pp.v[7] = int_param(&pp, pol->failed);
		pp.v[8] = start;
		res = pg_params(p, "ti_ins_policy", NULL, 9, pp.v,
		    "insert policy", err);
		params_clear(&pp);
		if (res == NULL)
			return -1;
		if (returned_id(res) == NULL) {
			pq->clear(res);
			return ti_err_set(err, TI_E_BUG,
			    "store %s: insert policy returned no id", p->name);
		}
		policy_row = g_strdup(returned_id(res));
		pq->clear(res);
		for (j = 0; j < pol->n_failures; j++) {
			f = &pol->failures[j];
			if (f->result_type == NULL) {
				g_free(policy_row);
				return ti_err_set(err, TI_E_INPUT,
				    "store: failure-details lack result-type");
			}
			pp.v[0] = policy_row;
			pp.v[1] = text_param(&pp, f->result_type);
			pp.v[2] = text_param(&pp, f->sending_mta_ip);
			pp.v[3] = text_param(&pp, f->receiving_mx_hostname);
			pp.v[4] = text_param(&pp, f->receiving_mx_helo);
			pp.v[5] = text_param(&pp, f->receiving_ip);
			pp.v[6] = int_param(&pp, f->failed_session_count);
			pp.v[7] = text_param(&pp, f->additional_information);
			pp.v[8] = text_param(&pp, f->failure_reason_code);
			pp.v[9] = start;
			res = pg_params(p, "ti_ins_failure", NULL, 10, pp.v,
			    "insert failure", err);
			params_clear(&pp);
			if (res == NULL) {
				g_free(policy_row);
				return -1;
			}
			pq->clear(res);
		}
		g_free(policy_row);
	}
	return 0;
}

/* The report's domains into report_domains (schema 3). */
static int
pg_put_domains(struct pg *p, const struct report *r, const char *report_row,
    struct ti_err *err)
{
	struct params pp = { 0 };
	PGresult *res;
	char **domains, **d;
	int rc = 0;

	domains = store_report_domains(r);
	for (d = domains; *d != NULL && rc == 0; d++) {
		pp.v[0] = *d;
		pp.v[1] = int_param(&pp, r->start);
		pp.v[2] = report_row;
		res = pg_params(p, "ti_ins_domain", NULL, 3, pp.v,
		    "insert domain", err);
		params_clear(&pp);
		if (res == NULL)
			rc = -1;
		else
			pq->clear(res);
	}
	g_strfreev(domains);
	return rc;
}

/* Tell a duplicate from a conflict by the stored hash. */
static int
pg_existing(struct pg *p, const struct report *r, enum store_put_result *result,
    char *existing_sha256, struct ti_err *err)
{
	struct params pp = { 0 };
	PGresult *res;
	const char *sha;

	pp.v[0] = text_param(&pp, r->organization_name);
	pp.v[1] = text_param(&pp, r->report_id);
	res = pg_params(p, "ti_sel_sha", NULL, 2, pp.v, "select sha256", err);
	params_clear(&pp);
	if (res == NULL)
		return -1;
	if (pq->ntuples(res) < 1) {
		pq->clear(res);
		return ti_err_set(err, TI_E_BUG,
		    "store %s: conflicting row not found", p->name);
	}
	sha = pq->getvalue(res, 0, 0);
	*result =
	    strcmp(sha, r->sha256) == 0 ? STORE_DUPLICATE : STORE_CONFLICT;
	if (existing_sha256 != NULL)
		g_strlcpy(existing_sha256, sha, 65);
	pq->clear(res);
	return 0;
}

/* The authentication record as parameters v[0] .. v[7] (sql_ins_report
   order); NULL, or a record without method or result, is nobody
   vouching: none, none.  bits 0 (unknown) is stored as NULL. */
static void
auth_params(struct params *pp, const char **v, const struct ti_auth *a)
{
	static const struct ti_auth nobody;

	if (a == NULL)
		a = &nobody;
	v[0] = text_param(pp, a->method != NULL ? a->method : AUTH_NONE);
	v[1] = text_param(pp, a->result != NULL ? a->result : AUTH_RNONE);
	v[2] = text_param(pp, a->domain);
	v[3] = text_param(pp, a->selector);
	v[4] = text_param(pp, a->algorithm);
	v[5] = a->bits > 0 ? int_param(pp, a->bits) : NULL;
	v[6] = text_param(pp, a->dnssec);
	v[7] = text_param(pp, a->reason);
}

static int
pg_put(void *backend, const struct report *r, const struct report_source *src,
    enum store_put_result *result, char *existing_sha256, struct ti_err *err)
{
	static const struct report_source none;
	struct pg *p = backend;
	struct params pp = { 0 };
	int64_t ok = 0, failed = 0, received;
	PGresult *res;
	char *row, *start;
	int rc;

	if (p->mode != STORE_WRITE || !p->prepared ||
	    pq->transactionStatus(p->conn) != PQTRANS_INTRANS)
		return ti_err_set(err, TI_E_BUG,
		    "store %s: store_put outside a write transaction", p->name);
	if (r->organization_name == NULL || r->report_id == NULL ||
	    r->start_datetime == NULL || r->end_datetime == NULL ||
	    r->json == NULL)
		return ti_err_set(err, TI_E_INPUT,
		    "store: report lacks a required member");
	if (src == NULL)
		src = &none;
	received = src->received != 0 ? src->received : (int64_t)time(NULL);
	report_totals(r, &ok, &failed);

	pp.v[0] = text_param(&pp, r->organization_name);
	pp.v[1] = text_param(&pp, r->report_id);
	pp.v[2] = int_param(&pp, r->start);
	res =
	    pg_params(p, "ti_ins_key", NULL, 3, pp.v, "insert report key", err);
	params_clear(&pp);
	if (res == NULL)
		return -1;
	if (returned_id(res) == NULL) { /* the identity is taken */
		pq->clear(res);
		return pg_existing(p, r, result, existing_sha256, err);
	}
	row = g_strdup(returned_id(res));
	pq->clear(res);
	if (pg_partition(p, r->start, err) == -1) {
		g_free(row);
		return -1;
	}

	pp.v[0] = text_param(&pp, r->organization_name);
	pp.v[1] = text_param(&pp, r->report_id);
	pp.v[2] = text_param(&pp, r->contact_info);
	pp.v[3] = text_param(&pp, report_domain(r));
	pp.v[4] = text_param(&pp, r->start_datetime);
	pp.v[5] = text_param(&pp, r->end_datetime);
	pp.v[6] = int_param(&pp, r->start);
	pp.v[7] = int_param(&pp, r->end);
	pp.v[8] = int_param(&pp, ok);
	pp.v[9] = int_param(&pp, failed);
	pp.v[10] = text_param(&pp, src->message_id);
	pp.v[11] = text_param(&pp, src->envelope_sender);
	pp.v[12] = text_param(&pp, src->envelope_recipient);
	pp.v[13] = text_param(&pp, src->filename);
	pp.v[14] = text_param(&pp, src->source);
	pp.v[15] = text_param(&pp, src->origin);
	pp.v[16] = text_param(&pp, src->archive_path);
	pp.v[17] = int_param(&pp, received);
	pp.v[18] = keep(&pp, report_deviation_codes(r));
	/* report_decode() checked the JSON is UTF-8; a NUL would end it
	   early, as it does for every C string */
	pp.v[19] = text_param(&pp, r->json);
	pp.v[20] = r->sha256;
	auth_params(&pp, &pp.v[21], src->auth);
	pp.v[29] = row;
	pp.v[30] = int_param(&pp, src->arrived != 0 ? src->arrived : received);
	res = pg_params(p, "ti_ins_report", NULL, PG_PARAMS, pp.v,
	    "insert report", err);
	params_clear(&pp);
	if (res == NULL) {
		g_free(row);
		return -1;
	}
	pq->clear(res);
	start = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)r->start);
	rc = pg_put_policies(p, r, row, start, err);
	if (rc == 0)
		rc = pg_put_domains(p, r, row, err);
	g_free(start);
	if (rc == 0) { /* the counters move with the report (store.h) */
		pp.v[0] = row;
		res = pg_params(p, "ti_count_report", NULL, 1, pp.v,
		    "count report", err);
		if (res == NULL)
			rc = -1;
		else
			pq->clear(res);
	}
	g_free(row);
	if (rc == -1)
		return -1;
	*result = STORE_NEW;
	if (existing_sha256 != NULL)
		existing_sha256[0] = '\0';
	return 0;
}

/* ---- reading -------------------------------------------------------- */

static const char *
col_text(PGresult *res, int row, int col)
{
	return pq->getisnull(res, row, col) ? NULL
					    : pq->getvalue(res, row, col);
}

static int64_t
col_int(PGresult *res, int row, int col)
{
	return (int64_t)g_ascii_strtoll(pq->getvalue(res, row, col), NULL, 10);
}

/* struct ti_auth's strings are not const; the record is borrowed all
   the same (store.h), and no reader writes through it. */
static char *
col_auth(PGresult *res, int row, int col)
{
	return (char *)col_text(res, row, col);
}

/* Call cb for each row of one FETCH; non-zero from cb is returned. */
static int
pg_each_row(PGresult *res, int (*cb)(const struct stored_report *, void *),
    void *arg)
{
	static char none[] = AUTH_NONE;
	struct stored_report sr;
	int i, ret;

	for (i = 0; i < pq->ntuples(res); i++) {
		memset(&sr, 0, sizeof(sr));
		sr.id = col_int(res, i, 0);
		sr.organization_name = col_text(res, i, 1);
		sr.report_id = col_text(res, i, 2);
		sr.contact_info = col_text(res, i, 3);
		sr.domain = col_text(res, i, 4);
		sr.start = col_int(res, i, 5);
		sr.end = col_int(res, i, 6);
		sr.successful = col_int(res, i, 7);
		sr.failed = col_int(res, i, 8);
		sr.received = col_int(res, i, 9);
		sr.message_id = col_text(res, i, 10);
		sr.envelope_sender = col_text(res, i, 11);
		sr.filename = col_text(res, i, 12);
		sr.source = col_text(res, i, 13);
		sr.json = pq->getvalue(res, i, 14);
		sr.json_len = (size_t)pq->getlength(res, i, 14);
		sr.envelope_recipient = col_text(res, i, 15);
		sr.origin = col_text(res, i, 16);
		sr.archive_path = col_text(res, i, 17);
		sr.deviations = col_text(res, i, 18);
		sr.auth.method = col_auth(res, i, 19);
		sr.auth.result = col_auth(res, i, 20);
		if (sr.auth.method == NULL) /* NOT NULL: cannot happen */
			sr.auth.method = none;
		if (sr.auth.result == NULL)
			sr.auth.result = none;
		sr.auth.domain = col_auth(res, i, 21);
		sr.auth.selector = col_auth(res, i, 22);
		sr.auth.algorithm = col_auth(res, i, 23);
		sr.auth.bits =
		    pq->getisnull(res, i, 24) ? 0 : (int)col_int(res, i, 24);
		sr.auth.dnssec = col_auth(res, i, 25);
		sr.auth.reason = col_auth(res, i, 26);
		sr.arrived = pq->getisnull(res, i, 27) ? sr.received
						       : col_int(res, i, 27);
		if ((ret = cb(&sr, arg)) != 0)
			return ret;
	}
	return 0;
}

/* The columns of struct stored_report, in pg_each_row()'s order. */
#define PG_COLUMNS                                                 \
 "r.id, r.organization_name, r.report_id, r.contact_info,"         \
 " r.domain, r.start_time, r.end_time, r.successful, r.failed,"    \
 " r.received, r.message_id, r.envelope_sender, r.filename,"       \
 " r.source, r.json, r.envelope_recipient, r.origin,"              \
 " r.archive_path, r.deviations, r.auth_method, r.auth_result,"    \
 " r.auth_domain, r.auth_selector, r.auth_algorithm, r.auth_bits," \
 " r.auth_dnssec, r.auth_reason, r.arrived"

/* The end of a prune's statement, after the DELETE of the reports
   ("gone"): their policies, failure details, domains and keys (the
   partitioned tables have no foreign keys to cascade), and the count. */
#define PG_PRUNE_REST                                                \
 " RETURNING r.id, r.start_time), gp AS (DELETE FROM policies p"     \
 " WHERE (p.report, p.start_time) IN (SELECT id, start_time FROM"    \
 " gone) RETURNING p.id, p.start_time), gf AS (DELETE FROM failures" \
 " f WHERE (f.policy, f.start_time) IN (SELECT id, start_time FROM"  \
 " gp)), gd AS (DELETE FROM report_domains d WHERE (d.report,"       \
 " d.start_time) IN (SELECT id, start_time FROM gone)), gk AS"       \
 " (DELETE FROM report_keys k WHERE k.report IN (SELECT id FROM"     \
 " gone)) SELECT count(*) FROM gone"

/* " AND t.start_time >= $n AND ...", as q bounds it; values in pp,
   from *n on. */
static void
pg_time(GString *sql, const char *t, struct params *pp, int *n,
    const struct store_query *q)
{
	if (q->since != 0) {
		pp->v[(*n)++] = int_param(pp, q->since);
		g_string_append_printf(sql, " AND %s.start_time >= $%d::bigint",
		    t, *n);
	}
	if (q->until != 0) {
		pp->v[(*n)++] = int_param(pp, q->until);
		g_string_append_printf(sql, " AND %s.start_time < $%d::bigint",
		    t, *n);
	}
}

/*
 * Append to sql the statement of the reports that q selects: a SELECT
 * of PG_COLUMNS in start time then id order, or (prune) a DELETE; its
 * values in pp, returns how many.  The one selection of
 * store_each_report(), store_prune() and their plans.  With a domain
 * it is a range of report_domains' primary key (domain, then time),
 * joined to reports by id: only that domain's rows are read
 * (test-store-pg checks the plan).
 */
static int
pg_query_sql(GString *sql, struct params *pp, const struct store_query *q,
    int prune)
{
	char *domain = NULL;
	int n = 0;

	if (q->domain != NULL) {
		/* "Example.COM." names example.com, as it was stored; a
		   name that is none ("", too long) matches nothing */
		domain = store_domain_norm(q->domain);
		pp->v[n++] = domain != NULL ? keep(pp, domain) : "";
	}
	if (prune && q->domain != NULL) {
		g_string_append(sql,
		    "WITH gone AS (DELETE FROM reports r WHERE (r.id,"
		    " r.start_time) IN (SELECT report, start_time FROM"
		    " report_domains d WHERE d.domain = $1");
		pg_time(sql, "d", pp, &n, q);
		g_string_append(sql, ")" PG_PRUNE_REST);
	} else if (prune) {
		g_string_append(sql,
		    "WITH gone AS (DELETE FROM reports r WHERE true");
		pg_time(sql, "r", pp, &n, q);
		g_string_append(sql, PG_PRUNE_REST);
	} else if (q->domain != NULL) {
		g_string_append(sql,
		    "SELECT " PG_COLUMNS " FROM report_domains d JOIN"
		    " reports r ON r.id = d.report AND r.start_time ="
		    " d.start_time WHERE d.domain = $1");
		pg_time(sql, "d", pp, &n, q);
		g_string_append(sql, " ORDER BY d.start_time, d.report");
	} else {
		g_string_append(sql,
		    "SELECT " PG_COLUMNS " FROM reports r"
		    " WHERE true");
		pg_time(sql, "r", pp, &n, q);
		g_string_append(sql, " ORDER BY r.start_time, r.id");
	}
	return n;
}

static int
pg_explain(void *backend, const struct store_query *q, int prune, char **plan,
    struct ti_err *err)
{
	struct pg *p = backend;
	struct params pp = { 0 };
	GString *sql = g_string_new("EXPLAIN ");
	GString *out;
	PGresult *res;
	int i, n;

	*plan = NULL;
	n = pg_query_sql(sql, &pp, q, prune);
	res = pg_params(p, NULL, sql->str, n, pp.v, "explain", err);
	g_string_free(sql, TRUE);
	params_clear(&pp);
	if (res == NULL)
		return -1;
	out = g_string_new(NULL);
	for (i = 0; i < pq->ntuples(res); i++)
		g_string_append_printf(out, "%s\n", pq->getvalue(res, i, 0));
	pq->clear(res);
	*plan = g_string_free(out, FALSE);
	return 0;
}

/*
 * Drop the monthly partitions that lie wholly inside q's time range (a
 * query without a domain): a year of a hoster's reports goes in a few
 * DROP TABLEs instead of millions of row deletions.  Their keys are
 * deleted (report_keys is not partitioned: it keeps reports exactly
 * once across the partitions).  *n gets how many reports went.
 */
static int
pg_prune_months(struct pg *p, const struct store_query *q, int64_t *n,
    struct ti_err *err)
{
	static const char *const tables[] = { "failures", "policies",
		"report_domains", "reports" };
	PGresult *res, *r2;
	GString *sql;
	const char *name;
	int64_t lo, hi;
	int i, rc = 0;
	size_t t;

	if (q->domain != NULL || q->until == 0)
		return 0;
	res = pg_params(p, NULL,
	    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid ="
	    " i.inhrelid WHERE i.inhparent = 'reports'::regclass AND"
	    " c.relname ~ '^reports_p[0-9]{6}$' ORDER BY 1",
	    0, NULL, "list partitions", err);
	if (res == NULL)
		return -1;
	for (i = 0; i < pq->ntuples(res) && rc == 0; i++) {
		name = pq->getvalue(res, i, 0);
		if (pg_month_bounds(name + strlen("reports_p"), &lo, &hi) ==
			-1 ||
		    hi > q->until || (q->since != 0 && lo < q->since))
			continue;
		sql = g_string_new(NULL);
		g_string_printf(sql,
		    "WITH k AS (DELETE FROM report_keys WHERE start_time >="
		    " %" G_GINT64_FORMAT " AND start_time < %" G_GINT64_FORMAT
		    ") SELECT count(*) FROM %s",
		    (gint64)lo, (gint64)hi, name);
		r2 = pg_params(p, NULL, sql->str, 0, NULL, "prune month", err);
		if (r2 == NULL)
			rc = -1;
		else {
			*n += g_ascii_strtoll(pq->getvalue(r2, 0, 0), NULL, 10);
			pq->clear(r2);
			g_string_assign(sql, "DROP TABLE");
			for (t = 0; t < nitems(tables); t++)
				g_string_append_printf(sql, "%s %s_p%s",
				    t > 0 ? "," : "", tables[t],
				    name + strlen("reports_p"));
			rc = pg_exec(p, sql->str, "drop month", err);
		}
		g_string_free(sql, TRUE);
	}
	pq->clear(res);
	g_hash_table_remove_all(p->parts);
	return rc;
}

/* One transaction: the whole months first, then the rest row by row
   (pg_query_sql's DELETE takes the policies, failure details, domains
   and keys along). */
static int
pg_prune(void *backend, const struct store_query *q, int64_t *deleted,
    struct ti_err *err)
{
	struct pg *p = backend;
	struct params pp = { 0 };
	GString *sql;
	PGresult *res;
	int64_t n = 0;
	int k;

	*deleted = 0;
	if (p->mode != STORE_WRITE)
		return ti_err_set(err, TI_E_BUG, "store %s: opened read-only",
		    p->name);
	if (pg_exec(p, "BEGIN", "begin", err) == -1)
		return -1;
	if (pg_prune_months(p, q, &n, err) == -1)
		goto fail;
	sql = g_string_new(NULL);
	k = pg_query_sql(sql, &pp, q, 1);
	res = pg_params(p, NULL, sql->str, k, pp.v, "delete reports", err);
	g_string_free(sql, TRUE);
	params_clear(&pp);
	if (res == NULL)
		goto fail;
	n += g_ascii_strtoll(pq->getvalue(res, 0, 0), NULL, 10);
	pq->clear(res);
	if (pg_commit(p, err) == -1)
		goto fail;
	*deleted = n;
	return 0;
fail:
	pg_rollback(p);
	return -1;
}

static int
pg_each_report(void *backend, const struct store_query *q,
    int (*cb)(const struct stored_report *sr, void *arg), void *arg,
    struct ti_err *err)
{
	struct pg *p = backend;
	struct params pp = { 0 };
	GString *sql;
	PGresult *res;
	int n, own, ret = 0;

	if (p->version == 0) /* nothing was ever written */
		return 0;
	own = pq->transactionStatus(p->conn) == PQTRANS_IDLE;
	/* Read through a cursor, PG_FETCH rows at a time, so that a big
	   store is never held in memory whole.  Outside a transaction,
	   one REPEATABLE READ snapshot: a copy sees the store as it was
	   when it started. */
	sql = g_string_new("DECLARE ti_reports NO SCROLL CURSOR FOR ");
	n = pg_query_sql(sql, &pp, q, 0);
	if (own &&
	    pg_exec(p, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
		"begin read", err) == -1) {
		g_string_free(sql, TRUE);
		params_clear(&pp);
		return -1;
	}
	res = pg_params(p, NULL, sql->str, n, pp.v, "select reports", err);
	g_string_free(sql, TRUE);
	params_clear(&pp);
	if (res == NULL)
		goto fail;
	pq->clear(res);
	for (;;) {
		res = pg_params(p, NULL, "FETCH " PG_FETCH " FROM ti_reports",
		    0, NULL, "read reports", err);
		if (res == NULL)
			goto fail;
		if (pq->ntuples(res) == 0) {
			pq->clear(res);
			break;
		}
		ret = pg_each_row(res, cb, arg);
		pq->clear(res);
		if (ret != 0)
			break;
	}
	if (own) {
		if (pg_exec(p, "COMMIT", "end read", err) == -1)
			return -1;
	} else if (pg_exec(p, "CLOSE ti_reports", "close cursor", err) == -1)
		return -1;
	return ret;
fail:
	if (own)
		pq->clear(pq->exec(p->conn, "ROLLBACK"));
	return -1;
}

/* ---- the check history ---------------------------------------------- */

static int
pg_history_add(void *backend, const char *domain, int64_t at,
    const struct store_seen *rows, size_t n, struct ti_err *err)
{
	struct pg *p = backend;
	char ats[24], keep[16];
	PGresult *res;

	if (p->mode != STORE_WRITE)
		return ti_err_set(err, TI_E_BUG, "store %s: opened read-only",
		    p->name);
	snprintf(ats, sizeof(ats), "%lld", (long long)at);
	snprintf(keep, sizeof(keep), "%d", STORE_HISTORY_RUNS);
	if (pg_exec(p, "BEGIN", "begin", err) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *v[5] = { domain, ats, rows[i].kind, rows[i].key,
			rows[i].value };

		if ((res = pg_params(p, NULL,
			 "INSERT INTO check_history (domain, checked_at, kind,"
			 " key, value) VALUES ($1, $2::bigint, $3, $4, $5)",
			 5, v, "insert check history", err)) == NULL)
			goto fail;
		pq->clear(res);
	}
	{
		const char *v[2] = { domain, keep };

		if ((res = pg_params(p, NULL,
			 "DELETE FROM check_history WHERE domain = $1 AND"
			 " checked_at < (SELECT min(checked_at) FROM (SELECT"
			 " DISTINCT checked_at FROM check_history WHERE"
			 " domain = $1 ORDER BY checked_at DESC LIMIT"
			 " $2::integer) AS k)",
			 2, v, "prune check history", err)) == NULL)
			goto fail;
		pq->clear(res);
	}
	if (pg_commit(p, err) == -1)
		goto fail;
	return 0;
fail:
	pg_rollback(p);
	return -1;
}

static int
pg_history_each(void *backend, const char *domain,
    int (*cb)(const struct store_seen *row, void *arg), void *arg,
    struct ti_err *err)
{
	struct pg *p = backend;
	const char *v[1] = { domain };
	struct store_seen row;
	PGresult *res;
	int ret = 0;

	if (p->version == 0) /* nothing was ever written */
		return 0;
	if ((res = pg_params(p, NULL,
		 "SELECT checked_at, kind, key, value FROM check_history"
		 " WHERE domain = $1 ORDER BY checked_at, seq",
		 1, v, "read check history", err)) == NULL)
		return -1;
	for (int i = 0; i < pq->ntuples(res) && ret == 0; i++) {
		row.at = g_ascii_strtoll(pq->getvalue(res, i, 0), NULL, 10);
		row.kind = pq->getvalue(res, i, 1);
		row.key = pq->getvalue(res, i, 2);
		row.value = pq->getvalue(res, i, 3);
		ret = cb(&row, arg);
	}
	pq->clear(res);
	return ret;
}

static int
pg_count(void *backend, const char *name, const char *k1, const char *k2,
    int64_t n, struct ti_err *err)
{
	struct pg *p = backend;
	struct params pp = { 0 };
	PGresult *res;

	if (p->mode != STORE_WRITE || !p->prepared ||
	    pq->transactionStatus(p->conn) != PQTRANS_INTRANS)
		return ti_err_set(err, TI_E_BUG,
		    "store %s: store_count outside a write transaction",
		    p->name);
	pp.v[0] = text_param(&pp, name);
	pp.v[1] = text_param(&pp, k1);
	pp.v[2] = text_param(&pp, k2);
	pp.v[3] = int_param(&pp, n);
	res = pg_params(p, "ti_count", NULL, 4, pp.v, "count", err);
	params_clear(&pp);
	if (res == NULL)
		return -1;
	pq->clear(res);
	return 0;
}

static int
pg_each_counter(void *backend,
    int (*cb)(const struct store_counter *c, void *arg), void *arg,
    struct ti_err *err)
{
	struct pg *p = backend;
	struct store_counter c;
	PGresult *res;
	int i, ret = 0;

	if (p->version == 0) /* nothing was ever written */
		return 0;
	res = pg_params(p, NULL,
	    "SELECT name, k1, k2, (CASE WHEN name = 'last_end' THEN"
	    " max(value) ELSE sum(value) END)::bigint FROM metric_counters"
	    " GROUP BY name, k1, k2 ORDER BY name COLLATE \"C\","
	    " k1 COLLATE \"C\", k2 COLLATE \"C\"",
	    0, NULL, "read counters", err);
	if (res == NULL)
		return -1;
	for (i = 0; i < pq->ntuples(res) && ret == 0; i++) {
		c.name = pq->getvalue(res, i, 0);
		c.k1 = pq->getvalue(res, i, 1);
		c.k2 = pq->getvalue(res, i, 2);
		c.value = col_int(res, i, 3);
		ret = cb(&c, arg);
	}
	pq->clear(res);
	return ret;
}

const struct store_ops store_pg_ops = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.begin = pg_begin,
	.put = pg_put,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.each_report = pg_each_report,
	.prune = pg_prune,
	.explain = pg_explain,
	.history_add = pg_history_add,
	.history_each = pg_history_each,
	.count = pg_count,
	.each_counter = pg_each_counter,
};
