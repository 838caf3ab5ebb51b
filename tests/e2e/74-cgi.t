#!/bin/sh
# tlsrpt-ingest as a CGI program behind nginx and fcgiwrap, configured
# by contrib/https/nginx.conf (only its paths changed), posted to as
# sys4's tlsrpt-reporter posts (curl): a gzip report stored once with
# its _meta, the same again (200 already stored), +json, gzip as
# octet-stream, chunked, the CGI's own 413 (message-size below nginx's
# limit) and nginx's (client_max_body_size), GET (403 by limit_except),
# garbage (400, archived in .rejected), a foreign domain (403), a locked
# store (503 + Retry-After, then the retry stores it once), the archive
# backfilled, the rate limit (429), and the hostile corpus (never a
# 5xx).  Every CGI run exits 0 with no sanitizer or valgrind report.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/https-lib.sh"

if ! https_ca; then
	skip "openssl or curl is not installed"
	done_testing
	exit 0
fi
https_conf_std
https_reports
if ! nginx_start "$HS_CGI" "$HS_CONF"; then
	skip "nginx with fcgiwrap is not available"
	done_testing
	exit 0
fi

https_cases nginx "$NGINX_URL"

# nginx's own limits, from the shipped location block
head -c 11000000 /dev/zero >"$TMP/r/11m"
post "$NGINX_URL" "$TMP/r/11m"
ok "nginx: past client_max_body_size 10m: 413 from nginx" sh -c "
    [ '$POST_STATUS' = 413 ] && grep -q nginx '$TMP/post.body'"
hget "$NGINX_URL"
ok "nginx: GET: 403 (limit_except POST)" is "$POST_STATUS" 403
n=$(grep -c '^cgi-exit:' "$HS_CGILOG")
hget "$NGINX_URL?--store=/tmp/x" --request PUT
ok "nginx: PUT with a query string: 403, the CGI not run" sh -c "
    [ '$POST_STATUS' = 403 ] &&
    [ \$(grep -c '^cgi-exit:' '$HS_CGILOG') = $n ]"
post "$NGINX_URL?--store=$TMP/evil.db" "$TMP/r/6.json.gz"
ok "nginx: a query string sets no option" sh -c "
    [ '$POST_STATUS' = 200 ] && [ ! -e '$TMP/evil.db' ] &&
    [ \$(ls '$HS_DIR/store' | grep -c evil) = 0 ]"

https_hostile nginx "$NGINX_URL"

# The rate limit as README.md gives it (per client address): a burst of
# 50, then 429.  GETs count too, and never reach the CGI.
NGINX_LIMIT_KEY='$binary_remote_addr'
if nginx_start "$HS_CGI" "$HS_CONF"; then
	set --
	for i in $(seq 1 70); do
		set -- "$@" --output /dev/null "$NGINX_URL"
	done
	codes=$(curl --silent --cacert "$HS_CA" \
	    --write-out '%{http_code}\n' "$@" | sort | uniq -c |
	    awk '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1 }')
	echo "# rate limit: 70 GETs in a row: $codes"
	ok "nginx: limit_req: 429 past the burst" sh -c "
	    echo '$codes' | grep -q '403:5[01]' &&
	    echo '$codes' | grep -q '429:'"
else
	ok "nginx restarts with the rate limit" false
fi
https_clean nginx
done_testing
