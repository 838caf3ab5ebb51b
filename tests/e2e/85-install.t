#!/bin/sh
# make install into a DESTDIR: the programs, the man pages, an example
# configuration that never overwrites the admin's, and the state
# directory; make uninstall keeps an edited configuration.
. "$top_srcdir/tests/e2e/lib.sh"

if ! command -v "${MAKE:-make}" >/dev/null 2>&1; then
	echo "1..0 # SKIP no make"
	exit 0
fi
I="$TMP/inst"

# A make of our own, not a part of the "make check" that runs us.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MAKE:-make}" -s \
	    -C "$abs_top_builddir" DESTDIR="$I" prefix=/usr sysconfdir=/etc \
	    localstatedir=/var "$@" >"$TMP/make.out" 2>&1 || {
		cat "$TMP/make.out"
		return 1
	}
}

ok "make install DESTDIR=..." mk install
(cd "$I" && find . | sort) >"$TMP/list"
sed 's/^/# /' "$TMP/list"
for f in usr/bin/tlsrpt-ingest usr/bin/tlsrpt \
    usr/share/man/man8/tlsrpt-ingest.8 usr/share/man/man1/tlsrpt.1 \
    usr/share/man/man5/tlsrpt.conf.5 etc/tlsrpt/tlsrpt.conf; do
	ok "installs /$f" test -f "$I/$f"
done
ok "the programs are executable" test -x "$I/usr/bin/tlsrpt-ingest" -a \
    -x "$I/usr/bin/tlsrpt"
ok "the installed tlsrpt-ingest runs" sh -c \
    "'$I/usr/bin/tlsrpt-ingest' --version | grep -q '^tlsrpt-ingest [0-9]'"
# libpq and its 19 libraries (OpenSSL, Kerberos, LDAP) cost every
# delivery about 3 ms at start-up: only a postgresql:// store loads it.
if command -v readelf >/dev/null 2>&1; then
	for p in tlsrpt-ingest tlsrpt; do
		ok "$p does not link libpq (loaded for a PostgreSQL store only)" \
		    sh -c "! readelf -d '$I/usr/bin/$p' | grep -q 'NEEDED.*libpq'"
	done
fi
ok "the CGI is a link to tlsrpt-ingest in /usr/lib/cgi-bin" sh -c \
    "[ -L '$I/usr/lib/cgi-bin/tlsrpt-ingest' ] && [ \"\$(readlink '$I/usr/lib/cgi-bin/tlsrpt-ingest')\" = /usr/bin/tlsrpt-ingest ]"
ok "the example configuration is contrib/tlsrpt.conf" \
    cmp "$I/etc/tlsrpt/tlsrpt.conf" "$top_srcdir/contrib/tlsrpt.conf"
ok "the state directory /var/lib/tlsrpt exists" test -d "$I/var/lib/tlsrpt"
ok "the state directory has mode 0770" \
    is "$(stat -c %a "$I/var/lib/tlsrpt")" 770
ok "nothing is installed outside /usr, /etc and /var" sh -c \
    "! grep -Ev '^\\.(\$|/(usr|etc|var)(/|\$))' '$TMP/list'"

# The admin edits the configuration and narrows the state directory; a
# second install keeps both.
echo "# edited by the admin" >>"$I/etc/tlsrpt/tlsrpt.conf"
chmod 750 "$I/var/lib/tlsrpt"
cp "$I/etc/tlsrpt/tlsrpt.conf" "$TMP/edited"
ok "make install again" mk install
ok "an edited configuration is not overwritten" \
    cmp "$I/etc/tlsrpt/tlsrpt.conf" "$TMP/edited"
ok "make install again says it keeps it" grep -q keeping "$TMP/make.out"
ok "an existing state directory keeps its mode" \
    is "$(stat -c %a "$I/var/lib/tlsrpt")" 750

ok "make uninstall" mk uninstall
ok "uninstall removes the programs" test ! -e "$I/usr/bin/tlsrpt-ingest"
ok "uninstall removes the CGI link" test ! -L "$I/usr/lib/cgi-bin/tlsrpt-ingest"
ok "uninstall removes the man pages" \
    test ! -e "$I/usr/share/man/man8/tlsrpt-ingest.8"
ok "uninstall keeps the edited configuration" \
    cmp "$I/etc/tlsrpt/tlsrpt.conf" "$TMP/edited"

# Without the edit, uninstall leaves no file behind.
rm -f "$I/etc/tlsrpt/tlsrpt.conf"
ok "make install into an empty DESTDIR" mk install
ok "make uninstall" mk uninstall
ok "no file is left" is "$(find "$I" -type f | wc -l | tr -d ' ')" 0
done_testing
