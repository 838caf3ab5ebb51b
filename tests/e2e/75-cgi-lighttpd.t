#!/bin/sh
# tlsrpt-ingest as a CGI program behind lighttpd's mod_cgi, configured by
# contrib/https/lighttpd.conf (only its paths changed): the main cases of
# 74-cgi.t (over HTTP/2, which curl and lighttpd agree on by ALPN), then
# what lighttpd does differently: GET and PUT reach the program (405 with
# Allow: POST), server.max-request-size (413 over HTTP/1.1, a stream
# reset over HTTP/2), a chunked HTTP/1.1 upload, nothing below /tlsrpt,
# and the hostile corpus.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/https-lib.sh"

if ! https_ca; then
	skip "openssl or curl is not installed"
	done_testing
	exit 0
fi
https_conf_std
https_reports
if ! lighttpd_start "$HS_CGI" "$HS_CONF"; then
	skip "lighttpd with mod_openssl is not available"
	done_testing
	exit 0
fi

https_cases lighttpd "$LIGHTTPD_URL"

hget "$LIGHTTPD_URL"
ok "lighttpd: GET reaches the CGI: 405" is "$POST_STATUS" 405
ok "lighttpd: ... with Allow: POST" is "$(header Allow)" POST
hget "$LIGHTTPD_URL?--store=$TMP/evil.db" --request PUT \
    --data-binary @"$TMP/r/6.json"
ok "lighttpd: PUT with a body and a query string: 405, nothing stored" \
    sh -c "[ '$POST_STATUS' = 405 ] && [ ! -e '$TMP/evil.db' ]"
post "$LIGHTTPD_URL" "$TMP/r/6.json.gz" --http1.1 \
    --header 'Transfer-Encoding: chunked'
ok "lighttpd: a chunked HTTP/1.1 upload: 200 stored" \
    is "$POST_STATUS $POST_BODY" "200 stored 1 report"

n=$(https_stored)
head -c 11000000 /dev/zero >"$TMP/r/11m"
post "$LIGHTTPD_URL" "$TMP/r/11m" --http1.1
ok "lighttpd: past server.max-request-size, HTTP/1.1: 413" \
    is "$POST_STATUS" 413
post "$LIGHTTPD_URL" "$TMP/r/11m"
echo "# lighttpd: 11 MB over HTTP/2: status $POST_STATUS, curl exit $POST_RC"
ok "lighttpd: ... HTTP/2: refused (413 or a stream reset)" sh -c "
    [ '$POST_STATUS' = 413 ] || [ '$POST_RC' != 0 ]"
ok "lighttpd: nothing more stored" is "$(https_stored)" "$n"
hget "$LIGHTTPD_URL/x"
ok "lighttpd: below /tlsrpt: 403 (url.access-deny)" is "$POST_STATUS" 403

https_hostile lighttpd "$LIGHTTPD_URL"
done_testing
