/*
 * Passwords in: from standard input (--password-stdin) or a terminal prompt
 * with echo off; never from argv, where every user of the machine can read
 * them in /proc. Passwords out: generated from the kernel's CSPRNG.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

void cli_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

/* One line from fd into buf (CLI_PASSWORD_BUF bytes), without its "\n" or
 * "\r\n". Bytes past the buffer are read and dropped so the caller can
 * report "too long". Returns the length, or -1 at EOF before any byte. */
static long read_line(int fd, char *buf, bool *too_long)
{
	size_t n = 0;
	bool any = false;
	*too_long = false;
	for (;;) {
		char c;
		ssize_t got = read(fd, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || c == '\n')
			break;
		any = true;
		if (n < CLI_PASSWORD_BUF - 1)
			buf[n++] = c;
		else
			*too_long = true;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return any ? (long)n : -1;
}

/* The terminal whose echo is off, restored by a signal too: an interrupted
 * prompt must not leave the user's shell without echo. */
static int tty_fd = -1;
static struct termios tty_saved;

static void restore_tty(void)
{
	if (tty_fd >= 0)
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
}

static void on_signal(int sig)
{
	restore_tty();
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int prompt_signals[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP};
#define PROMPT_SIGNAL_COUNT (sizeof prompt_signals / sizeof prompt_signals[0])

static void set_prompt_handlers(struct sigaction *saved, bool install)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < PROMPT_SIGNAL_COUNT; i++)
		sigaction(prompt_signals[i], install ? &sa : &saved[i], install ? &saved[i] : NULL);
}

static long prompt_once(int fd, const char *prompt, char *buf, bool *too_long)
{
	struct sigaction saved[PROMPT_SIGNAL_COUNT];
	struct termios quiet = tty_saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	set_prompt_handlers(saved, true);
	tty_fd = fd;
	/* Echo off before the prompt shows: TCSAFLUSH drops typed-ahead input,
	 * so nothing typed after the prompt may arrive before it. */
	long n = -1;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) == 0 && write(fd, prompt, strlen(prompt)) >= 0)
		n = read_line(fd, buf, too_long);
	restore_tty();
	tty_fd = -1;
	set_prompt_handlers(saved, false);
	if (write(fd, "\n", 1) < 0)
		return -1;
	return n;
}

static int prompt(const cli_run *r, const char *for_whom, bool confirm, char *buf)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || tcgetattr(fd, &tty_saved) != 0) {
		if (fd >= 0)
			close(fd);
		return cli_fail(r, CLI_USAGE, "no terminal to prompt for the password: use --password-stdin");
	}
	char text[128];
	snprintf(text, sizeof text, "Password for %s: ", for_whom);
	bool too_long = false, again_too_long = false;
	int rc = CLI_OK;
	long n = prompt_once(fd, text, buf, &too_long);
	if (n >= 0 && !too_long && confirm) {
		char again[CLI_PASSWORD_BUF];
		long m = prompt_once(fd, "Repeat the password: ", again, &again_too_long);
		if (m != n || strcmp(again, buf) != 0)
			rc = cli_fail(r, CLI_REJECTED, "the passwords do not match");
		cli_wipe(again, sizeof again);
	}
	close(fd);
	if (rc == CLI_OK && n < 0)
		rc = cli_fail(r, CLI_USAGE, "no password entered");
	if (rc == CLI_OK && too_long)
		rc = cli_fail(r, CLI_REJECTED, "the password is longer than %d bytes", AUTHKIT_PASSWORD_MAX_BYTES);
	return rc;
}

int cli_read_password(const cli_run *r, const char *for_whom, bool confirm, char *buf)
{
	buf[0] = '\0';
	if (!cli_flag(r, "password-stdin"))
		return prompt(r, for_whom, confirm, buf);
	bool too_long = false;
	long n = read_line(STDIN_FILENO, buf, &too_long);
	if (n <= 0)
		return cli_fail(r, CLI_USAGE, "--password-stdin: standard input holds no password");
	if (too_long)
		return cli_fail(r, CLI_REJECTED, "the password is longer than %d bytes", AUTHKIT_PASSWORD_MAX_BYTES);
	return CLI_OK;
}

/* Letters and digits without look-alikes (0/O, 1/l/I): easy to copy by hand. */
static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

int cli_generate_password(char *buf, size_t size, size_t len)
{
	const size_t k = sizeof alphabet - 1;
	const unsigned limit = 256 - 256 % k; /* reject the bias-making top bytes */
	size_t n = 0;
	unsigned char raw[64];
	while (n < len && n < size - 1) {
		if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
			return -1;
		for (size_t i = 0; i < sizeof raw && n < len && n < size - 1; i++)
			if (raw[i] < limit)
				buf[n++] = alphabet[raw[i] % k];
	}
	buf[n] = '\0';
	cli_wipe(raw, sizeof raw);
	return 0;
}
