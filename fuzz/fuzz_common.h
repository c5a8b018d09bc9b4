/*
 * Shared set-up for the fuzz targets: one context per process, opened on
 * first use with an in-memory database, the minimum Argon2 cost, a fixed
 * JWT secret and a fixed clock, so a corpus file always takes the same path.
 * fuzz/gen_corpus.c uses the same secret and clock to make valid seeds.
 */
#ifndef AUTHKIT_FUZZ_COMMON_H
#define AUTHKIT_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <authkit.h>

/* 32 bytes 0x01..0x20 (not all one byte, as the key checks require). */
#define FUZZ_JWT_SECRET "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
/* A verify-only key (rotation), so kid lookup has two entries. */
#define FUZZ_JWT_OLD_SECRET "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40"
#define FUZZ_NOW_MS INT64_C(1700000000000)

static inline int64_t fuzz_clock(void *userdata)
{
	(void)userdata;
	return FUZZ_NOW_MS;
}

static inline void fuzz_check(int rc, const char *what)
{
	if (rc != AUTHKIT_OK) {
		fprintf(stderr, "fuzz set-up: %s: %s (%s)\n", what, authkit_strerror(rc), authkit_error_last());
		abort();
	}
}

/* extra_key/extra_value: one more setting (NULL for none). */
static inline authkit_ctx *fuzz_ctx_open(const char *extra_key, const char *extra_value)
{
	authkit_config *cfg = NULL;
	authkit_ctx *ctx = NULL;
	fuzz_check(authkit_config_new(&cfg), "config_new");
	fuzz_check(authkit_config_set(cfg, "AUTHKIT_DB", ":memory:"), "AUTHKIT_DB");
	fuzz_check(authkit_config_set_int(cfg, "AUTHKIT_ARGON2_OPSLIMIT", 2), "AUTHKIT_ARGON2_OPSLIMIT");
	fuzz_check(authkit_config_set_int(cfg, "AUTHKIT_ARGON2_MEMLIMIT", 19922944), "AUTHKIT_ARGON2_MEMLIMIT");
	fuzz_check(authkit_config_set(cfg, "AUTHKIT_JWT_SECRET", FUZZ_JWT_SECRET), "AUTHKIT_JWT_SECRET");
	fuzz_check(authkit_config_set(cfg, "AUTHKIT_JWT_OLD_SECRETS", FUZZ_JWT_OLD_SECRET), "AUTHKIT_JWT_OLD_SECRETS");
	if (extra_key)
		fuzz_check(authkit_config_set(cfg, extra_key, extra_value), extra_key);
	fuzz_check(authkit_config_set_clock(cfg, fuzz_clock, NULL), "set_clock");
	fuzz_check(authkit_ctx_open(&ctx, cfg), "ctx_open");
	authkit_config_free(cfg);
	return ctx;
}

/* The input as a NUL-terminated string (cut at its first NUL, if any). */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Touch every accessor of a principal the library returned, then free it. */
static inline void fuzz_principal_check(const authkit_principal *p)
{
	if (!p || authkit_principal_user_id(p) <= 0)
		abort();
	const char *strs[] = {authkit_principal_session_id(p), authkit_principal_jti(p), authkit_principal_kind(p)};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		if (!strs[i] || strlen(strs[i]) > 4096)
			abort();
	size_t n = authkit_principal_role_count(p);
	for (size_t i = 0; i < n; i++) {
		const char *r = authkit_principal_role(p, i);
		if (!r || !*r || !authkit_principal_has_role(p, r))
			abort();
	}
	if (authkit_principal_role(p, n) != NULL)
		abort();
	(void)authkit_principal_expires_at(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
