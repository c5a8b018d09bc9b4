/* Test harness for the example servers (see server_harness.h). */
#include "server_harness.h"

#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Minimum Argon2id cost the library accepts: fast logins. */
static const char *const min_cost_env[] = {"AUTHKIT_ARGON2_OPSLIMIT=2", "AUTHKIT_ARGON2_MEMLIMIT=19922944", NULL};

const char *hs_binary_from_env(const char *var)
{
	const char *v = getenv(var);
	ck_assert_msg(v && *v, "%s is not set (run through meson test)", var);
	return v;
}

static void child_env(const char *const *extra_env)
{
	/* Drop every AUTHKIT_* the test runner may have, so the server sees
	 * exactly what the test gives it. */
	for (;;) {
		char **e = environ;
		while (*e && strncmp(*e, "AUTHKIT_", 8) != 0)
			e++;
		if (!*e)
			break;
		char name[256];
		size_t n = strcspn(*e, "=");
		snprintf(name, sizeof name, "%.*s", (int)n, *e);
		unsetenv(name);
	}
	for (const char *const *kv = min_cost_env; *kv; kv++)
		putenv((char *)*kv);
	for (const char *const *kv = extra_env; kv && *kv; kv++)
		putenv((char *)*kv);
}

static void read_listening_line(hs_server *s)
{
	char line[512];
	size_t len = 0;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (len < sizeof line - 1) {
		struct pollfd pfd = {.fd = s->stdout_fd, .events = POLLIN};
		int r = poll(&pfd, 1, 1000);
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		ck_assert_msg(now.tv_sec - start.tv_sec < 60, "server did not start within 60 s (see %s)", s->log_path);
		if (r <= 0)
			continue;
		ssize_t n = read(s->stdout_fd, line + len, 1);
		ck_assert_msg(n == 1, "server exited before listening (see %s)", s->log_path);
		if (line[len] == '\n')
			break;
		len++;
	}
	line[len] = '\0';
	const char *url = strstr(line, "http://");
	ck_assert_msg(url != NULL, "unexpected first line: %s", line);
	const char *colon = strrchr(url, ':');
	ck_assert(colon != NULL);
	s->port = (unsigned)strtoul(colon + 1, NULL, 10);
	ck_assert_uint_gt(s->port, 0);
	snprintf(s->base_url, sizeof s->base_url, "http://127.0.0.1:%u", s->port);
}

