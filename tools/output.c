/* SPDX-License-Identifier: Apache-2.0 */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

/* Symbolic links followed before giving up, as the kernel does (ELOOP). */
#define MAX_LINK_HOPS 40

static void report(const struct kfp_output *out, int err)
{
	fprintf(stderr, "%s: cannot write %s: %s\n", out->prog,
		out->path ? out->path : "standard output", strerror(err));
}

static bool is_stdout(const char *path)
{
	return !path || !strcmp(path, "-");
}

/* The file path names once every symbolic link on its last component is
 * followed (the file to create when it does not exist: a dangling link is
 * followed too), or NULL with errno set. */
static char *follow_links(const char *path)
{
	char *p = kfp_xstrdup(path);
	for (int hops = 0;; hops++) {
		struct stat st;
		if (lstat(p, &st) != 0)
			return errno == ENOENT ? p : (free(p), NULL);
		if (!S_ISLNK(st.st_mode))
			return p;
		char link[PATH_MAX];
		ssize_t n = hops < MAX_LINK_HOPS ? readlink(p, link, sizeof(link) - 1) : -1;
		if (n < 0) {
			int err = hops < MAX_LINK_HOPS ? errno : ELOOP;
			free(p);
			errno = err;
			return NULL;
		}
		link[n] = 0;
		const char *slash = strrchr(p, '/');
		char *next = link[0] == '/' || !slash
				     ? kfp_xstrdup(link)
				     : kfp_xasprintf("%.*s/%s", (int)(slash - p), p, link);
		free(p);
		p = next;
	}
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return !slash ? kfp_xstrdup(".") : slash == path ? kfp_xstrdup("/")
				: kfp_xstrndup(path, (size_t)(slash - path));
}

/* Where the bytes go: in place (out->fd) or to a file that replaces
 * out->target.  0 or an errno value. */
