/*
 * gunzip.c: inflate a gzip attachment (RFC 1952) under an output cap.
 *
 * Design rationale:
 * - RFC 8460 §5.3 and §6.3 say gzip, so inflate is opened for gzip only
 *   (16 + MAX_WBITS): a zlib (RFC 1950) stream or a zip archive is bad
 *   input, said plainly rather than as zlib's "incorrect header check".
 * - Deflate reaches about 1030:1, so a small mail can carry gigabytes.
 *   The output buffer grows geometrically but never past max + 1 bytes:
 *   the first byte past max stops the call (TI_E_LIMIT) in bounded time
 *   and memory.
 * - zlib stops after one member (zlib.h: inflate "will not automatically
 *   decode concatenated gzip members").  Further members are inflated
 *   after inflateReset() under the same total cap, so a bomb cannot hide
 *   in member two.  Whitespace after the last member (a stray CRLF, seen
 *   in the wild) is ignored; other trailing bytes are counted.
 * - inflateGetHeader() is never called (CVE-2022-37434 lived there);
 *   FNAME and friends are skipped by zlib itself.
 */
#include <limits.h>
#include <string.h>

#include <glib.h>
#include <zlib.h>

#include "config.h"
#include "ti.h"
#include "ingest/gunzip.h"

/* First allocation; the buffer doubles from here up to the cap. */
#define GUNZIP_MIN_ROOM (16u * 1024)

int
gunzip_is_gzip(const unsigned char *data, size_t len)
{
	return data != NULL && len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

/* Explain why bytes that do not start with the gzip magic were refused. */
static int
gunzip_not_gzip(const unsigned char *in, size_t len, struct ti_err *err)
{
	if (len >= 4 && memcmp(in, "PK\003\004", 4) == 0)
		return ti_err_set(err, TI_E_INPUT, "zip archive, not gzip");
	/* RFC 1950 §2.2: CM 8, and CMF*256 + FLG a multiple of 31 */
	if (len >= 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 &&
	    ((unsigned)in[0] * 256 + in[1]) % 31 == 0)
		return ti_err_set(err, TI_E_INPUT, "zlib stream, not gzip");
	return ti_err_set(err, TI_E_INPUT, "not gzip data (no 1f 8b magic)");
}

/* Turn a Z_DATA_ERROR into a message a postmaster can act on. */
static int
gunzip_data_error(const z_stream *strm, struct ti_err *err)
{
	const char *m = strm->msg != NULL ? strm->msg : "";

	if (strcmp(m, "incorrect data check") == 0)
		return ti_err_set(err, TI_E_INPUT, "gzip CRC mismatch");
	if (strcmp(m, "incorrect length check") == 0)
		return ti_err_set(err, TI_E_INPUT,
		    "gzip length (ISIZE) mismatch");
	if (strcmp(m, "incorrect header check") == 0 ||
	    strcmp(m, "unknown compression method") == 0 ||
	    strcmp(m, "unknown header flags set") == 0 ||
	    strcmp(m, "header crc mismatch") == 0)
		return ti_err_set(err, TI_E_INPUT, "gzip header bad: %s", m);
	return ti_err_set(err, TI_E_INPUT, "gzip data corrupt: %s",
	    m[0] != '\0' ? m : "unknown error");
}

static int
gunzip_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f' || c == '\0';
}

