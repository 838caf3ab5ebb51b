# pg-lib.sh: sourced by the PostgreSQL end-to-end tests, after lib.sh.
# pg_start starts a throwaway PostgreSQL 15 cluster on 127.0.0.1 in a
# temporary directory (trust authentication, fsync off) and sets
#     PGSTORE  postgresql://postgres@127.0.0.1:PORT/postgres
#     PGPORT_T the port, PGDIR the cluster directory
# The cluster is stopped and removed on exit.  pg_available says
# whether this can work here (root, initdb installed).
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGDIR=
PGSTORE=
PGPORT_T=

pg_available() {
	[ "$(id -u)" = 0 ] && [ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_ctl" ] &&
	    id postgres >/dev/null 2>&1
}

# Why pg_available said no.
pg_why() {
	if [ "$(id -u)" != 0 ]; then
		echo "PostgreSQL tests start a server and need root"
	elif [ ! -x "$PGBIN/initdb" ]; then
		echo "PostgreSQL 15 is not installed ($PGBIN/initdb)"
	else
		echo "no postgres user"
	fi
}

pg_ctl_() {
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" "$@"
}

pg_stop() {
	if [ -n "$PGDIR" ] && [ -f "$PGDIR/data/postmaster.pid" ]; then
		pg_ctl_ -m immediate -w stop >/dev/null 2>&1 || true
	fi
}

pg_cleanup() {
	pg_stop
	[ -z "$PGDIR" ] || rm -rf "$PGDIR"
	rm -rf "$TMP"
}

# pg_start: 0 when the server runs.  Tries ports from 5400 + a bit of
# the pid up; pg_ctl -w fails quickly when the port is taken.
pg_start() {
	PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/tlsrpt-pg.XXXXXX")
	trap pg_cleanup EXIT
	chown postgres "$PGDIR"
	chmod 700 "$PGDIR"
	runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -A trust \
	    -U postgres -E UTF8 --locale=C >"$TMP/initdb.log" 2>&1 || {
		sed 's/^/# /' "$TMP/initdb.log"
		return 1
	}
	_p=$((5400 + $$ % 50))
	for _try in 1 2 3 4 5 6 7 8 9 10; do
		if pg_ctl_ -l "$PGDIR/log" -w -t 30 -o "-k $PGDIR \
		    -c listen_addresses=127.0.0.1 -p $_p -c fsync=off \
		    -c max_connections=50" start >/dev/null 2>&1; then
			PGPORT_T=$_p
			PGSTORE="postgresql://postgres@127.0.0.1:$_p/postgres"
			return 0
		fi
		_p=$((_p + 1))
	done
	sed 's/^/# /' "$PGDIR/log" 2>/dev/null | tail -n 20
	return 1
}

# psql_ SQL: run SQL on the test server, unaligned, tuples only.
psql_() {
	"$PGBIN/psql" -X -q -A -t -h 127.0.0.1 -p "$PGPORT_T" -U postgres \
	    -d postgres -c "$1"
}

# bulk CMD...: run CMD (ingest, admin, ...) without $VALGRIND: the loops
# that fill a store only need to be fast; the runs that check the
# PostgreSQL code paths keep valgrind.
bulk() {
	_bulk_v=$VALGRIND
	VALGRIND=
	"$@"
	VALGRIND=$_bulk_v
}
