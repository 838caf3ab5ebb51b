/*
 * metrics.h: the store's counters (store.h, struct store_counter) in
 * the Prometheus text format 0.0.4, for tlsrpt metrics and for the
 * file tlsrpt-ingest rewrites after each commit ([metrics] file).
 */
#ifndef METRICS_H
#define METRICS_H

#include <glib.h>

#include "conf.h"
#include "store/store.h"
#include "ti.h"

/* Append the exposition of st's counters to out: 0, or -1 with *err
   set (the store could not be read). */
int metrics_format(struct store *st, const struct ti_conf *conf, GString *out,
    struct ti_err *err);

/* Rewrite path with metrics_format(): a temporary file in the same
   directory, fsync, rename, so that a reader sees the old file or the
   new one whole.  -1 with *err set (TI_E_TEMP) on any failure. */
int metrics_write_file(struct store *st, const struct ti_conf *conf,
    const char *path, struct ti_err *err);

/* Append value to out as a label value: \ " and newline escaped. */
void metrics_escape(GString *out, const char *value);

#endif
