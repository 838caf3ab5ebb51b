/*
 * priv.c: become the store's owner when started as root (see priv.h).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "priv.h"
#include "store/store.h"

int
priv_drop_to_store_owner(const char *spec, struct ti_err *err)
{
	const char *path = store_sqlite_path(spec);
	char *dir;
	struct stat st;
	int rc = 0;

	if (geteuid() != 0 || path == NULL)
		return 0;
	dir = g_path_get_dirname(path);
	if (stat(dir, &st) == 0 && st.st_uid != 0) {
		if (setgroups(0, NULL) == -1 || setgid(st.st_gid) == -1 ||
		    setuid(st.st_uid) == -1)
			rc = ti_err_set(err, TI_E_TEMP,
			    "cannot become uid %ld, owner of %s: %s",
			    (long)st.st_uid, dir, g_strerror(errno));
		else if (setuid(0) == 0)
			rc = ti_err_set(err, TI_E_BUG,
			    "could get root back after leaving it");
	}
	g_free(dir);
	return rc;
}
