#!/bin/sh
# Install what the build and the whole test suite need on Debian 12.
# Idempotent; does nothing when not root or without apt-get.
set -eu
[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || exit 0
BUILD="build-essential autoconf automake libtool pkg-config
	libgmime-3.0-dev libcjson-dev zlib1g-dev libsqlite3-dev libpq-dev"
TEST="clang valgrind sqlite3 groff-base util-linux postgresql strace
	postfix rsyslog procmail dovecot-core dovecot-sieve netcat-openbsd
	debhelper adduser chromium"
missing=
for p in $BUILD $TEST; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
[ -n "$missing" ] || exit 0
export DEBIAN_FRONTEND=noninteractive
# postfix: no questions, and no mail leaves the machine (tests/e2e/92-postfix.t)
echo "postfix postfix/main_mailer_type select Local only" |
    debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
