/*
 * The application side of ex_common: options, zero-setup secrets, the
 * authkit context, the run loop (signals, housekeeping) and shutdown.
 */
#include "ex_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HOUSEKEEPING_CLEANUP_S 300

static void usage(FILE *out, const char *prog, const char *name, unsigned port, const char *extra)
{
	fprintf(out,
	        "usage: %s [options]\n"
	        "  --port N        TCP port (default %u; 0 picks a free one)\n"
	        "  --bind ADDR     address to listen on (default 127.0.0.1)\n"
	        "  --db PATH|URL   database (default: AUTHKIT_DB, else <data-dir>/%s.db)\n"
	        "  --data-dir DIR  generated secrets and server files (default ./data/%s)\n"
	        "  --threads N     worker threads (default: number of CPUs, at least 2)\n"
	        "  --log-file PATH access log (default: stderr)\n"
	        "  --help          this text\n"
	        "Every AUTHKIT_* environment variable applies (docs/CONFIGURATION.md).\n%s",
	        prog, port, name, name, extra ? extra : "");
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || *s == '-')
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_options(ex_app *app, int argc, char **argv, const char *name, unsigned default_port,
                         const char *extra_usage)
{
	static const struct option longopts[] = {
		{"port", required_argument, NULL, 'p'},     {"bind", required_argument, NULL, 'b'},
		{"db", required_argument, NULL, 'd'},       {"data-dir", required_argument, NULL, 'D'},
		{"threads", required_argument, NULL, 't'},  {"log-file", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	ex_options *o = &app->opts;
	o->name = name;
	o->port = default_port;
	o->bind = "127.0.0.1";
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	o->threads = cpus < 2 ? 2 : (unsigned)(cpus > 64 ? 64 : cpus);
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_uint(optarg, 65535, &o->port)) {
				fprintf(stderr, "%s: --port wants 0-65535\n", name);
				return EX_INIT_FAILED;
			}
			break;
		case 'b': o->bind = optarg; break;
		case 'd': o->db = optarg; break;
		case 'D': o->data_dir = optarg; break;
		case 'l': o->log_file = optarg; break;
		case 't':
			if (parse_uint(optarg, 256, &o->threads) || o->threads == 0) {
				fprintf(stderr, "%s: --threads wants 1-256\n", name);
				return EX_INIT_FAILED;
			}
			break;
		case 'h':
			usage(stdout, argv[0], name, default_port, extra_usage);
			return EX_INIT_EXIT_OK;
		default:
			usage(stderr, argv[0], name, default_port, extra_usage);
			return EX_INIT_FAILED;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument (see --help)\n", name);
		return EX_INIT_FAILED;
	}
	return EX_INIT_OK;
}

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(const char *path)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
		return -1;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * fd (path) must be of type `type` (S_IFREG, S_IFDIR), owned by this user,
 * with no access for group or others: a secret another user could read (or
 * plant) is refused with a message saying how to fix it. A directory that
 * others can only read is tightened to 0700 instead (with a warning).
 */
static int check_private(const ex_app *app, int fd, const char *path, mode_t type)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		fprintf(stderr, "%s: cannot stat %s: %s\n", app->opts.name, path, strerror(errno));
		return -1;
	}
	if ((st.st_mode & S_IFMT) != type) {
		fprintf(stderr, "%s: refusing %s: not a %s\n", app->opts.name, path,
		        type == S_IFDIR ? "directory" : "regular file");
		return -1;
	}
	if (st.st_uid != geteuid()) {
		fprintf(stderr, "%s: refusing %s: owned by uid %lu, not by this user (uid %lu)\n", app->opts.name, path,
		        (unsigned long)st.st_uid, (unsigned long)geteuid());
		return -1;
	}
	if ((st.st_mode & 077) == 0)
		return 0;
	/* Only a directory others could merely read is tightened: one they can
	 * write to (e.g. --data-dir /tmp) may already hold planted files, and
	 * chmod-ing a shared directory would break it for everyone else. */
	if (type == S_IFDIR && (st.st_mode & 022) == 0 && fchmod(fd, 0700) == 0) {
		fprintf(stderr, "%s: WARNING: %s was mode %03o; tightened to 0700\n", app->opts.name, path,
		        (unsigned)(st.st_mode & 0777));
		return 0;
	}
	fprintf(stderr, "%s: refusing %s: mode %03o lets other users in; %s %s\n", app->opts.name, path,
	        (unsigned)(st.st_mode & 07777), type == S_IFDIR ? "use a private directory, or chmod 700" : "run: chmod 600",
	        path);
	return -1;
}

/* The data directory exists (make_dirs): it must be ours and private. */
static int check_data_dir(const ex_app *app)
{
	int fd = open(app->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot open the data directory %s: %s\n", app->opts.name, app->data_dir,
		        strerror(errno));
		return -1;
	}
	int rc = check_private(app, fd, app->data_dir, S_IFDIR);
	close(fd);
	return rc;
}

