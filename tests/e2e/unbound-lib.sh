# unbound-lib.sh: a local unbound DNS server for the tests that resolve
# (71-dns.t, 72-dkim.t, ...).  Source it after lib.sh:
#
#	. "$top_srcdir/tests/e2e/lib.sh"
#	. "$top_srcdir/tests/e2e/unbound-lib.sh"
#	{
#		echo 'local-zone: "reporter.example." static'
#		ub_txt sel._domainkey.reporter.example "v=DKIM1; k=rsa; p=..."
#		echo 'local-zone: "timeout.example." deny'
#	} >"$TMP/zone.conf"
#	unbound_start "$TMP/zone.conf" || { skip "no unbound"; done_testing; exit 0; }
#	TI_TEST_DNS=$UB_SERVER ...		# "127.0.0.1@PORT"
#
# unbound_start SNIPPET writes $TMP/unbound/unbound.conf: a server that
# listens on 127.0.0.1@$UB_PORT only, runs in the foreground as the
# current user, logs to $TMP/unbound/unbound.log and answers nothing but
# the snippet's zones: `local-zone: "." refuse` keeps every other query on
# the host (REFUSED, which libunbound turns into SERVFAIL).  The
# snippet's lines go last, into the server: clause, so they may be
# local-zone:/local-data: lines and may also open auth-zone: clauses (put
# a `server:` line after such a clause to go on with server lines, or use
# ub_auth_zone).  The server runs module-config "iterator" (no validation
# of its own: the client validates); a snippet may set module-config:
# again, the last one wins.  It returns non-zero when unbound is missing
# or did not start (the caller skips); unbound stops when the test exits,
# or at unbound_stop.
#
# Per zone case (unbound 1.17 and libunbound; doc/trust.md, '6. Test lab'):
#	local-zone: "z.example." static	+ local-data	the records
#	a name missing from a static zone		NXDOMAIN
#	a name with other types only			NODATA
#	local-zone: "z.example." deny			no answer: a timeout
#	local-zone: "z.example." refuse		REFUSED: SERVFAIL
# Use names under .example: libunbound answers *.test itself (NXDOMAIN).
#
# ub_txt NAME TEXT prints a local-data line for one TXT record, TEXT cut
# into character-strings of at most 255 bytes.
#
# DNSSEC (needs ldns-keygen and ldns-signzone, package ldnsutils):
#	printf '%s\n' '$ORIGIN signed.example.' '$TTL 300' \
#	    '@ SOA ns.signed.example. h.signed.example. 1 3600 600 86400 300' \
#	    '@ NS ns.signed.example.' 'ns A 127.0.0.1' \
#	    'www TXT "hello"' >"$TMP/signed.zone"
#	ds=$(ub_sign_zone signed.example "$TMP/signed.zone") || skip ...
#	ub_auth_zone signed.example "$TMP/signed.zone.signed" >>"$TMP/zone.conf"
# ub_sign_zone makes one ECDSAP256SHA256 key (a KSK that signs the whole
# zone), writes ZONEFILE.signed (with NSEC) and prints the path of a file
# holding the zone's DS record, for resolver_conf.trust_anchor
# (ub_ctx_add_ta_file).  ub_auth_zone ZONE FILE prints the lines that
# serve FILE as an auth-zone (and a `local-zone: transparent` that lets
# its queries past the "." refuse zone).
#
# Design rationale:
# - A unique port picked at random and so-reuseport: no: another unbound
#   on the machine may share a port with SO_REUSEPORT and take our
#   queries (doc/trust.md, '6. Test lab').  A port that is taken makes
#   unbound exit; we try another.
# - Ready means "answers a query" (dig or drill), else the log line
#   "start of service"; nothing else proves the socket is bound.
# - lib.sh's EXIT trap (rm -rf $TMP) is kept: ours runs unbound_stop and
#   then whatever the trap was.  INT, TERM and HUP exit through it too, and
#   unbound runs under timeout(1) so that a test killed by SIGKILL leaves
#   no server behind for long.

