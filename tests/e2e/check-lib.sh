# check-lib.sh: the lab of tlsrpt check (77-check.t, 78-check-smtp.t):
# a test CA and certificates made with openssl, and nginx serving
# MTA-STS policies on 127.0.0.1 at a port picked at run time.  Source it
# after lib.sh and https-lib.sh (for its server helpers):
#
#	ck_ca || skip ...			# $CK_CA: the CA certificate
#	ck_cert NAME "DNS:a.example,DNS:b.example" [START END]
#		# $CK_PKI/NAME.pem and NAME.key, signed by the CA; START and
#		# END (YYYYMMDDHHMMSSZ) make an expired certificate
#	ck_selfsigned NAME "DNS:..."		# not signed by the CA
#	ck_policy NAME TEXT			# $CK_WWW/NAME.txt
#	ck_nginx_start FILE			# FILE: server blocks, @PORT@
#		# stands for the port; sets CK_HTTPS_PORT
#
# Design rationale:
# - Certificates come from "openssl ca", the one openssl command that
#   sets any validity window (an expired certificate without faketime).
# - nginx runs like https-lib.sh's (its own process group under
#   timeout(1), stopped by the exit trap), as nobody when root.

CK_DIR="$TMP/checklab"
CK_PKI="$CK_DIR/pki"
CK_WWW="$CK_DIR/www"
CK_CA="$CK_PKI/ca.pem"
CK_HTTPS_PORT=

ck_ca() {
	command -v openssl >/dev/null 2>&1 || return 1
	mkdir -p "$CK_PKI/db" "$CK_WWW" "$CK_DIR/nginx" "$CK_DIR/logs" \
	    "$CK_DIR/tmp"
	: >"$CK_PKI/db/index.txt"
	echo 1000 >"$CK_PKI/db/serial"
	cat >"$CK_PKI/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
dir = $CK_PKI
database = $CK_PKI/db/index.txt
serial = $CK_PKI/db/serial
new_certs_dir = $CK_PKI/db
certificate = $CK_PKI/ca.pem
private_key = $CK_PKI/ca.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
EOF
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days 30 -subj "/CN=tlsrpt check test CA" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign \
	    -keyout "$CK_PKI/ca.key" -out "$CK_CA" \
	    >"$CK_DIR/logs/openssl.log" 2>&1
}

# ck_cert NAME SAN [START END]
ck_cert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=$1" -keyout "$CK_PKI/$1.key" -out "$CK_PKI/$1.csr" \
	    >>"$CK_DIR/logs/openssl.log" 2>&1 || return 1
	printf '%s\n' "subjectAltName=$2" 'extendedKeyUsage=serverAuth' \
	    'basicConstraints=CA:FALSE' >"$CK_PKI/$1.ext"
	if [ $# -ge 4 ]; then
		set -- "$1" "$2" -startdate "$3" -enddate "$4"
	else
		set -- "$1" "$2" -days 20
	fi
	_n=$1
	shift 2
	openssl ca -batch -config "$CK_PKI/ca.cnf" -notext "$@" \
	    -extfile "$CK_PKI/$_n.ext" -in "$CK_PKI/$_n.csr" \
	    -out "$CK_PKI/$_n.pem" >>"$CK_DIR/logs/openssl.log" 2>&1
}

# ck_selfsigned NAME SAN
ck_selfsigned() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days 20 -subj "/CN=$1" -addext "subjectAltName=$2" \
	    -keyout "$CK_PKI/$1.key" -out "$CK_PKI/$1.pem" \
	    >>"$CK_DIR/logs/openssl.log" 2>&1
}

# ck_policy NAME TEXT: the policy file NAME.txt (TEXT as printf %b)
ck_policy() {
	printf '%b' "$2" >"$CK_WWW/$1.txt"
}

ck_nginx_start() {
	[ -x /usr/sbin/nginx ] || return 1
	https_stop nginx
	_try=0
	while [ "$_try" -lt 5 ]; do
		_try=$((_try + 1))
		_port=$(_hs_pick_port)
		{
			cat <<EOF
daemon off;
worker_processes 1;
pid $CK_DIR/nginx/nginx.pid;
error_log $CK_DIR/logs/nginx-error.log info;
events { worker_connections 64; }
http {
	access_log $CK_DIR/logs/nginx-access.log;
	client_body_temp_path $CK_DIR/tmp/body;
	fastcgi_temp_path $CK_DIR/tmp/fastcgi;
	proxy_temp_path $CK_DIR/tmp/proxy;
	scgi_temp_path $CK_DIR/tmp/scgi;
	uwsgi_temp_path $CK_DIR/tmp/uwsgi;
EOF
			sed -e "s|@PORT@|$_port|g" -e "s|@PKI@|$CK_PKI|g" \
			    -e "s|@WWW@|$CK_WWW|g" "$1"
			echo '}'
		} >"$CK_DIR/nginx/nginx.conf"
		[ "$(id -u)" != 0 ] || chown -R nobody:nogroup "$CK_DIR"
		: >"$CK_DIR/logs/nginx.out"
		# shellcheck disable=SC2046
		_hs_spawn nginx "$CK_DIR/logs/nginx.out" $(as_www_prefix) \
		    /usr/sbin/nginx -p "$CK_DIR/nginx" \
		    -c "$CK_DIR/nginx/nginx.conf"
		_i=0
		while [ "$_i" -lt 100 ]; do
			if ss -Hlnt "sport = :$_port" 2>/dev/null | grep -q .; then
				CK_HTTPS_PORT=$_port
				return 0
			fi
			eval "_g=\$_hs_pg_nginx"
			kill -0 "$_g" 2>/dev/null || break
			sleep 0.1
			_i=$((_i + 1))
		done
		https_stop nginx
		grep -q 'in use' "$CK_DIR/logs/nginx.out" \
		    "$CK_DIR/logs/nginx-error.log" 2>/dev/null || break
	done
	echo "# nginx did not start:" >&2
	cat "$CK_DIR/logs/nginx.out" "$CK_DIR/logs/nginx-error.log" \
	    2>/dev/null | tail -n 5 | sed 's/^/# /' >&2
	return 1
}
