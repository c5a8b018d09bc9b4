/* imagegen: image rows (SQLite) and files (see images.h). */
#include "images.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char schema_sql[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;" /* WAL: a kill -9 loses nothing; only a power cut may lose the last commits */
	"CREATE TABLE IF NOT EXISTS images ("
	" id TEXT PRIMARY KEY,"
	" user_id INTEGER NOT NULL,"
	" prompt TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" story_id TEXT);"
	"CREATE INDEX IF NOT EXISTS images_by_user ON images(user_id, created_at);";

enum { ST_INSERT, ST_OWNER, ST_LIST, ST_COUNT, ST__N };

static const char *const statement_sql[ST__N] = {
	[ST_INSERT] = "INSERT INTO images(id, user_id, prompt, created_at, story_id) VALUES (?, ?, ?, ?, ?)",
	[ST_OWNER] = "SELECT 1 FROM images WHERE id = ? AND user_id = ?",
	[ST_LIST] = ("SELECT id, story_id, prompt, created_at FROM images WHERE user_id = ?"
	             " ORDER BY created_at DESC, rowid DESC LIMIT ?"),
	[ST_COUNT] = "SELECT count(*) FROM images WHERE user_id = ?",
};

struct ig_images {
	pthread_mutex_t lock;
	sqlite3 *db;
	sqlite3_stmt *st[ST__N];
	char *dir; /* <data-dir>/images */
};

/* Take the connection and a reset statement; release with statement_done(). */
static sqlite3_stmt *statement_begin(ig_images *ig, int which)
{
	pthread_mutex_lock(&ig->lock);
	return ig->st[which];
}

static void statement_done(ig_images *ig, sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	pthread_mutex_unlock(&ig->lock);
}

void ig_new_id(char *out)
{
	unsigned char raw[IG_ID_CHARS / 2];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(out, IG_ID_CHARS + 1, raw, sizeof raw);
}

int ig_id_valid(const char *s)
{
	if (!s)
		return 0;
	size_t i = 0;
	for (; s[i]; i++)
		if (i >= IG_ID_CHARS || !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == IG_ID_CHARS;
}

int ig_images_open(const char *data_dir, ig_images **out)
{
	*out = NULL;
	if (sodium_init() < 0)
		return -1;
	ig_images *ig = calloc(1, sizeof *ig);
	if (!ig)
		return -1;
	pthread_mutex_init(&ig->lock, NULL);
	char *db_path = NULL;
	if (asprintf(&ig->dir, "%s/images", data_dir) < 0) {
		ig->dir = NULL; /* asprintf leaves it undefined on failure */
		goto fail;
	}
	if (asprintf(&db_path, "%s/images.db", data_dir) < 0) {
		db_path = NULL;
		goto fail;
	}
	if (mkdir(ig->dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "imagegen: cannot create %s: %s\n", ig->dir, strerror(errno));
		goto fail;
	}
	if (sqlite3_open_v2(db_path, &ig->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	        SQLITE_OK ||
	    sqlite3_busy_timeout(ig->db, 5000) != SQLITE_OK ||
	    sqlite3_exec(ig->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		goto db_fail;
	for (int i = 0; i < ST__N; i++)
		if (sqlite3_prepare_v3(ig->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &ig->st[i], NULL) !=
		    SQLITE_OK)
			goto db_fail;
	free(db_path);
	*out = ig;
	return 0;
db_fail:
	fprintf(stderr, "imagegen: %s: %s\n", db_path, ig->db ? sqlite3_errmsg(ig->db) : "cannot open");
fail:
	free(db_path);
	ig_images_close(ig);
	return -1;
}

void ig_images_close(ig_images *ig)
{
	if (!ig)
		return;
	for (int i = 0; i < ST__N; i++)
		sqlite3_finalize(ig->st[i]);
	sqlite3_close(ig->db);
	pthread_mutex_destroy(&ig->lock);
	free(ig->dir);
	free(ig);
}

/* Write the whole buffer to path, creating it (never overwriting), mode 0600. */
static int write_new_file(const char *path, const unsigned char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			unlink(path);
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	if (close(fd) != 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

static char *image_path(const ig_images *ig, const char *id)
{
	char *path = NULL;
	return asprintf(&path, "%s/%s.png", ig->dir, id) < 0 ? NULL : path;
}

int ig_images_add(ig_images *ig, int64_t user_id, const char *prompt, const char *story_id, int64_t now,
                  const unsigned char *png, size_t png_len, char *id_out)
{
	ig_new_id(id_out);
	char *path = image_path(ig, id_out);
	if (!path || write_new_file(path, png, png_len) != 0) {
		free(path);
		return -1;
	}
	sqlite3_stmt *st = statement_begin(ig, ST_INSERT);
	sqlite3_bind_text(st, 1, id_out, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_text(st, 3, prompt, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	if (story_id && story_id[0])
		sqlite3_bind_text(st, 5, story_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	if (rc)
		fprintf(stderr, "imagegen: images.db insert: %s\n", sqlite3_errmsg(ig->db));
	statement_done(ig, st);
	if (rc)
		unlink(path);
	free(path);
	return rc;
}

int ig_images_path_for_owner(ig_images *ig, const char *id, int64_t user_id, char **path_out)
{
	*path_out = NULL;
	if (!ig_id_valid(id))
		return 1;
	sqlite3_stmt *st = statement_begin(ig, ST_OWNER);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	int step = sqlite3_step(st);
	statement_done(ig, st);
	if (step == SQLITE_DONE)
		return 1;
	if (step != SQLITE_ROW)
		return -1;
	*path_out = image_path(ig, id);
	return *path_out ? 0 : -1;
}

static void copy_id(char *dst, const unsigned char *src)
{
	dst[0] = '\0';
	if (src && ig_id_valid((const char *)src))
		memcpy(dst, src, IG_ID_CHARS + 1);
}

int ig_images_list(ig_images *ig, int64_t user_id, size_t limit, ig_image **out, size_t *count_out)
{
	*out = NULL;
	*count_out = 0;
	ig_image *list = calloc(limit ? limit : 1, sizeof *list);
	if (!list)
		return -1;
	size_t n = 0;
	int rc = 0;
	sqlite3_stmt *st = statement_begin(ig, ST_LIST);
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	int step = SQLITE_DONE;
	while (n < limit && (step = sqlite3_step(st)) == SQLITE_ROW) {
		copy_id(list[n].id, sqlite3_column_text(st, 0));
		copy_id(list[n].story_id, sqlite3_column_text(st, 1));
		const unsigned char *prompt = sqlite3_column_text(st, 2);
		list[n].prompt = strdup(prompt ? (const char *)prompt : "");
		list[n].created_at = sqlite3_column_int64(st, 3);
		if (!list[n].prompt) {
			rc = -1;
			break;
		}
		n++;
	}
	if (rc == 0 && n < limit && step != SQLITE_DONE)
		rc = -1;
	statement_done(ig, st);
	if (rc) {
		ig_image_list_free(list, n);
		return -1;
	}
	*out = list;
	*count_out = n;
	return 0;
}

void ig_image_list_free(ig_image *list, size_t count)
{
	if (!list)
		return;
	for (size_t i = 0; i < count; i++)
		free(list[i].prompt);
	free(list);
}

int ig_images_count(ig_images *ig, int64_t user_id, int64_t *count_out)
{
	sqlite3_stmt *st = statement_begin(ig, ST_COUNT);
	sqlite3_bind_int64(st, 1, user_id);
	int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
	*count_out = rc == 0 ? sqlite3_column_int64(st, 0) : 0;
	statement_done(ig, st);
	return rc;
}