UB_PORT=
UB_SERVER=
UB_PID=
UB_DIR="$TMP/unbound"
: "${UNBOUND:=/usr/sbin/unbound}"
: "${UB_LIFETIME:=3600}"

# Chain our cleanup in front of the EXIT trap in force (lib.sh's).
_ub_trap_set=
# shellcheck disable=SC2016,SC2089,SC2090
_ub_chain_trap() {
	[ -z "$_ub_trap_set" ] || return 0
	_ub_trap_set=1
	trap >"$TMP/.traps"
	_ub_prev_exit=$(sed -n 's/^trap -- \(.*\) EXIT$/\1/p' "$TMP/.traps")
	rm -f "$TMP/.traps"
	if [ -n "$_ub_prev_exit" ]; then
		eval "_ub_prev_exit=$_ub_prev_exit"
	else
		_ub_prev_exit='rm -rf "$TMP"'
	fi
	trap 'unbound_stop; eval "$_ub_prev_exit"' EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# A random port in 20000..59999 that nothing listens on (UDP or TCP).
_ub_pick_port() {
	_p=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	_p=$((20000 + _p % 40000))
	if command -v ss >/dev/null 2>&1; then
		while ss -Hlnut "sport = :$_p" 2>/dev/null | grep -q .; do
			_p=$((_p + 1))
		done
	fi
	echo "$_p"
}

# Does the server on port $1 answer?  0 yes, 1 no, 2 cannot tell.
_ub_answers() {
	if command -v dig >/dev/null 2>&1; then
		dig @127.0.0.1 -p "$1" +time=1 +tries=1 +norecurse \
		    version.bind CH TXT 2>/dev/null | grep -q 'status:'
	elif command -v drill >/dev/null 2>&1; then
		drill -p "$1" -Q version.bind @127.0.0.1 CH TXT \
		    >/dev/null 2>&1
	else
		return 2
	fi
}

unbound_start() {
	if [ ! -x "$UNBOUND" ]; then
		echo "# $UNBOUND is not installed" >&2
		return 1
	fi
	[ -r "$1" ] || {
		echo "# unbound_start: cannot read $1" >&2
		return 1
	}
	unbound_stop
	_ub_chain_trap
	mkdir -p "$UB_DIR"
	_ub_try=0
	while [ "$_ub_try" -lt 5 ]; do
		_ub_try=$((_ub_try + 1))
		UB_PORT=$(_ub_pick_port)
		_ub_write_conf "$1"
		: >"$UB_DIR/unbound.log"
		: >"$UB_DIR/unbound.out"
		# unbound -d logs its startup errors to stderr as well.
		if command -v timeout >/dev/null 2>&1; then
			timeout "$UB_LIFETIME" "$UNBOUND" -d -c \
			    "$UB_DIR/unbound.conf" \
			    >>"$UB_DIR/unbound.out" 2>&1 &
		else
			"$UNBOUND" -d -c "$UB_DIR/unbound.conf" \
			    >>"$UB_DIR/unbound.out" 2>&1 &
		fi
		UB_PID=$!
		_ub_n=0
		while [ "$_ub_n" -lt 100 ]; do # 10 s
			if ! kill -0 "$UB_PID" 2>/dev/null; then
				break
			fi
			_ub_rc=0
			_ub_answers "$UB_PORT" || _ub_rc=$?
			if [ "$_ub_rc" = 0 ] || { [ "$_ub_rc" = 2 ] &&
			    grep -q 'start of service' \
				"$UB_DIR/unbound.log"; }; then
				UB_SERVER="127.0.0.1@$UB_PORT"
				export UB_PORT UB_SERVER
				return 0
			fi
			sleep 0.1
			_ub_n=$((_ub_n + 1))
		done
		# Died (port taken, bad snippet) or never answered.
		unbound_stop
		if grep -q -i 'error' "$UB_DIR/unbound.out" \
		    "$UB_DIR/unbound.log" 2>/dev/null &&
		    ! grep -q -i 'bind\|address already in use' \
			"$UB_DIR/unbound.out" "$UB_DIR/unbound.log"; then
			break # a configuration error: no retry helps
		fi
	done
	echo "# unbound did not start:" >&2
	cat "$UB_DIR/unbound.out" "$UB_DIR/unbound.log" 2>/dev/null |
	    tail -n 20 | sed 's/^/# /' >&2
	UB_PORT=
	return 1
}

_ub_write_conf() {
	{
		echo 'server:'
		echo "	interface: 127.0.0.1@$UB_PORT"
		echo "	port: $UB_PORT"
		echo '	so-reuseport: no'
		echo '	do-ip6: no'
		echo '	do-daemonize: no'
		echo '	username: ""'
		echo '	chroot: ""'
		echo "	directory: \"$UB_DIR\""
		echo "	pidfile: \"$UB_DIR/unbound.pid\""
		echo '	use-syslog: no'
		echo "	logfile: \"$UB_DIR/unbound.log\""
		echo '	verbosity: 1'
		echo '	num-threads: 1'
		echo '	module-config: "iterator"'
		echo '	access-control: 127.0.0.0/8 allow'
		echo '	local-zone: "." refuse'
		echo '	# the test snippet'
		sed 's/^/	/' "$1"
		echo
		echo 'remote-control:'
		echo '	control-enable: no'
	} >"$UB_DIR/unbound.conf"
}

unbound_stop() {
	if [ -n "$UB_PID" ]; then
		kill "$UB_PID" 2>/dev/null || :
		_ub_n=0
		while kill -0 "$UB_PID" 2>/dev/null && [ "$_ub_n" -lt 50 ]; do
			sleep 0.1
			_ub_n=$((_ub_n + 1))
		done
		kill -9 "$UB_PID" 2>/dev/null || :
		wait "$UB_PID" 2>/dev/null || :
		UB_PID=
	fi
	return 0
}

# ub_txt NAME TEXT: a local-data line for one TXT record of NAME.
ub_txt() {
	_n=$1
	case $_n in *.) ;; *) _n="$_n." ;; esac
	printf '%s' "$2" | LC_ALL=C awk -v name="$_n" '
	    BEGIN { RS = "\001\002\003"; ORS = "" }
	    { t = $0 }
	    END {
		s = ""
		do {
			c = substr(t, 1, 255)
			t = substr(t, 256)
			gsub(/\\/, "\\\\&", c)
			gsub(/"/, "\\\"", c)
			s = s " \"" c "\""
		} while (length(t) > 0)
		printf "local-data: '"'"'%s 300 IN TXT%s'"'"'\n", name, s
	    }'
}

