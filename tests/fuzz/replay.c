/* SPDX-License-Identifier: Apache-2.0 */
/* Runs a libFuzzer harness over every file in the given directories or
 * files, for builds without libFuzzer.  Prints "N passed, 0 failed". */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	size_t cap = 1 << 16, n = 0, k;
	uint8_t *buf = malloc(cap);
	while ((k = fread(buf + n, 1, cap - n, f)) > 0)
		if ((n += k) == cap)
			buf = realloc(buf, cap *= 2);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 1;
}

static unsigned run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		perror(path);
		exit(1);
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	unsigned n = 0;
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[4096];
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		n += run_path(sub);
	}
	if (d)
		closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	unsigned n = 0;
	for (int i = 1; i < argc; i++)
		n += run_path(argv[i]);
	if (n == 0) {
		fprintf(stderr, "replay: no inputs\n");
		return 1;
	}
	/* Reaching here means no input crashed or tripped an assertion. */
	printf("replayed %u inputs without libFuzzer\n%u passed, 0 failed\n", n, n);
	return 0;
}
