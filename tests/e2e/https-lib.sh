# https-lib.sh: tlsrpt-ingest as a CGI program behind real web servers
# (74-cgi.t, 75-cgi-lighttpd.t, 76-cgi-load.t).  Source it after lib.sh:
#
#	. "$top_srcdir/tests/e2e/lib.sh"
#	. "$top_srcdir/tests/e2e/https-lib.sh"
#	https_ca || { skip "no openssl"; done_testing; exit 0; }
#	https_conf <<EOF			# the CGI's tlsrpt.conf: $HS_CONF
#	[trust]
#	domains = example.com
#	EOF
#	nginx_start "$HS_CGI" "$HS_CONF" || { skip "no nginx"; ...; }
#	post "$NGINX_URL" report.json.gz	# $POST_STATUS, $POST_BODY
#	lighttpd_start "$HS_CGI" "$HS_CONF" && post "$LIGHTTPD_URL" ...
#
# https_ca makes a test CA and a server certificate for 127.0.0.1 and
# localhost ($HS_CA is what curl trusts).  https_conf writes the CGI's
# configuration from standard input after the lines it always has: the
# store $HS_DB and the archive $HS_MD in $HS_DIR, the log on stderr.
# nginx_start CGI CONF runs nginx with fcgiwrap, lighttpd_start CGI CONF
# lighttpd with mod_cgi; both on 127.0.0.1, a port picked at run time
# (another one when it is taken), TLS with the test certificate, the
# location taken from contrib/https/ with only its paths changed, so
# that what ships is what is tested.  CGI is $HS_CGI, a script that runs
# tlsrpt-ingest (under $VALGRIND when set) and writes "cgi-exit: N" to
# its stderr, which is $HS_CGILOG for both servers (with the program's
# log lines); cgi_exits prints the exit statuses seen that are not 0.
# post URL FILE [CURL ARGS] posts like sys4's tlsrpt-reporter (curl
# --silent, Content-Type: application/tlsrpt+gzip, --data-binary);
# POST_TYPE changes the Content-Type.  hget URL sends a GET.  Both set
# POST_STATUS (000 when curl failed), POST_BODY, POST_RC (curl's exit)
# and leave the answer's header fields in $TMP/post.headers.
# as_www CMD runs CMD as the servers' user (to touch the store).
#
# Design rationale:
# - As root, the servers and the CGI run as nobody (setpriv), in
#   $HS_DIR, which nobody owns; otherwise as the caller.  One path for
#   CI (root) and a developer (not root), and the one a real site has: a
#   web server user that is not the store's owner by birth must be able
#   to write the store and the archive.  As root, nginx's workers would
#   be nobody while fcgiwrap ran the CGI as root, a setup no site has,
#   which hides permission faults; and files root makes in the store
#   (its -wal and -shm) would lock nobody out later.
# - The program is copied into $HS_DIR: the build tree may be under a
#   home directory nobody cannot enter.
# - Each server runs in a process group of its own (setsid; the
#   background job's pid is the group's id) under timeout(1), so that a
#   test killed hard leaves nothing for long; the exit trap stops the
#   whole groups (fcgiwrap's children and running CGIs outlive a killed
#   parent) and waits until they are empty.  The trap is chained in
#   front of the one in force, on one line (unbound-lib.sh reads it).
# - fcgiwrap passes its own environment to the CGI: it starts with a
#   clean one (PATH, and the sanitizers' options when set).

HS_DIR="$TMP/https"
HS_CA="$HS_DIR/ca.pem"
HS_CONF="$HS_DIR/tlsrpt.conf"
HS_CGI="$HS_DIR/cgi/tlsrpt-ingest"
HS_DB="$HS_DIR/store/reports.db"
HS_MD="$HS_DIR/Maildir"
HS_CGILOG="$HS_DIR/logs/cgi-stderr.log"
: "${HS_LIFETIME:=3600}"
: "${HS_FCGI_CHILDREN:=4}"
NGINX_URL=
LIGHTTPD_URL=
POST_STATUS=
POST_BODY=
POST_RC=
POST_TYPE=application/tlsrpt+gzip
_hs_groups=
_hs_trap_set=