static int data_path(const ex_app *app, const char *file, char *out, size_t size)
{
	return snprintf(out, size, "%s/%s", app->data_dir, file) >= (int)size ? -1 : 0;
}

/*
 * Read the secret kept in <data-dir>/<file>, or generate 32 random bytes as
 * hex, write them there with mode 0600 (O_EXCL: never overwrite) and warn.
 * out is 65 bytes. The secret itself is never printed.
 */
static int load_or_make_secret(ex_app *app, const char *key, const char *file, char *out)
{
	char path[4200];
	if (data_path(app, file, path, sizeof path))
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno != ENOENT) {
		fprintf(stderr, "%s: refusing %s: %s%s\n", app->opts.name, path, strerror(errno),
		        errno == ELOOP ? " (a symbolic link; secrets must be plain files)" : "");
		return -1;
	}
	if (fd >= 0) {
		if (check_private(app, fd, path, S_IFREG) != 0) {
			close(fd);
			return -1;
		}
		ssize_t n = read(fd, out, 64);
		close(fd);
		if (n != 64) {
			fprintf(stderr, "%s: %s is not a 64-digit hex secret\n", app->opts.name, path);
			return -1;
		}
		out[64] = '\0';
		return 0;
	}
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(out, 65, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, out, 64) != 64 || write(fd, "\n", 1) != 1 || close(fd) != 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", app->opts.name, path, strerror(errno));
		return -1;
	}
	fprintf(stderr,
	        "%s: WARNING: %s was not set; generated one and stored it in %s (mode 0600). "
	        "Fine for a demo; set %s yourself in production.\n",
	        app->opts.name, key, path, key);
	return 0;
}

static int ensure_secret(ex_app *app, authkit_config *cfg, const char *key, const char *file)
{
	const char *env = getenv(key);
	if (env && *env)
		return 0; /* already read by authkit_config_load_env() */
	char secret[65];
	int rc = load_or_make_secret(app, key, file, secret);
	if (rc == 0 && authkit_config_set(cfg, key, secret) != AUTHKIT_OK) {
		fprintf(stderr, "%s: %s from %s rejected: %s\n", app->opts.name, key, file, authkit_error_last());
		rc = -1;
	}
	sodium_memzero(secret, sizeof secret);
	return rc;
}

static int open_context(ex_app *app)
{
	authkit_config *cfg = NULL;
	if (authkit_config_new(&cfg) != AUTHKIT_OK)
		return -1;
	/* Plain HTTP on loopback: a Secure cookie would not come back over
	 * http:// from every client. AUTHKIT_COOKIE_SECURE=1 restores it. */
	int rc = authkit_config_set(cfg, "AUTHKIT_COOKIE_SECURE", "0");
	if (rc == AUTHKIT_OK && (rc = authkit_config_load_env(cfg)) != AUTHKIT_OK)
		fprintf(stderr, "%s: bad AUTHKIT_* setting: %s\n", app->opts.name, authkit_error_last());
	if (rc == AUTHKIT_OK && (ensure_secret(app, cfg, "AUTHKIT_JWT_SECRET", "jwt_secret") ||
	                         ensure_secret(app, cfg, "AUTHKIT_MASTER_KEY", "master_key")))
		rc = AUTHKIT_ECONFIG;
	char db[4200];
	if (rc == AUTHKIT_OK) {
		const char *env_db = getenv("AUTHKIT_DB");
		if (app->opts.db)
			rc = authkit_config_set(cfg, "AUTHKIT_DB", app->opts.db);
		else if (!env_db || !*env_db) {
			snprintf(db, sizeof db, "%s/%s.db", app->data_dir, app->opts.name);
			rc = authkit_config_set(cfg, "AUTHKIT_DB", db);
		}
	}
	if (rc == AUTHKIT_OK && (rc = authkit_ctx_open(&app->ctx, cfg)) != AUTHKIT_OK)
		fprintf(stderr, "%s: cannot open the database: %s: %s\n", app->opts.name, authkit_strerror(rc),
		        authkit_error_last());
	authkit_config_free(cfg);
	return rc == AUTHKIT_OK ? 0 : -1;
}

