#!/bin/sh
# The Debian package: build it with dpkg-buildpackage -us -uc -b from the
# files of the dist tarball (make distdir), install it with dpkg -i, and
# check the programs, the tlsrpt system user, the store directory and the
# conffile; a report delivered as tlsrpt lands in the default store.
# Purges the package at the end.  Slow: runs in the plain build only.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/mta-lib.sh"

heavy_or_skip
need_root dpkg
serialize dpkg
for p in dpkg-buildpackage dh dpkg-checkbuilddeps make; do
	command -v "$p" >/dev/null 2>&1 ||
	    skip_all "$p missing (Debian packages dpkg-dev, debhelper)"
done
# Never over a real installation.
if dpkg-query -W -f='${Status}' tlsrpt-ingest 2>/dev/null |
    grep -q installed || [ -e /usr/bin/tlsrpt-ingest ] ||
    [ -e /var/lib/tlsrpt/reports.db ]; then
	skip_all "tlsrpt-ingest is installed on this machine already"
fi
VERSION=$(sed -n 's/^PACKAGE_VERSION = //p' "$abs_top_builddir/Makefile")
SRC="$TMP/pkg/tlsrpt-ingest-$VERSION"
mkdir -p "$TMP/pkg"

ok "make distdir" sh -c "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    make -s -C '$abs_top_builddir' distdir distdir='$SRC' >'$TMP/dist.out' 2>&1"
ok "debian/ is in the dist tarball" test -x "$SRC/debian/rules"
if ! (cd "$SRC" && dpkg-checkbuilddeps) >"$TMP/deps.out" 2>&1; then
	sed 's/^/# /' "$TMP/deps.out"
	skip "build dependencies missing"
	done_testing
	exit
fi
t0=$(date +%s)
ok "dpkg-buildpackage -us -uc -b" sh -c "cd '$SRC' && \
    DEB_BUILD_OPTIONS='nocheck parallel=2' dpkg-buildpackage -us -uc -b \
    >'$TMP/build.out' 2>&1 || { tail -n 40 '$TMP/build.out'; exit 1; }"
echo "# built in $(($(date +%s) - t0)) s"
DEB=$(find "$TMP/pkg" -maxdepth 1 -name "tlsrpt-ingest_${VERSION}_*.deb" | head -n 1)
ok "a .deb" test -f "$DEB"
[ -f "$DEB" ] || {
	done_testing
	exit
}
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { print "# " $NF }'

purge() {
	dpkg --purge tlsrpt-ingest >/dev/null 2>&1 || true
	rm -f /var/lib/tlsrpt/reports.db /var/lib/tlsrpt/reports.db-wal \
	    /var/lib/tlsrpt/reports.db-shm
	rmdir /var/lib/tlsrpt /etc/tlsrpt 2>/dev/null || true
}
trap 'purge; rm -rf "$TMP"' EXIT
trap 'exit 1' HUP INT TERM
ok "dpkg -i" sh -c "dpkg -i '$DEB' >'$TMP/dpkg.out' 2>&1 || \
    { cat '$TMP/dpkg.out'; exit 1; }"
ok "tlsrpt-ingest --version" sh -c \
    "/usr/bin/tlsrpt-ingest --version | grep -qx 'tlsrpt-ingest $VERSION'"
ok "the CGI link in /usr/lib/cgi-bin runs it" sh -c \
    "/usr/lib/cgi-bin/tlsrpt-ingest --version | grep -qx 'tlsrpt-ingest $VERSION'"
ok "tlsrpt --version" sh -c "/usr/bin/tlsrpt --version | grep -q '$VERSION'"
ok "the man pages" test -f /usr/share/man/man8/tlsrpt-ingest.8.gz -a \
    -f /usr/share/man/man1/tlsrpt.1.gz -a -f /usr/share/man/man5/tlsrpt.conf.5.gz
ok "the examples" test -f \
    /usr/share/doc/tlsrpt-ingest/examples/postfix/master.cf
ok "the copyright" grep -q '^License: ISC' \
    /usr/share/doc/tlsrpt-ingest/copyright
ok "/etc/tlsrpt/tlsrpt.conf is a conffile" sh -c \
    "dpkg-query -W -f='\${Conffiles}' tlsrpt-ingest |
    grep -q '^ /etc/tlsrpt/tlsrpt.conf '"
ok "the tlsrpt user exists" getent passwd tlsrpt
uid=$(id -u tlsrpt 2>/dev/null || echo 99999)
ok "tlsrpt is a system user" test "$uid" -lt 1000
ok "tlsrpt's home is /var/lib/tlsrpt" \
    is "$(getent passwd tlsrpt | cut -d: -f6)" /var/lib/tlsrpt
ok "tlsrpt has no login shell" sh -c \
    "getent passwd tlsrpt | cut -d: -f7 | grep -Eq '/(nologin|false)\$'"
ok "/var/lib/tlsrpt belongs to tlsrpt:tlsrpt, mode 750" \
    is "$(stat -c %U:%G:%a /var/lib/tlsrpt)" tlsrpt:tlsrpt:750

# As the pipe(8) transport runs it: user tlsrpt, the default store.
set +e
setpriv --reuid=tlsrpt --regid=tlsrpt --clear-groups env -i \
    PATH=/usr/bin:/bin /usr/bin/tlsrpt-ingest --dkim=off \
    <"$DATA/samples/02-google-failures.eml" >"$TMP/out" 2>&1
rc=$?
set -e
ok "a report delivered as tlsrpt: exit 0" is "$rc" 0
ok "... stored in /var/lib/tlsrpt/reports.db" test -f \
    /var/lib/tlsrpt/reports.db
ok "root's tlsrpt list shows it" sh -c \
    "/usr/bin/tlsrpt list | grep -q example.com"
ok "... and leaves no root-owned file" \
    is "$(find /var/lib/tlsrpt -user root | wc -l | tr -d ' ')" 0

ok "dpkg --purge" dpkg --purge tlsrpt-ingest
ok "the programs are gone" test ! -e /usr/bin/tlsrpt-ingest -a \
    ! -L /usr/lib/cgi-bin/tlsrpt-ingest
ok "the configuration is gone" test ! -e /etc/tlsrpt/tlsrpt.conf
done_testing