# as_www CMD...: run CMD as the web server's user.
as_www() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
	else
		"$@"
	fi
}

# Chain our cleanup in front of the EXIT trap in force (lib.sh's).
# shellcheck disable=SC2016,SC2089,SC2090
_hs_chain_trap() {
	[ -z "$_hs_trap_set" ] || return 0
	_hs_trap_set=1
	trap >"$TMP/.hs-traps"
	_hs_prev_exit=$(sed -n 's/^trap -- \(.*\) EXIT$/\1/p' "$TMP/.hs-traps")
	rm -f "$TMP/.hs-traps"
	if [ -n "$_hs_prev_exit" ]; then
		eval "_hs_prev_exit=$_hs_prev_exit"
	else
		_hs_prev_exit='rm -rf "$TMP"'
	fi
	trap 'https_stop_all; eval "$_hs_prev_exit"' EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# _hs_stop_group PGID: TERM the group, wait until it is empty (KILL
# after 5 s).
_hs_stop_group() {
	kill -TERM "-$1" 2>/dev/null || return 0
	_i=0
	while kill -0 "-$1" 2>/dev/null; do
		_i=$((_i + 1))
		if [ "$_i" -eq 50 ]; then
			kill -KILL "-$1" 2>/dev/null || :
		elif [ "$_i" -gt 80 ]; then
			break
		fi
		sleep 0.1
	done
	wait "$1" 2>/dev/null || :
}

# https_stop NAME: stop the server NAME (nginx, fcgiwrap, lighttpd).
https_stop() {
	eval "_g=\${_hs_pg_$1:-}"
	[ -n "$_g" ] || return 0
	_hs_stop_group "$_g"
	eval "_hs_pg_$1="
}

https_stop_all() {
	https_stop nginx
	https_stop fcgiwrap
	https_stop lighttpd
}

# _hs_spawn NAME LOG CMD...: start CMD as the web server's user in a
# new process group; its group id in _hs_pg_NAME.
_hs_spawn() {
	_n=$1 _log=$2
	shift 2
	_hs_chain_trap
	if command -v timeout >/dev/null 2>&1; then
		set -- timeout "$HS_LIFETIME" "$@"
	fi
	setsid "$@" </dev/null >>"$_log" 2>&1 &
	eval "_hs_pg_$_n=$!"
}

# A random port in 20000..59999 that nothing listens on now.
_hs_pick_port() {
	_p=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	_p=$((20000 + _p % 40000))
	if command -v ss >/dev/null 2>&1; then
		while ss -Hlnt "sport = :$_p" 2>/dev/null | grep -q .; do
			_p=$((_p + 1))
		done
	fi
	echo "$_p"
}

# _hs_wait_up NAME URL: until URL answers over HTTPS (any status), or
# the server exits (a port taken), or 10 s.
_hs_wait_up() {
	eval "_g=\$_hs_pg_$1"
	_i=0
	while [ "$_i" -lt 100 ]; do
		kill -0 "$_g" 2>/dev/null || return 1
		_c=$(curl --silent --output /dev/null --write-out '%{http_code}' \
		    --max-time 2 --cacert "$HS_CA" "$2" 2>/dev/null) || :
		case $_c in
		[1-5][0-9][0-9]) return 0 ;;
		esac
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# _hs_setup: $HS_DIR and its subdirectories, owned by the server user;
# the program copied in, and the CGI script that runs it.
_hs_setup() {
	[ -d "$HS_DIR/cgi" ] && return 0
	mkdir -p "$HS_DIR/bin" "$HS_DIR/cgi" "$HS_DIR/store" "$HS_DIR/logs" \
	    "$HS_DIR/tmp" "$HS_DIR/www" "$HS_DIR/nginx" "$HS_DIR/lighttpd"
	cp "$INGEST" "$HS_DIR/bin/tlsrpt-ingest"
	_vg=
	if [ -n "$VALGRIND" ]; then
		# shellcheck disable=SC2086
		set -- $VALGRIND
		_vg="$(command -v "$1")"
		shift
		_vg="$_vg $*"
	fi
	cat >"$HS_CGI" <<EOF
#!/bin/sh
# tlsrpt-ingest as the web server runs it; its exit status for the test
$_vg $HS_DIR/bin/tlsrpt-ingest
rc=\$?
echo "cgi-exit: \$rc" >&2
exit \$rc
EOF
	chmod 755 "$HS_CGI"
	: >"$HS_CGILOG"
	if [ "$(id -u)" = 0 ]; then
		chown -R nobody:nogroup "$HS_DIR"
	fi
	chmod -R a+rX "$HS_DIR/bin" "$HS_DIR/cgi"
}

# https_ca: the test CA and the server certificate, in $HS_DIR.
https_ca() {
	command -v openssl >/dev/null 2>&1 || {
		echo "# openssl is not installed" >&2
		return 1
	}
	command -v curl >/dev/null 2>&1 || {
		echo "# curl is not installed" >&2
		return 1
	}
	_hs_setup
	(
		cd "$HS_DIR" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		    -subj "/CN=tlsrpt-ingest test CA" -keyout ca.key -out ca.pem &&
		    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
			-keyout srv.key -out srv.csr &&
		    printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
			'extendedKeyUsage=serverAuth' >srv.ext &&
		    openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
			-CAcreateserial -days 2 -extfile srv.ext -out srv.pem
	) >"$HS_DIR/logs/openssl.log" 2>&1 || {
		sed 's/^/# /' "$HS_DIR/logs/openssl.log" >&2
		return 1
	}
	if [ "$(id -u)" = 0 ]; then
		chown nobody:nogroup "$HS_DIR/srv.key" "$HS_DIR/srv.pem"
	fi
}

# https_conf: the CGI's configuration $HS_CONF; standard input is added
# after the lines every test needs.
https_conf() {
	_hs_setup
	{
		printf '[store]\nstore = %s\n' "$HS_DB"
		printf '[ingest]\narchive = %s\n' "$HS_MD"
		printf '[log]\ntarget = stderr\n'
		cat
	} >"$HS_CONF"
	chmod 644 "$HS_CONF"
}

# The environment fcgiwrap gives the CGI besides the request's.
_hs_env() {
	set -- PATH=/usr/bin:/bin
	for _v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		eval "_x=\${$_v:-}"
		[ -z "$_x" ] || set -- "$@" "$_v=$_x"
	done
	echo "$@"
}

# fcgiwrap_start: fcgiwrap with $HS_FCGI_CHILDREN children on
# $HS_DIR/fcgi.sock.
fcgiwrap_start() {
	https_stop fcgiwrap
	rm -f "$HS_DIR/fcgi.sock"
	# shellcheck disable=SC2046
	_hs_spawn fcgiwrap "$HS_CGILOG" \
	    $(as_www_prefix) env -i $(_hs_env) \
	    /usr/sbin/fcgiwrap -c "$HS_FCGI_CHILDREN" -s "unix:$HS_DIR/fcgi.sock"
	_i=0
	while [ ! -S "$HS_DIR/fcgi.sock" ]; do
		_i=$((_i + 1))
		[ "$_i" -lt 100 ] || return 1
		sleep 0.1
	done
}

# The command words that make the next one run as the server user.
as_www_prefix() {
	if [ "$(id -u)" = 0 ]; then
		echo setpriv --reuid=nobody --regid=nogroup --clear-groups
	fi
}

# _hs_location_nginx CGI CONF: contrib/https/nginx.conf with our paths.
_hs_location_nginx() {
	sed -e "s|/usr/lib/cgi-bin/tlsrpt-ingest|$1|" \
	    -e "s|/etc/tlsrpt/tlsrpt.conf|$2|" \
	    -e "s|unix:/run/fcgiwrap.socket|unix:$HS_DIR/fcgi.sock|" \
	    "$top_srcdir/contrib/https/nginx.conf"
}

# nginx_start CGI CONF: nginx and fcgiwrap; sets NGINX_URL.  The rate
# limit's key is $NGINX_LIMIT_KEY: by default each request has its own
# ($request_id), so the limit never applies; $binary_remote_addr is
# the one the README gives.
nginx_start() {
	if [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/sbin/fcgiwrap ]; then
		echo "# nginx or fcgiwrap is not installed" >&2
		return 1
	fi
	[ -f "$HS_DIR/srv.pem" ] || https_ca || return 1
	https_stop nginx
	fcgiwrap_start || {
		echo "# fcgiwrap did not start:" >&2
		tail -n 5 "$HS_CGILOG" | sed 's/^/# /' >&2
		return 1
	}
	_hs_location_nginx "$1" "$2" >"$HS_DIR/nginx/tlsrpt.conf"
	cp /etc/nginx/fastcgi_params "$HS_DIR/nginx/fastcgi_params"
	_zone=$(sed -n 's/^#[[:space:]]*\(limit_req_zone .*\)$/\1/p' \
	    "$top_srcdir/contrib/https/nginx.conf")
	if [ -n "${NGINX_LIMIT_KEY:-}" ]; then
		_zone=$(echo "$_zone" | sed "s|\\\$binary_remote_addr|$NGINX_LIMIT_KEY|")
	else
		# shellcheck disable=SC2016
		_zone=$(echo "$_zone" | sed 's|\$binary_remote_addr|$request_id|')
	fi
	_try=0
	while [ "$_try" -lt 5 ]; do
		_try=$((_try + 1))
		_port=$(_hs_pick_port)
		cat >"$HS_DIR/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $HS_DIR/nginx/nginx.pid;
error_log $HS_DIR/logs/nginx-error.log info;
events { worker_connections 1024; }
http {
	access_log $HS_DIR/logs/nginx-access.log;
	client_body_temp_path $HS_DIR/tmp/body;
	fastcgi_temp_path $HS_DIR/tmp/fastcgi;
	proxy_temp_path $HS_DIR/tmp/proxy;
	scgi_temp_path $HS_DIR/tmp/scgi;
	uwsgi_temp_path $HS_DIR/tmp/uwsgi;
	$_zone
	server {
		listen 127.0.0.1:$_port ssl;
		server_name localhost;
		root $HS_DIR/www;
		ssl_certificate $HS_DIR/srv.pem;
		ssl_certificate_key $HS_DIR/srv.key;
		include $HS_DIR/nginx/tlsrpt.conf;
	}
}
EOF
		[ "$(id -u)" != 0 ] || chown -R nobody:nogroup "$HS_DIR/nginx"
		: >"$HS_DIR/logs/nginx.out"
		# shellcheck disable=SC2046
		_hs_spawn nginx "$HS_DIR/logs/nginx.out" $(as_www_prefix) \
		    /usr/sbin/nginx -p "$HS_DIR/nginx" \
		    -c "$HS_DIR/nginx/nginx.conf"
		if _hs_wait_up nginx "https://127.0.0.1:$_port/"; then
			NGINX_URL="https://127.0.0.1:$_port/tlsrpt"
			return 0
		fi
		https_stop nginx
		grep -q 'in use' "$HS_DIR/logs/nginx.out" \
		    "$HS_DIR/logs/nginx-error.log" 2>/dev/null || break
	done
	echo "# nginx did not start:" >&2
	cat "$HS_DIR/logs/nginx.out" "$HS_DIR/logs/nginx-error.log" \
	    2>/dev/null | tail -n 5 | sed 's/^/# /' >&2
	return 1
}

# lighttpd_start CGI CONF: lighttpd with mod_cgi; sets LIGHTTPD_URL.
lighttpd_start() {
	if [ ! -x /usr/sbin/lighttpd ] ||
	    [ ! -f /usr/lib/lighttpd/mod_openssl.so ]; then
		echo "# lighttpd or lighttpd-mod-openssl is not installed" >&2
		return 1
	fi
	[ -f "$HS_DIR/srv.pem" ] || https_ca || return 1
	https_stop lighttpd
	sed -e "s|/usr/lib/cgi-bin/tlsrpt-ingest|$1|" \
	    -e "s|/etc/tlsrpt/tlsrpt.conf|$2|" \
	    "$top_srcdir/contrib/https/lighttpd.conf" \
	    >"$HS_DIR/lighttpd/tlsrpt.conf"
	_try=0
	while [ "$_try" -lt 5 ]; do
		_try=$((_try + 1))
		_port=$(_hs_pick_port)
		cat >"$HS_DIR/lighttpd/lighttpd.conf" <<EOF
server.modules = ( "mod_openssl" )
server.document-root = "$HS_DIR/www"
server.bind = "127.0.0.1"
server.port = $_port
server.errorlog = "$HS_DIR/logs/lighttpd-error.log"
server.breakagelog = "$HS_CGILOG"
server.upload-dirs = ( "$HS_DIR/tmp" )
ssl.engine = "enable"
ssl.pemfile = "$HS_DIR/srv.pem"
ssl.privkey = "$HS_DIR/srv.key"
include "$HS_DIR/lighttpd/tlsrpt.conf"
EOF
		[ "$(id -u)" != 0 ] || chown -R nobody:nogroup "$HS_DIR/lighttpd"
		: >"$HS_DIR/logs/lighttpd.out"
		# shellcheck disable=SC2046
		_hs_spawn lighttpd "$HS_DIR/logs/lighttpd.out" $(as_www_prefix) \
		    env -i $(_hs_env) /usr/sbin/lighttpd -D -m /usr/lib/lighttpd \
		    -f "$HS_DIR/lighttpd/lighttpd.conf"
		if _hs_wait_up lighttpd "https://127.0.0.1:$_port/"; then
			LIGHTTPD_URL="https://127.0.0.1:$_port/tlsrpt"
			return 0
		fi
		https_stop lighttpd
		grep -q 'in use' "$HS_DIR/logs/lighttpd.out" \
		    "$HS_DIR/logs/lighttpd-error.log" 2>/dev/null || break
	done
	echo "# lighttpd did not start:" >&2
	cat "$HS_DIR/logs/lighttpd.out" "$HS_DIR/logs/lighttpd-error.log" \
	    2>/dev/null | tail -n 5 | sed 's/^/# /' >&2
	return 1
}

# _hs_record: POST_* from curl's output in $TMP/post.*.
_hs_record() {
	POST_STATUS=$(cat "$TMP/post.code" 2>/dev/null) || :
	[ -n "$POST_STATUS" ] || POST_STATUS=000
	POST_BODY=$(cat "$TMP/post.body" 2>/dev/null) || :
}

# post URL FILE [CURL ARGS]: POST FILE as sys4's tlsrpt-reporter does.
post() {
	_url=$1 _file=$2
	shift 2
	rm -f "$TMP/post.body" "$TMP/post.headers"
	set +e
	curl --silent --header "Content-Type: $POST_TYPE" \
	    --data-binary @"$_file" --cacert "$HS_CA" \
	    --output "$TMP/post.body" --dump-header "$TMP/post.headers" \
	    --write-out '%{http_code}' "$@" "$_url" >"$TMP/post.code"
	POST_RC=$?
	set -e
	_hs_record
}

# hget URL [CURL ARGS]: a GET, recorded like post.
hget() {
	_url=$1
	shift
	rm -f "$TMP/post.body" "$TMP/post.headers"
	set +e
	curl --silent --cacert "$HS_CA" --output "$TMP/post.body" \
	    --dump-header "$TMP/post.headers" --write-out '%{http_code}' \
	    "$@" "$_url" >"$TMP/post.code"
	POST_RC=$?
	set -e
	_hs_record
}

# header NAME: the value of the answer's header field NAME.
header() {
	tr -d '\r' <"$TMP/post.headers" |
	    awk -v n="$1" 'BEGIN { n = tolower(n) ":" }
		tolower($1) == n { sub(/^[^:]*:[ \t]*/, ""); v = $0 }
		END { print v }'
}

# cgi_exits: the CGI exit statuses other than 0 in $HS_CGILOG, counted.
cgi_exits() {
	sed -n 's/^cgi-exit: //p' "$HS_CGILOG" | grep -v '^0$' | sort |
	    uniq -c | sed 's/^ *//'
}

# https_admin ARGS...: tlsrpt on the CGI's store; output in $TMP/admin.
https_admin() {
	set +e
	"$ADMIN" --config "$HS_CONF" "$@" >"$TMP/admin" 2>"$TMP/admin.err"
	arc=$?
	set -e
	return 0
}

# https_stored: the number of reports in the CGI's store.
https_stored() {
	if [ ! -f "$HS_DB" ]; then
		echo 0
		return
	fi
	"$ADMIN" --config "$HS_CONF" export --format jsonl | wc -l | tr -d ' '
}

# mkreport ID [DOMAIN [ORG]]: a small TLS report (JSON) on stdout, for
# DOMAIN (example.com) from ORG (Reporter Example).
mkreport() {
	printf '{"organization-name":"%s","date-range":{"start-datetime":' \
	    "${3:-Reporter Example}"
	printf '"2026-10-20T00:00:00Z","end-datetime":"2026-10-20T23:59:59Z"},'
	printf '"contact-info":"tlsrpt@reporter.example","report-id":"%s",' "$1"
	printf '"policies":[{"policy":{"policy-type":"sts","policy-string":'
	printf '["version: STSv1","mode: enforce"],"policy-domain":"%s",' \
	    "${2:-example.com}"
	printf '"mx-host":["mx1.%s"]},"summary":' "${2:-example.com}"
	printf '{"total-successful-session-count":10,'
	printf '"total-failure-session-count":1},"failure-details":[{'
	printf '"result-type":"certificate-expired","sending-mta-ip":'
	printf '"192.0.2.1","receiving-mx-hostname":"mx1.%s",' \
	    "${2:-example.com}"
	printf '"failed-session-count":1}]}]}\n'
}

# lock_store: hold the store's write lock (BEGIN EXCLUSIVE in sqlite3,
# as the server user) until unlock_store.
lock_store() {
	rm -f "$HS_DIR/locked" "$HS_DIR/lock.fifo"
	mkfifo "$HS_DIR/lock.fifo"
	[ "$(id -u)" != 0 ] || chown nobody:nogroup "$HS_DIR/lock.fifo"
	as_www sqlite3 "$HS_DB" <"$HS_DIR/lock.fifo" \
	    >"$HS_DIR/logs/lock.out" 2>&1 &
	_hs_lock_pid=$!
	exec 9>"$HS_DIR/lock.fifo"
	# the .output file is closed, so there, once the lock is held
	printf 'BEGIN EXCLUSIVE;\n.output %s\nSELECT 1;\n.output stdout\n' \
	    "$HS_DIR/locked" >&9
	_i=0
	while [ ! -s "$HS_DIR/locked" ]; do
		_i=$((_i + 1))
		[ "$_i" -lt 100 ] || return 1
		sleep 0.1
	done
}

unlock_store() {
	printf 'COMMIT;\n.quit\n' >&9
	exec 9>&-
	wait "$_hs_lock_pid" || :
}

# https_conf_std [MESSAGE-SIZE]: the configuration of the cases below:
# our domains, a short busy timeout, message-size as given (default 1M).
https_conf_std() {
	https_conf <<CONF
[store]
busy-timeout = 200
[limits]
message-size = ${1:-1M}
[trust]
domains = example.com example.org
CONF
}

# https_reports: the bodies of the cases in $TMP/r: gzip, JSON, a
# foreign report, garbage, one bigger than 64k.
https_reports() {
	mkdir -p "$TMP/r"
	for _i in 1 2 3 4 5 6; do
		mkreport "https-$_i" >"$TMP/r/$_i.json"
		gzip -9n <"$TMP/r/$_i.json" >"$TMP/r/$_i.json.gz"
	done
	mkreport https-foreign example.net >"$TMP/r/foreign.json"
	gzip -9n <"$TMP/r/foreign.json" >"$TMP/r/foreign.json.gz"
	printf 'Hello, this is not a report\n' >"$TMP/r/garbage"
	# 100 KB of JSON (a long policy-string), 70 KB of gzip
	awk 'BEGIN { srand(7); printf "{\"policy-string\":\"";
		for (i = 0; i < 100000; i++)
			printf "%c", 97 + int(rand() * 26)
		print "\"}" }' >"$TMP/r/big.json"
}