int ex_app_init(ex_app *app, int argc, char **argv, const char *name, unsigned default_port,
                const char *extra_usage)
{
	memset(app, 0, sizeof *app);
	umask(077); /* the database, secrets and outbox are for this user only */
	int rc = parse_options(app, argc, argv, name, default_port, extra_usage);
	if (rc != EX_INIT_OK)
		return rc;
	if (sodium_init() < 0) {
		fprintf(stderr, "%s: libsodium failed to initialise\n", name);
		return EX_INIT_FAILED;
	}
	int n = app->opts.data_dir ? snprintf(app->data_dir, sizeof app->data_dir, "%s", app->opts.data_dir)
	                           : snprintf(app->data_dir, sizeof app->data_dir, "./data/%s", name);
	if (n < 0 || n >= (int)sizeof app->data_dir || make_dirs(app->data_dir) != 0) {
		fprintf(stderr, "%s: cannot create the data directory %s: %s\n", name, app->data_dir, strerror(errno));
		return EX_INIT_FAILED;
	}
	if (check_data_dir(app) != 0)
		return EX_INIT_FAILED;
	ex_priv *p = calloc(1, sizeof *p);
	if (!p)
		return EX_INIT_FAILED;
	app->priv = p;
	pthread_mutex_init(&p->log_lock, NULL);
	pthread_mutex_init(&p->hk_lock, NULL);
	pthread_cond_init(&p->hk_cond, NULL);
	p->log_fd = STDERR_FILENO;
	if (app->opts.log_file) {
		p->log_fd = open(app->opts.log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (p->log_fd < 0) {
			fprintf(stderr, "%s: cannot open %s: %s\n", name, app->opts.log_file, strerror(errno));
			p->log_fd = STDERR_FILENO;
			ex_app_free(app);
			return EX_INIT_FAILED;
		}
		p->log_fd_owned = 1;
	}
	if (open_context(app) != 0) {
		ex_app_free(app);
		return EX_INIT_FAILED;
	}
	return EX_INIT_OK;
}

static void *housekeeping(void *arg)
{
	ex_app *app = arg;
	ex_priv *p = app->priv;
	unsigned seconds = 0;
	pthread_mutex_lock(&p->hk_lock);
	while (!p->hk_stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&p->hk_cond, &p->hk_lock, &until);
		if (p->hk_stop)
			break;
		pthread_mutex_unlock(&p->hk_lock);
		ex_log_flush(p);
		if (++seconds % HOUSEKEEPING_CLEANUP_S == 0) {
			int64_t sessions = 0, tokens = 0;
			authkit_session_cleanup(app->ctx, &sessions, &tokens);
			malloc_trim(0); /* hand freed arenas back so RSS stays flat */
		}
		pthread_mutex_lock(&p->hk_lock);
	}
	pthread_mutex_unlock(&p->hk_lock);
	return NULL;
}

int ex_app_run(ex_app *app, const ex_route *routes, size_t n_routes, void *userdata)
{
	ex_priv *p = app->priv;
	p->routes = routes;
	p->n_routes = n_routes;
	p->userdata = userdata;

	/* Block the stop signals in every thread (MHD's inherit the mask) and
	 * wait for them here. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	unsigned port = 0;
	if (ex_server_start(app, &port) != 0) {
		fprintf(stderr, "%s: cannot listen on %s:%u\n", app->opts.name, app->opts.bind, app->opts.port);
		return 1;
	}
	if (pthread_create(&p->housekeeper, NULL, housekeeping, app) == 0)
		p->housekeeper_started = 1;
	const char *host_fmt = strchr(app->opts.bind, ':') ? "[%s]" : "%s";
	char host[80];
	snprintf(host, sizeof host, host_fmt, app->opts.bind);
	printf("%s listening on http://%s:%u/\n", app->opts.name, host, port);
	fflush(stdout);

	int sig = 0;
	sigwait(&stop, &sig);
	fprintf(stderr, "%s: signal %d, shutting down\n", app->opts.name, sig);
	ex_server_stop(app);
	if (p->housekeeper_started) {
		pthread_mutex_lock(&p->hk_lock);
		p->hk_stop = 1;
		pthread_cond_signal(&p->hk_cond);
		pthread_mutex_unlock(&p->hk_lock);
		pthread_join(p->housekeeper, NULL);
		p->housekeeper_started = 0;
	}
	ex_log_flush(p);
	return 0;
}

void ex_app_free(ex_app *app)
{
	ex_priv *p = app->priv;
	/* No request may still be running when the context goes: stop the server first. */
	if (p)
		ex_server_stop(app);
	authkit_ctx_free(app->ctx);
	app->ctx = NULL;
	if (p) {
		ex_log_flush(p);
		if (p->log_fd_owned)
			close(p->log_fd);
		pthread_mutex_destroy(&p->log_lock);
		pthread_mutex_destroy(&p->hk_lock);
		pthread_cond_destroy(&p->hk_cond);
		free(p);
	}
	app->priv = NULL;
}

int ex_app_append_file(ex_app *app, const char *file_name, const char *text)
{
	char path[4200];
	if (data_path(app, file_name, path, sizeof path))
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	int rc = write(fd, text, len) == (ssize_t)len ? 0 : -1;
	if (close(fd) != 0)
		rc = -1;
	return rc;
}
