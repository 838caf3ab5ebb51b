#!/bin/sh
# contrib/grafana/: every SQL query of the PostgreSQL dashboard runs on
# a real PostgreSQL store filled by tlsrpt-ingest (four weeks of
# tests/data/digest) and gives the figures tlsrpt digest --format json
# gives for the same week; every PromQL expression of the Prometheus
# dashboard passes promtool.  Grafana is not in Debian: its macros are
# expanded here as its PostgreSQL data source expands them.
. "$top_srcdir/tests/e2e/lib.sh"

G="$top_srcdir/contrib/grafana"
PROMTOOL=$(command -v promtool 2>/dev/null || :)

ok "the dashboards are JSON" python3 -c "
import json, sys
for f in sys.argv[1:]:
    json.load(open(f))" "$G/tlsrpt-prometheus.json" "$G/tlsrpt-postgresql.json"

# Every PromQL expression, as a recording rule for promtool.
if [ -z "$PROMTOOL" ]; then
	skip "promtool not installed (Debian package prometheus)"
else
	python3 - "$G/tlsrpt-prometheus.json" >"$TMP/exprs.yml" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print("groups:\n  - name: dashboard\n    rules:")
n = 0
for p in d["panels"]:
    for t in p["targets"]:
        n += 1
        print("      - record: tlsrpt:dashboard_%d" % n)
        print("        expr: %s" % json.dumps(t["expr"]))
EOF
	ok "every PromQL expression of the dashboard passes promtool" sh -c \
	    "grep -c 'record:' '$TMP/exprs.yml' | grep -qx 7 &&
	     '$PROMTOOL' check rules '$TMP/exprs.yml'"
fi

. "$top_srcdir/tests/e2e/pg-lib.sh"
if ! pg_available; then
	skip "$(pg_why)"
	done_testing
	exit 0
fi
printf '[trust]\ndkim = off\ncount-unauthenticated = yes\n' >"$TMP/t.conf"
if ! pg_start; then
	ok "a PostgreSQL server starts" false
	done_testing
	exit 1
fi
ingest -c "$TMP/t.conf" --store "$PGSTORE" "$DATA/digest/reports"
ok "the digest fixtures ingested into PostgreSQL" is "$rc" 0
admin -c "$TMP/t.conf" --store "$PGSTORE" digest --since 2026-10-26 \
    --period week --format json
cp "$TMP/admin" "$TMP/digest.json"
ok "tlsrpt digest --format json" is "$arc" 0

# Run each SQL target with Grafana's macros for [since, until) and hold
# it against the digest; one TAP line per panel.
python3 - "$G/tlsrpt-postgresql.json" "$TMP/digest.json" "$PGBIN/psql" \
    "$PGPORT_T" <<'EOF' >"$TMP/sql.tap"
import csv, io, json, re, subprocess, sys
from datetime import datetime, timezone

dash, dig = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
psql, port = sys.argv[3], sys.argv[4]

def epoch(s):
    return int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=timezone.utc).timestamp())
since, until = epoch(dig["since"]), epoch(dig["until"])
to = until - 1   # Grafana's range is inclusive; the digest's is not

def expand(q):
    q = re.sub(r"\$__unixEpochFilter\(([^)]*)\)",
               lambda m: "(%s >= %d AND %s <= %d)" % (m[1], since, m[1], to), q)
    q = q.replace("$__unixEpochTo()", str(to))
    q = re.sub(r"\$__unixEpochGroupAlias\(([^,]*), *'1d'\)",
               lambda m: "floor(%s / 86400) * 86400 AS time" % m[1], q)
    assert "$__" not in q, q
    return q

def run(q):
    out = subprocess.run([psql, "-X", "-q", "--csv", "-h", "127.0.0.1",
                          "-p", port, "-U", "postgres", "-d", "postgres",
                          "-v", "ON_ERROR_STOP=1", "-c", expand(q)],
                         capture_output=True)
    if out.returncode != 0:
        raise Exception(out.stderr.decode().strip())
    return list(csv.DictReader(io.StringIO(out.stdout.decode(), newline="")))

# the digest prints a control character of a name as "?"
def shown(v):
    return "".join("?" if ord(c) < 32 or ord(c) == 127 else c for c in v)

def rate(ok, failed):
    return "%.2f" % (100.0 * failed / (ok + failed)) if ok + failed else ""

doms = {d["domain"]: d for d in dig["domains"]}
def want(title):
    w = []
    if title.startswith("Failure rate per domain"):
        for d in doms.values():
            for day in d["days"]:
                if day["successful"] + day["failed"] == 0:
                    continue
                t = epoch(day["date"] + "T00:00:00Z")
                w.append((str(t), d["domain"],
                          rate(day["successful"], day["failed"])))
    elif title == "Sessions per domain":
        for d in doms.values():
            w.append((d["domain"], str(d["reports"]), str(d["successful"]),
                      str(d["failed"]), rate(d["successful"], d["failed"])))
    elif title.startswith("Failed sessions by result type"):
        for d in doms.values():
            for f in d["failures"]:
                w.append((d["domain"], f["result-type"], f.get("mx") or "",
                          str(f["sessions"])))
    elif title.startswith("Reporters"):
        for d in doms.values():
            for r in d["reporters"]:
                if r["reports"]:
                    w.append((d["domain"], r["organization"],
                              str(r["reports"]), str(r["successful"]),
                              str(r["failed"]), r["last-report"]))
    elif title.startswith("Reports by authentication"):
        a = dig["authentication"]
        for k in ("dkim", "authentication-results", "https", "unchecked",
                  "failed"):
            if a[k]:
                w.append((k, str(a[k])))
    return sorted(w)

def got(title, rows):
    g = []
    for r in rows:
        v = list(r.values())
        if title.startswith("Failure rate per domain"):
            v[0] = str(int(float(v[0])))
        g.append(tuple(shown(x) for x in v))
    return sorted(g)

n = 0
for p in dash["panels"]:
    for t in p["targets"]:
        n += 1
        try:
            rows = run(t["rawSql"])
        except Exception as e:
            print("not ok %d - %s: %s" % (n, p["title"], e))
            continue
        w, g = want(p["title"]), got(p["title"], rows)
        if w == g and w:
            print("ok %d - %s: %d rows, as tlsrpt digest" % (n, p["title"],
                                                               len(g)))
        else:
            print("not ok %d - %s" % (n, p["title"]))
            for x in sorted(set(w) - set(g)):
                print("# digest only: %s" % (x,))
            for x in sorted(set(g) - set(w)):
                print("# query only:  %s" % (x,))
EOF
ok "the SQL checks ran (5 panels)" sh -c "grep -c '^ok\|^not ok' '$TMP/sql.tap' | grep -qx 5"
while IFS= read -r line; do
	case $line in
	'ok '*)
		ok "SQL: ${line#ok * - }" true
		;;
	'not ok '*)
		ok "SQL: ${line#not ok * - }" sh -c "sed -n '/^not ok/,\$p' '$TMP/sql.tap' | head -n 40; false"
		;;
	esac
done <"$TMP/sql.tap"
done_testing
