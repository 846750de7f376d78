/* SPDX-License-Identifier: Apache-2.0 */
/* The /init plumbing every in-guest program shares, on arm64 and x86_64
 * alike: see fleet_init.h. */
#include "fleet_init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- output ------------------------------------------------------------ */

void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static char fail_buf[200];

int fail(const char *fmt, ...)
{
	va_list ap;

	if (fail_buf[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(fail_buf, sizeof(fail_buf), fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *fail_reason(void)
{
	return fail_buf;
}

/* ---- /init ------------------------------------------------------------- */

void fleet_setup_init(void)
{
	mkdir("/dev", 0755);
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	/* Without /dev/console in the initramfs the kernel starts init with
	 * no stdio; take the console from devtmpfs then. */
	if (fcntl(1, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR | O_NOCTTY);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
}

/* ---- running a command ------------------------------------------------- */

static void keep(char *buf, size_t size, size_t *n, const char *line)
{
	size_t len = strlen(line);
	if (*n + len + 2 < size) {
		memcpy(buf + *n, line, len);
		*n += len;
		buf[(*n)++] = '\n';
		buf[*n] = '\0';
	}
}

#define ACC_SIZE 8192

static void emit(const char *tag, struct fleet_run *r, const char *line)
{
	out("KFP-%s %s %s\n", tag, r->name, line);
	if (tag[0] == 'O')
		keep(r->out, sizeof(r->out), &r->nout, line);
	else
		keep(r->err, sizeof(r->err), &r->nerr, line);
}

/* Prints the complete lines in acc as "KFP-<tag> <name> <line>"; the rest
 * too at the end of the stream, or when it fills acc. */
static void drain(char *acc, size_t *len, const char *tag, struct fleet_run *r, bool eof)
{
	char *start = acc, *nl;
	while ((nl = memchr(start, '\n', *len - (size_t)(start - acc)))) {
		*nl = '\0';
		emit(tag, r, start);
		start = nl + 1;
	}
	*len -= (size_t)(start - acc);
	memmove(acc, start, *len);
	if (*len && (eof || *len == ACC_SIZE - 1)) {
		acc[*len] = '\0';
		emit(tag, r, acc);
		*len = 0;
	}
}

int fleet_run(struct fleet_run *r, char *const argv[])
{
	int po[2], pe[2];
	r->status = -1;
	r->nout = r->nerr = 0;
	r->out[0] = r->err[0] = '\0';
	if (pipe(po) < 0 || pipe(pe) < 0)
		return fail("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	static char acc[2][ACC_SIZE];
	size_t len[2] = { 0, 0 };
	struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
	int open_fds = 2;
	while (open_fds) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(fds[i].fd, acc[i] + len[i], sizeof(acc[i]) - 1 - len[i]);
			if (n > 0) {
				len[i] += (size_t)n;
				drain(acc[i], &len[i], i ? "ERR" : "OUT", r, false);
			} else {
				drain(acc[i], &len[i], i ? "ERR" : "OUT", r, true);
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			}
		}
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return fail("waitpid: %s", strerror(errno));
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	out("KFP-EXIT %s %d\n", r->name, r->status);
	return 0;
}