static void spawn_child(hs_server *s)
{
	const char *argv[64];
	size_t argc = 0;
	char *wrapper = getenv("HS_SERVER_WRAPPER") ? strdup(getenv("HS_SERVER_WRAPPER")) : NULL;
	for (char *save = NULL, *w = wrapper ? strtok_r(wrapper, " ", &save) : NULL; w && argc < 16;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc++] = s->binary;
	argv[argc++] = "--port";
	argv[argc++] = "0";
	argv[argc++] = "--data-dir";
	argv[argc++] = s->data_dir;
	for (const char *const *a = s->extra_args; a && *a && argc < 62; a++)
		argv[argc++] = *a;
	argv[argc] = NULL;

	int out[2];
	ck_assert_int_eq(pipe(out), 0);
	int log_fd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	ck_assert_int_ge(log_fd, 0);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(log_fd, STDERR_FILENO);
		close(out[0]);
		close(out[1]);
		close(log_fd);
		child_env(s->extra_env);
		execv(argv[0], (char *const *)argv);
		if (argv[0][0] != '/')
			execvp(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	free(wrapper);
	close(out[1]);
	close(log_fd);
	s->pid = pid;
	s->stdout_fd = out[0];
}

static void spawn(hs_server *s)
{
	spawn_child(s);
	read_listening_line(s);
}

void hs_start(hs_server *s, const char *binary, const char *const *extra_args, const char *const *extra_env)
{
	memset(s, 0, sizeof *s);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const char *tmp = getenv("TMPDIR");
	snprintf(s->data_dir, sizeof s->data_dir, "%s/authkit-srv-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_msg(mkdtemp(s->data_dir) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(s->log_path, sizeof s->log_path, "%s/server.log", s->data_dir);
	s->binary = binary;
	s->extra_args = extra_args;
	s->extra_env = extra_env;
	spawn(s);
}


static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* SIGTERM and reap; asserts a clean exit within 60 s. */
static void terminate(hs_server *s)
{
	ck_assert_int_eq(kill(s->pid, SIGTERM), 0);
	int status = 0;
	pid_t r = 0;
	/* Bounded wait for the exit (not a timing assertion: a hung server fails). */
	for (int i = 0; i < 600; i++) {
		r = waitpid(s->pid, &status, WNOHANG);
		if (r == s->pid)
			break;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (r != s->pid) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
		ck_abort_msg("server did not stop within 60 s of SIGTERM");
	}
	s->pid = 0;
	close(s->stdout_fd);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "server exit status %d (see %s)", status,
	              s->log_path);
}

void hs_restart(hs_server *s)
{
	terminate(s);
	spawn(s);
}

int hs_restart_expect_exit(hs_server *s)
{
	if (s->pid > 0) /* never kill(0): that is the whole process group */
		terminate(s);
	spawn_child(s);
	int status = 0;
	pid_t r = 0;
	/* Bounded wait: a server that starts anyway is killed and the test fails. */
	for (int i = 0; i < 300; i++) {
		r = waitpid(s->pid, &status, WNOHANG);
		if (r == s->pid)
			break;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	int exited = r == s->pid;
	if (!exited) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
	}
	s->pid = 0;
	close(s->stdout_fd);
	ck_assert_msg(exited, "the server kept running instead of refusing to start (see %s)", s->log_path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void hs_respawn(hs_server *s)
{
	ck_assert_int_eq(s->pid, 0);
	spawn(s);
}

void hs_stop(hs_server *s)
{
	if (s->pid <= 0)
		return;
	terminate(s);
	hs_assert_clean(s);
	for (size_t i = 0; i < s->n_secrets; i++)
		free(s->secrets[i]);
	s->n_secrets = 0;
	free(s->transcript);
	s->transcript = NULL;
	if (!s->keep_data)
		nftw(s->data_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- HTTP ---- */

typedef struct growbuf {
	char *data;
	size_t len, cap;
} growbuf;

static void grow_append(growbuf *g, const char *p, size_t n)
{
	if (g->len + n + 1 > g->cap) {
		size_t cap = g->cap ? g->cap : 1024;
		while (cap < g->len + n + 1)
			cap *= 2;
		g->data = realloc(g->data, cap);
		ck_assert(g->data != NULL);
		g->cap = cap;
	}
	memcpy(g->data + g->len, p, n);
	g->len += n;
	g->data[g->len] = '\0';
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
	grow_append(ud, p, size * nmemb);
	return size * nmemb;
}

void hs_do(hs_server *s, const hs_request *rq, hs_response *out)
{
	memset(out, 0, sizeof *out);
	CURL *c = curl_easy_init();
	ck_assert(c != NULL);
	char url[2048];
	snprintf(url, sizeof url, "%s%s", s->base_url, rq->path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	struct curl_slist *hdrs = NULL;
	char line[8300];
	const char *method = rq->method ? rq->method : rq->body ? "POST" : "GET";
	if (rq->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(rq->body_len ? rq->body_len : strlen(rq->body)));
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	else if (strcmp(method, "POST") == 0 && !rq->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	/* curl adds a form Content-Type to POSTs by default; send only what the test says. */
	snprintf(line, sizeof line, "Content-Type:%s%s", rq->content_type ? " " : "",
	         rq->content_type ? rq->content_type : "");
	hdrs = curl_slist_append(hdrs, line);
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (rq->bearer) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", rq->bearer);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (rq->cookie) {
		snprintf(line, sizeof line, "Cookie: %s", rq->cookie);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (rq->csrf) {
		snprintf(line, sizeof line, "X-CSRF-Token: %s", rq->csrf);
		hdrs = curl_slist_append(hdrs, line);
	}
	for (const char *const *h = rq->headers; h && *h; h++)
		hdrs = curl_slist_append(hdrs, *h);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	growbuf body = {0}, head = {0};
	grow_append(&body, "", 0);
	grow_append(&head, "", 0);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
	CURLcode rc = curl_easy_perform(c);
	ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, rq->path, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	out->body = body.data;
	out->body_len = body.len;
	out->headers = head.data;
	out->headers_len = head.len;
	/* keep every body for the secret scan */
	growbuf t = {s->transcript, s->transcript_len, s->transcript_cap};
	grow_append(&t, out->body, out->body_len);
	grow_append(&t, "\n", 1);
	s->transcript = t.data;
	s->transcript_len = t.len;
	s->transcript_cap = t.cap;
}

void hs_get(hs_server *s, const char *path, const char *bearer, const char *cookie, hs_response *out)
{
	hs_request rq = {.method = "GET", .path = path, .bearer = bearer, .cookie = cookie};
	hs_do(s, &rq, out);
}

void hs_post_json(hs_server *s, const char *path, const char *json, const char *bearer, hs_response *out)
{
	hs_request rq = {.path = path, .content_type = "application/json", .body = json ? json : "", .bearer = bearer};
	hs_do(s, &rq, out);
}

void hs_post_form(hs_server *s, const char *path, const char *form, const char *cookie, const char *csrf,
                  hs_response *out)
{
	hs_request rq = {.path = path,
	                 .content_type = "application/x-www-form-urlencoded",
	                 .body = form ? form : "",
	                 .cookie = cookie,
	                 .csrf = csrf};
	hs_do(s, &rq, out);
}

void hs_response_free(hs_response *r)
{
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof *r);
}

/* Find header `name` starting at p; returns the value start and its length. */
static const char *find_header(const char *p, const char *name, size_t *len_out)
{
	size_t n = strlen(name);
	while (p && *p) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			*len_out = strcspn(v, "\r\n");
			return v;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

char *hs_header(const hs_response *r, const char *name)
{
	size_t len = 0;
	const char *v = find_header(r->headers, name, &len);
	return v ? strndup(v, len) : NULL;
}

char *hs_set_cookie(const hs_response *r, char **attrs_out)
{
	char *all = hs_header(r, "Set-Cookie");
	if (attrs_out)
		*attrs_out = all ? strdup(all) : NULL;
	if (!all)
		return NULL;
	all[strcspn(all, ";")] = '\0';
	return all;
}

json_t *hs_json(const hs_response *r)
{
	json_error_t err;
	json_t *j = json_loadb(r->body, r->body_len, 0, &err);
	ck_assert_msg(j != NULL, "status %ld, body not JSON: %.200s", r->status, r->body);
	return j;
}

char *hs_json_string(const hs_response *r, const char *key)
{
	json_t *j = hs_json(r);
	const char *v = json_string_value(json_object_get(j, key));
	ck_assert_msg(v != NULL, "no string \"%s\" in %.300s", key, r->body);
	char *copy = strdup(v);
	json_decref(j);
	return copy;
}

void hs_assert_error(const hs_response *r, long status, const char *code)
{
	ck_assert_msg(r->status == status, "expected %ld, got %ld: %.300s", status, r->status, r->body);
	json_t *j = hs_json(r);
	const char *e = json_string_value(json_object_get(j, "error"));
	ck_assert_msg(e && strcmp(e, code) == 0, "expected error \"%s\" in %.300s", code, r->body);
	ck_assert_msg(json_is_string(json_object_get(j, "detail")), "no detail in %.300s", r->body);
	json_decref(j);
}

/* ---- secrets ---- */

void hs_forbid(hs_server *s, const char *secret, unsigned where)
{
	ck_assert_uint_lt(s->n_secrets, HS_MAX_SECRETS);
	ck_assert(secret && strlen(secret) >= 8);
	s->secrets[s->n_secrets] = strdup(secret);
	s->secret_where[s->n_secrets] = where;
	s->n_secrets++;
}

void hs_assert_clean(hs_server *s)
{
	size_t log_len = 0;
	char *log = hs_read_file(s->log_path, &log_len);
	for (size_t i = 0; i < s->n_secrets; i++) {
		const char *sec = s->secrets[i];
		if ((s->secret_where[i] & HS_IN_BODIES) && s->transcript)
			ck_assert_msg(memmem(s->transcript, s->transcript_len, sec, strlen(sec)) == NULL,
			              "secret #%zu appeared in a response body", i);
		if ((s->secret_where[i] & HS_IN_LOG) && log)
			ck_assert_msg(memmem(log, log_len, sec, strlen(sec)) == NULL,
			              "secret #%zu appeared in the server log", i);
	}
	free(log);
}

char *hs_read_file(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	growbuf g = {0};
	grow_append(&g, "", 0);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		grow_append(&g, chunk, n);
	fclose(f);
	if (len_out)
		*len_out = g.len;
	return g.data;
}

char *hs_read_data_file(hs_server *s, const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", s->data_dir, name);
	return hs_read_file(path, NULL);
}
