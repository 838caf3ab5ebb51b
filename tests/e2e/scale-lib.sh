# scale-lib.sh: build a big store fast, for tests/e2e/99-scale.t and the
# scale part of make bench (bench/run.sh).  Sourced after lib.sh.
#
# A hoster's store is thousands of customer domains, each with a daily
# report from each big sender.  Ingesting that many mails takes minutes;
# here one real report is ingested (the seed, so that every column is
# what tlsrpt-ingest writes) and SQL copies it, in one statement per
# table, as REPORTERS reporters x DOMAINS domains x DAYS days, ending
# yesterday: domain cN.example (N from 0), reporter "Reporter K",
# report-id scale-I, the seed's JSON with its report-id and domain
# replaced, its policies and failure details along, and report_domains
# filled as tlsrpt-ingest fills it.  The seed itself is deleted.
#
#     scale_sql sqlite|postgresql DOMAINS REPORTERS DAYS
#
# prints the SQL (for sqlite3 STORE or psql).  The seed must be the
# store's only report: that of
# tests/data/samples/02-google-failures.eml (domain example.com).

SCALE_SEED_DOMAIN=example.com

scale_sql() {
	_sc_d=$1 _nd=$2 _nr=$3 _days=$4
	_total=$((_nd * _nr * _days))
	_now=$(date -u +%s)
	# the first day: DAYS days before today's midnight (UTC)
	_base=$((_now - _now % 86400 - _days * 86400))
	if [ "$_sc_d" = sqlite ]; then
		_series="WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1
		    FROM n WHERE i < $_total - 1)"
		_from="n"
		_dt="strftime('%Y-%m-%dT%H:%M:%SZ', t, 'unixepoch')"
		_dt_end="strftime('%Y-%m-%dT%H:%M:%SZ', t + 86399, 'unixepoch')"
		_st='' _stv='' _keys='' _prune="DELETE FROM reports WHERE id IN
		    (SELECT id FROM scale_seed);"
		echo "PRAGMA foreign_keys = ON; PRAGMA synchronous = OFF;"
	else
		# schema 4: the monthly partitions first (store-pg.c's names;
		# a row without one would land in the DEFAULT partition),
		# start_time in policies and failures, a key for each report
		_st=", start_time" _stv=", r.start_time"
		_keys="INSERT INTO report_keys SELECT md5(r.organization_name),
		    md5(r.report_id), r.id, r.start_time FROM reports r,
		    scale_seed s WHERE r.id <> s.id;"
		_prune="DELETE FROM report_keys WHERE report IN (SELECT id FROM
		    scale_seed); DELETE FROM failures WHERE start_time IN (SELECT
		    start_time FROM scale_seed) AND policy IN (SELECT p.id FROM
		    policies p, scale_seed s WHERE p.report = s.id); DELETE FROM
		    policies WHERE report IN (SELECT id FROM scale_seed);
		    DELETE FROM report_domains WHERE report IN (SELECT id FROM
		    scale_seed); DELETE FROM reports WHERE id IN (SELECT id FROM
		    scale_seed);"
		cat <<EOF
SET TimeZone = 'UTC'; SET client_min_messages = warning;
DO \$\$
DECLARE m timestamptz; t text;
BEGIN
FOR m IN SELECT generate_series(date_trunc('month', to_timestamp($_base)),
    to_timestamp($_base + $_days * 86400), '1 month') LOOP
  FOREACH t IN ARRAY ARRAY['reports', 'policies', 'failures',
      'report_domains'] LOOP
    EXECUTE format('CREATE TABLE IF NOT EXISTS %s_p%s PARTITION OF %s'
        ' FOR VALUES FROM (%s) TO (%s)', t, to_char(m, 'YYYYMM'), t,
        extract(epoch FROM m)::bigint,
        extract(epoch FROM m + interval '1 month')::bigint);
  END LOOP;
END LOOP;
END
\$\$;
EOF
		_series=
		_from="generate_series(0, $_total - 1) AS n(i)"
		_dt="to_char(to_timestamp(t) AT TIME ZONE 'UTC',
		    'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
		_dt_end="to_char(to_timestamp(t + 86399) AT TIME ZONE 'UTC',
		    'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	fi
	cat <<EOF
BEGIN;
CREATE TEMP TABLE scale_seed AS SELECT * FROM reports;
INSERT INTO reports (organization_name, report_id, contact_info, domain,
    start_datetime, end_datetime, start_time, end_time, successful,
    failed, message_id, envelope_sender, envelope_recipient, filename,
    source, origin, archive_path, received, deviations, json, sha256,
    auth_method, auth_result)
$_series
SELECT 'Reporter ' || k, 'scale-' || i, s.contact_info, dom, $_dt,
    $_dt_end, t, t + 86399, s.successful, s.failed,
    'scale-' || i || '@reporter.example', s.envelope_sender,
    s.envelope_recipient, s.filename, s.source, s.origin, NULL,
    t + 129600, s.deviations,
    replace(replace(s.json, '"' || s.report_id || '"',
        '"scale-' || i || '"'), '$SCALE_SEED_DOMAIN', dom),
    'scale-' || i, s.auth_method, s.auth_result
FROM (SELECT i, 'c' || (i % $_nd) || '.example' AS dom,
    (i / $_nd) % $_nr AS k,
    $_base + (i / ($_nd * $_nr)) * 86400 AS t FROM $_from) g,
    scale_seed s;
INSERT INTO policies (report, idx, policy_type, policy_domain,
    policy_string, mx_host, successful, failed$_st)
SELECT r.id, p.idx, p.policy_type, r.domain, p.policy_string, p.mx_host,
    p.successful, p.failed$_stv
FROM reports r, policies p, scale_seed s
WHERE p.report = s.id AND r.id <> s.id;
INSERT INTO failures (policy, result_type, sending_mta_ip,
    receiving_mx_hostname, receiving_mx_helo, receiving_ip,
    failed_session_count, additional_information, failure_reason_code$_st)
SELECT np.id, f.result_type, f.sending_mta_ip,
    replace(f.receiving_mx_hostname, '$SCALE_SEED_DOMAIN', r.domain),
    f.receiving_mx_helo, f.receiving_ip, f.failed_session_count,
    f.additional_information, f.failure_reason_code$_stv
FROM reports r, policies np, policies sp, failures f, scale_seed s
WHERE np.report = r.id AND r.id <> s.id AND sp.report = s.id
    AND sp.idx = np.idx AND f.policy = sp.id;
INSERT INTO report_domains (domain, start_time, report)
SELECT r.domain, r.start_time, r.id FROM reports r, scale_seed s
WHERE r.id <> s.id;
$_keys
$_prune
DROP TABLE scale_seed;
COMMIT;
EOF
}
