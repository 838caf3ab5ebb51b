/*
 * test-gunzip.c: gunzip() against well-formed, damaged and hostile gzip
 * (RFC 1952; doc/hostile-input.md, '1. Compression').  Every gzip here is
 * made on the fly with zlib's deflate, so no fixture files are needed.
 */
#include <string.h>
#include <time.h>

#include <glib.h>
#include <zlib.h>

#include "config.h"
#include "ti.h"
#include "ingest/gunzip.h"
#include "tap.h"

/* gzip (16 + 15 window bits) of data; header fields from hdr if not NULL */
static unsigned char *
gz_make(const void *data, size_t len, gz_header *hdr, size_t *gz_len)
{
	z_stream s;
	unsigned char *buf;
	size_t cap;

	memset(&s, 0, sizeof(s));
	if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + 15, 8,
		Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	if (hdr != NULL && deflateSetHeader(&s, hdr) != Z_OK)
		abort();
	cap = deflateBound(&s, len) + 1024;
	buf = g_malloc(cap);
	s.next_in = (unsigned char *)data;
	s.avail_in = len;
	s.next_out = buf;
	s.avail_out = cap;
	if (deflate(&s, Z_FINISH) != Z_STREAM_END)
		abort();
	*gz_len = cap - s.avail_out;
	deflateEnd(&s);
	return buf;
}

static unsigned char *
gz_str(const char *text, size_t *gz_len)
{
	return gz_make(text, strlen(text), NULL, gz_len);
}