int
gunzip(const unsigned char *in, size_t len, size_t max, unsigned char **out,
    size_t *out_len, size_t *trailing, struct ti_err *err)
{
	z_stream strm;
	unsigned char *buf = NULL;
	size_t room = 0, used = 0, fed = 0, pos;
	size_t avail_before, out_before;
	int zrc, rc = -1, zinit = 0;

	*out = NULL;
	*out_len = 0;
	if (trailing != NULL)
		*trailing = 0;
	if (in == NULL || len == 0)
		return ti_err_set(err, TI_E_INPUT, "gzip data empty");
	if (in[0] != 0x1f || (len >= 2 && in[1] != 0x8b))
		return gunzip_not_gzip(in, len, err);
	/* room holds max + 1 bytes (one over proves the bomb) plus a NUL */
	if (max > SIZE_MAX - 2)
		max = SIZE_MAX - 2;

	memset(&strm, 0, sizeof(strm));
	if (inflateInit2(&strm, 16 + MAX_WBITS) != Z_OK) {
		ti_err_set(err, TI_E_TEMP, "inflateInit2 failed");
		goto out;
	}
	zinit = 1;

	/* avail_in is a uInt: feed huge input in slices */
	strm.next_in = (unsigned char *)in;
	strm.avail_in = len > UINT_MAX ? UINT_MAX : (uInt)len;
	fed = strm.avail_in;

	for (;;) {
		if (strm.avail_in == 0 && fed < len) {
			strm.next_in = (unsigned char *)in + fed;
			strm.avail_in =
			    len - fed > UINT_MAX ? UINT_MAX : (uInt)(len - fed);
			fed += strm.avail_in;
		}
		if (used == room) {
			size_t want;

			if (room == max + 1) {
				/* unreachable: used > max was caught below */
				ti_err_set(err, TI_E_BUG, "gunzip: room full");
				goto out;
			}
			if (room == 0)
				want = GUNZIP_MIN_ROOM;
			else if (room > (max + 1) / 2)
				want = max + 1;
			else
				want = room * 2;
			if (want > max + 1)
				want = max + 1;
			buf = g_realloc(buf, want + 1);
			room = want;
		}
		strm.next_out = buf + used;
		strm.avail_out =
		    room - used > UINT_MAX ? UINT_MAX : (uInt)(room - used);
		avail_before = strm.avail_in;
		out_before = strm.avail_out;
		zrc = inflate(&strm, Z_NO_FLUSH);
		used += out_before - strm.avail_out;
		if (used > max) {
			ti_err_set(err, TI_E_LIMIT,
			    "gzip bomb: output exceeds %zu bytes (gunzip-size)",
			    max);
			goto out;
		}
		switch (zrc) {
		case Z_OK:
			continue;
		case Z_BUF_ERROR:
			/* no progress: input is used up (room is not full) */
			if (strm.avail_in == 0 && fed == len &&
			    strm.avail_out != 0) {
				ti_err_set(err, TI_E_INPUT,
				    "gzip data truncated");
				goto out;
			}
			if (avail_before == strm.avail_in &&
			    out_before == strm.avail_out &&
			    strm.avail_out != 0) {
				ti_err_set(err, TI_E_BUG,
				    "inflate made no progress");
				goto out;
			}
			continue;
		case Z_STREAM_END:
			break;
		case Z_DATA_ERROR:
			gunzip_data_error(&strm, err);
			goto out;
		case Z_MEM_ERROR:
			ti_err_set(err, TI_E_TEMP, "inflate: out of memory");
			goto out;
		default:
			ti_err_set(err, TI_E_INPUT, "gzip data corrupt (%d)",
			    zrc);
			goto out;
		}

		/* end of one member: what follows it? */
		pos = fed - strm.avail_in;
		while (pos < len && gunzip_is_space(in[pos]))
			pos++;
		if (pos == len)
			break;
		if (len - pos >= 2 && in[pos] == 0x1f && in[pos + 1] == 0x8b) {
			if (inflateReset(&strm) != Z_OK) {
				ti_err_set(err, TI_E_BUG,
				    "inflateReset failed");
				goto out;
			}
			strm.next_in = (unsigned char *)in + pos;
			strm.avail_in =
			    len - pos > UINT_MAX ? UINT_MAX : (uInt)(len - pos);
			fed = pos + strm.avail_in;
			continue;
		}
		if (trailing != NULL)
			*trailing = len - pos;
		break;
	}

	if (buf == NULL)
		buf = g_malloc(1);
	buf[used] = '\0';
	*out = buf;
	*out_len = used;
	buf = NULL;
	rc = 0;
out:
	if (zinit)
		inflateEnd(&strm);
	g_free(buf);
	return rc;
}