# https_cases LABEL URL: the main cases through one web server, into an
# empty store.
https_cases() {
	_l=$1 _u=$2
	https_conf_std
	post "$_u" "$TMP/r/1.json.gz"
	ok "$_l: a gzip report: 200 stored" is "$POST_STATUS $POST_BODY" \
	    "200 stored 1 report"
	ok "$_l: stored once" is "$(https_stored)" 1
	https_admin export --format jsonl
	ok "$_l: _meta: source https, client 127.0.0.1, auth none" grep -q \
	    '"source":"https","client-address":"127.0.0.1","auth":{"method":"none"' \
	    "$TMP/admin"
	ok "$_l: _meta: no file name (a POST has none)" grep -q \
	    '"filename":null' "$TMP/admin"
	post "$_u" "$TMP/r/1.json.gz"
	ok "$_l: the same POST again: 200 already stored" \
	    is "$POST_STATUS $POST_BODY" "200 already stored"
	ok "$_l: nothing stored twice" is "$(https_stored)" 1

	POST_TYPE=application/tlsrpt+json post "$_u" "$TMP/r/2.json"
	ok "$_l: a JSON report (+json): 200 stored" \
	    is "$POST_STATUS $POST_BODY" "200 stored 1 report"
	POST_TYPE=application/octet-stream post "$_u" "$TMP/r/3.json.gz"
	ok "$_l: gzip sent as application/octet-stream: 200 stored" \
	    is "$POST_STATUS $POST_BODY" "200 stored 1 report"
	post "$_u" "$TMP/r/4.json.gz" --http1.1 \
	    --header 'Transfer-Encoding: chunked'
	ok "$_l: a chunked upload (HTTP/1.1): 200 stored" \
	    is "$POST_STATUS $POST_BODY" "200 stored 1 report"
	ok "$_l: 4 reports stored" is "$(https_stored)" 4

	https_conf_std 64k
	POST_TYPE=application/tlsrpt+json post "$_u" "$TMP/r/big.json"
	ok "$_l: past message-size (64k): the CGI's 413" \
	    is "$POST_STATUS $POST_BODY" "413 larger than 65536 bytes"
	POST_TYPE=application/tlsrpt+json post "$_u" "$TMP/r/big.json" \
	    --http1.1 --header 'Transfer-Encoding: chunked'
	ok "$_l: chunked (HTTP/1.1), past message-size: 413" is "$POST_STATUS" 413
	https_conf_std

	post "$_u" "$TMP/r/garbage"
	ok "$_l: garbage: 400 with the reason" sh -c "
	    [ '$POST_STATUS' = 400 ] &&
	    echo '$POST_BODY' | grep -q '^not a TLS report: ..'" 
	echo "# $_l: garbage: $POST_STATUS $POST_BODY"
	ok "$_l: garbage archived in .rejected" \
	    is "$(in_folder "$HS_MD/.rejected")" 1
	post "$_u" "$TMP/r/foreign.json.gz"
	ok "$_l: a report for example.net: 403" sh -c "
	    [ '$POST_STATUS' = 403 ] && echo '$POST_BODY' | grep -q example.net"
	echo "# $_l: foreign: $POST_STATUS $POST_BODY"
	ok "$_l: still 4 reports" is "$(https_stored)" 4

	if ! command -v sqlite3 >/dev/null 2>&1; then
		skip "$_l: store locked: no sqlite3 command"
	elif ! lock_store; then
		unlock_store
		ok "$_l: sqlite3 holds the store's lock" false
	else
		post "$_u" "$TMP/r/5.json.gz"
		_st=$POST_STATUS _ra=$(header Retry-After)
		unlock_store
		ok "$_l: the store locked past busy-timeout: 503" is "$_st" 503
		ok "$_l: ... with Retry-After" is "$_ra" 300
		post "$_u" "$TMP/r/5.json.gz"
		ok "$_l: the retry after the lock is gone: 200 stored" \
		    is "$POST_STATUS $POST_BODY" "200 stored 1 report"
		post "$_u" "$TMP/r/5.json.gz"
		ok "$_l: ... and only once" is "$POST_STATUS $POST_BODY" \
		    "200 already stored"
	fi
	_n=$(https_stored)

	# the archive holds each body as posted: a backfill stores the same
	rm -f "$TMP/backfill.db"*
	set +e
	env -i PATH=/usr/bin:/bin $VALGRIND "$INGEST" --dkim=off --log=stderr \
	    --store "$TMP/backfill.db" "$HS_MD" >"$TMP/backfill.out" 2>&1
	_rc=$?
	set -e
	ok "$_l: tlsrpt-ingest MAILDIR backfills the archived bodies" sh -c "
	    [ $_rc = 0 ] && [ \"\$('$ADMIN' --config '$HS_CONF' \
	    --store '$TMP/backfill.db' \
	    export --format jsonl | wc -l)\" -eq $_n ]"
	[ "$_rc" = 0 ] || sed 's/^/# /' "$TMP/backfill.out" | tail -n 5
}

# https_clean LABEL: the CGI never crashed or failed: every exit 0, no
# sanitizer or valgrind report in its stderr.
https_clean() {
	ok "$1: every CGI run exited 0" is "$(cgi_exits)" ""
	ok "$1: no sanitizer or valgrind report" sh -c "
	    ! grep -E 'Sanitizer|runtime error|==[0-9]+==' '$HS_CGILOG'"
}

# https_hostile LABEL URL: post each file of tests/data/hostile, and a
# few hostile bodies of our own: never a 5xx, always an answer.
https_hostile() {
	_l=$1 _u=$2
	mkdir -p "$TMP/h"
	: >"$TMP/h/empty"
	head -c 150 "$TMP/r/big.json" >"$TMP/h/cut.json"
	gzip -9n <"$TMP/r/big.json" | head -c 300 >"$TMP/h/cut.json.gz"
	head -c 40000000 /dev/zero | gzip -9n >"$TMP/h/bomb.gz"
	awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; print "" }' \
	    >"$TMP/h/deep.json"
	printf '{"organization-name":"\\u0000\\ud800","report-id":1}' \
	    >"$TMP/h/bad-strings.json"
	head -c 4096 /dev/urandom >"$TMP/h/random"
	gzip -9n <"$TMP/h/random" >"$TMP/h/random.gz"
	_c=0 _bad=0
	for _f in "$top_srcdir"/tests/data/hostile/*.eml "$TMP"/h/*; do
		_c=$((_c + 1))
		# valgrind is slow: a third of them there
		if [ -n "$VALGRIND" ] && [ $((_c % 3)) != 0 ]; then
			continue
		fi
		post "$_u" "$_f"
		case $POST_STATUS in
		200 | 4[0-9][0-9]) ;;
		*)
			_bad=$((_bad + 1))
			echo "# $_l: $(basename "$_f"): $POST_STATUS $POST_BODY"
			;;
		esac
	done
	echo "# $_l: $_c hostile bodies posted"
	[ -z "$VALGRIND" ] || echo "# (a third of them under valgrind)"
	ok "$_l: hostile bodies: a 4xx or 200 each, never a 5xx" is "$_bad" 0
	https_clean "$_l"
}
