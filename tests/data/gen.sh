#!/bin/sh
#
# gen.sh: regenerate every test fixture under tests/data from the heredocs
# below, into the directory this script lives in.
#
#     sh tests/data/gen.sh
#
# Every fixture is our own work: fictional domains (example.com,
# example.net, example.org, *.example), documentation addresses
# (203.0.113.0/24, 198.51.100.0/24, 2001:db8::/32) and invented ids.  The
# "google.com", "microsoft.com" and "mail.ru" names in samples/ only say
# whose report format a sample imitates.
#
# Deterministic: gzip -n (no name, MTIME 0), fixed dates, no randomness,
# so two runs give byte-identical files.  Only POSIX sh and printf, cat,
# gzip -n, base64, head, tr, seq and mkdir (GNU gzip and coreutils: base64
# must wrap at 76 columns).  The generated files are committed; tests
# never run this script.
#
# Layout:
#   samples/  realistic reports a postmaster of example.com / example.org
#             receives over 2026-11-01 .. 2026-11-05 (README demo)
#   mail/     NNN-name.eml, one mail shape or bad input each; 0NN are
#             stored, 1NN are set aside; MANIFEST gives the outcomes
#
set -eu
LC_ALL=C
export LC_ALL

case $0 in
*/*)	cd "${0%/*}" ;;
esac
mkdir -p samples mail

# ---------------------------------------------------------------------
# Byte helpers

# byte N: write the byte with value N (0..255)
byte() {
	# shellcheck disable=SC2059 # the format is the octal escape itself
	printf "\\$(printf '%03o' "$1")"
}

# le16 N, le32 N: little-endian integers (gzip and zip headers)
le16() {
	byte $(($1 & 255))
	byte $(($1 >> 8 & 255))
}
le32() {
	le16 $(($1 & 65535))
	le16 $(($1 >> 16 & 65535))
}

# crlf: copy stdin to stdout with every line ended by CR LF
crlf() {
	while IFS= read -r line; do
		printf '%s\r\n' "$line"
	done
}

# gz: gzip stdin deterministically
gz() {
	gzip -n -c
}

# gz_stored_badcrc TEXT: a gzip member holding TEXT in one stored deflate
# block (no compression), whose CRC-32 is deliberately wrong while ISIZE
# is right.  TEXT must be ASCII and under 64 KiB.
gz_stored_badcrc() {
	n=${#1}
	printf '\037\213\010\000\000\000\000\000\000\377'
	printf '\001'
	le16 "$n"
	le16 $((65535 - n))
	printf '%s' "$1"
	printf '\336\255\276\357'	# CRC-32 0xefbeadde, not the real one
	le32 "$n"
}

# ---------------------------------------------------------------------
# Mail wrappers for tests/data/mail

# fname ID [EXT]: an RFC 8460 §5.1 file name for fixture ID
fname() {
	printf 'reporter.example!example.com!1792454400!1792540799!%s.%s' \
	    "$1" "${2:-json.gz}"
}

# top ID: the header block every fixture mail starts with, up to and
# including MIME-Version
top() {
	cat <<EOF
Return-Path: <tlsrpt-bounces@reporter.example>
Received: from mta1.reporter.example (mta1.reporter.example [198.51.100.25])
	by mx1.example.com (Postfix) with ESMTPS id 4H7q2x0Zz9
	for <tlsrpt@example.com>; Wed, 21 Oct 2026 04:12:09 +0000 (UTC)
Date: Wed, 21 Oct 2026 04:12:07 +0000
From: TLS Reports <tlsrpt@reporter.example>
To: tlsrpt@example.com
Subject: Report Domain: example.com Submitter: reporter.example
 Report-ID: <$1@reporter.example>
Message-ID: <$1.mail@reporter.example>
TLS-Report-Domain: example.com
TLS-Report-Submitter: reporter.example
MIME-Version: 1.0
EOF
}

# wrap ID CTYPE FILENAME CTE: a multipart/report mail (RFC 8460 §5.3)
# whose report part has the given Content-Type, file name and transfer
# encoding; the part body, already encoded, is read from stdin
wrap() {
	top "$1"
	cat <<EOF
Content-Type: multipart/report; report-type=tlsrpt;
	boundary="=_fx_$1"

This is a multi-part message in MIME format.

--=_fx_$1
Content-Type: text/plain; charset=us-ascii

This is an aggregate TLS report from reporter.example.

--=_fx_$1
Content-Type: $2;
	name="$3"
Content-Disposition: attachment;
	filename="$3"
Content-Transfer-Encoding: $4

EOF
	cat
	cat <<EOF

--=_fx_$1--
EOF
}

# report ID: a small valid report, used where only the mail shape matters
report() {
	cat <<EOF
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "$1",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": [
          "version: STSv1",
          "mode: enforce",
          "mx: mx1.example.com",
          "max_age: 604800"
        ],
        "policy-domain": "example.com",
        "mx-host": [
          "mx1.example.com"
        ]
      },
      "summary": {
        "total-successful-session-count": 12,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF
}

# gzmail ID: the usual case, report ID gzip'd and base64'd in
# application/tlsrpt+gzip
gzmail() {
	gz | base64 | wrap "$1" application/tlsrpt+gzip "$(fname "$1")" base64
}

# jsonmail ID: the JSON on stdin as application/tlsrpt+json, 7bit
jsonmail() {
	wrap "$1" application/tlsrpt+json "$(fname "$1" json)" 7bit
}

# =====================================================================
# samples/: what example.com and example.org receive, 2026-11-01..05

# google_mail DOMAIN START-EPOCH YYYY.MM.DD DATE-HEADER MSGID-HEX:
# a Google-style report mail around the JSON on stdin
google_mail() {
	end=$(($2 + 86399))
	gfn="google.com!$1!$2!$end!001.json.gz"
	gb64=$(gz | base64)
	cat <<EOF
Return-Path: <3kQ9aZwsKBOg7890ab1-cd2e-3f4-5gh6ijkl7mn8.op@smtp-tls-reporting.bounces.google.com>
Received: from mail-fx1-x41.google.com (mail-fx1-x41.google.com [2001:db8:4860:4864::41])
	by mx1.$1 (Postfix) with ESMTPS id 4K2mQw1xYz
	for <tlsrpt@$1>; $4
Authentication-Results: mx1.$1;
	dkim=pass header.d=google.com header.s=20230601
MIME-Version: 1.0
Date: $4
TLS-Report-Domain: $1
TLS-Report-Submitter: google.com
Message-ID: <000000000000$5@google.com>
Subject: Report Domain: $1 Submitter: google.com Report-ID: <$3T00.00.00Z+$1@google.com>
From: noreply-smtp-tls-reporting@google.com
To: tlsrpt@$1
Content-Type: multipart/report; boundary="000000000000$5"; report-type=tlsrpt

--000000000000$5
Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes

This is an aggregate TLS report from google.com

--000000000000$5
Content-Type: application/tlsrpt+gzip;
	name="$gfn"
Content-Disposition: attachment;
	filename="$gfn"
Content-Transfer-Encoding: base64

$gb64
--000000000000$5--
EOF
}

# --- 1. Google, example.com, 2026-11-01: all well ---------------------
google_mail example.com 1793491200 2026.11.01 \
    'Mon, 02 Nov 2026 02:41:17 -0800' 5f0c1a2b3c4d5e01 \
    >samples/01-google-ok.eml <<'EOF'
{
  "organization-name": "Google Inc.",
  "date-range": {
    "start-datetime": "2026-11-01T00:00:00Z",
    "end-datetime": "2026-11-01T23:59:59Z"
  },
  "contact-info": "smtp-tls-reporting@google.com",
  "report-id": "2026-11-01T00:00:00Z_example.com",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": [
          "version: STSv1",
          "mode: enforce",
          "mx: mx1.example.com",
          "mx: mx2.example.com",
          "max_age: 604800"
        ],
        "policy-domain": "example.com",
        "mx-host": [
          "mx1.example.com",
          "mx2.example.com"
        ]
      },
      "summary": {
        "total-successful-session-count": 1287,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# --- 2. Google, example.com, 2026-11-02: mx2's certificate expired ----
google_mail example.com 1793577600 2026.11.02 \
    'Tue, 03 Nov 2026 03:08:52 -0800' 7a1d2e3f40516202 \
    >samples/02-google-failures.eml <<'EOF'
{
  "organization-name": "Google Inc.",
  "date-range": {
    "start-datetime": "2026-11-02T00:00:00Z",
    "end-datetime": "2026-11-02T23:59:59Z"
  },
  "contact-info": "smtp-tls-reporting@google.com",
  "report-id": "2026-11-02T00:00:00Z_example.com",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": [
          "version: STSv1",
          "mode: enforce",
          "mx: mx1.example.com",
          "mx: mx2.example.com",
          "max_age: 604800"
        ],
        "policy-domain": "example.com",
        "mx-host": [
          "mx1.example.com",
          "mx2.example.com"
        ]
      },
      "summary": {
        "total-successful-session-count": 1190,
        "total-failure-session-count": 37
      },
      "failure-details": [
        {
          "result-type": "certificate-expired",
          "sending-mta-ip": "2001:db8:4860:4864::1a",
          "receiving-mx-hostname": "mx2.example.com",
          "receiving-ip": "203.0.113.26",
          "failed-session-count": 25
        },
        {
          "result-type": "certificate-expired",
          "sending-mta-ip": "198.51.100.41",
          "receiving-mx-hostname": "mx2.example.com",
          "receiving-ip": "203.0.113.26",
          "failed-session-count": 12
        }
      ]
    }
  ]
}
EOF

# --- 3. Microsoft, example.com, 2026-11-01: mbox From_ line, dates ----
# without offset, STS and TLSA with the same counts, double-encoded TLSA
ms_id=134380537434817253
ms_fn="microsoft.com!example.com!1793491200!1793577599!$ms_id.json.gz"
ms_b64=$(gz <<EOF | base64
{
  "organization-name": "Microsoft Corporation",
  "date-range": {
    "start-datetime": "2026-11-01T00:00:00",
    "end-datetime": "2026-11-01T23:59:59"
  },
  "contact-info": "tlsrpt-noreply@microsoft.com",
  "report-id": "$ms_id+example.com",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": [
          "version: STSv1",
          "mode: enforce",
          "mx: mx1.example.com",
          "mx: mx2.example.com",
          "max_age: 604800"
        ],
        "policy-domain": "example.com"
      },
      "summary": {
        "total-successful-session-count": 311,
        "total-failure-session-count": 0
      }
    },
    {
      "policy": {
        "policy-type": "tlsa",
        "policy-string": [
          "[\"3 1 1 AB9F6C2E0D41B7735E8A1C0F92D6E4B3A57C8D1E2F30415263748596A7B8C9D0\",\"3 1 1 CD01E2F3A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F9012A3B4C5D\"]"
        ],
        "policy-domain": "example.com"
      },
      "summary": {
        "total-successful-session-count": 311,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF
)
cat >samples/03-microsoft.eml <<EOF
From tlsrpt-noreply@microsoft.com  Mon Nov  2 05:09:23 2026
Return-Path: <tlsrpt-noreply@microsoft.com>
Received: from outbound.protection.example.net (outbound.protection.example.net [198.51.100.113])
	by mx1.example.com (Postfix) with ESMTPS id 4K3bTz5Gh2
	for <tlsrpt@example.com>; Mon,  2 Nov 2026 05:09:23 +0000 (UTC)
Authentication-Results: mx1.example.com;
	dkim=pass header.d=microsoft.com header.s=selector2
Received: from BN7PR00CA0042.namprd00.prod.example.net (2001:db8:10b6:40::19)
 by SJ2PR21MB4012.namprd21.prod.example.net (2001:db8:10b6:a03:56d::8) with
 Microsoft SMTP Server (version=TLS1_2,
 cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8901.12; Mon, 2 Nov
 2026 05:09:22 +0000
Received: from BN2PEPF000044A3.namprd04.prod.example.net
 (2001:db8:10b6:405:cafe::4a) by BN7PR00CA0042.outlook.example.net
 (2001:db8:10b6:40::19) with Microsoft SMTP Server (version=TLS1_3,
 cipher=TLS_AES_256_GCM_SHA384) id 15.20.8901.9 via Frontend Transport; Mon,
 2 Nov 2026 05:09:22 +0000
X-MS-TrafficTypeDiagnostic:
	BN2PEPF000044A3:EE_FirstParty-TlsRpt-V3-System|SJ2PR21MB4012:EE_FirstParty-TlsRpt-V3-System
X-MS-PublicTrafficType: Email
X-MS-Office365-Filtering-Correlation-Id: 0d7c3e51-2a94-4f6b-91e8-08de1a2b3c4d
X-MS-Exchange-SenderADCheck: 1
X-MS-Exchange-AntiSpam-Relay: 0
X-Microsoft-Antispam: BCL:0;ARA:13230040|fixture-only;
X-Forefront-Antispam-Report:
	CIP:198.51.100.113;CTRY:ZZ;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:outbound.protection.example.net;PTR:InfoDomainNonexistent;CAT:NONE;SFS:(13230040)(0000000001);DIR:OUT;SFP:1102;
X-MS-Exchange-CrossTenant-OriginalArrivalTime: 02 Nov 2026 05:09:22.4817
 (UTC)
X-MS-Exchange-CrossTenant-Network-Message-Id: 0d7c3e51-2a94-4f6b-91e8-08de1a2b3c4d
X-MS-Exchange-CrossTenant-Id: 00000000-0000-4000-8000-000000000001
X-MS-Exchange-CrossTenant-AuthAs: Internal
X-MS-Exchange-CrossTenant-FromEntityHeader: Internet
X-MS-Exchange-Transport-CrossTenantHeadersStamped: SJ2PR21MB4012
From: <tlsrpt-noreply@microsoft.com>
Date: Mon, 2 Nov 2026 05:09:22 +0000
Subject: Report Domain: example.com Submitter: microsoft.com
 Report-ID: $ms_id+example.com
To: <tlsrpt@example.com>
Message-ID: <$ms_id+example.com@example.com>
MIME-Version: 1.0
Content-Type: multipart/report;
	boundary="_3f9c2d1e-7b6a-4c58-9e0f-a1b2c3d4e5f6_"; report-type=tlsrpt
TLS-Report-Domain: example.com
TLS-Report-Submitter: microsoft.com

--_3f9c2d1e-7b6a-4c58-9e0f-a1b2c3d4e5f6_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

This is an aggregate TLS report from microsoft.com

Privacy Statement: https://privacy.example.net/privacystatement?l=3Den-us&=
source=3Dtlsrpt

--_3f9c2d1e-7b6a-4c58-9e0f-a1b2c3d4e5f6_
Content-Type: application/tlsrpt+gzip
Content-Description:
 $ms_fn
Content-Disposition: attachment;
	filename="$ms_fn"
Content-Transfer-Encoding: base64

$ms_b64

--_3f9c2d1e-7b6a-4c58-9e0f-a1b2c3d4e5f6_--
EOF

# --- 4. Postfix + sys4 tlsrpt-reporter, example.org, 2026-11-02: -----
# no-policy-found without policy-domain, failure-details always present
s4_b64=$(gz <<'EOF' | base64
{
  "organization-name": "mail.example.net",
  "date-range": {
    "start-datetime": "2026-11-02T00:00:00Z",
    "end-datetime": "2026-11-02T23:59:59Z"
  },
  "contact-info": "tlsrpt-noreply@mail.example.net",
  "report-id": "2026-11-02T00:00:00Z_idx1_example.org",
  "policies": [
    {
      "policy": {
        "policy-type": "no-policy-found"
      },
      "summary": {
        "total-successful-session-count": 42,
        "total-failure-session-count": 0
      },
      "failure-details": []
    }
  ]
}
EOF
)
cat >samples/04-postfix.eml <<EOF
Return-Path: <tlsrpt-noreply@mail.example.net>
Received: from mail.example.net (mail.example.net [198.51.100.80])
	by mx1.example.org (Postfix) with ESMTPS id 4K3cVw0Lm8
	for <tlsrpt@example.org>; Tue,  3 Nov 2026 00:17:45 +0000 (UTC)
Content-Type: multipart/report; report-type="tlsrpt";
 boundary="===============5827159304318211956=="
MIME-Version: 1.0
Subject: Report Domain: example.org Submitter: mail.example.net Report-ID:
 <2026-11-02T00:00:00Z_idx1_example.org@mail.example.net>
From: tlsrpt-noreply@mail.example.net
To: tlsrpt@example.org
Date: Tue, 03 Nov 2026 00:17:44 -0000
Message-ID: <178010986403.2746.9031172553604417721@mail.example.net>
TLS-Report-Domain: example.org
TLS-Report-Submitter: mail.example.net
TLS-Required: No

--===============5827159304318211956==
Content-Type: text/plain; charset="us-ascii"
MIME-Version: 1.0
Content-Transfer-Encoding: 7bit

This is an aggregate TLS report from mail.example.net

--===============5827159304318211956==
Content-Type: application/tlsrpt+gzip
MIME-Version: 1.0
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
 filename="mail.example.net!example.org!1793577600!1793663999!1.json.gz"

$s4_b64

--===============5827159304318211956==--
EOF

# --- 5. Mail.ru-style bare JSON, saved by a user, example.com, --------
# 2026-11-03: exclusive end, policy fetch error without IP or MX
cat >samples/05-mailru.json <<'EOF'
{
   "contact-info": "tls_support@corp.mail.ru",
   "date-range": {
      "end-datetime": "2026-11-04T00:00:00Z",
      "start-datetime": "2026-11-03T00:00:00Z"
   },
   "organization-name": "Mail.ru",
   "policies": [
      {
         "failure-details": [
            {
               "failed-session-count": 3,
               "failure-reason-code": "bad https response code: 404",
               "result-type": "sts-policy-fetch-error"
            }
         ],
         "policy": {
            "policy-domain": "example.com",
            "policy-type": "sts"
         },
         "summary": {
            "total-failure-session-count": 3,
            "total-successful-session-count": 0
         }
      }
   ],
   "report-id": "5c1f0e2a-9b7d-4e33-a8c6-2d4f6b8e0a13@mail.ru"
}
EOF

# --- 6. Google, example.org, 2026-11-03, as a bare .json.gz file -----
gz >samples/06-bare.json.gz <<'EOF'
{
  "organization-name": "Google Inc.",
  "date-range": {
    "start-datetime": "2026-11-03T00:00:00Z",
    "end-datetime": "2026-11-03T23:59:59Z"
  },
  "contact-info": "smtp-tls-reporting@google.com",
  "report-id": "2026-11-03T00:00:00Z_example.org",
  "policies": [
    {
      "policy": {
        "policy-type": "no-policy-found",
        "policy-domain": "example.org"
      },
      "summary": {
        "total-successful-session-count": 57,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# --- 7. "Example Mail Service", example.com, 2026-11-04: mx2 lost ------
# STARTTLS and serves a certificate for the wrong name; multipart/mixed
# with application/octet-stream
em_fn='mailservice.example!example.com!1793750400!1793836799!ems7f3a9c.json.gz'
em_b64=$(gz <<'EOF' | base64
{
  "organization-name": "Example Mail Service",
  "date-range": {
    "start-datetime": "2026-11-04T00:00:00Z",
    "end-datetime": "2026-11-04T23:59:59Z"
  },
  "contact-info": "tls-reports@mailservice.example",
  "report-id": "ems-20261104-7f3a9c",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": [
          "version: STSv1",
          "mode: enforce",
          "mx: mx1.example.com",
          "mx: mx2.example.com",
          "max_age: 604800"
        ],
        "policy-domain": "example.com",
        "mx-host": [
          "mx1.example.com",
          "mx2.example.com"
        ]
      },
      "summary": {
        "total-successful-session-count": 530,
        "total-failure-session-count": 13
      },
      "failure-details": [
        {
          "result-type": "starttls-not-supported",
          "sending-mta-ip": "198.51.100.14",
          "receiving-mx-hostname": "mx2.example.com",
          "receiving-ip": "203.0.113.26",
          "failed-session-count": 4
        },
        {
          "result-type": "certificate-host-mismatch",
          "sending-mta-ip": "198.51.100.15",
          "receiving-mx-hostname": "mx2.example.com",
          "receiving-ip": "203.0.113.26",
          "failed-session-count": 9,
          "failure-reason-code": "X509_V_ERR_HOSTNAME_MISMATCH"
        }
      ]
    }
  ]
}
EOF
)
cat >samples/07-examplemail.eml <<EOF
Return-Path: <bounces+tlsrpt@mailservice.example>
Received: from out3.mailservice.example (out3.mailservice.example [198.51.100.14])
	by mx1.example.com (Postfix) with ESMTPS id 4K4dPq6Rs1
	for <tlsrpt@example.com>; Thu,  5 Nov 2026 01:30:12 +0000 (UTC)
From: "Example Mail Service" <tls-reports@mailservice.example>
To: tlsrpt@example.com
Subject: Report Domain: example.com Submitter: mailservice.example
 Report-ID: <ems-20261104-7f3a9c@mailservice.example>
Date: Thu, 05 Nov 2026 01:30:10 +0000
Message-ID: <ems-20261104-7f3a9c.1793842210@mailservice.example>
TLS-Report-Domain: example.com
TLS-Report-Submitter: mailservice.example
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="ems-b7f3a9c0"

--ems-b7f3a9c0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Example Mail Service: SMTP TLS report for example.com,
2026-11-04 00:00 to 23:59 UTC.  The attachment follows RFC 8460.

--ems-b7f3a9c0
Content-Type: application/octet-stream; name="$em_fn"
Content-Disposition: attachment; filename="$em_fn"
Content-Transfer-Encoding: base64

$em_b64
--ems-b7f3a9c0--
EOF

# --- 8. Google, example.com, 2026-11-05: all well again ----------------
google_mail example.com 1793836800 2026.11.05 \
    'Fri, 06 Nov 2026 02:12:40 -0800' 93b4c5d6e7f80805 \
    >samples/08-google-recovered.eml <<'EOF'
{
  "organization-name": "Google Inc.",
  "date-range": {
    "start-datetime": "2026-11-05T00:00:00Z",
    "end-datetime": "2026-11-05T23:59:59Z"
  },
  "contact-info": "smtp-tls-reporting@google.com",
  "report-id": "2026-11-05T00:00:00Z_example.com",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": [
          "version: STSv1",
          "mode: enforce",
          "mx: mx1.example.com",
          "mx: mx2.example.com",
          "max_age: 604800"
        ],
        "policy-domain": "example.com",
        "mx-host": [
          "mx1.example.com",
          "mx2.example.com"
        ]
      },
      "summary": {
        "total-successful-session-count": 1354,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# =====================================================================
# mail/0NN: shapes that must be stored

# 001 multipart/report, application/tlsrpt+gzip, base64 (the RFC shape)
report fx001-multipart-report | gzmail fx001 >mail/001-multipart-report-gzip.eml

# 002 application/tlsrpt+json, 7bit
report fx002-tlsrpt-json-7bit | jsonmail fx002 >mail/002-tlsrpt-json-7bit.eml

# 003 application/tlsrpt+json, quoted-printable with soft line breaks
wrap fx003 application/tlsrpt+json "$(fname fx003 json)" quoted-printable \
    >mail/003-tlsrpt-json-qp.eml <<'EOF'
=7B"organization-name":"Reporter Example","date-range":{"start-datetime":"=
2026-10-20T00:00:00Z","end-datetime":"2026-10-20T23:59:59Z"},"contact-info=
":"tlsrpt@reporter.example","report-id":"fx003-quoted-printable","policies=
":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode:=
 enforce","mx: mx1.example.com","max_age: 604800"],"policy-domain":"exampl=
e.com","mx-host":["mx1.example.com"]},"summary":{"total-successful-session=
-count":12,"total-failure-session-count":0}}]=7D
EOF

# 004 application/tlsrpt without +json or +gzip (plain JSON)
report fx004-tlsrpt-no-suffix |
    wrap fx004 application/tlsrpt "$(fname fx004 json)" 7bit \
    >mail/004-tlsrpt-no-suffix.eml

# 005 a single-part mail whose top-level type is application/tlsrpt+gzip
{
	top fx005
	cat <<EOF
Content-Type: application/tlsrpt+gzip; name="$(fname fx005)"
Content-Disposition: attachment; filename="$(fname fx005)"
Content-Transfer-Encoding: base64

$(report fx005-single-part | gz | base64)
EOF
} >mail/005-single-part-gzip.eml

# 006 multipart/mixed with application/octet-stream named .json.gz
{
	top fx006
	cat <<EOF
Content-Type: multipart/mixed; boundary="=_fx_fx006"

--=_fx_fx006
Content-Type: text/plain; charset=us-ascii

TLS report attached.

--=_fx_fx006
Content-Type: application/octet-stream; name="$(fname fx006)"
Content-Disposition: attachment; filename="$(fname fx006)"
Content-Transfer-Encoding: base64

$(report fx006-mixed-octet-stream | gz | base64)
--=_fx_fx006--
EOF
} >mail/006-mixed-octet-stream.eml

# 007 application/gzip
report fx007-application-gzip | gz | base64 |
    wrap fx007 application/gzip "$(fname fx007)" base64 \
    >mail/007-application-gzip.eml

# 008 application/x-gzip
report fx008-application-x-gzip | gz | base64 |
    wrap fx008 application/x-gzip "$(fname fx008)" base64 \
    >mail/008-application-x-gzip.eml

# 009 application/json named .json
report fx009-application-json | wrap fx009 application/json \
    "$(fname fx009 json)" 7bit >mail/009-application-json.eml

# 010 media type in upper case
report fx010-upper-case-type | gz | base64 |
    wrap fx010 APPLICATION/TLSRPT+GZIP "$(fname fx010)" BASE64 \
    >mail/010-upper-case-type.eml

# 011 RFC 2231 continued, percent-encoded file name
{
	top fx011
	cat <<EOF
Content-Type: multipart/report; report-type=tlsrpt; boundary="=_fx_fx011"

--=_fx_fx011
Content-Type: text/plain; charset=us-ascii

This is an aggregate TLS report from reporter.example.

--=_fx_fx011
Content-Type: application/tlsrpt+gzip
Content-Disposition: attachment;
	filename*0*=UTF-8''reporter.example%21example.com%21;
	filename*1="1792454400!1792540799!fx011.json.gz"
Content-Transfer-Encoding: base64

$(report fx011-rfc2231-filename | gz | base64)
--=_fx_fx011--
EOF
} >mail/011-rfc2231-filename.eml

# 012 a report forwarded by a person: message/rfc822 inside
# multipart/mixed, after a human note
{
	cat <<EOF
Return-Path: <alice@example.net>
Received: from smtp.example.net (smtp.example.net [198.51.100.7])
	by mx1.example.com (Postfix) with ESMTPS id 4H8r3y1Ab2
	for <tlsrpt@example.com>; Thu, 22 Oct 2026 09:15:02 +0000 (UTC)
Date: Thu, 22 Oct 2026 11:15:00 +0200
From: Alice Admin <alice@example.net>
To: tlsrpt@example.com
Subject: Fwd: Report Domain: example.com Submitter: reporter.example
Message-ID: <fx012.fwd@example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_fwd_fx012"

--=_fwd_fx012
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Hi,

this TLS report landed in my own mailbox, forwarding it to the
report address.

Alice

--=_fwd_fx012
Content-Type: message/rfc822
Content-Disposition: attachment; filename="forwarded.eml"

EOF
	report fx012-forwarded | gzmail fx012
	cat <<EOF

--=_fwd_fx012--
EOF
} >mail/012-forwarded-rfc822.eml

# 013 two reports in one mail
{
	top fx013
	cat <<EOF
Content-Type: multipart/report; report-type=tlsrpt; boundary="=_fx_fx013"

--=_fx_fx013
Content-Type: text/plain; charset=us-ascii

Two aggregate TLS reports from reporter.example.

--=_fx_fx013
Content-Type: application/tlsrpt+gzip; name="$(fname fx013a)"
Content-Disposition: attachment; filename="$(fname fx013a)"
Content-Transfer-Encoding: base64

$(report fx013a-first-of-two | gz | base64)

--=_fx_fx013
Content-Type: application/tlsrpt+gzip; name="$(fname fx013b)"
Content-Disposition: attachment; filename="$(fname fx013b)"
Content-Transfer-Encoding: base64

$(report fx013b-second-of-two | gz | base64)
--=_fx_fx013--
EOF
} >mail/013-two-reports.eml

# 014 one report with three policies: sts, tlsa, no-policy-found
gzmail fx014 >mail/014-three-policies.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx014-three-policies",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": [
          "version: STSv1",
          "mode: testing",
          "mx: *.example.com",
          "max_age: 86400"
        ],
        "policy-domain": "example.com",
        "mx-host": [
          "*.example.com"
        ]
      },
      "summary": {
        "total-successful-session-count": 200,
        "total-failure-session-count": 3
      },
      "failure-details": [
        {
          "result-type": "validation-failure",
          "sending-mta-ip": "198.51.100.62",
          "receiving-mx-hostname": "mx1.example.com",
          "receiving-ip": "203.0.113.25",
          "failed-session-count": 3,
          "failure-reason-code": "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY"
        }
      ]
    },
    {
      "policy": {
        "policy-type": "tlsa",
        "policy-string": [
          "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6",
          "2 0 1 4A5D3E28E0F1B3C9D7A6E5F4C3B2A1908172635445362718F9E8D7C6B5A49382"
        ],
        "policy-domain": "mx1.example.com"
      },
      "summary": {
        "total-successful-session-count": 150,
        "total-failure-session-count": 0
      }
    },
    {
      "policy": {
        "policy-type": "no-policy-found",
        "policy-domain": "example.net"
      },
      "summary": {
        "total-successful-session-count": 7,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# 015 the same report attached twice: stored once
fx015=$(report fx015-attached-twice | gz | base64)
{
	top fx015
	cat <<EOF
Content-Type: multipart/report; report-type=tlsrpt; boundary="=_fx_fx015"

--=_fx_fx015
Content-Type: text/plain; charset=us-ascii

This is an aggregate TLS report from reporter.example.

--=_fx_fx015
Content-Type: application/tlsrpt+gzip; name="$(fname fx015)"
Content-Disposition: attachment; filename="$(fname fx015)"
Content-Transfer-Encoding: base64

$fx015

--=_fx_fx015
Content-Type: application/tlsrpt+gzip; name="$(fname fx015)"
Content-Disposition: attachment; filename="$(fname fx015)"
Content-Transfer-Encoding: base64

$fx015
--=_fx_fx015--
EOF
} >mail/015-same-report-twice.eml

# 016 an mbox "From " line before the headers
{
	printf 'From tlsrpt-bounces@reporter.example  Wed Oct 21 04:12:09 2026\n'
	report fx016-mbox-from-line | gzmail fx016
} >mail/016-mbox-from-line.eml

# 017 CR LF line ends throughout
report fx017-crlf | gzmail fx017 | crlf >mail/017-crlf.eml

# 018 labelled application/tlsrpt+gzip, but the body is plain JSON
report fx018-gzip-label-plain-json | base64 |
    wrap fx018 application/tlsrpt+gzip "$(fname fx018)" base64 \
    >mail/018-mislabeled-gzip-is-json.eml

# 019 labelled application/tlsrpt+json, but the body is gzip
report fx019-json-label-gzip-body | gz | base64 |
    wrap fx019 application/tlsrpt+json "$(fname fx019 json)" base64 \
    >mail/019-mislabeled-json-is-gzip.eml

# 020 gzip data followed by a stray CR LF
{ report fx020-gzip-trailing-crlf | gz; printf '\r\n'; } | base64 |
    wrap fx020 application/tlsrpt+gzip "$(fname fx020)" base64 \
    >mail/020-gzip-trailing-crlf.eml

# 021 mx-host as a string, as in RFC 8460 Appendix B
gzmail fx021 >mail/021-mx-host-string.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx021-mx-host-string",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": [
          "version: STSv1",
          "mode: enforce",
          "mx: *.example.com",
          "max_age: 86400"
        ],
        "policy-domain": "example.com",
        "mx-host": "*.example.com"
      },
      "summary": {
        "total-successful-session-count": 31,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# 022 contact-info null, exclusive next-day end, failure-details []
gzmail fx022 >mail/022-contact-info-null.eml <<'EOF'
{
  "organization-name": "mail.example.net",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-21T00:00:00Z"
  },
  "contact-info": null,
  "report-id": "fx022-contact-info-null",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": [
          "version: STSv1",
          "mode: enforce",
          "max_age: 86400",
          "mx: mx1.example.com"
        ],
        "policy-domain": "example.com",
        "mx-host": [
          "mx1.example.com"
        ]
      },
      "summary": {
        "total-successful-session-count": 1,
        "total-failure-session-count": 0
      },
      "failure-details": []
    }
  ]
}
EOF

# 023 no-policy-found without policy-domain (Postfix + sys4 reporter)
gzmail fx023 >mail/023-policy-domain-missing.eml <<'EOF'
{
  "organization-name": "mail.example.net",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt-noreply@mail.example.net",
  "report-id": "fx023-policy-domain-missing",
  "policies": [
    {
      "policy": {
        "policy-type": "no-policy-found"
      },
      "summary": {
        "total-successful-session-count": 4,
        "total-failure-session-count": 0
      },
      "failure-details": []
    }
  ]
}
EOF

# 024 failure details without IP or MX; the details add up to more
# than the total (legitimate, RFC 8460 §4)
gzmail fx024 >mail/024-failure-without-ip-mx.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx024-failure-without-ip-mx",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-domain": "example.com"
      },
      "summary": {
        "total-successful-session-count": 0,
        "total-failure-session-count": 3
      },
      "failure-details": [
        {
          "result-type": "sts-policy-fetch-error",
          "failed-session-count": 3
        },
        {
          "result-type": "sts-policy-fetch-error",
          "failed-session-count": 1,
          "failure-reason-code": "bad https response code: 500"
        }
      ]
    }
  ]
}
EOF

# 025 date-times without an offset (Microsoft, January 2023)
gzmail fx025 >mail/025-dates-without-offset.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00",
    "end-datetime": "2026-10-20T23:59:59"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx025-dates-without-offset",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": [
          "version: STSv1",
          "mode: enforce",
          "mx: mx1.example.com",
          "max_age: 604800"
        ],
        "policy-domain": "example.com"
      },
      "summary": {
        "total-successful-session-count": 9,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# 026 counts above 2^31 and at 2^53-1
gzmail fx026 >mail/026-big-counts.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx026-big-counts",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": [
          "version: STSv1",
          "mode: enforce",
          "mx: mx1.example.com",
          "max_age: 604800"
        ],
        "policy-domain": "example.com",
        "mx-host": [
          "mx1.example.com"
        ]
      },
      "summary": {
        "total-successful-session-count": 3000000000,
        "total-failure-session-count": 9007199254740991
      },
      "failure-details": [
        {
          "result-type": "validation-failure",
          "sending-mta-ip": "198.51.100.62",
          "receiving-mx-hostname": "mx1.example.com",
          "receiving-ip": "203.0.113.25",
          "failed-session-count": 9007199254740991,
          "failure-reason-code": "mx-mismatch"
        }
      ]
    }
  ]
}
EOF

# 027 strings aimed at the outputs: terminal escape, escaped newline (log
# injection), HTML, printf conversions.  Stored; the log must stay one
# line per record.
gzmail fx027 >mail/027-hostile-strings.eml <<'EOF'
{
  "organization-name": "Evil\u001b[2J Reporter\nfake_key=injected <script>alert(1)</script> %s%n",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx027-hostile-strings",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": [
          "version: STSv1\r",
          "mode: enforce\u001b[31m",
          "mx: mx1.example.com",
          "max_age: 604800"
        ],
        "policy-domain": "example.com",
        "mx-host": [
          "mx1.example.com"
        ]
      },
      "summary": {
        "total-successful-session-count": 1,
        "total-failure-session-count": 2
      },
      "failure-details": [
        {
          "result-type": "validation-failure",
          "sending-mta-ip": "198.51.100.66",
          "receiving-mx-hostname": "mx1.example.com<img src=x onerror=alert(2)>",
          "receiving-ip": "203.0.113.25",
          "failed-session-count": 2,
          "failure-reason-code": "%s%n%x%p\u001b]0;pwned\u0007\r\nstatus=stored '; DROP TABLE reports; --",
          "additional-information": "javascript:alert(3)"
        }
      ]
    }
  ]
}
EOF

# 028 an unknown (future) result-type
gzmail fx028 >mail/028-unknown-result-type.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx028-unknown-result-type",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": [
          "version: STSv1",
          "mode: enforce",
          "mx: mx1.example.com",
          "max_age: 604800"
        ],
        "policy-domain": "example.com",
        "mx-host": [
          "mx1.example.com"
        ]
      },
      "summary": {
        "total-successful-session-count": 80,
        "total-failure-session-count": 5
      },
      "failure-details": [
        {
          "result-type": "post-quantum-downgrade",
          "sending-mta-ip": "2001:db8:5::1",
          "receiving-mx-hostname": "mx1.example.com",
          "receiving-ip": "2001:db8:1::25",
          "failed-session-count": 5
        }
      ]
    }
  ]
}
EOF

# 029 extra members nobody defined, at every level
gzmail fx029 >mail/029-extra-members.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "x-generator": "fixture-writer 0.1",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z",
    "x-timezone": "UTC"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx029-extra-members",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": [
          "version: STSv1",
          "mode: enforce",
          "mx: mx1.example.com",
          "max_age: 604800"
        ],
        "policy-domain": "example.com",
        "mx-host": [
          "mx1.example.com"
        ],
        "x-policy-fetched": "2026-10-19T23:12:00Z"
      },
      "summary": {
        "total-successful-session-count": 44,
        "total-failure-session-count": 1,
        "x-total-session-count": 45
      },
      "failure-details": [
        {
          "result-type": "certificate-not-trusted",
          "sending-mta-ip": "198.51.100.9",
          "receiving-mx-hostname": "mx1.example.com",
          "receiving-mx-helo": "mx1.example.com",
          "receiving-ip": "203.0.113.25",
          "failed-session-count": 1,
          "failure-error-code": "self-signed certificate",
          "x-extra": {
            "nested": [
              1,
              2,
              3
            ]
          }
        }
      ],
      "x-per-policy": true
    }
  ],
  "x-vendor": {
    "name": "Example",
    "version": 2
  }
}
EOF

# 030 an attachment name that tries to climb out of a directory
report fx030-dotdot-filename | gz | base64 |
    wrap fx030 application/tlsrpt+gzip '../../tmp/evil.json.gz' base64 \
    >mail/030-dotdot-filename.eml

# =====================================================================
# mail/1NN: bad input that must be set aside (stored=0, folder rejected)

# 101 gzip cut short in the middle of the deflate data
report fx101-truncated-gzip | gz | head -c 100 | base64 |
    wrap fx101 application/tlsrpt+gzip "$(fname fx101)" base64 \
    >mail/101-truncated-gzip.eml

# 102 gzip with a wrong CRC-32 (right length, stored block)
gz_stored_badcrc "$(report fx102-gzip-bad-crc)" | base64 |
    wrap fx102 application/tlsrpt+gzip "$(fname fx102)" base64 \
    >mail/102-gzip-bad-crc.eml

# 103 not JSON: a missing comma and an unquoted key
gzmail fx103 >mail/103-invalid-json.eml <<'EOF'
{
  "organization-name": "Reporter Example"
  "date-range": {
    start-datetime: "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "report-id": "fx103-invalid-json",
  "policies": [
EOF

# 104 a gzip bomb: 100 MiB of spaces in about 100 KiB of gzip
head -c 104857600 /dev/zero | tr '\0' ' ' | gzip -n -9 | base64 |
    wrap fx104 application/tlsrpt+gzip "$(fname fx104)" base64 \
    >mail/104-gzip-bomb.eml

# 105 JSON nested 5000 deep inside an otherwise plausible report
{
	printf '{"organization-name": "Reporter Example", '
	printf '"report-id": "fx105-deep-nesting", "policies": '
	head -c 5000 /dev/zero | tr '\0' '['
	head -c 5000 /dev/zero | tr '\0' ']'
	printf '}\n'
} | gzmail fx105 >mail/105-json-deep-nesting.eml

# 106 a negative count
jsonmail fx106 >mail/106-negative-count.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx106-negative-count",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-domain": "example.com"
      },
      "summary": {
        "total-successful-session-count": -5,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# 107 a count of 1e400 (infinite as a double)
jsonmail fx107 >mail/107-count-1e400.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx107-count-1e400",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-domain": "example.com"
      },
      "summary": {
        "total-successful-session-count": 1e400,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# 108 a count as a string
jsonmail fx108 >mail/108-count-string.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx108-count-string",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-domain": "example.com"
      },
      "summary": {
        "total-successful-session-count": "5",
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# 109 a fractional count
jsonmail fx109 >mail/109-count-float.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx109-count-float",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-domain": "example.com"
      },
      "summary": {
        "total-successful-session-count": 5.5,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# 110 invalid UTF-8: the overlong form C0 AF ("/") inside a string; the
# heredoc writes ~^ and tr turns them into the two raw bytes
tr '~^' '\300\257' <<'EOF' | gzmail fx110 >mail/110-invalid-utf8.eml
{
  "organization-name": "Reporter ~^ Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx110-invalid-utf8",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-domain": "example.com"
      },
      "summary": {
        "total-successful-session-count": 5,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# 111 an empty (0 byte) report attachment
wrap fx111 application/tlsrpt+gzip "$(fname fx111)" base64 \
    </dev/null >mail/111-empty-attachment.eml

# 112 base64 garbage: invalid characters, stray padding
wrap fx112 application/tlsrpt+gzip "$(fname fx112)" base64 \
    >mail/112-base64-garbage.eml <<'EOF'
H4sI!!!AAAA$$AAAAA=
%%%% this is not base64 at all %%%%
=====Zm9v====YmFy***
EOF

# 113 no report-id
jsonmail fx113 >mail/113-missing-report-id.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-domain": "example.com"
      },
      "summary": {
        "total-successful-session-count": 5,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# 114 no policies
jsonmail fx114 >mail/114-missing-policies.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx114-missing-policies"
}
EOF

# 115 policies is an empty array
jsonmail fx115 >mail/115-policies-empty.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx115-policies-empty",
  "policies": []
}
EOF

# 116 a policy without summary
jsonmail fx116 >mail/116-missing-summary.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx116-missing-summary",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-domain": "example.com"
      }
    }
  ]
}
EOF

# 117 no date-range
jsonmail fx117 >mail/117-missing-date-range.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx117-missing-date-range",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-domain": "example.com"
      },
      "summary": {
        "total-successful-session-count": 5,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# 118 the range ends before it starts
jsonmail fx118 >mail/118-end-before-start.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T23:59:59Z",
    "end-datetime": "2026-10-20T00:00:00Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx118-end-before-start",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-domain": "example.com"
      },
      "summary": {
        "total-successful-session-count": 5,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# 119 a zip archive (local file header, stored) labelled tlsrpt+gzip
z=$(report fx119-zip-labelled-gzip)
{
	printf 'PK\003\004'
	le16 20			# version needed
	le16 0			# flags
	le16 0			# method: stored
	le16 0			# time
	le16 23892		# date 2026-10-20
	le32 305419896		# CRC-32 (not computed: 0x12345678)
	le32 $((${#z}))		# compressed size
	le32 $((${#z}))		# uncompressed size
	le16 11			# name length
	le16 0			# extra length
	printf 'report.json%s' "$z"
} | base64 | wrap fx119 application/tlsrpt+gzip "$(fname fx119)" base64 \
    >mail/119-zip-labelled-gzip.eml

# 120 a delivery status notification (RFC 3464) whose returned message
# holds a valid report: never a TLS report, never look inside
{
	cat <<EOF
Return-Path: <>
Received: from mx.example.net (mx.example.net [198.51.100.30])
	by mx1.example.com (Postfix) with ESMTPS id 4H9s4z2Bc3
	for <tlsrpt@example.com>; Fri, 23 Oct 2026 06:00:03 +0000 (UTC)
Date: Fri, 23 Oct 2026 06:00:02 +0000 (UTC)
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: tlsrpt@example.com
Subject: Undelivered Mail Returned to Sender
Message-ID: <fx120.dsn@mx.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="=_fx_fx120_dsn"

This is a MIME-encapsulated message.

--=_fx_fx120_dsn
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<tlsrpt@example.net>: host mx.example.net[198.51.100.30] said: 550 5.1.1
    <tlsrpt@example.net>: Recipient address rejected: User unknown

--=_fx_fx120_dsn
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Fri, 23 Oct 2026 06:00:01 +0000 (UTC)

Final-Recipient: rfc822; tlsrpt@example.net
Original-Recipient: rfc822;tlsrpt@example.net
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.net
Diagnostic-Code: smtp; 550 5.1.1 <tlsrpt@example.net>: Recipient address
    rejected: User unknown

--=_fx_fx120_dsn
Content-Description: Undelivered Message
Content-Type: message/rfc822

Date: Fri, 23 Oct 2026 05:59:58 +0000
From: tlsrpt@example.com
To: tlsrpt@example.net
Subject: Report Domain: example.net Submitter: example.com
 Report-ID: <fx120-in-dsn@example.com>
Message-ID: <fx120.orig@example.com>
TLS-Report-Domain: example.net
TLS-Report-Submitter: example.com
MIME-Version: 1.0
Content-Type: multipart/report; report-type=tlsrpt; boundary="=_fx_fx120_orig"

--=_fx_fx120_orig
Content-Type: text/plain; charset=us-ascii

This is an aggregate TLS report from example.com.

--=_fx_fx120_orig
Content-Type: application/tlsrpt+gzip
Content-Disposition: attachment;
	filename="example.com!example.net!1792454400!1792540799!fx120.json.gz"
Content-Transfer-Encoding: base64

$(report fx120-inside-dsn | gz | base64)
--=_fx_fx120_orig--

--=_fx_fx120_dsn--
EOF
} >mail/120-dsn-bounce.eml

# 121 a person writing to the report address, no attachment
cat >mail/121-human-no-attachment.eml <<'EOF'
Return-Path: <bob@example.org>
Received: from smtp.example.org (smtp.example.org [198.51.100.44])
	by mx1.example.com (Postfix) with ESMTPS id 4HAt5a3Cd4
	for <tlsrpt@example.com>; Sat, 24 Oct 2026 10:20:31 +0000 (UTC)
Date: Sat, 24 Oct 2026 12:20:30 +0200
From: Bob <bob@example.org>
To: tlsrpt@example.com
Subject: unsubscribe
Message-ID: <fx121.human@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Please stop sending me these reports.

Bob
EOF

# 122 not a mail at all: binary bytes with NULs and high bytes
seq 1 700 | tr '0123456789\n' '\000\377\200\033\037\213\001\376\012\302\015' \
    >mail/122-not-a-mail.eml

# 123 a valid report object followed by garbage
jsonmail fx123 >mail/123-json-trailing-garbage.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx123-json-trailing-garbage",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-domain": "example.com"
      },
      "summary": {
        "total-successful-session-count": 5,
        "total-failure-session-count": 0
      }
    }
  ]
} xyz {"report-id": "fx123-second"}
EOF

# 124 the member report-id twice with different values (not I-JSON)
jsonmail fx124 >mail/124-duplicate-member.eml <<'EOF'
{
  "organization-name": "Reporter Example",
  "date-range": {
    "start-datetime": "2026-10-20T00:00:00Z",
    "end-datetime": "2026-10-20T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "fx124-duplicate-member-first",
  "report-id": "fx124-duplicate-member-second",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-domain": "example.com"
      },
      "summary": {
        "total-successful-session-count": 5,
        "total-failure-session-count": 0
      }
    }
  ]
}
EOF

# 125 a DMARC aggregate report (gzip'd XML) sent to the TLS-RPT address
gz <<'EOF' | base64 | wrap fx125 application/gzip \
    'example.com!example.org!1700000000!1700086399.xml.gz' base64 \
    >mail/125-dmarc-xml-gz.eml
<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <report_metadata>
    <org_name>example.com</org_name>
    <email>dmarc-reports@example.com</email>
    <report_id>fx125-dmarc-aggregate</report_id>
    <date_range>
      <begin>1700000000</begin>
      <end>1700086399</end>
    </date_range>
  </report_metadata>
  <policy_published>
    <domain>example.org</domain>
    <adkim>r</adkim>
    <aspf>r</aspf>
    <p>none</p>
    <sp>none</sp>
    <pct>100</pct>
  </policy_published>
  <record>
    <row>
      <source_ip>198.51.100.44</source_ip>
      <count>2</count>
      <policy_evaluated>
        <disposition>none</disposition>
        <dkim>pass</dkim>
        <spf>pass</spf>
      </policy_evaluated>
    </row>
    <identifiers>
      <header_from>example.org</header_from>
    </identifiers>
    <auth_results>
      <dkim>
        <domain>example.org</domain>
        <result>pass</result>
      </dkim>
      <spf>
        <domain>example.org</domain>
        <result>pass</result>
      </spf>
    </auth_results>
  </record>
</feedback>
EOF

# =====================================================================
# mail/MANIFEST: the outcome of ingesting each fixture once into an empty
# store.  Fields are TAB-separated: name, stored=N, folder=main|rejected,
# log=ERE (case-insensitive, matched against the whole log output).

{
	while IFS='|' read -r name n folder re; do
		printf '%s\tstored=%s\tfolder=%s\tlog=%s\n' \
		    "$name" "$n" "$folder" "$re"
	done <<'EOF'
001-multipart-report-gzip|1|main|fx001-multipart-report
002-tlsrpt-json-7bit|1|main|fx002-tlsrpt-json-7bit
003-tlsrpt-json-qp|1|main|fx003-quoted-printable
004-tlsrpt-no-suffix|1|main|fx004-tlsrpt-no-suffix
005-single-part-gzip|1|main|fx005-single-part
006-mixed-octet-stream|1|main|fx006-mixed-octet-stream
007-application-gzip|1|main|fx007-application-gzip
008-application-x-gzip|1|main|fx008-application-x-gzip
009-application-json|1|main|fx009-application-json
010-upper-case-type|1|main|fx010-upper-case-type
011-rfc2231-filename|1|main|fx011-rfc2231-filename
012-forwarded-rfc822|1|main|fx012-forwarded
013-two-reports|2|main|fx013b-second-of-two
014-three-policies|1|main|fx014-three-policies
015-same-report-twice|1|main|duplicate[^s]|duplicates=[1-9]
016-mbox-from-line|1|main|fx016-mbox-from-line
017-crlf|1|main|fx017-crlf
018-mislabeled-gzip-is-json|1|main|fx018-gzip-label-plain-json
019-mislabeled-json-is-gzip|1|main|fx019-json-label-gzip-body
020-gzip-trailing-crlf|1|main|fx020-gzip-trailing-crlf
021-mx-host-string|1|main|fx021-mx-host-string
022-contact-info-null|1|main|fx022-contact-info-null
023-policy-domain-missing|1|main|fx023-policy-domain-missing
024-failure-without-ip-mx|1|main|fx024-failure-without-ip-mx
025-dates-without-offset|1|main|fx025-dates-without-offset
026-big-counts|1|main|fx026-big-counts
027-hostile-strings|1|main|fx027-hostile-strings
028-unknown-result-type|1|main|fx028-unknown-result-type
029-extra-members|1|main|fx029-extra-members
030-dotdot-filename|1|main|fx030-dotdot-filename
101-truncated-gzip|0|rejected|truncat|incomplete|unexpected end|premature
102-gzip-bad-crc|0|rejected|crc|checksum
103-invalid-json|0|rejected|not json|invalid json|parse|syntax
104-gzip-bomb|0|rejected|bomb|limit|exceed|too (big|large)
105-json-deep-nesting|0|rejected|nest|depth|deep
106-negative-count|0|rejected|negative|integer
107-count-1e400|0|rejected|integer|finite|range|overflow
108-count-string|0|rejected|integer|must be a number|type
109-count-float|0|rejected|integer|fraction|whole
110-invalid-utf8|0|rejected|utf-?8|encoding
111-empty-attachment|0|rejected|empty|0 bytes|zero
112-base64-garbage|0|rejected|base64|truncat|corrupt|invalid|empty
113-missing-report-id|0|rejected|report-id
114-missing-policies|0|rejected|policies
115-policies-empty|0|rejected|policies.*empty|empty.*policies
116-missing-summary|0|rejected|summary
117-missing-date-range|0|rejected|date-range
118-end-before-start|0|rejected|before|end-datetime|order
119-zip-labelled-gzip|0|rejected|zip|pk
120-dsn-bounce|0|rejected|delivery-status|delivery status|DSN|bounce
121-human-no-attachment|0|rejected|no report
122-not-a-mail|0|rejected|not a mail|no report|mime|parse|input
123-json-trailing-garbage|0|rejected|not json|trailing|garbage|parse|extra
124-duplicate-member|0|rejected|member|duplicate (key|name)
125-dmarc-xml-gz|0|rejected|not json|xml|parse
EOF
} >mail/MANIFEST
