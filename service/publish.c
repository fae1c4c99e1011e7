/* publish.c - see publish.h. */
#include "publish.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool publish_mkdirs(const char *dir, struct ll_err *err)
{
	char tmp[PATH_MAX];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(tmp))
		return ll_err_set(err, "publish directory '%s': bad path", dir);
	memcpy(tmp, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return ll_err_set(err, "publish directory %s: %s", tmp, strerror(errno));
		if (i < n)
			tmp[i] = '/';
	}
	return true;
}

bool publish_atomic(const char *dir, const char *name, const void *data, size_t len,
		    struct ll_err *err)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	const char *p = data;
	int fd, dfd;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.XXXXXX", dir, name);
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	fd = mkstemp(tmp);
	if (fd < 0)
		return ll_err_set(err, "publish %s: %s", dst, strerror(errno));
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			ll_err_set(err, "publish %s: write: %s", dst, strerror(errno));
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		ll_err_set(err, "publish %s: %s", dst, strerror(errno));
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		ll_err_set(err, "publish %s: close: %s", dst, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, dst) < 0) {
		ll_err_set(err, "publish %s: rename: %s", dst, strerror(errno));
		goto fail;
	}
	/* the rename itself must reach the disk before we report success */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return true;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return false;
}
