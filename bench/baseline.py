#!/usr/bin/env python3
"""TLS-RPT report ingestion the way a postmaster writes it in an afternoon.

The comparison column of bench/run.sh: the same job as tlsrpt-ingest and
tlsrpt, with the Python 3 standard library only (email, gzip, json,
sqlite3, mailbox, syslog) and the usual idioms.

    baseline.py --store DB [--archive MAILDIR] < mail     pipe delivery
    baseline.py --store DB MAILDIR|FILE ...               backfill
    baseline.py --store DB export                         JSON lines
    baseline.py --store DB digest [--since EPOCH]         per-domain sums

export and digest read the reports table of a tlsrpt-ingest store (the
same input as "tlsrpt export" and "tlsrpt digest").  Like most such
scripts it commits once per mail with synchronous=FULL, and archives
with mailbox.Maildir, which does not fsync.
"""

import argparse
import collections
import email
import email.policy
import gzip
import hashlib
import json
import mailbox
import sqlite3
import sys
import syslog
import time

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY, organization_name TEXT NOT NULL,
    report_id TEXT NOT NULL, domain TEXT, start_time TEXT, end_time TEXT,
    successful INTEGER, failed INTEGER, message_id TEXT, json TEXT,
    sha256 TEXT, UNIQUE (organization_name, report_id));
CREATE TABLE IF NOT EXISTS failures (
    id INTEGER PRIMARY KEY, report INTEGER REFERENCES reports(id),
    policy_type TEXT, policy_domain TEXT, result_type TEXT,
    sending_mta_ip TEXT, receiving_mx_hostname TEXT, receiving_ip TEXT,
    failed_session_count INTEGER, failure_reason_code TEXT);
