#!/bin/sh
# Install what the build and the whole test suite need on Debian 12.
# Idempotent; does nothing when not root or without apt-get.
set -eu
[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || exit 0
BUILD="build-essential autoconf automake libtool pkg-config
	libgmime-3.0-dev libcjson-dev zlib1g-dev libsqlite3-dev"
TEST="clang valgrind sqlite3 groff-base util-linux"
missing=
for p in $BUILD $TEST; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
[ -n "$missing" ] || exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
