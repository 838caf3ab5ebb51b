#!/bin/sh
# Install what the build and the whole test suite need on Debian 12.
# Idempotent; does nothing when not root or without apt-get.
set -eu
[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || exit 0
BUILD="build-essential autoconf automake libtool pkg-config
	libgmime-3.0-dev libcjson-dev zlib1g-dev libsqlite3-dev libpq-dev
	libopendkim-dev libunbound-dev libevent-dev nettle-dev libpsl-dev dns-root-data
	libcurl4-openssl-dev libssl-dev"
TEST="clang valgrind sqlite3 time groff-base util-linux postgresql strace
	postfix rsyslog procmail dovecot-core dovecot-sieve dovecot-imapd
	fetchmail getmail6 netcat-openbsd
	debhelper adduser chromium
	unbound python3-dkim opendkim opendkim-tools ldnsutils bind9-dnsutils
	nginx fcgiwrap lighttpd lighttpd-mod-openssl curl openssl
	prometheus prometheus-node-exporter"
# --- OpenSMTPD, for tests/e2e/97-opensmtpd.t (begin) ---
# Its package conflicts with Postfix: never installed.  Its .deb, and
# those of the libraries it needs that are not installed, are downloaded
# (only when missing) into a cache that the test unpacks with dpkg -x.
osdebs=/var/cache/tlsrpt-test-debs/opensmtpd
osdebs_get() {
	mkdir -p "$osdebs" && cd "$osdebs" || return 1
	apt-cache show opensmtpd >/dev/null 2>&1 || apt-get update -qq ||
	    return 1
	need=opensmtpd
	for l in $(apt-cache depends --no-recommends --no-suggests opensmtpd |
	    sed -n 's/^ *Depends: \(lib[^ <]*\|zlib[^ <]*\)$/\1/p'); do
		dpkg-query -W -f='${Status}' "$l" 2>/dev/null |
		    grep -q 'ok installed' || need="$need $l"
	done
	# shellcheck disable=SC2086
	apt-get download $need >/dev/null 2>&1
}
ls "$osdebs"/opensmtpd_*.deb >/dev/null 2>&1 || (osdebs_get) ||
    echo "deps.sh: no opensmtpd .deb (97-opensmtpd.t will skip)" >&2
# --- OpenSMTPD (end) ---
# --- Exim, for tests/e2e/97-exim.t (begin) ---
# Debian's Exim conflicts with Postfix: never installed.  Its .debs
# (exim4-config for its update-exim4.conf), and those of the libraries
# it needs that are not installed (libidn12), are downloaded (only when
# missing) into a cache that the test unpacks with dpkg -x.
exdebs=/var/cache/tlsrpt-test-debs/exim
if ! ls "$exdebs"/exim4-daemon-light_*.deb "$exdebs"/exim4-base_*.deb \
    "$exdebs"/exim4-config_*.deb >/dev/null 2>&1; then
	(
		mkdir -p "$exdebs" && cd "$exdebs" &&
		    { apt-cache show exim4-daemon-light >/dev/null 2>&1 ||
		    apt-get update -qq; } &&
		    need="exim4-daemon-light exim4-base exim4-config $(apt-cache depends \
			--no-recommends --no-suggests exim4-daemon-light |
			sed -n 's/^ *Depends: \(lib[^ <]*\)$/\1/p' |
			while read -r l; do
			    dpkg-query -W -f='${Status}' "$l" 2>/dev/null |
				grep -q 'ok installed' || echo "$l"
			done)" &&
		    # shellcheck disable=SC2086
		    apt-get download $need >/dev/null 2>&1
	) || echo "deps.sh: no Exim .debs (97-exim.t will skip)" >&2
fi
# --- Exim (end) ---
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
# Packages that ship a service (unbound, opendkim, postfix, dovecot) must
# not start it: the tests start their own instances on free ports.
# policy-rc.d exiting 101 tells invoke-rc.d "not now"; restore whatever
# was there before.
prc=/usr/sbin/policy-rc.d
saved=
if [ -e "$prc" ]; then
	saved=$(mktemp)
	cp -p "$prc" "$saved"
fi
printf '#!/bin/sh\nexit 101\n' >"$prc"
chmod 755 "$prc"
# shellcheck disable=SC2086
st=0
apt-get install -y -qq --no-install-recommends $missing >/dev/null || st=$?
if [ -n "$saved" ]; then
	mv "$saved" "$prc"
else
	rm -f "$prc"
fi
exit $st