"""

REPORT_TYPES = ("application/tlsrpt+gzip", "application/tlsrpt+json",
                "application/gzip", "application/x-gzip",
                "application/json", "application/octet-stream")


def open_store(path):
    db = sqlite3.connect(path, timeout=5)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.executescript(SCHEMA)
    return db


def reports_in(msg):
    """Yield (filename, report dict) for each report attachment."""
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = part.get_filename() or ""
        if (part.get_content_type() not in REPORT_TYPES
                and not name.endswith((".json", ".json.gz"))):
            continue
        data = part.get_payload(decode=True) or b""
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        try:
            report = json.loads(data)
        except ValueError as e:
            syslog.syslog(syslog.LOG_WARNING, f"part rejected: {e}")
            continue
        if not isinstance(report, dict) or not all(
                k in report for k in ("organization-name", "report-id",
                                      "date-range", "policies")):
            syslog.syslog(syslog.LOG_WARNING, "part rejected: not RFC 8460")
            continue
        yield name, data, report


def store(db, msg, data, report):
    """Insert one report and its failure details; False if a duplicate."""
    pols = report["policies"]
    ok = sum(p["summary"].get("total-successful-session-count", 0)
             for p in pols)
    failed = sum(p["summary"].get("total-failure-session-count", 0)
                 for p in pols)
    domain = pols[0]["policy"].get("policy-domain")
    cur = db.execute(
        "INSERT OR IGNORE INTO reports (organization_name, report_id,"
        " domain, start_time, end_time, successful, failed, message_id,"
        " json, sha256) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (report["organization-name"], report["report-id"], domain,
         report["date-range"]["start-datetime"],
         report["date-range"]["end-datetime"], ok, failed,
         msg.get("Message-ID"), data.decode(),
         hashlib.sha256(data).hexdigest()))
    if cur.rowcount == 0:
        return False
    rid = cur.lastrowid
    for p in pols:
        for f in p.get("failure-details", []):
            db.execute(
                "INSERT INTO failures (report, policy_type, policy_domain,"
                " result_type, sending_mta_ip, receiving_mx_hostname,"
                " receiving_ip, failed_session_count, failure_reason_code)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (rid, p["policy"]["policy-type"],
                 p["policy"].get("policy-domain"), f["result-type"],
                 f.get("sending-mta-ip"), f.get("receiving-mx-hostname"),
                 f.get("receiving-ip"), f.get("failed-session-count", 0),
                 f.get("failure-reason-code")))
    return True


def log_report(report, status):
    for p in report["policies"]:
        s = p["summary"]
        syslog.syslog(
            syslog.LOG_INFO,
            f"report status={status} reporter={report['organization-name']}"
            f" report_id={report['report-id']}"
            f" policy_domain={p['policy'].get('policy-domain')}"
            f" successes={s.get('total-successful-session-count')}"
            f" failures={s.get('total-failure-session-count')}")
        if status != "stored":
            continue
        for f in p.get("failure-details", []):
            syslog.syslog(
                syslog.LOG_NOTICE,
                f"failure reporter={report['organization-name']}"
                f" result_type={f['result-type']}"
                f" receiving_mx={f.get('receiving-mx-hostname')}"
                f" sending_ip={f.get('sending-mta-ip')}"
                f" count={f.get('failed-session-count')}")


def ingest(db, raw, archive):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if archive is not None:
        archive.add(raw)
    found = list(reports_in(msg))
    with db:  # one transaction per mail
        results = [(r, store(db, msg, data, r)) for _, data, r in found]
    for report, new in results:
        log_report(report, "stored" if new else "duplicate")
    if not found:
        syslog.syslog(syslog.LOG_WARNING, "mail rejected: no report")


def export(db):
    out = sys.stdout
    for (rid, received, msgid, text) in db.execute(
            "SELECT id, received, message_id, json FROM reports"
            " ORDER BY start_time, id"):
        report = json.loads(text)
        report["_meta"] = {
            "id": rid,
            "received": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                      time.gmtime(received)),
            "message-id": msgid}
        out.write(json.dumps(report, ensure_ascii=False) + "\n")


def digest(db, since):
    sums = collections.defaultdict(lambda: [0, 0, collections.Counter()])
    for (text,) in db.execute(
            "SELECT json FROM reports WHERE start_time >= ?", (since,)):
        report = json.loads(text)
        pols = report["policies"]
        d = sums[pols[0]["policy"].get("policy-domain") or "-"]
        # Microsoft reports the same sessions under sts and tlsa
        for p in [p for p in pols if p["policy"]["policy-type"] != "tlsa"
                  ] or pols:
            d[0] += p["summary"].get("total-successful-session-count", 0)
            d[1] += p["summary"].get("total-failure-session-count", 0)
            for f in p.get("failure-details", []):
                d[2][f["result-type"]] += f.get("failed-session-count", 0)
    for dom, (ok, failed, why) in sorted(sums.items()):
        rate = 100.0 * failed / (ok + failed) if ok + failed else 0.0
        top = ", ".join(f"{k} {v}" for k, v in why.most_common(3))
        print(f"{dom:40} {ok:>12} {failed:>10} {rate:6.2f}%  {top}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--archive")
    ap.add_argument("--since", type=int, default=0)
    ap.add_argument("paths", nargs="*")
    a = ap.parse_args()
    syslog.openlog("tlsrpt-py", syslog.LOG_PID, syslog.LOG_MAIL)
    if a.paths[:1] == ["export"]:
        return export(sqlite3.connect(a.store))
    if a.paths[:1] == ["digest"]:
        return digest(sqlite3.connect(a.store), a.since)
    db = open_store(a.store)
    archive = mailbox.Maildir(a.archive) if a.archive else None
    if not a.paths:
        return ingest(db, sys.stdin.buffer.read(), archive)
    for path in a.paths:
        try:
            box = mailbox.Maildir(path, factory=None, create=False)
            keys = sorted(box.keys())
        except OSError:
            with open(path, "rb") as f:
                ingest(db, f.read(), archive)
            continue
        for key in keys:
            with box.get_file(key) as f:
                ingest(db, f.read(), archive)


if __name__ == "__main__":
    sys.exit(main())