/* gzip of n zero bytes, deflated in slices so the input never exists */
static unsigned char *
gz_zeros(size_t n, size_t *gz_len)
{
	static const unsigned char zero[64 * 1024];
	z_stream s;
	GByteArray *a = g_byte_array_new();
	unsigned char chunk[64 * 1024];
	int flush, zrc;

	memset(&s, 0, sizeof(s));
	if (deflateInit2(&s, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + 15, 9,
		Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	do {
		size_t take = n < sizeof(zero) ? n : sizeof(zero);

		n -= take;
		flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
		s.next_in = (unsigned char *)zero;
		s.avail_in = take;
		do {
			s.next_out = chunk;
			s.avail_out = sizeof(chunk);
			zrc = deflate(&s, flush);
			if (zrc == Z_STREAM_ERROR)
				abort();
			g_byte_array_append(a, chunk,
			    sizeof(chunk) - s.avail_out);
		} while (s.avail_out == 0);
	} while (flush != Z_FINISH);
	deflateEnd(&s);
	*gz_len = a->len;
	return g_byte_array_free(a, FALSE);
}

/* Pseudo-random bytes, so that deflate cannot shrink them much. */
static unsigned char *
noise(size_t n, guint32 seed)
{
	GRand *r = g_rand_new_with_seed(seed);
	unsigned char *p = g_malloc(n);

	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)g_rand_int_range(r, 0, 256);
	g_rand_free(r);
	return p;
}

static unsigned char *
cat(const void *a, size_t alen, const void *b, size_t blen, size_t *len)
{
	unsigned char *p = g_malloc(alen + blen);

	memcpy(p, a, alen);
	memcpy(p + alen, b, blen);
	*len = alen + blen;
	return p;
}

/* Run gunzip and check that it failed with status want, msg holding sub. */
static void
want_fail(const char *label, const unsigned char *in, size_t len, size_t max,
    enum ti_status want, const char *sub)
{
	struct ti_err err = { 0 };
	unsigned char *out = (unsigned char *)"sentinel";
	size_t out_len = 99, trailing = 99;
	int rc;

	rc = gunzip(in, len, max, &out, &out_len, &trailing, &err);
	ok(rc == -1 && out == NULL && out_len == 0 && err.status == want &&
		(sub == NULL || strstr(err.msg, sub) != NULL),
	    "%s: %s: %s", label, ti_status_name(err.status), err.msg);
	g_free(out);
}

/* Run gunzip and check the output equals want[0..want_len). */
static void
want_data(const char *label, const unsigned char *in, size_t len, size_t max,
    const void *want, size_t want_len, size_t want_trailing)
{
	struct ti_err err = { 0 };
	unsigned char *out = NULL;
	size_t out_len = 0, trailing = 99;
	int rc;

	rc = gunzip(in, len, max, &out, &out_len, &trailing, &err);
	ok(rc == 0 && out != NULL && out_len == want_len &&
		memcmp(out, want, want_len) == 0 && out[out_len] == '\0' &&
		trailing == want_trailing && err.status == TI_OK,
	    "%s: rc %d len %zu/%zu trailing %zu %s", label, rc, out_len,
	    want_len, trailing, err.msg);
	g_free(out);
}

static void
test_is_gzip(void)
{
	static const struct {
		const char *label;
		const char *data;
		size_t len;
		int want;
	} cases[] = {
		{ "magic", "\x1f\x8b", 2, 1 },
		{ "magic and more", "\x1f\x8b\x08\x00", 4, 1 },
		{ "one byte", "\x1f", 1, 0 },
		{ "empty", "", 0, 0 },
		{ "swapped", "\x8b\x1f", 2, 0 },
		{ "json", "{\"a\":1}", 7, 0 },
		{ "zip", "PK\x03\x04", 4, 0 },
	};

	for (size_t i = 0; i < nitems(cases); i++)
		ok(gunzip_is_gzip((const unsigned char *)cases[i].data,
		       cases[i].len) == cases[i].want,
		    "gunzip_is_gzip: %s", cases[i].label);
	ok(gunzip_is_gzip(NULL, 2) == 0, "gunzip_is_gzip: NULL");
}

static void
test_round_trips(void)
{
	static const char *texts[] = {
		"",
		"a",
		"{\"organization-name\":\"Example\",\"policies\":[]}",
	};
	unsigned char *gz, *raw;
	size_t gz_len, n;

	for (size_t i = 0; i < nitems(texts); i++) {
		gz = gz_str(texts[i], &gz_len);
		want_data("round trip text", gz, gz_len, 1 << 20, texts[i],
		    strlen(texts[i]), 0);
		g_free(gz);
	}

	/* incompressible: the output buffer has to grow many times */
	n = 300 * 1000 + 7;
	raw = noise(n, 42);
	gz = gz_make(raw, n, NULL, &gz_len);
	want_data("round trip 300 kB noise", gz, gz_len, 1 << 20, raw, n, 0);
	g_free(gz);
	g_free(raw);

	/* very compressible, 5 MB */
	n = 5u << 20;
	raw = g_malloc(n);
	for (size_t i = 0; i < n; i++)
		raw[i] = "[{\"x\":1}, "[i % 10];
	gz = gz_make(raw, n, NULL, &gz_len);
	want_data("round trip 5 MiB text", gz, gz_len, 8u << 20, raw, n, 0);
	g_free(gz);
	g_free(raw);

	/* trailing may be NULL */
	{
		struct ti_err err = { 0 };
		unsigned char *out;
		size_t out_len;

		gz = gz_str("hello", &gz_len);
		ok(gunzip(gz, gz_len, 100, &out, &out_len, NULL, &err) == 0 &&
			out_len == 5 && strcmp((char *)out, "hello") == 0,
		    "trailing pointer may be NULL");
		g_free(out);
		g_free(gz);
	}
}

static void
test_header_fields(void)
{
	gz_header h;
	unsigned char extra[3000];
	unsigned char *gz;
	size_t gz_len;
	const char *text = "{\"ok\":true}";

	/* FNAME with a path, a big FEXTRA, FCOMMENT and FHCRC: all skipped */
	memset(&h, 0, sizeof(h));
	memset(extra, 'E', sizeof(extra));
	h.name = (unsigned char *)"../../etc/passwd";
	h.comment = (unsigned char *)"a comment";
	h.extra = extra;
	h.extra_len = sizeof(extra);
	h.hcrc = 1;
	h.os = 3;
	gz = gz_make(text, strlen(text), &h, &gz_len);
	want_data("FNAME, FEXTRA, FCOMMENT, FHCRC", gz, gz_len, 1000, text,
	    strlen(text), 0);

	/* damage the header CRC: the FHCRC is two bytes before deflate data */
	{
		size_t hdr_end = 10 + 2 + sizeof(extra) +
		    strlen((char *)h.name) + 1 + strlen((char *)h.comment) + 1;

		gz[hdr_end] ^= 0x01;
		want_fail("bad header CRC", gz, gz_len, 1000, TI_E_INPUT,
		    "header");
	}
	g_free(gz);
}

static void
test_bad_input(void)
{
	static const unsigned char zip[] = "PK\x03\x04\x14\x00\x00\x00\x08\x00";
	static const unsigned char json[] = "{\"organization-name\":\"x\"}";
	static const unsigned char method7[] =
	    "\x1f\x8b\x07\x00\x00\x00\x00\x00\x00\x03\x01\x02\x03\x04\x05";
	static const unsigned char rsvflags[] =
	    "\x1f\x8b\x08\xe0\x00\x00\x00\x00\x00\x03\x01\x02\x03\x04\x05";
	unsigned char zlib_buf[128];
	uLongf zlen = sizeof(zlib_buf);

	want_fail("empty", (const unsigned char *)"", 0, 100, TI_E_INPUT,
	    "empty");
	want_fail("NULL", NULL, 0, 100, TI_E_INPUT, "empty");
	want_fail("zip archive", zip, sizeof(zip) - 1, 100, TI_E_INPUT, "zip");
	if (compress2(zlib_buf, &zlen, json, sizeof(json) - 1, 9) != Z_OK)
		abort();
	want_fail("zlib (RFC 1950) stream", zlib_buf, zlen, 100, TI_E_INPUT,
	    "zlib");
	want_fail("plain JSON", json, sizeof(json) - 1, 100, TI_E_INPUT,
	    "not gzip");
	want_fail("one non-magic byte", json, 1, 100, TI_E_INPUT, "not gzip");
	want_fail("magic only", (const unsigned char *)"\x1f\x8b", 2, 100,
	    TI_E_INPUT, "truncated");
	want_fail("first magic byte only", (const unsigned char *)"\x1f", 1,
	    100, TI_E_INPUT, "truncated");
	want_fail("method 7", method7, sizeof(method7) - 1, 100, TI_E_INPUT,
	    "header");
	want_fail("reserved flags", rsvflags, sizeof(rsvflags) - 1, 100,
	    TI_E_INPUT, "header");
}

static void
test_damage(void)
{
	unsigned char *raw, *gz;
	size_t n = 4000, gz_len, bad = 0;

	/* half noise, half text: several deflate blocks and states */
	raw = noise(n, 7);
	memset(raw + n / 2, 'x', n / 2);
	gz = gz_make(raw, n, NULL, &gz_len);

	for (size_t cut = 1; cut < gz_len; cut++) {
		struct ti_err err = { 0 };
		unsigned char *out = NULL;
		size_t out_len;

		if (gunzip(gz, cut, 1 << 20, &out, &out_len, NULL, &err) !=
			-1 ||
		    out != NULL || err.status != TI_E_INPUT ||
		    (cut > 10 && strstr(err.msg, "truncated") == NULL)) {
			diag("cut at %zu of %zu: %s", cut, gz_len, err.msg);
			bad++;
		}
		g_free(out);
	}
	ok(bad == 0, "truncated at each of %zu offsets: all TI_E_INPUT",
	    gz_len - 1);

	gz[gz_len - 8] ^= 0x01;
	want_fail("flipped CRC byte", gz, gz_len, 1 << 20, TI_E_INPUT, "CRC");
	gz[gz_len - 8] ^= 0x01;
	gz[gz_len - 4] ^= 0x01;
	want_fail("flipped ISIZE byte", gz, gz_len, 1 << 20, TI_E_INPUT,
	    "length");
	gz[gz_len - 4] ^= 0x01;
	gz[gz_len / 2] ^= 0xff;
	want_fail("flipped data byte", gz, gz_len, 1 << 20, TI_E_INPUT, NULL);
	g_free(gz);
	g_free(raw);
}

static void
test_trailing(void)
{
	static const struct {
		const char *label;
		const char *tail;
		size_t len;
		size_t want_trailing;
	} cases[] = {
		{ "trailing CRLF", "\r\n", 2, 0 },
		{ "trailing LF", "\n", 1, 0 },
		{ "trailing NULs and blanks", "\0\0 \t\r\n\0", 7, 0 },
		{ "trailing garbage", "garbage", 7, 7 },
		{ "CRLF then garbage", "\r\nxyz", 5, 3 },
		{ "lone magic byte", "\n\x1f", 2, 1 },
		{ "8b 1f", "\x8b\x1f", 2, 2 },
	};
	const char *text = "{\"a\":[1,2,3]}";
	unsigned char *gz, *in;
	size_t gz_len, len;

	gz = gz_str(text, &gz_len);
	for (size_t i = 0; i < nitems(cases); i++) {
		in = cat(gz, gz_len, cases[i].tail, cases[i].len, &len);
		want_data(cases[i].label, in, len, 1000, text, strlen(text),
		    cases[i].want_trailing);
		g_free(in);
	}
	g_free(gz);
}

static void
test_members(void)
{
	unsigned char *a, *b, *ab, *abc, *nl;
	size_t a_len, b_len, ab_len, abc_len, nl_len;
	const char *ta = "{\"first\":1}", *tb = "{\"second\":2}";
	char want[64];
	size_t want_len;

	a = gz_str(ta, &a_len);
	b = gz_str(tb, &b_len);
	want_len = (size_t)snprintf(want, sizeof(want), "%s%s", ta, tb);

	ab = cat(a, a_len, b, b_len, &ab_len);
	want_data("two members", ab, ab_len, 1000, want, want_len, 0);
	want_data("two members, exactly at cap", ab, ab_len, want_len, want,
	    want_len, 0);
	want_fail("two members, one over cap", ab, ab_len, want_len - 1,
	    TI_E_LIMIT, "bomb");
	want_fail("second member truncated", ab, ab_len - 3, 1000, TI_E_INPUT,
	    "truncated");
	ab[a_len + b_len - 8] ^= 0x10;
	want_fail("second member bad CRC", ab, ab_len, 1000, TI_E_INPUT, "CRC");
	g_free(ab);

	nl = cat(a, a_len, "\r\n", 2, &nl_len);
	abc = cat(nl, nl_len, b, b_len, &abc_len);
	want_data("two members with CRLF between", abc, abc_len, 1000, want,
	    want_len, 0);
	g_free(abc);
	abc = cat(a, a_len, "zz", 2, &abc_len);
	ab = cat(abc, abc_len, b, b_len, &ab_len);
	want_data("garbage between members stops there", ab, ab_len, 1000, ta,
	    strlen(ta), 2 + b_len);
	g_free(ab);
	g_free(abc);
	g_free(nl);
	g_free(a);
	g_free(b);

	/* the second member is the bomb: the cap is for the total */
	{
		unsigned char *z1, *z2, *zz;
		size_t z1_len, z2_len, zz_len;

		z1 = gz_zeros(600 * 1000, &z1_len);
		z2 = gz_zeros(600 * 1000, &z2_len);
		zz = cat(z1, z1_len, z2, z2_len, &zz_len);
		want_fail("two members over the total cap", zz, zz_len,
		    1u << 20, TI_E_LIMIT, "bomb");
		g_free(zz);
		g_free(z1);
		g_free(z2);
	}
}

static void
test_cap(void)
{
	unsigned char *gz, *raw;
	size_t gz_len, n = 100 * 1000;

	raw = noise(n, 3);
	gz = gz_make(raw, n, NULL, &gz_len);
	want_data("exactly at cap", gz, gz_len, n, raw, n, 0);
	want_fail("one byte over cap", gz, gz_len, n - 1, TI_E_LIMIT, "bomb");
	want_fail("cap 0, data", gz, gz_len, 0, TI_E_LIMIT, "bomb");
	g_free(gz);
	g_free(raw);

	gz = gz_str("", &gz_len);
	want_data("cap 0, empty member", gz, gz_len, 0, "", 0, 0);
	g_free(gz);
	gz = gz_str("x", &gz_len);
	want_data("cap 1, one byte", gz, gz_len, 1, "x", 1, 0);
	want_fail("cap 0, one byte", gz, gz_len, 0, TI_E_LIMIT, "bomb");
	want_data("cap SIZE_MAX", gz, gz_len, SIZE_MAX, "x", 1, 0);
	g_free(gz);
}

static void
test_bomb(void)
{
	unsigned char *gz;
	size_t gz_len, n = 200u << 20;
	struct timespec t0, t1;
	double secs;

	gz = gz_zeros(n, &gz_len);
	diag("200 MiB of zeros: %zu bytes of gzip (%zu:1)", gz_len, n / gz_len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	want_fail("200 MiB bomb, cap 1 MiB", gz, gz_len, 1u << 20, TI_E_LIMIT,
	    "bomb");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	diag("bomb stopped after %.3f s", secs);
	/* generous, for valgrind; a full inflate would take far longer */
	ok(secs < 5.0, "bomb stops quickly (%.3f s)", secs);
	g_free(gz);
}

int
main(void)
{
	test_is_gzip();
	test_round_trips();
	test_header_fields();
	test_bad_input();
	test_damage();
	test_trailing();
	test_members();
	test_cap();
	test_bomb();
	return done_testing();
}
