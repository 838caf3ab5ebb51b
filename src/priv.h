/*
 * priv.h: never leave root-owned files in the store's directory.
 *
 * In WAL mode the first process to open a SQLite store creates its -wal
 * and -shm files with its own uid and umask.  A root backfill or a root
 * cron digest that came first would leave files that the delivery user
 * (nobody for an /etc/aliases pipe) cannot open, and every later delivery
 * would defer (doc/delivery.md, '11. Who we run as').  So a program
 * started as root becomes the owner of the store's directory first.
 */
#ifndef PRIV_H
#define PRIV_H

#include "ti.h"

/*
 * When running as root and spec names a SQLite store whose directory is
 * owned by another user, switch to that user and its group for good
 * (supplementary groups dropped).  A no-op otherwise.  Returns 0, or -1
 * with TI_E_TEMP when the switch failed.
 */
int priv_drop_to_store_owner(const char *spec, struct ti_err *err);

#endif
