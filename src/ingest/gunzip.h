/*
 * gunzip.h: inflate a gzip attachment under an output cap (RFC 1952).
 */
#ifndef GUNZIP_H
#define GUNZIP_H

#include <stddef.h>

#include "ti.h"

/* True when data starts with the gzip magic bytes 1f 8b. */
int gunzip_is_gzip(const unsigned char *data, size_t len);

/*
 * Inflate the gzip data in[0..len) into a new heap buffer (free with
 * g_free), NUL-terminated (the NUL is not counted in *out_len).
 *
 * - The output never exceeds max bytes: past it the call stops at once,
 *   in bounded memory, with TI_E_LIMIT ("gzip bomb").
 * - Concatenated gzip members are inflated in turn under the same cap.
 * - Trailing bytes after the last member: whitespace and NULs are
 *   ignored; anything else sets *trailing (the count of such bytes) and
 *   the data is still returned.  trailing may be NULL.
 * - Truncated data, a CRC or length mismatch, a bad header: TI_E_INPUT.
 * - A zlib (RFC 1950) stream is not accepted: the RFC says gzip.
 * Returns 0, or -1 with *err set and *out NULL.
 */
int gunzip(const unsigned char *in, size_t len, size_t max, unsigned char **out,
    size_t *out_len, size_t *trailing, struct ti_err *err);

#endif