# ub_sign_zone ZONE ZONEFILE: sign ZONEFILE into ZONEFILE.signed; print
# the path of the zone's DS record.
ub_sign_zone() {
	if ! command -v ldns-keygen >/dev/null 2>&1 ||
	    ! command -v ldns-signzone >/dev/null 2>&1; then
		echo "# ldns-keygen/ldns-signzone not installed" >&2
		return 1
	fi
	_z=${1%.}
	_kd="$TMP/dnssec/$_z"
	mkdir -p "$_kd"
	_k=$(cd "$_kd" && ldns-keygen -a ECDSAP256SHA256 -k "$_z.") || return 1
	ldns-signzone -o "$_z." -f "$2.signed" "$2" "$_kd/$_k" \
	    >"$_kd/signzone.out" 2>&1 || {
		sed 's/^/# /' "$_kd/signzone.out" >&2
		return 1
	}
	[ -s "$_kd/$_k.ds" ] || return 1
	echo "$_kd/$_k.ds"
}

# ub_auth_zone ZONE FILE: the snippet lines that serve FILE for ZONE.
ub_auth_zone() {
	_z=${1%.}
	echo "local-zone: \"$_z.\" transparent"
	echo 'auth-zone:'
	echo "	name: \"$_z.\""
	echo "	zonefile: \"$2\""
	echo '	for-downstream: yes'
	echo '	for-upstream: no'
	echo '	fallback-enabled: no'
	echo 'server:'
}
