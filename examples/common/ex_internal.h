/* ex_common's private state, shared by ex_server.c and ex_app.c. */
#ifndef EX_INTERNAL_H
#define EX_INTERNAL_H

#include "ex_common.h"

#include <pthread.h>

#define EX_LOG_BUF (64u * 1024u)

typedef struct ex_priv {
	struct MHD_Daemon *daemon;
	const ex_route *routes;
	size_t n_routes;
	void *userdata;

	/* Access log: lines are formatted without the lock, copied into one
	 * buffer under it, and written when it fills or once a second. */
	int log_fd;
	int log_fd_owned;
	pthread_mutex_t log_lock;
	size_t log_len;
	char log_buf[EX_LOG_BUF];

	/* Housekeeping thread. */
	pthread_t housekeeper;
	int housekeeper_started;
	pthread_mutex_t hk_lock;
	pthread_cond_t hk_cond;
	int hk_stop;
} ex_priv;

void ex_log_flush(ex_priv *p);
void ex_log_line(ex_priv *p, const char *line, size_t len);

/* Start serving (MHD daemon); port_out gets the bound port. 0 on success. */
int ex_server_start(ex_app *app, unsigned *port_out);
void ex_server_stop(ex_app *app);

#endif