static int place(struct kfp_output *out)
{
	struct stat st, st_out;
	if (is_stdout(out->path)) {
		out->fd = STDOUT_FILENO;
		return 0;
	}
	if (!*out->path)
		return ENOENT;
	/* stat() follows every link, /proc's "magic" ones (/dev/stdout)
	 * included, which no readlink() walk can. */
	bool exists = stat(out->path, &st) == 0;
	if (!exists && errno != ENOENT)
		return errno;
	if (exists && S_ISDIR(st.st_mode))
		return EISDIR;
	if (exists && fstat(STDOUT_FILENO, &st_out) == 0 && st.st_dev == st_out.st_dev &&
	    st.st_ino == st_out.st_ino) {
		out->fd = STDOUT_FILENO;
		return 0;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		/* A FIFO blocks here until it has a reader, as it should. */
		out->fd = open(out->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		return out->fd < 0 ? errno : 0;
	}
	char *target = follow_links(out->path);
	if (!target)
		return errno;
	struct stat st_target;
	bool same = stat(target, &st_target) == 0 && st_target.st_dev == st.st_dev &&
		    st_target.st_ino == st.st_ino;
	if (exists && !same) {
		/* A regular file no path leads to (a link in /proc to a
		 * deleted file): it can only be written in place. */
		free(target);
		out->fd = open(out->path, O_WRONLY | O_TRUNC | O_NOCTTY | O_CLOEXEC);
		return out->fd < 0 ? errno : 0;
	}
	/* Fail now, not after the work, if the file cannot be created. */
	char *dir = dir_of(target);
	int err = access(dir, W_OK | X_OK) == 0 ? 0 : errno;
	free(dir);
	if (err) {
		free(target);
		return err;
	}
	mode_t mask = umask(0);
	umask(mask);
	out->mode = exists ? st.st_mode & 07777 : 0666 & ~mask;
	out->target = target;
	return 0;
}

FILE *kfp_output_open(struct kfp_output *out, const char *prog, const char *path)
{
	*out = (struct kfp_output){ .prog = prog, .path = is_stdout(path) ? NULL : path, .fd = -1 };
	int err = place(out);
	if (err) {
		report(out, err);
		return NULL;
	}
	out->f = open_memstream(&out->buf, &out->len);
	if (!out->f) {
		report(out, errno);
		kfp_output_discard(out);
	}
	return out->f;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes an in-place output.  0 or an errno value. */
static int write_in_place(struct kfp_output *out)
{
	if (out->fd == STDOUT_FILENO && fflush(stdout) != 0)
		return errno;
	int err = write_all(out->fd, out->buf, out->len);
	if (out->fd != STDOUT_FILENO) {
		if (close(out->fd) != 0 && !err)
			err = errno;
		out->fd = -1;
	}
	return err;
}

/* Writes and syncs a temporary file beside out->target; *tmp is its name.
 * 0 or an errno value (then no temporary file is left). */
static int write_temporary(const struct kfp_output *out, char **tmp)
{
	char *dir = dir_of(out->target);
	const char *slash = strrchr(out->target, '/');
	/* Hidden, so that no glob of host profiles ever picks it up. */
	*tmp = kfp_xasprintf("%s/.%s.XXXXXX", dir, slash ? slash + 1 : out->target);
	free(dir);
	int fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		free(*tmp);
		*tmp = NULL;
		return err;
	}
	int err = fchmod(fd, (mode_t)out->mode) != 0 ? errno : 0;
	if (!err)
		err = write_all(fd, out->buf, out->len);
	if (!err && fsync(fd) != 0)
		err = errno;
	if (close(fd) != 0 && !err)
		err = errno;
	if (err) {
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
	return err;
}

/* The rename is durable once the directory is synced. */
static int sync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return errno;
	int err = fsync(fd) != 0 ? errno : 0;
	close(fd);
	return err;
}

bool kfp_output_commit(struct kfp_output *outs, size_t n)
{
	bool ok = true;
	/* Devices, FIFOs and standard output first: a reader that never
	 * reads can still be interrupted here. */
	for (size_t i = 0; i < n; i++) {
		struct kfp_output *out = &outs[i];
		int err = fclose(out->f) != 0 ? errno : 0;
		out->f = NULL;
		if (!err && ok && !out->target)
			err = write_in_place(out);
		if (err) {
			report(out, err);
			ok = false;
		}
	}
	/* Temporary files exist only from here on: an interrupt waits until
	 * they are renamed or removed (only SIGKILL could leave one). */
	sigset_t block, saved;
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGQUIT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &saved);
	char **tmps = kfp_xcalloc(n ? n : 1, sizeof(*tmps));
	for (size_t i = 0; i < n && ok; i++) {
		int err = outs[i].target ? write_temporary(&outs[i], &tmps[i]) : 0;
		if (err) {
			report(&outs[i], err);
			ok = false;
		}
	}
	/* A rename beside a file just created in the same directory does
	 * not fail short of a vanished directory. */
	for (size_t i = 0; i < n; i++) {
		struct kfp_output *out = &outs[i];
		if (!tmps[i])
			continue;
		int err = 0;
		if (ok && rename(tmps[i], out->target) != 0)
			err = errno;
		else if (ok)
			err = sync_dir(out->target);
		else
			unlink(tmps[i]);
		if (err) {
			report(out, err);
			unlink(tmps[i]);
			ok = false;
		}
		free(tmps[i]);
	}
	free(tmps);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	for (size_t i = 0; i < n; i++)
		kfp_output_discard(&outs[i]);
	return ok;
}

void kfp_output_discard(struct kfp_output *out)
{
	if (out->f)
		fclose(out->f);
	if (out->fd >= 0 && out->fd != STDOUT_FILENO)
		close(out->fd);
	free(out->buf);
	free(out->target);
	*out = (struct kfp_output){ .prog = out->prog, .path = out->path, .fd = -1 };
}

bool kfp_output_write(const char *prog, const char *path, const void *buf, size_t len)
{
	struct kfp_output out;
	if (!kfp_output_open(&out, prog, path))
		return false;
	fwrite(buf, 1, len, out.f);
	return kfp_output_commit(&out, 1);
}
