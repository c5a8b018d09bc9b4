/*
 * Corpus replay without libFuzzer: feeds every file named on the command
 * line, and every regular file in every directory named there (not
 * recursive), to LLVMFuzzerTestOneInput once. Built with the normal
 * compiler so the test suite replays the seed corpora and any crash inputs
 * added to them (docs/FUZZING.md).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t replayed;

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			uint8_t *bigger = realloc(buf, cap *= 2);
			if (!bigger)
				free(buf);
			buf = bigger;
		}
	}
	int err = ferror(f);
	fclose(f);
	if (!buf || err) {
		fprintf(stderr, "%s: read failed\n", path);
		free(buf);
		return 1;
	}
	/* A private copy of exactly len bytes, so ASan sees reads past the end. */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		free(buf);
		return 1;
	}
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	replayed++;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return 1;
	}
	char **names = NULL;
	size_t count = 0, cap = 0;
	int failed = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (count == cap) {
			char **bigger = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
			if (!bigger) {
				failed = 1;
				break;
			}
			names = bigger;
		}
		size_t n = strlen(dir) + strlen(e->d_name) + 2;
		if (!(names[count] = malloc(n))) {
			failed = 1;
			break;
		}
		snprintf(names[count++], n, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (names)
		qsort(names, count, sizeof *names, cmp_names); /* same order every run */
	for (size_t i = 0; i < count; i++) {
		struct stat st;
		if (!failed && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			failed |= replay_file(names[i]);
		free(names[i]);
	}
	free(names);
	return failed;
}

int main(int argc, char **argv)
{
	int failed = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			failed = 1;
		} else if (S_ISDIR(st.st_mode)) {
			failed |= replay_dir(argv[i]);
		} else {
			failed |= replay_file(argv[i]);
		}
	}
	printf("replayed %zu input(s)\n", replayed);
	if (replayed == 0) {
		fprintf(stderr, "no inputs found\n");
		return 1;
	}
	return failed;
}
