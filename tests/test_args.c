/*
 * Argument checking, table-driven: every public function with NULL pointers,
 * empty, over-long and non-UTF-8 strings and out-of-range numbers returns the
 * documented code, leaves a detail message that never contains the password
 * it was given, and leaves the database exactly as it was (compared with a
 * raw SQLite dump of every table and a dump through the store's own
 * connection). Also: status strings, configuration keys and the environment,
 * opening without a database, store version checks.
 */
#include <check.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "db_dump.h"
#include "helpers.h"

#define PW "Xq7!Nimbus-Vortex-Pyl0n"
/* Every password passed to a failing call contains this marker. */
#define MARK "Mk7-SecretMarker-9Qz"

/* ---- fixture ---------------------------------------------------------- */

typedef struct fx {
	test_clock clk;
	char path[256];
	authkit_ctx *ctx;
	int64_t alice, bob, missing;
	char hash[AUTHKIT_STORE_HASH_BYTES];
	/* out parameters */
	authkit_user *u;
	authkit_user_list *ul;
	authkit_audit_list *al;
	char *s;
	int64_t n;
	int v;
	authkit_login_result *login;
	authkit_session *sess;
	authkit_session_list *sl;
	authkit_principal *p;
	const char *tok;
	size_t len;
	/* sessions, tokens and contexts for session.h / token.h / http.h */
	authkit_ctx *nojwt;       /* no AUTHKIT_JWT_SECRET */
	authkit_ctx *badcookie;   /* __Host- cookie name without AUTHKIT_COOKIE_SECURE */
	authkit_ctx *badsamesite; /* SameSite=None without AUTHKIT_COOKIE_SECURE */
	authkit_config *cfg;      /* holds JWT key "k1" (signing) */
	char sid[64], stok[64], rtok[64];   /* alice's live session */
	char sid2[64], stok2[64], rtok2[64]; /* alice's revoked session */
	char atok[4096], atok2[4096];       /* their access tokens */
	char atok_tampered[4096], atok_4parts[4200], jwt_none[256];
	char csrf[128], csrf_tampered[128];
	char reset_tok[64], verify_tok[64];
	char cookie_name[128];
	char ck_unknown[256], ck_malformed[256], ck_revoked[256], ck_valid[256];
	char bearer_revoked[4200], bearer_tampered[4200];
	/* vault.h / apikey.h */
	authkit_secret *sec;
	authkit_vault_list *vl;
	authkit_apikey_list *kl;
	char apikey[80], apikey_id[32], apikey_revoked[80], apikey_wrong[80];
	char xkey_revoked[100];
	/* usage.h */
	authkit_usage_event *ev_ok, *ev_incomplete;
	authkit_usage_summary *us;
	authkit_billing_list *bl;
	authkit_ratelimit *rl, *rl2;
	int64_t n2;
	size_t sz;
	int dup;
} fx;

static fx F;

/* Long and malformed strings, built once. */
static char U33[40], U32[40], E255[300], FN129[600], PW4097[4200], PW4097_PLAIN[4200], IP64[80], R33[40],
    ID255[300], H300[320];
/* session ids, tokens and headers of the wrong shape */
static char SID21[32], SID23[32], SID_DOT[32], SID_PLUS[32], SID65[80], SID256[300], TOK42[50], TOK44[50],
    TOK43_UNKNOWN[50], TOK43_PAD[50], UA256[300], HDR8193[8300], BEARER8193[8300], COOKIE8193[8300],
    VAL4097[4200], CSRF63[80], CSRF65[80], CSRF64_BAD[80], ROLES17[400], ROLES_LONG[700], KID65[80];
static char SCOPES_1104[1200]; /* 17 scopes of 64 characters: over 1023 bytes in all */
static unsigned char KEY32[32], KEY257[257], KEY_SAME[32];

static void fill(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
}

static void build_token_strings(void)
{
	fill(SID21, 'S', 21);
	fill(SID23, 'S', 23);
	fill(SID_DOT, 'S', 22);
	SID_DOT[10] = '.';
	fill(SID_PLUS, 'S', 22);
	SID_PLUS[21] = '+';
	fill(SID65, 's', 65);
	fill(SID256, 's', 256);
	fill(TOK42, 'T', 42);
	fill(TOK44, 'T', 44);
	fill(TOK43_UNKNOWN, 'T', 43);
	fill(TOK43_PAD, 'T', 43);
	TOK43_PAD[42] = '=';
	fill(UA256, 'a', 256);
	fill(HDR8193, 'h', 8193);
	memcpy(BEARER8193, "Bearer ", 7);
	fill(BEARER8193 + 7, 'b', 8193 - 7);
	fill(COOKIE8193, 'c', 8193);
	COOKIE8193[1] = '=';
	fill(VAL4097, 'v', 4097);
	fill(CSRF63, 'C', 63);
	fill(CSRF65, 'C', 65);
	fill(CSRF64_BAD, 'C', 64);
	CSRF64_BAD[20] = '+';
	CSRF64_BAD[40] = '/';
	ROLES17[0] = '\0';
	for (int i = 0; i < 17; i++) {
		char r[16];
		snprintf(r, sizeof r, "%sr%d", i ? " " : "", i);
		strcat(ROLES17, r);
	}
	fill(ROLES_LONG, 'x', AUTHKIT_STORE_ROLES_BYTES);
	for (size_t i = 20; i < AUTHKIT_STORE_ROLES_BYTES; i += 21)
		ROLES_LONG[i] = ' ';
	fill(KID65, 'k', 65);
	fill(SCOPES_1104, 's', 17 * 65 - 1);
	for (size_t i = 64; i < 17 * 65 - 1; i += 65) {
		SCOPES_1104[i] = ' ';
		SCOPES_1104[i - 1] = (char)('a' + i / 65); /* distinct: duplicates are dropped */
	}
	for (size_t i = 0; i < sizeof KEY32; i++)
		KEY32[i] = (unsigned char)(i * 7 + 1);
	for (size_t i = 0; i < sizeof KEY257; i++)
		KEY257[i] = (unsigned char)(i * 13 + 5);
	memset(KEY_SAME, 0x42, sizeof KEY_SAME);
}

#define JWT_SECRET "8f3a1c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f1a"
#define OTHER_SECRET "1b2d3f405162738495a6b7c8d9e0f1021324354657687980a1b2c3d4e5f60718"
#define MASTER_KEY "5d7f9a1c3e5b7d9f2a4c6e8b0d2f4a6c8e1b3d5f7a9c2e4b6d8f0a2c4e6b8d1f"
#define VAULT_SECRET "sk-proj-VaultMarker-7Hn2Q9xLwz"

/* An in-memory context with a JWT secret (may be NULL) and up to two more settings. */
static authkit_ctx *ctx_with(const char *secret, const char *k1, const char *v1, const char *k2, const char *v2)
{
	authkit_config *cfg = test_config(&F.clk);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", ":memory:"), AUTHKIT_OK);
	if (secret)
		ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_JWT_SECRET", secret), AUTHKIT_OK);
	if (k1)
		ck_assert_int_eq(authkit_config_set(cfg, k1, v1), AUTHKIT_OK);
	if (k2)
		ck_assert_int_eq(authkit_config_set(cfg, k2, v2), AUTHKIT_OK);
	authkit_ctx *c = NULL;
	ck_assert_int_eq(authkit_ctx_open(&c, cfg), AUTHKIT_OK);
	authkit_config_free(cfg);
	return c;
}

static void login_alice(char *sid, char *stok, char *rtok, char *atok)
{
	authkit_login_result *l = NULL;
	ck_assert_int_eq(authkit_login(F.ctx, "alice", PW, "192.0.2.1", "args-test", &l), AUTHKIT_OK);
	snprintf(sid, 64, "%s", authkit_login_session_id(l));
	snprintf(stok, 64, "%s", authkit_login_session_token(l));
	snprintf(rtok, 64, "%s", authkit_login_refresh_token(l));
	ck_assert_ptr_nonnull(authkit_login_access_token(l));
	snprintf(atok, 4096, "%s", authkit_login_access_token(l));
	authkit_login_free(l);
}

/* Swap one base64url character for another at position i. */
static void flip(char *s, size_t i)
{
	s[i] = s[i] == 'A' ? 'B' : 'A';
}

/* Sessions, one-time tokens and the headers that carry them. */
static void setup_tokens(void)
{
	build_token_strings();
	F.nojwt = ctx_with(NULL, NULL, NULL, NULL, NULL);
	/* these two also sign with another secret */
	F.badcookie = ctx_with(OTHER_SECRET, "AUTHKIT_COOKIE_SECURE", "0", "AUTHKIT_COOKIE_NAME", "__Host-sid");
	F.badsamesite = ctx_with(OTHER_SECRET, "AUTHKIT_COOKIE_SECURE", "0", "AUTHKIT_COOKIE_SAMESITE", "None");
	ck_assert_int_eq(authkit_config_new(&F.cfg), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_add_jwt_key(F.cfg, "k1", KEY32, sizeof KEY32, 1), AUTHKIT_OK);

	login_alice(F.sid, F.stok, F.rtok, F.atok);
	login_alice(F.sid2, F.stok2, F.rtok2, F.atok2);
	ck_assert_int_eq(authkit_session_revoke(F.ctx, F.sid2), AUTHKIT_OK);
	char *t = NULL;
	ck_assert_int_eq(authkit_csrf_issue(F.ctx, F.sid, &t), AUTHKIT_OK);
	snprintf(F.csrf, sizeof F.csrf, "%s", t);
	authkit_string_free(t);
	snprintf(F.csrf_tampered, sizeof F.csrf_tampered, "%s", F.csrf);
	flip(F.csrf_tampered, 40);
	ck_assert_int_eq(authkit_reset_request(F.ctx, "alice@example.com", NULL, &t), AUTHKIT_OK);
	snprintf(F.reset_tok, sizeof F.reset_tok, "%s", t);
	authkit_string_free(t);
	ck_assert_int_eq(authkit_verify_request(F.ctx, F.alice, &t), AUTHKIT_OK);
	snprintf(F.verify_tok, sizeof F.verify_tok, "%s", t);
	authkit_string_free(t);

	/* a signature with one character changed, an extra part, alg "none" */
	snprintf(F.atok_tampered, sizeof F.atok_tampered, "%s", F.atok);
	flip(F.atok_tampered, strlen(F.atok_tampered) - 10);
	snprintf(F.atok_4parts, sizeof F.atok_4parts, "%s.AAAA", F.atok);
	const char *dot = strchr(F.atok, '.');
	ck_assert_ptr_nonnull(dot);
	const char *dot2 = strchr(dot + 1, '.');
	ck_assert_ptr_nonnull(dot2);
	/* {"alg":"none","typ":"JWT"} + the real payload + no signature */
	snprintf(F.jwt_none, sizeof F.jwt_none, "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.%.*s.", (int)(dot2 - dot - 1),
	         dot + 1);

	ck_assert_int_eq(authkit_http_cookie_name(F.ctx, &t), AUTHKIT_OK);
	snprintf(F.cookie_name, sizeof F.cookie_name, "%s", t);
	authkit_string_free(t);
	snprintf(F.ck_unknown, sizeof F.ck_unknown, "theme=dark; %s=%s", F.cookie_name, TOK43_UNKNOWN);
	snprintf(F.ck_malformed, sizeof F.ck_malformed, "%s=not-a-token", F.cookie_name);
	snprintf(F.ck_revoked, sizeof F.ck_revoked, "%s=%s", F.cookie_name, F.stok2);
	snprintf(F.ck_valid, sizeof F.ck_valid, "%s=%s", F.cookie_name, F.stok);
	snprintf(F.bearer_revoked, sizeof F.bearer_revoked, "Bearer %s", F.atok2);
	snprintf(F.bearer_tampered, sizeof F.bearer_tampered, "Bearer %s", F.atok_tampered);
	/* vault: alice has an active and a disabled key; API keys: a live and a revoked one */
	ck_assert_int_eq(authkit_vault_put(F.ctx, F.alice, "openai", (const unsigned char *)VAULT_SECRET,
	                                   strlen(VAULT_SECRET)), AUTHKIT_OK);
	ck_assert_int_eq(authkit_vault_put(F.ctx, F.alice, "disabled", (const unsigned char *)VAULT_SECRET,
	                                   strlen(VAULT_SECRET)), AUTHKIT_OK);
	ck_assert_int_eq(authkit_vault_set_active(F.ctx, F.alice, "disabled", 0), AUTHKIT_OK);
	char *ak = NULL, *akid = NULL;
	ck_assert_int_eq(authkit_apikey_create(F.ctx, F.alice, "ci", "read", 0, &ak, &akid), AUTHKIT_OK);
	snprintf(F.apikey, sizeof F.apikey, "%s", ak);
	snprintf(F.apikey_id, sizeof F.apikey_id, "%s", akid);
	authkit_string_free(ak);
	authkit_string_free(akid);
	snprintf(F.apikey_wrong, sizeof F.apikey_wrong, "%s", F.apikey);
	flip(F.apikey_wrong, 50);
	ck_assert_int_eq(authkit_apikey_create(F.ctx, F.alice, "old", NULL, 0, &ak, &akid), AUTHKIT_OK);
	snprintf(F.apikey_revoked, sizeof F.apikey_revoked, "%s", ak);
	ck_assert_int_eq(authkit_apikey_revoke(F.ctx, akid), AUTHKIT_OK);
	authkit_string_free(ak);
	authkit_string_free(akid);
	snprintf(F.xkey_revoked, sizeof F.xkey_revoked, " %s ", F.apikey_revoked);
}

static void build_strings(void)
{
	memset(U33, 'u', 33);
	U33[33] = '\0';
	memset(U32, 'v', 32);
	U32[32] = '\0';
	/* 64 + 1 + 63 + 1 + 63 + 1 + 58 + 4 = 255 */
	char l64[65], l63[64], l58[59];
	memset(l64, 'l', 64);
	l64[64] = '\0';
	memset(l63, 'd', 63);
	l63[63] = '\0';
	memset(l58, 'e', 58);
	l58[58] = '\0';
	snprintf(E255, sizeof E255, "%s@%s.%s.%s.com", l64, l63, l63, l58);
	ck_assert_uint_eq(strlen(E255), 255);
	FN129[0] = '\0';
	for (int i = 0; i < 129; i++)
		strcat(FN129, "\xC3\xA9"); /* é: 129 code points, 258 bytes */
	/* 4097 bytes, full of the marker, so an echo would show */
	PW4097[0] = '\0';
	while (strlen(PW4097) + strlen(MARK) < 4097)
		strcat(PW4097, MARK);
	size_t n = strlen(PW4097);
	memset(PW4097 + n, 'z', 4097 - n);
	PW4097[4097] = '\0';
	memset(PW4097_PLAIN, 'p', 4097);
	PW4097_PLAIN[4097] = '\0';
	memset(IP64, '1', 64);
	IP64[64] = '\0';
	memset(R33, 'r', 33);
	R33[33] = '\0';
	memset(ID255, 'i', 255);
	ID255[255] = '\0';
	memset(H300, 'a', 300);
	memcpy(H300, "$argon2id$", 10);
	H300[300] = '\0';
}

static void setup(void)
{
	memset(&F, 0, sizeof F);
	build_strings();
	/* test_ctx() on a file, with access tokens on */
	authkit_config *cfg = test_config(&F.clk);
	test_tmp_path(F.path, sizeof F.path, "ctx");
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", F.path), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_JWT_SECRET", JWT_SECRET), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_MASTER_KEY", MASTER_KEY), AUTHKIT_OK);
	ck_assert_int_eq(authkit_ctx_open(&F.ctx, cfg), AUTHKIT_OK);
	authkit_config_free(cfg);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_register(F.ctx, "alice", "alice@example.com", "Alice", PW, &u), AUTHKIT_OK);
	F.alice = authkit_user_id(u);
	authkit_user_free(u);
	authkit_store_user rec;
	ck_assert_int_eq(ak_user_load(F.ctx, F.alice, &rec), AUTHKIT_OK);
	strcpy(F.hash, rec.password_hash);
	ck_assert_int_eq(authkit_user_import(F.ctx, "bob", "bob@example.com", NULL, F.hash, &u), AUTHKIT_OK);
	F.bob = authkit_user_id(u);
	authkit_user_free(u);
	/* bob has the maximum number of roles */
	for (int i = 0; i < AUTHKIT_ROLES_PER_USER_MAX; i++) {
		char role[16];
		snprintf(role, sizeof role, "role%d", i);
		ck_assert_int_eq(authkit_user_add_role(F.ctx, F.bob, role), AUTHKIT_OK);
	}
	F.missing = F.bob + 1000;
	/* usage.h: a complete event and one without a service */
	ck_assert_int_eq(authkit_usage_event_new(&F.ev_ok), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_user_id(F.ev_ok, F.alice), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_service(F.ev_ok, "openai"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_new(&F.ev_incomplete), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_user_id(F.ev_incomplete, F.alice), AUTHKIT_OK);
	ck_assert_int_eq(authkit_ratelimit_new(5, 1, &F.rl), AUTHKIT_OK);
	setup_tokens();
}

static void teardown(void)
{
	authkit_ctx_free(F.ctx);
	authkit_ctx_free(F.nojwt);
	authkit_ctx_free(F.badcookie);
	authkit_ctx_free(F.badsamesite);
	authkit_config_free(F.cfg);
	authkit_usage_event_free(F.ev_ok);
	authkit_usage_event_free(F.ev_incomplete);
	authkit_ratelimit_free(F.rl);
	test_remove_db(F.path);
}

/* ---- the table -------------------------------------------------------- */

#define M(code) (1u << -(code))
#define INV M(AUTHKIT_EINVALID)
#define PWD M(AUTHKIT_EPASSWORD)
#define NF M(AUTHKIT_ENOTFOUND)
#define EX M(AUTHKIT_EEXISTS)
/* Over-long or non-UTF-8 passwords: "invalid argument" or "rejected by the
 * policy" both describe them (common.h vs password.h). */
#define INV_PWD (INV | PWD)
#define OK M(AUTHKIT_OK)
#define TOK M(AUTHKIT_ETOKEN)
#define REV M(AUTHKIT_EREVOKED)
#define CONF M(AUTHKIT_ECONFIG)

#define C (F.ctx)
#define A (F.alice)
#define B (F.bob)
#define MISS (F.missing)
#define NOJWT (F.nojwt)

/* X(name, expected codes, call) */
#define ARG_CASES(X) \
	/* authkit_user_register */ \
	X(register_ctx_null, INV, authkit_user_register(NULL, "zed", "zed@example.com", NULL, MARK PW, &F.u)) \
	X(register_username_null, INV, authkit_user_register(C, NULL, "zed@example.com", NULL, MARK PW, &F.u)) \
	X(register_username_empty, INV, authkit_user_register(C, "", "zed@example.com", NULL, MARK PW, &F.u)) \
	X(register_username_2, INV, authkit_user_register(C, "ze", "zed@example.com", NULL, MARK PW, &F.u)) \
	X(register_username_33, INV, authkit_user_register(C, U33, "zed@example.com", NULL, MARK PW, &F.u)) \
	X(register_username_space, INV, authkit_user_register(C, "ze d", "zed@example.com", NULL, MARK PW, &F.u)) \
	X(register_username_quote, INV, authkit_user_register(C, "ze'd", "zed@example.com", NULL, MARK PW, &F.u)) \
	X(register_username_utf8, INV, authkit_user_register(C, "z\xC3\x28z", "zed@example.com", NULL, MARK PW, &F.u)) \
	X(register_username_surrogate, INV, \
	  authkit_user_register(C, "z\xED\xA0\x80", "zed@example.com", NULL, MARK PW, &F.u)) \
	X(register_username_overlong, INV, \
	  authkit_user_register(C, "z\xC0\xAFz", "zed@example.com", NULL, MARK PW, &F.u)) \
	X(register_email_null, INV, authkit_user_register(C, "zed", NULL, NULL, MARK PW, &F.u)) \
	X(register_email_empty, INV, authkit_user_register(C, "zed", "", NULL, MARK PW, &F.u)) \
	X(register_email_255, INV, authkit_user_register(C, "zed", E255, NULL, MARK PW, &F.u)) \
	X(register_email_no_at, INV, authkit_user_register(C, "zed", "zed.example.com", NULL, MARK PW, &F.u)) \
	X(register_email_utf8, INV, authkit_user_register(C, "zed", "\xC3\x28@example.com", NULL, MARK PW, &F.u)) \
	X(register_email_surrogate, INV, \
	  authkit_user_register(C, "zed", "z@\xED\xA0\x80.com", NULL, MARK PW, &F.u)) \
	X(register_email_overlong, INV, authkit_user_register(C, "zed", "z\xC0\xAF@example.com", NULL, MARK PW, &F.u)) \
	X(register_full_name_129, INV, authkit_user_register(C, "zed", "zed@example.com", FN129, MARK PW, &F.u)) \
	X(register_full_name_utf8, INV, authkit_user_register(C, "zed", "zed@example.com", "\xC3\x28", MARK PW, &F.u)) \
	X(register_full_name_surrogate, INV, \
	  authkit_user_register(C, "zed", "zed@example.com", "\xED\xA0\x80", MARK PW, &F.u)) \
	X(register_full_name_overlong, INV, \
	  authkit_user_register(C, "zed", "zed@example.com", "\xC0\xAF", MARK PW, &F.u)) \
	X(register_full_name_control, INV, \
	  authkit_user_register(C, "zed", "zed@example.com", "Ze\x01" "d", MARK PW, &F.u)) \
	X(register_password_null, INV, authkit_user_register(C, "zed", "zed@example.com", NULL, NULL, &F.u)) \
	X(register_password_empty, INV_PWD, authkit_user_register(C, "zed", "zed@example.com", NULL, "", &F.u)) \
	X(register_password_4097, INV_PWD, authkit_user_register(C, "zed", "zed@example.com", NULL, PW4097, &F.u)) \
	X(register_password_utf8, INV_PWD, \
	  authkit_user_register(C, "zed", "zed@example.com", NULL, MARK "\xC3\x28", &F.u)) \
	X(register_password_surrogate, INV_PWD, \
	  authkit_user_register(C, "zed", "zed@example.com", NULL, MARK "\xED\xA0\x80", &F.u)) \
	X(register_password_overlong, INV_PWD, \
	  authkit_user_register(C, "zed", "zed@example.com", NULL, MARK "\xC0\xAF", &F.u)) \
	X(register_password_short, PWD, authkit_user_register(C, "zed", "zed@example.com", NULL, "Mk7-short", &F.u)) \
	X(register_password_common, PWD, \
	  authkit_user_register(C, "zed", "zed@example.com", NULL, "password1234", &F.u)) \
	X(register_password_has_username, PWD, \
	  authkit_user_register(C, "zedekiah", "zz@example.com", NULL, MARK "ZEDEKIAH", &F.u)) \
	X(register_password_has_email_local, PWD, \
	  authkit_user_register(C, "zed", "quixotic@example.com", NULL, MARK "quixotic", &F.u)) \
	X(register_username_taken, EX, authkit_user_register(C, "ALICE", "zed@example.com", NULL, MARK PW, &F.u)) \
	X(register_email_taken, EX, authkit_user_register(C, "zed", "Alice@Example.com", NULL, MARK PW, &F.u)) \
	/* authkit_user_import */ \
	X(import_ctx_null, INV, authkit_user_import(NULL, "zed", "zed@example.com", NULL, F.hash, &F.u)) \
	X(import_hash_null, INV, authkit_user_import(C, "zed", "zed@example.com", NULL, NULL, &F.u)) \
	X(import_hash_empty, INV, authkit_user_import(C, "zed", "zed@example.com", NULL, "", &F.u)) \
	X(import_hash_plaintext, INV, authkit_user_import(C, "zed", "zed@example.com", NULL, MARK, &F.u)) \
	X(import_hash_300, INV, authkit_user_import(C, "zed", "zed@example.com", NULL, H300, &F.u)) \
	X(import_hash_argon2i, INV, \
	  authkit_user_import(C, "zed", "zed@example.com", NULL, \
	                      "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", &F.u)) \
	X(import_hash_utf8, INV, authkit_user_import(C, "zed", "zed@example.com", NULL, "$2b$\xC3\x28", &F.u)) \
	X(import_username_null, INV, authkit_user_import(C, NULL, "zed@example.com", NULL, F.hash, &F.u)) \
	X(import_username_33, INV, authkit_user_import(C, U33, "zed@example.com", NULL, F.hash, &F.u)) \
	X(import_username_utf8, INV, authkit_user_import(C, "\xC3\x28zz", "zed@example.com", NULL, F.hash, &F.u)) \
	X(import_email_empty, INV, authkit_user_import(C, "zed", "", NULL, F.hash, &F.u)) \
	X(import_email_255, INV, authkit_user_import(C, "zed", E255, NULL, F.hash, &F.u)) \
	X(import_full_name_129, INV, authkit_user_import(C, "zed", "zed@example.com", FN129, F.hash, &F.u)) \
	X(import_full_name_overlong, INV, authkit_user_import(C, "zed", "zed@example.com", "\xC0\xAF", F.hash, &F.u)) \
	X(import_username_taken, EX, authkit_user_import(C, "Bob", "zed@example.com", NULL, F.hash, &F.u)) \
	X(import_email_taken, EX, authkit_user_import(C, "zed", "BOB@example.com", NULL, F.hash, &F.u)) \
	/* getters */ \
	X(get_by_id_ctx_null, INV, authkit_user_get_by_id(NULL, A, &F.u)) \
	X(get_by_id_out_null, INV, authkit_user_get_by_id(C, A, NULL)) \
	X(get_by_id_0, INV, authkit_user_get_by_id(C, 0, &F.u)) \
	X(get_by_id_negative, INV, authkit_user_get_by_id(C, -1, &F.u)) \
	X(get_by_id_min, INV, authkit_user_get_by_id(C, INT64_MIN, &F.u)) \
	X(get_by_id_missing, NF, authkit_user_get_by_id(C, MISS, &F.u)) \
	X(get_by_username_ctx_null, INV, authkit_user_get_by_username(NULL, "alice", &F.u)) \
	X(get_by_username_out_null, INV, authkit_user_get_by_username(C, "alice", NULL)) \
	X(get_by_username_null, INV, authkit_user_get_by_username(C, NULL, &F.u)) \
	X(get_by_username_empty, INV, authkit_user_get_by_username(C, "", &F.u)) \
	X(get_by_username_33, INV, authkit_user_get_by_username(C, U33, &F.u)) \
	X(get_by_username_utf8, INV, authkit_user_get_by_username(C, "al\xC3\x28", &F.u)) \
	X(get_by_username_sql, INV, authkit_user_get_by_username(C, "alice' OR '1'='1", &F.u)) \
	X(get_by_username_missing, NF, authkit_user_get_by_username(C, "zed", &F.u)) \
	X(get_by_email_ctx_null, INV, authkit_user_get_by_email(NULL, "alice@example.com", &F.u)) \
	X(get_by_email_out_null, INV, authkit_user_get_by_email(C, "alice@example.com", NULL)) \
	X(get_by_email_null, INV, authkit_user_get_by_email(C, NULL, &F.u)) \
	X(get_by_email_empty, INV, authkit_user_get_by_email(C, "", &F.u)) \
	X(get_by_email_255, INV, authkit_user_get_by_email(C, E255, &F.u)) \
	X(get_by_email_utf8, INV, authkit_user_get_by_email(C, "al\xC3\x28@example.com", &F.u)) \
	X(get_by_email_missing, NF, authkit_user_get_by_email(C, "zed@example.com", &F.u)) \
	/* list and count */ \
	X(list_ctx_null, INV, authkit_user_list_page(NULL, 0, 10, &F.ul)) \
	X(list_out_null, INV, authkit_user_list_page(C, 0, 10, NULL)) \
	X(list_after_negative, INV, authkit_user_list_page(C, -1, 10, &F.ul)) \
	X(list_limit_0, INV, authkit_user_list_page(C, 0, 0, &F.ul)) \
	X(list_limit_1001, INV, authkit_user_list_page(C, 0, 1001, &F.ul)) \
	X(list_limit_100001, INV, authkit_user_list_page(C, 0, 100001, &F.ul)) \
	X(list_limit_uint_max, INV, authkit_user_list_page(C, 0, UINT_MAX, &F.ul)) \
	X(count_ctx_null, INV, authkit_user_count(NULL, &F.n)) \
	X(count_out_null, INV, authkit_user_count(C, NULL)) \
	/* set_full_name */ \
	X(set_full_name_ctx_null, INV, authkit_user_set_full_name(NULL, A, "x")) \
	X(set_full_name_id_0, INV, authkit_user_set_full_name(C, 0, "x")) \
	X(set_full_name_id_negative, INV, authkit_user_set_full_name(C, -1, "x")) \
	X(set_full_name_129, INV, authkit_user_set_full_name(C, A, FN129)) \
	X(set_full_name_utf8, INV, authkit_user_set_full_name(C, A, "\xC3\x28")) \
	X(set_full_name_surrogate, INV, authkit_user_set_full_name(C, A, "\xED\xA0\x80")) \
	X(set_full_name_overlong, INV, authkit_user_set_full_name(C, A, "\xC0\xAF")) \
	X(set_full_name_control, INV, authkit_user_set_full_name(C, A, "a\nb")) \
	X(set_full_name_missing, NF, authkit_user_set_full_name(C, MISS, "x")) \
	/* set_username */ \
	X(set_username_ctx_null, INV, authkit_user_set_username(NULL, A, "zed")) \
	X(set_username_id_0, INV, authkit_user_set_username(C, 0, "zed")) \
	X(set_username_null, INV, authkit_user_set_username(C, A, NULL)) \
	X(set_username_empty, INV, authkit_user_set_username(C, A, "")) \
	X(set_username_2, INV, authkit_user_set_username(C, A, "ab")) \
	X(set_username_33, INV, authkit_user_set_username(C, A, U33)) \
	X(set_username_charset, INV, authkit_user_set_username(C, A, "a;b")) \
	X(set_username_utf8, INV, authkit_user_set_username(C, A, "ab\xC3\x28")) \
	X(set_username_taken, EX, authkit_user_set_username(C, A, "BOB")) \
	X(set_username_missing, NF, authkit_user_set_username(C, MISS, "zed")) \
	/* set_email */ \
	X(set_email_ctx_null, INV, authkit_user_set_email(NULL, A, "zed@example.com")) \
	X(set_email_id_0, INV, authkit_user_set_email(C, 0, "zed@example.com")) \
	X(set_email_id_negative, INV, authkit_user_set_email(C, -1, "zed@example.com")) \
	X(set_email_null, INV, authkit_user_set_email(C, A, NULL)) \
	X(set_email_empty, INV, authkit_user_set_email(C, A, "")) \
	X(set_email_255, INV, authkit_user_set_email(C, A, E255)) \
	X(set_email_syntax, INV, authkit_user_set_email(C, A, "zed@@example.com")) \
	X(set_email_utf8, INV, authkit_user_set_email(C, A, "z\xC3\x28@example.com")) \
	X(set_email_taken, EX, authkit_user_set_email(C, A, "Bob@Example.com")) \
	X(set_email_missing, NF, authkit_user_set_email(C, MISS, "zed@example.com")) \
	/* flags */ \
	X(set_active_2, INV, authkit_user_set_active(C, A, 2)) \
	X(set_active_negative, INV, authkit_user_set_active(C, A, -1)) \
	X(set_active_int_max, INV, authkit_user_set_active(C, A, INT_MAX)) \
	X(set_active_id_0, INV, authkit_user_set_active(C, 0, 1)) \
	X(set_active_ctx_null, INV, authkit_user_set_active(NULL, A, 1)) \
	X(set_active_missing, NF, authkit_user_set_active(C, MISS, 0)) \
	X(set_verified_2, INV, authkit_user_set_verified(C, A, 2)) \
	X(set_verified_id_negative, INV, authkit_user_set_verified(C, -1, 1)) \
	X(set_verified_ctx_null, INV, authkit_user_set_verified(NULL, A, 1)) \
	X(set_verified_missing, NF, authkit_user_set_verified(C, MISS, 1)) \
	X(set_superuser_2, INV, authkit_user_set_superuser(C, A, 2)) \
	X(set_superuser_id_0, INV, authkit_user_set_superuser(C, 0, 1)) \
	X(set_superuser_ctx_null, INV, authkit_user_set_superuser(NULL, A, 1)) \
	X(set_superuser_missing, NF, authkit_user_set_superuser(C, MISS, 1)) \
	/* roles */ \
	X(add_role_ctx_null, INV, authkit_user_add_role(NULL, A, "admin")) \
	X(add_role_id_0, INV, authkit_user_add_role(C, 0, "admin")) \
	X(add_role_null, INV, authkit_user_add_role(C, A, NULL)) \
	X(add_role_empty, INV, authkit_user_add_role(C, A, "")) \
	X(add_role_33, INV, authkit_user_add_role(C, A, R33)) \
	X(add_role_space, INV, authkit_user_add_role(C, A, "a b")) \
	X(add_role_utf8, INV, authkit_user_add_role(C, A, "r\xC3\x28")) \
	X(add_role_surrogate, INV, authkit_user_add_role(C, A, "\xED\xA0\x80")) \
	X(add_role_17th, INV, authkit_user_add_role(C, B, "one-too-many")) \
	X(add_role_missing, NF, authkit_user_add_role(C, MISS, "admin")) \
	X(remove_role_ctx_null, INV, authkit_user_remove_role(NULL, B, "role1")) \
	X(remove_role_id_negative, INV, authkit_user_remove_role(C, -1, "role1")) \
	X(remove_role_null, INV, authkit_user_remove_role(C, B, NULL)) \
	X(remove_role_empty, INV, authkit_user_remove_role(C, B, "")) \
	X(remove_role_33, INV, authkit_user_remove_role(C, B, R33)) \
	X(remove_role_utf8, INV, authkit_user_remove_role(C, B, "role1\xC3\x28")) \
	X(remove_role_missing, NF, authkit_user_remove_role(C, MISS, "role1")) \
	/* lock, unlock, delete */ \
	X(lock_ctx_null, INV, authkit_user_lock(NULL, A, 2000000000)) \
	X(lock_id_0, INV, authkit_user_lock(C, 0, 2000000000)) \
	X(lock_until_0, INV, authkit_user_lock(C, A, 0)) \
	X(lock_until_negative, INV, authkit_user_lock(C, A, -1)) \
	X(lock_missing, NF, authkit_user_lock(C, MISS, 2000000000)) \
	X(unlock_ctx_null, INV, authkit_user_unlock(NULL, B)) \
	X(unlock_id_0, INV, authkit_user_unlock(C, 0)) \
	X(unlock_id_negative, INV, authkit_user_unlock(C, -1)) \
	X(unlock_missing, NF, authkit_user_unlock(C, MISS)) \
	X(delete_ctx_null, INV, authkit_user_delete(NULL, A)) \
	X(delete_id_0, INV, authkit_user_delete(C, 0)) \
	X(delete_id_negative, INV, authkit_user_delete(C, -1)) \
	X(delete_missing, NF, authkit_user_delete(C, MISS)) \
	/* passwords */ \
	X(check_ctx_null, INV, authkit_password_check(NULL, MARK PW, NULL, NULL)) \
	X(check_password_null, INV, authkit_password_check(C, NULL, NULL, NULL)) \
	X(check_password_4097, INV_PWD, authkit_password_check(C, PW4097, NULL, NULL)) \
	X(check_password_utf8, INV_PWD, authkit_password_check(C, MARK "\xC3\x28", NULL, NULL)) \
	X(check_password_short, PWD, authkit_password_check(C, "Mk7-short", NULL, NULL)) \
	X(check_password_common, PWD, authkit_password_check(C, "password1234", NULL, NULL)) \
	X(check_password_has_username, PWD, authkit_password_check(C, MARK "Alice", "alice", NULL)) \
	X(check_password_has_email, PWD, authkit_password_check(C, MARK "quixotic", NULL, "Quixotic@example.com")) \
	X(hash_ctx_null, INV, authkit_password_hash(NULL, MARK PW, &F.s)) \
	X(hash_password_null, INV, authkit_password_hash(C, NULL, &F.s)) \
	X(hash_out_null, INV, authkit_password_hash(C, MARK PW, NULL)) \
	X(hash_password_4097, INV_PWD, authkit_password_hash(C, PW4097, &F.s)) \
	X(verify_hash_null, INV, authkit_password_verify(NULL, MARK PW)) \
	X(verify_password_null, INV, authkit_password_verify(F.hash, NULL)) \
	X(verify_hash_garbage, INV, authkit_password_verify("$argon2id$nonsense", MARK PW)) \
	X(verify_hash_empty, INV, authkit_password_verify("", MARK PW)) \
	X(change_ctx_null, INV, authkit_password_change(NULL, A, PW, MARK PW, NULL, NULL)) \
	X(change_id_0, INV, authkit_password_change(C, 0, PW, MARK PW, NULL, NULL)) \
	X(change_id_negative, INV, authkit_password_change(C, -1, PW, MARK PW, NULL, NULL)) \
	X(change_current_null, INV, authkit_password_change(C, A, NULL, MARK PW, NULL, NULL)) \
	X(change_new_null, INV, authkit_password_change(C, A, PW, NULL, NULL, NULL)) \
	X(change_current_4097, INV, authkit_password_change(C, A, PW4097, MARK PW, NULL, NULL)) \
	X(change_new_4097, INV_PWD, authkit_password_change(C, A, PW, PW4097, NULL, NULL)) \
	X(change_new_utf8, INV_PWD, authkit_password_change(C, A, PW, MARK "\xC3\x28", NULL, NULL)) \
	X(change_new_overlong, INV_PWD, authkit_password_change(C, A, PW, MARK "\xC0\xAF", NULL, NULL)) \
	X(change_new_short, PWD, authkit_password_change(C, A, PW, "Mk7-short", NULL, NULL)) \
	X(change_new_has_username, PWD, authkit_password_change(C, A, PW, MARK "ALICE", NULL, NULL)) \
	X(change_ip_64, INV, authkit_password_change(C, A, PW, MARK PW, NULL, IP64)) \
	X(change_ip_sql, INV, authkit_password_change(C, A, PW, MARK PW, NULL, "1.2.3.4'; DROP TABLE users;--")) \
	X(change_ip_utf8, INV, authkit_password_change(C, A, PW, MARK PW, NULL, "10.0.0.\xC3\x28")) \
	X(change_missing, NF, authkit_password_change(C, MISS, PW, MARK PW, NULL, NULL)) \
	X(set_password_ctx_null, INV, authkit_password_set(NULL, A, MARK PW)) \
	X(set_password_id_0, INV, authkit_password_set(C, 0, MARK PW)) \
	X(set_password_null, INV, authkit_password_set(C, A, NULL)) \
	X(set_password_empty, INV_PWD, authkit_password_set(C, A, "")) \
	X(set_password_4097, INV_PWD, authkit_password_set(C, A, PW4097)) \
	X(set_password_surrogate, INV_PWD, authkit_password_set(C, A, MARK "\xED\xA0\x80")) \
	X(set_password_short, PWD, authkit_password_set(C, A, "Mk7-short")) \
	X(set_password_missing, NF, authkit_password_set(C, MISS, MARK PW)) \
	/* authenticate: argument errors come before any lookup (no audit row) */ \
	X(auth_ctx_null, INV, authkit_authenticate(NULL, "alice", MARK PW, NULL, &F.u)) \
	X(auth_identifier_null, INV, authkit_authenticate(C, NULL, MARK PW, NULL, &F.u)) \
	X(auth_identifier_empty, INV, authkit_authenticate(C, "", MARK PW, NULL, &F.u)) \
	X(auth_identifier_255, INV, authkit_authenticate(C, ID255, MARK PW, NULL, &F.u)) \
	X(auth_password_null, INV, authkit_authenticate(C, "alice", NULL, NULL, &F.u)) \
	X(auth_password_4097, INV, authkit_authenticate(C, "alice", PW4097, NULL, &F.u)) \
	X(auth_ip_64, INV, authkit_authenticate(C, "alice", MARK PW, IP64, &F.u)) \
	X(auth_ip_html, INV, authkit_authenticate(C, "alice", MARK PW, "<script>", &F.u)) \
	X(auth_ip_utf8, INV, authkit_authenticate(C, "alice", MARK PW, "\xC3\x28", &F.u)) \
	X(auth_ip_newline, INV, authkit_authenticate(C, "alice", MARK PW, "1.2.3.4\nauth.ok", &F.u)) \
	X(auth_identifier_utf8, INV, authkit_authenticate(C, "al\xC3\x28", MARK PW, NULL, &F.u)) \
	X(auth_identifier_control, INV, authkit_authenticate(C, "alice\n", MARK PW, NULL, &F.u)) \
	X(auth_ex_ctx_null, INV, authkit_authenticate_ex(NULL, "alice", MARK PW, NULL, &F.u, &F.v)) \
	X(auth_ex_identifier_255, INV, authkit_authenticate_ex(C, ID255, MARK PW, NULL, &F.u, &F.v)) \
	X(auth_ex_password_4097, INV, authkit_authenticate_ex(C, "alice", PW4097, NULL, NULL, &F.v)) \
	X(auth_ex_ip_64, INV, authkit_authenticate_ex(C, "alice", MARK PW, IP64, NULL, NULL)) \
	/* audit */ \
	X(audit_ctx_null, INV, authkit_audit_query(NULL, 0, 0, 0, 10, &F.al)) \
	X(audit_out_null, INV, authkit_audit_query(C, 0, 0, 0, 10, NULL)) \
	X(audit_user_negative, INV, authkit_audit_query(C, -1, 0, 0, 10, &F.al)) \
	X(audit_since_negative, INV, authkit_audit_query(C, 0, -1, 0, 10, &F.al)) \
	X(audit_until_negative, INV, authkit_audit_query(C, 0, 0, -1, 10, &F.al)) \
	X(audit_until_eq_since, INV, authkit_audit_query(C, 0, 100, 100, 10, &F.al)) \
	X(audit_until_lt_since, INV, authkit_audit_query(C, 0, 200, 100, 10, &F.al)) \
	X(audit_limit_0, INV, authkit_audit_query(C, 0, 0, 0, 0, &F.al)) \
	X(audit_limit_10001, INV, authkit_audit_query(C, 0, 0, 0, 10001, &F.al)) \
	X(audit_limit_100001, INV, authkit_audit_query(C, 0, 0, 0, 100001, &F.al)) \
	/* context */ \
	X(schema_version_ctx_null, INV, authkit_ctx_schema_version(NULL, &F.v)) \
	X(schema_version_out_null, INV, authkit_ctx_schema_version(C, NULL)) \
	/* ---- session.h ---- */ \
	/* authkit_login: argument errors come before any lookup. (A wrong \
	 * password, unknown or inactive user legitimately writes an auth.failed \
	 * row, like authkit_authenticate: not in this table.) */ \
	X(login_ctx_null, INV, authkit_login(NULL, "alice", MARK PW, NULL, NULL, &F.login)) \
	X(login_out_null, INV, authkit_login(C, "alice", MARK PW, NULL, NULL, NULL)) \
	X(login_identifier_null, INV, authkit_login(C, NULL, MARK PW, NULL, NULL, &F.login)) \
	X(login_identifier_empty, INV, authkit_login(C, "", MARK PW, NULL, NULL, &F.login)) \
	X(login_identifier_255, INV, authkit_login(C, ID255, MARK PW, NULL, NULL, &F.login)) \
	X(login_identifier_utf8, INV, authkit_login(C, "al\xC3\x28", MARK PW, NULL, NULL, &F.login)) \
	X(login_identifier_control, INV, authkit_login(C, "alice\r", MARK PW, NULL, NULL, &F.login)) \
	X(login_password_null, INV, authkit_login(C, "alice", NULL, NULL, NULL, &F.login)) \
	X(login_password_4097, INV, authkit_login(C, "alice", PW4097, NULL, NULL, &F.login)) \
	X(login_ip_64, INV, authkit_login(C, "alice", MARK PW, IP64, NULL, &F.login)) \
	X(login_ip_utf8, INV, authkit_login(C, "alice", MARK PW, "10.0.0.\xC3\x28", NULL, &F.login)) \
	X(login_ip_newline, INV, authkit_login(C, "alice", MARK PW, "1.2.3.4\nauth.ok", NULL, &F.login)) \
	X(login_ua_256, INV, authkit_login(C, "alice", MARK PW, NULL, UA256, &F.login)) \
	X(login_ua_utf8, INV, authkit_login(C, "alice", MARK PW, NULL, "Mozilla\xC3\x28", &F.login)) \
	X(login_ua_surrogate, INV, authkit_login(C, "alice", MARK PW, NULL, "\xED\xA0\x80", &F.login)) \
	X(login_ua_control, INV, authkit_login(C, "alice", MARK PW, NULL, "Mozilla\n", &F.login)) \
	X(login_ua_256_ctx_null, INV, authkit_login(NULL, "alice", MARK PW, NULL, UA256, &F.login)) \
	/* authkit_refresh (a replayed token commits its session's revocation on \
	 * purpose: not in this table) */ \
	X(refresh_ctx_null, INV, authkit_refresh(NULL, F.rtok, NULL, &F.login)) \
	X(refresh_token_null, INV, authkit_refresh(C, NULL, NULL, &F.login)) \
	X(refresh_out_null, INV, authkit_refresh(C, F.rtok, NULL, NULL)) \
	X(refresh_ip_64, INV, authkit_refresh(C, F.rtok, IP64, &F.login)) \
	X(refresh_ip_utf8, INV, authkit_refresh(C, F.rtok, "\xC3\x28", &F.login)) \
	X(refresh_empty, TOK, authkit_refresh(C, "", NULL, &F.login)) \
	X(refresh_42, TOK, authkit_refresh(C, TOK42, NULL, &F.login)) \
	X(refresh_44, TOK, authkit_refresh(C, TOK44, NULL, &F.login)) \
	X(refresh_padded, TOK, authkit_refresh(C, TOK43_PAD, NULL, &F.login)) \
	X(refresh_utf8, TOK, authkit_refresh(C, "\xC3\x28", NULL, &F.login)) \
	X(refresh_4097, TOK, authkit_refresh(C, PW4097_PLAIN, NULL, &F.login)) \
	X(refresh_unknown, TOK, authkit_refresh(C, TOK43_UNKNOWN, NULL, &F.login)) \
	X(refresh_session_token, TOK, authkit_refresh(C, F.stok, NULL, &F.login)) \
	X(refresh_revoked_session, REV, authkit_refresh(C, F.rtok2, NULL, &F.login)) \
	/* authkit_logout (of an existing, even revoked, session it writes an \
	 * auth.logout row: not in this table) */ \
	X(logout_ctx_null, INV, authkit_logout(NULL, F.sid, NULL)) \
	X(logout_sid_null, INV, authkit_logout(C, NULL, NULL)) \
	X(logout_sid_empty, INV, authkit_logout(C, "", NULL)) \
	X(logout_sid_21, INV, authkit_logout(C, SID21, NULL)) \
	X(logout_sid_23, INV, authkit_logout(C, SID23, NULL)) \
	X(logout_sid_dot, INV, authkit_logout(C, SID_DOT, NULL)) \
	X(logout_sid_plus, INV, authkit_logout(C, SID_PLUS, NULL)) \
	X(logout_sid_utf8, INV, authkit_logout(C, "SSSSSSSSSSSSSSSSSSSS\xC3\x28", NULL)) \
	X(logout_sid_token, INV, authkit_logout(C, F.stok, NULL)) \
	X(logout_ip_64, INV, authkit_logout(C, F.sid, IP64)) \
	X(logout_ip_utf8, INV, authkit_logout(C, F.sid, "\xC3\x28")) \
	X(logout_unknown, NF, authkit_logout(C, "SSSSSSSSSSSSSSSSSSSSSS", NULL)) \
	/* authkit_session_check */ \
	X(session_check_ctx_null, INV, authkit_session_check(NULL, F.stok, &F.sess)) \
	X(session_check_token_null, INV, authkit_session_check(C, NULL, &F.sess)) \
	X(session_check_empty, TOK, authkit_session_check(C, "", &F.sess)) \
	X(session_check_42, TOK, authkit_session_check(C, TOK42, &F.sess)) \
	X(session_check_44, TOK, authkit_session_check(C, TOK44, NULL)) \
	X(session_check_padded, TOK, authkit_session_check(C, TOK43_PAD, &F.sess)) \
	X(session_check_utf8, TOK, authkit_session_check(C, "\xC3\x28", &F.sess)) \
	X(session_check_session_id, TOK, authkit_session_check(C, F.sid, &F.sess)) \
	X(session_check_unknown, TOK, authkit_session_check(C, TOK43_UNKNOWN, &F.sess)) \
	X(session_check_refresh_token, TOK, authkit_session_check(C, F.rtok, &F.sess)) \
	X(session_check_revoked, REV, authkit_session_check(C, F.stok2, &F.sess)) \
	X(session_check_revoked_out_null, REV, authkit_session_check(C, F.stok2, NULL)) \
	/* authkit_session_get */ \
	X(session_get_ctx_null, INV, authkit_session_get(NULL, F.sid, &F.sess)) \
	X(session_get_out_null, INV, authkit_session_get(C, F.sid, NULL)) \
	X(session_get_sid_null, INV, authkit_session_get(C, NULL, &F.sess)) \
	X(session_get_sid_empty, INV, authkit_session_get(C, "", &F.sess)) \
	X(session_get_sid_21, INV, authkit_session_get(C, SID21, &F.sess)) \
	X(session_get_sid_23, INV, authkit_session_get(C, SID23, &F.sess)) \
	X(session_get_sid_dot, INV, authkit_session_get(C, SID_DOT, &F.sess)) \
	X(session_get_sid_sql, INV, authkit_session_get(C, "x' OR '1'='1' --------", &F.sess)) \
	X(session_get_sid_token, INV, authkit_session_get(C, F.stok, &F.sess)) \
	X(session_get_unknown, NF, authkit_session_get(C, "SSSSSSSSSSSSSSSSSSSSSS", &F.sess)) \
	/* authkit_session_list_user */ \
	X(session_list_ctx_null, INV, authkit_session_list_user(NULL, A, &F.sl)) \
	X(session_list_out_null, INV, authkit_session_list_user(C, A, NULL)) \
	X(session_list_id_0, INV, authkit_session_list_user(C, 0, &F.sl)) \
	X(session_list_id_negative, INV, authkit_session_list_user(C, -1, &F.sl)) \
	X(session_list_id_min, INV, authkit_session_list_user(C, INT64_MIN, &F.sl)) \
	X(session_list_missing_user, OK, authkit_session_list_user(C, MISS, &F.sl)) \
	/* authkit_session_revoke (an existing session, even a revoked one, gets \
	 * a session.revoked row: not in this table) */ \
	X(session_revoke_ctx_null, INV, authkit_session_revoke(NULL, F.sid)) \
	X(session_revoke_sid_null, INV, authkit_session_revoke(C, NULL)) \
	X(session_revoke_sid_empty, INV, authkit_session_revoke(C, "")) \
	X(session_revoke_sid_21, INV, authkit_session_revoke(C, SID21)) \
	X(session_revoke_sid_23, INV, authkit_session_revoke(C, SID23)) \
	X(session_revoke_sid_plus, INV, authkit_session_revoke(C, SID_PLUS)) \
	X(session_revoke_sid_utf8, INV, authkit_session_revoke(C, "\xC3\x28")) \
	X(session_revoke_unknown, NF, authkit_session_revoke(C, "SSSSSSSSSSSSSSSSSSSSSS")) \
	/* authkit_session_revoke_others */ \
	X(revoke_others_ctx_null, INV, authkit_session_revoke_others(NULL, A, F.sid, &F.n)) \
	X(revoke_others_id_0, INV, authkit_session_revoke_others(C, 0, F.sid, &F.n)) \
	X(revoke_others_id_negative, INV, authkit_session_revoke_others(C, -1, F.sid, &F.n)) \
	X(revoke_others_keep_null, INV, authkit_session_revoke_others(C, A, NULL, &F.n)) \
	X(revoke_others_keep_empty, INV, authkit_session_revoke_others(C, A, "", &F.n)) \
	X(revoke_others_keep_21, INV, authkit_session_revoke_others(C, A, SID21, &F.n)) \
	X(revoke_others_keep_23, INV, authkit_session_revoke_others(C, A, SID23, NULL)) \
	X(revoke_others_keep_dot, INV, authkit_session_revoke_others(C, A, SID_DOT, &F.n)) \
	X(revoke_others_keep_utf8, INV, authkit_session_revoke_others(C, A, "\xC3\x28", &F.n)) \
	X(revoke_others_nothing_left, OK, authkit_session_revoke_others(C, A, F.sid, &F.n)) \
	X(revoke_others_missing_user, OK, authkit_session_revoke_others(C, MISS, F.sid, NULL)) \
	/* authkit_session_revoke_all */ \
	X(revoke_all_ctx_null, INV, authkit_session_revoke_all(NULL, A, &F.n)) \
	X(revoke_all_id_0, INV, authkit_session_revoke_all(C, 0, &F.n)) \
	X(revoke_all_id_negative, INV, authkit_session_revoke_all(C, -1, NULL)) \
	X(revoke_all_id_min, INV, authkit_session_revoke_all(C, INT64_MIN, &F.n)) \
	X(revoke_all_missing_user, OK, authkit_session_revoke_all(C, MISS, &F.n)) \
	/* authkit_session_cleanup (with a context it deletes the revoked \
	 * session, its job: not in this table) */ \
	X(session_cleanup_ctx_null, INV, authkit_session_cleanup(NULL, &F.n, &F.n)) \
	/* authkit_reset_request (an unknown or inactive address writes the same \
	 * audit row as a known one, by design: not in this table) */ \
	X(reset_request_ctx_null, INV, authkit_reset_request(NULL, "alice@example.com", NULL, &F.s)) \
	X(reset_request_out_null, INV, authkit_reset_request(C, "alice@example.com", NULL, NULL)) \
	X(reset_request_email_null, INV, authkit_reset_request(C, NULL, NULL, &F.s)) \
	X(reset_request_email_empty, INV, authkit_reset_request(C, "", NULL, &F.s)) \
	X(reset_request_email_255, INV, authkit_reset_request(C, E255, NULL, &F.s)) \
	X(reset_request_email_no_at, INV, authkit_reset_request(C, "alice.example.com", NULL, &F.s)) \
	X(reset_request_email_utf8, INV, authkit_reset_request(C, "al\xC3\x28@example.com", NULL, &F.s)) \
	X(reset_request_email_surrogate, INV, authkit_reset_request(C, "a@\xED\xA0\x80.com", NULL, &F.s)) \
	X(reset_request_ip_64, INV, authkit_reset_request(C, "alice@example.com", IP64, &F.s)) \
	X(reset_request_ip_utf8, INV, authkit_reset_request(C, "alice@example.com", "\xC3\x28", &F.s)) \
	/* authkit_reset_complete */ \
	X(reset_complete_ctx_null, INV, authkit_reset_complete(NULL, F.reset_tok, MARK PW, NULL)) \
	X(reset_complete_token_null, INV, authkit_reset_complete(C, NULL, MARK PW, NULL)) \
	X(reset_complete_ip_64, INV, authkit_reset_complete(C, F.reset_tok, MARK PW, IP64)) \
	X(reset_complete_ip_utf8, INV, authkit_reset_complete(C, F.reset_tok, MARK PW, "\xC3\x28")) \
	X(reset_complete_empty, TOK, authkit_reset_complete(C, "", MARK PW, NULL)) \
	X(reset_complete_42, TOK, authkit_reset_complete(C, TOK42, MARK PW, NULL)) \
	X(reset_complete_44, TOK, authkit_reset_complete(C, TOK44, MARK PW, NULL)) \
	X(reset_complete_utf8, TOK, authkit_reset_complete(C, "\xC3\x28", MARK PW, NULL)) \
	X(reset_complete_password_null, INV, authkit_reset_complete(C, F.reset_tok, NULL, NULL)) \
	X(reset_complete_password_empty, INV_PWD, authkit_reset_complete(C, F.reset_tok, "", NULL)) \
	X(reset_complete_password_4097, INV_PWD, authkit_reset_complete(C, F.reset_tok, PW4097, NULL)) \
	X(reset_complete_password_utf8, INV_PWD, authkit_reset_complete(C, F.reset_tok, MARK "\xC3\x28", NULL)) \
	X(reset_complete_password_short, PWD, authkit_reset_complete(C, F.reset_tok, "Mk7-short", NULL)) \
	X(reset_complete_password_common, PWD, authkit_reset_complete(C, F.reset_tok, "password1234", NULL)) \
	X(reset_complete_password_has_username, PWD, authkit_reset_complete(C, F.reset_tok, MARK "ALICE", NULL)) \
	X(reset_complete_unknown, TOK, authkit_reset_complete(C, TOK43_UNKNOWN, MARK PW, NULL)) \
	X(reset_complete_verify_token, TOK, authkit_reset_complete(C, F.verify_tok, MARK PW, NULL)) \
	X(reset_complete_session_token, TOK, authkit_reset_complete(C, F.stok, MARK PW, NULL)) \
	/* authkit_verify_request (for a user it issues a token: not here) */ \
	X(verify_request_ctx_null, INV, authkit_verify_request(NULL, A, &F.s)) \
	X(verify_request_out_null, INV, authkit_verify_request(C, A, NULL)) \
	X(verify_request_id_0, INV, authkit_verify_request(C, 0, &F.s)) \
	X(verify_request_id_negative, INV, authkit_verify_request(C, -1, &F.s)) \
	X(verify_request_id_min, INV, authkit_verify_request(C, INT64_MIN, &F.s)) \
	X(verify_request_missing, NF, authkit_verify_request(C, MISS, &F.s)) \
	/* authkit_verify_complete */ \
	X(verify_complete_ctx_null, INV, authkit_verify_complete(NULL, F.verify_tok, &F.n)) \
	X(verify_complete_token_null, INV, authkit_verify_complete(C, NULL, &F.n)) \
	X(verify_complete_empty, TOK, authkit_verify_complete(C, "", &F.n)) \
	X(verify_complete_42, TOK, authkit_verify_complete(C, TOK42, &F.n)) \
	X(verify_complete_padded, TOK, authkit_verify_complete(C, TOK43_PAD, NULL)) \
	X(verify_complete_utf8, TOK, authkit_verify_complete(C, "\xC3\x28", &F.n)) \
	X(verify_complete_unknown, TOK, authkit_verify_complete(C, TOK43_UNKNOWN, &F.n)) \
	X(verify_complete_reset_token, TOK, authkit_verify_complete(C, F.reset_tok, &F.n)) \
	X(verify_complete_refresh_token, TOK, authkit_verify_complete(C, F.rtok, NULL)) \
	/* ---- token.h ---- */ \
	/* authkit_token_verify */ \
	X(token_verify_ctx_null, INV, authkit_token_verify(NULL, F.atok, 0, &F.p)) \
	X(token_verify_token_null, INV, authkit_token_verify(C, NULL, 0, &F.p)) \
	X(token_verify_out_null, INV, authkit_token_verify(C, F.atok, 0, NULL)) \
	X(token_verify_flags_3, INV, authkit_token_verify(C, F.atok, 3, &F.p)) \
	X(token_verify_flags_4, INV, authkit_token_verify(C, F.atok, 4, &F.p)) \
	X(token_verify_flags_max, INV, authkit_token_verify(C, F.atok, UINT_MAX, &F.p)) \
	X(token_verify_no_keys, CONF, authkit_token_verify(NOJWT, F.atok, 0, &F.p)) \
	X(token_verify_no_keys_null, INV, authkit_token_verify(NOJWT, NULL, 0, &F.p)) \
	X(token_verify_empty, TOK, authkit_token_verify(C, "", 0, &F.p)) \
	X(token_verify_garbage, TOK, authkit_token_verify(C, "garbage", 0, &F.p)) \
	X(token_verify_three_dots, TOK, authkit_token_verify(C, "a.b.c", 0, &F.p)) \
	X(token_verify_dots_only, TOK, authkit_token_verify(C, "..", AUTHKIT_VERIFY_STATELESS, &F.p)) \
	X(token_verify_8193, TOK, authkit_token_verify(C, HDR8193, 0, &F.p)) \
	X(token_verify_utf8, TOK, authkit_token_verify(C, "\xC3\x28.e30.AAAA", 0, &F.p)) \
	X(token_verify_tampered, TOK, authkit_token_verify(C, F.atok_tampered, 0, &F.p)) \
	X(token_verify_tampered_stateless, TOK, authkit_token_verify(C, F.atok_tampered, AUTHKIT_VERIFY_STATELESS, &F.p)) \
	X(token_verify_four_parts, TOK, authkit_token_verify(C, F.atok_4parts, 0, &F.p)) \
	X(token_verify_alg_none, TOK, authkit_token_verify(C, F.jwt_none, 0, &F.p)) \
	X(token_verify_session_token, TOK, authkit_token_verify(C, F.stok, 0, &F.p)) \
	X(token_verify_csrf_token, TOK, authkit_token_verify(C, F.csrf, 0, &F.p)) \
	X(token_verify_other_keys, TOK, authkit_token_verify(F.badcookie, F.atok, 0, &F.p)) \
	X(token_verify_revoked_session, REV, authkit_token_verify(C, F.atok2, 0, &F.p)) \
	X(token_verify_revoked_session_stateful, REV, authkit_token_verify(C, F.atok2, AUTHKIT_VERIFY_STATEFUL, &F.p)) \
	X(token_verify_revoked_session_stateless, OK, \
	  authkit_token_verify(C, F.atok2, AUTHKIT_VERIFY_STATELESS, &F.p)) \
	/* authkit_token_issue_access (never writes) */ \
	X(issue_access_ctx_null, INV, authkit_token_issue_access(NULL, A, F.sid, NULL, &F.s, &F.n)) \
	X(issue_access_out_null, INV, authkit_token_issue_access(C, A, F.sid, NULL, NULL, &F.n)) \
	X(issue_access_no_keys, CONF, authkit_token_issue_access(NOJWT, A, F.sid, NULL, &F.s, &F.n)) \
	X(issue_access_id_0, INV, authkit_token_issue_access(C, 0, F.sid, NULL, &F.s, &F.n)) \
	X(issue_access_id_negative, INV, authkit_token_issue_access(C, -1, F.sid, NULL, &F.s, NULL)) \
	X(issue_access_id_min, INV, authkit_token_issue_access(C, INT64_MIN, F.sid, NULL, &F.s, &F.n)) \
	X(issue_access_sid_empty, INV, authkit_token_issue_access(C, A, "", NULL, &F.s, &F.n)) \
	X(issue_access_sid_65, INV, authkit_token_issue_access(C, A, SID65, NULL, &F.s, &F.n)) \
	X(issue_access_sid_space, INV, authkit_token_issue_access(C, A, "a b", NULL, &F.s, &F.n)) \
	X(issue_access_sid_quote, INV, authkit_token_issue_access(C, A, "a\"b", NULL, &F.s, &F.n)) \
	X(issue_access_sid_utf8, INV, authkit_token_issue_access(C, A, "\xC3\x28", NULL, &F.s, &F.n)) \
	X(issue_access_roles_comma, INV, authkit_token_issue_access(C, A, F.sid, "a,b", &F.s, &F.n)) \
	X(issue_access_roles_quote, INV, authkit_token_issue_access(C, A, F.sid, "admin\"", &F.s, &F.n)) \
	X(issue_access_roles_utf8, INV, authkit_token_issue_access(C, A, F.sid, "r\xC3\x28", &F.s, &F.n)) \
	X(issue_access_roles_tab, INV, authkit_token_issue_access(C, A, F.sid, "a\tb", &F.s, &F.n)) \
	X(issue_access_role_33, INV, authkit_token_issue_access(C, A, F.sid, R33, &F.s, &F.n)) \
	X(issue_access_roles_17, INV, authkit_token_issue_access(C, A, F.sid, ROLES17, &F.s, &F.n)) \
	X(issue_access_roles_too_long, INV, authkit_token_issue_access(C, A, F.sid, ROLES_LONG, &F.s, &F.n)) \
	X(issue_access_no_sid, OK, authkit_token_issue_access(C, A, NULL, "admin", &F.s, NULL)) \
	/* authkit_config_add_jwt_key (on F.cfg; checked unchanged below) */ \
	X(add_jwt_key_cfg_null, INV, authkit_config_add_jwt_key(NULL, "k2", KEY32, sizeof KEY32, 0)) \
	X(add_jwt_key_kid_null, INV, authkit_config_add_jwt_key(F.cfg, NULL, KEY32, sizeof KEY32, 0)) \
	X(add_jwt_key_key_null, INV, authkit_config_add_jwt_key(F.cfg, "k2", NULL, 32, 0)) \
	X(add_jwt_key_kid_empty, INV, authkit_config_add_jwt_key(F.cfg, "", KEY32, sizeof KEY32, 0)) \
	X(add_jwt_key_kid_65, INV, authkit_config_add_jwt_key(F.cfg, KID65, KEY32, sizeof KEY32, 0)) \
	X(add_jwt_key_kid_space, INV, authkit_config_add_jwt_key(F.cfg, "k 2", KEY32, sizeof KEY32, 0)) \
	X(add_jwt_key_kid_slash, INV, authkit_config_add_jwt_key(F.cfg, "../k2", KEY32, sizeof KEY32, 0)) \
	X(add_jwt_key_kid_utf8, INV, authkit_config_add_jwt_key(F.cfg, "k\xC3\x28", KEY32, sizeof KEY32, 0)) \
	X(add_jwt_key_len_0, INV, authkit_config_add_jwt_key(F.cfg, "k2", KEY32, 0, 0)) \
	X(add_jwt_key_len_31, INV, authkit_config_add_jwt_key(F.cfg, "k2", KEY32, 31, 0)) \
	X(add_jwt_key_len_257, INV, authkit_config_add_jwt_key(F.cfg, "k2", KEY257, sizeof KEY257, 0)) \
	X(add_jwt_key_len_max, INV, authkit_config_add_jwt_key(F.cfg, "k2", KEY32, SIZE_MAX, 0)) \
	X(add_jwt_key_one_byte, INV, authkit_config_add_jwt_key(F.cfg, "k2", KEY_SAME, sizeof KEY_SAME, 0)) \
	X(add_jwt_key_kid_taken, EX, authkit_config_add_jwt_key(F.cfg, "k1", KEY257, 64, 0)) \
	X(add_jwt_key_second_signing, INV, authkit_config_add_jwt_key(F.cfg, "k2", KEY257, 64, 1)) \
	/* ---- http.h (pure parsers: no context, nothing written) ---- */ \
	/* authkit_http_bearer */ \
	X(bearer_token_out_null, INV, authkit_http_bearer("Bearer abc", NULL, &F.len)) \
	X(bearer_len_out_null, INV, authkit_http_bearer("Bearer abc", &F.tok, NULL)) \
	X(bearer_null, NF, authkit_http_bearer(NULL, &F.tok, &F.len)) \
	X(bearer_empty, NF, authkit_http_bearer("", &F.tok, &F.len)) \
	X(bearer_blank, NF, authkit_http_bearer(" \t ", &F.tok, &F.len)) \
	X(bearer_basic, NF, authkit_http_bearer("Basic dXNlcjpwYXNz", &F.tok, &F.len)) \
	X(bearer_prefix_scheme, INV, authkit_http_bearer("Bearerx abc", &F.tok, &F.len)) \
	X(bearer_no_token, INV, authkit_http_bearer("Bearer", &F.tok, &F.len)) \
	X(bearer_space_only, INV, authkit_http_bearer("Bearer   ", &F.tok, &F.len)) \
	X(bearer_tab, INV, authkit_http_bearer("Bearer\tabc", &F.tok, &F.len)) \
	X(bearer_two_tokens, INV, authkit_http_bearer("Bearer abc def", &F.tok, &F.len)) \
	X(bearer_trailing_space, INV, authkit_http_bearer("Bearer abc ", &F.tok, &F.len)) \
	X(bearer_after_padding, INV, authkit_http_bearer("Bearer abc=x", &F.tok, &F.len)) \
	X(bearer_only_padding, INV, authkit_http_bearer("Bearer ==", &F.tok, &F.len)) \
	X(bearer_utf8, INV, authkit_http_bearer("Bearer a\xC3\x28", &F.tok, &F.len)) \
	X(bearer_newline, INV, authkit_http_bearer("Bearer abc\r\nX-Evil: 1", &F.tok, &F.len)) \
	X(bearer_8193, INV, authkit_http_bearer(BEARER8193, &F.tok, &F.len)) \
	X(bearer_8193_other_scheme, INV, authkit_http_bearer(HDR8193, &F.tok, &F.len)) \
	/* authkit_http_cookie_get */ \
	X(cookie_get_out_null, INV, authkit_http_cookie_get("a=b", "a", NULL)) \
	X(cookie_get_header_null, INV, authkit_http_cookie_get(NULL, "a", &F.s)) \
	X(cookie_get_name_null, INV, authkit_http_cookie_get("a=b", NULL, &F.s)) \
	X(cookie_get_name_empty, INV, authkit_http_cookie_get("a=b", "", &F.s)) \
	X(cookie_get_name_space, INV, authkit_http_cookie_get("a b=c", "a b", &F.s)) \
	X(cookie_get_name_eq, INV, authkit_http_cookie_get("a=b", "a=", &F.s)) \
	X(cookie_get_name_semicolon, INV, authkit_http_cookie_get("a=b", "a;", &F.s)) \
	X(cookie_get_name_utf8, INV, authkit_http_cookie_get("a=b", "\xC3\x28", &F.s)) \
	X(cookie_get_name_8193, INV, authkit_http_cookie_get("a=b", HDR8193, &F.s)) \
	X(cookie_get_header_8193, INV, authkit_http_cookie_get(COOKIE8193, "c", &F.s)) \
	X(cookie_get_header_control, INV, authkit_http_cookie_get("a=b\x01", "a", &F.s)) \
	X(cookie_get_header_newline, INV, authkit_http_cookie_get("a=b\r\nSet-Cookie: x=y", "a", &F.s)) \
	X(cookie_get_header_del, INV, authkit_http_cookie_get("a=\x7f", "a", &F.s)) \
	X(cookie_get_missing, NF, authkit_http_cookie_get("a=b; c=d", "e", &F.s)) \
	X(cookie_get_case, NF, authkit_http_cookie_get("a=b", "A", &F.s)) \
	X(cookie_get_no_eq, NF, authkit_http_cookie_get("a; b", "a", &F.s)) \
	X(cookie_get_empty_header, NF, authkit_http_cookie_get("", "a", &F.s)) \
	X(cookie_get_utf8_elsewhere, NF, authkit_http_cookie_get("x=\xC3\x28", "a", &F.s)) \
	/* authkit_http_cookie_name */ \
	X(cookie_name_out_null, INV, authkit_http_cookie_name(C, NULL)) \
	X(cookie_name_ctx_null, INV, authkit_http_cookie_name(NULL, &F.s)) \
	X(cookie_name_bad_config, CONF, authkit_http_cookie_name(F.badcookie, &F.s)) \
	/* authkit_http_set_cookie */ \
	X(set_cookie_out_null, INV, authkit_http_set_cookie(C, "v", 60, NULL)) \
	X(set_cookie_ctx_null, INV, authkit_http_set_cookie(NULL, "v", 60, &F.s)) \
	X(set_cookie_max_age_negative, INV, authkit_http_set_cookie(C, "v", -1, &F.s)) \
	X(set_cookie_max_age_min, INV, authkit_http_set_cookie(C, NULL, INT64_MIN, &F.s)) \
	X(set_cookie_value_null, INV, authkit_http_set_cookie(C, NULL, 60, &F.s)) \
	X(set_cookie_value_empty, INV, authkit_http_set_cookie(C, "", 60, &F.s)) \
	X(set_cookie_value_space, INV, authkit_http_set_cookie(C, "a b", 60, &F.s)) \
	X(set_cookie_value_semicolon, INV, authkit_http_set_cookie(C, "a; Domain=evil.example", 60, &F.s)) \
	X(set_cookie_value_quote, INV, authkit_http_set_cookie(C, "a\"b", 60, &F.s)) \
	X(set_cookie_value_comma, INV, authkit_http_set_cookie(C, "a,b", 60, &F.s)) \
	X(set_cookie_value_backslash, INV, authkit_http_set_cookie(C, "a\\b", 60, &F.s)) \
	X(set_cookie_value_utf8, INV, authkit_http_set_cookie(C, "\xC3\xA9", 60, &F.s)) \
	X(set_cookie_value_newline, INV, authkit_http_set_cookie(C, "a\r\nSet-Cookie: x=y", 60, &F.s)) \
	X(set_cookie_value_4097, INV, authkit_http_set_cookie(C, VAL4097, 60, &F.s)) \
	X(set_cookie_bad_name_config, CONF, authkit_http_set_cookie(F.badcookie, "v", 60, &F.s)) \
	X(set_cookie_bad_samesite_config, CONF, authkit_http_set_cookie(F.badsamesite, "v", 60, &F.s)) \
	X(set_cookie_deletion, OK, authkit_http_set_cookie(C, NULL, 0, &F.s)) \
	X(set_cookie_max_age_capped, OK, authkit_http_set_cookie(C, "v", INT64_MAX, &F.s)) \
	/* authkit_csrf_issue */ \
	X(csrf_issue_out_null, INV, authkit_csrf_issue(C, F.sid, NULL)) \
	X(csrf_issue_ctx_null, INV, authkit_csrf_issue(NULL, F.sid, &F.s)) \
	X(csrf_issue_sid_null, INV, authkit_csrf_issue(C, NULL, &F.s)) \
	X(csrf_issue_sid_empty, INV, authkit_csrf_issue(C, "", &F.s)) \
	X(csrf_issue_sid_256, INV, authkit_csrf_issue(C, SID256, &F.s)) \
	X(csrf_issue_sid_control, INV, authkit_csrf_issue(C, "abc\ndef", &F.s)) \
	X(csrf_issue_no_keys, CONF, authkit_csrf_issue(NOJWT, F.sid, &F.s)) \
	/* authkit_csrf_verify */ \
	X(csrf_verify_ctx_null, INV, authkit_csrf_verify(NULL, F.sid, F.csrf)) \
	X(csrf_verify_sid_null, INV, authkit_csrf_verify(C, NULL, F.csrf)) \
	X(csrf_verify_sid_empty, INV, authkit_csrf_verify(C, "", F.csrf)) \
	X(csrf_verify_sid_256, INV, authkit_csrf_verify(C, SID256, F.csrf)) \
	X(csrf_verify_sid_control, INV, authkit_csrf_verify(C, "abc\x01", F.csrf)) \
	X(csrf_verify_no_keys, CONF, authkit_csrf_verify(NOJWT, F.sid, F.csrf)) \
	X(csrf_verify_token_null, TOK, authkit_csrf_verify(C, F.sid, NULL)) \
	X(csrf_verify_token_empty, TOK, authkit_csrf_verify(C, F.sid, "")) \
	X(csrf_verify_token_63, TOK, authkit_csrf_verify(C, F.sid, CSRF63)) \
	X(csrf_verify_token_65, TOK, authkit_csrf_verify(C, F.sid, CSRF65)) \
	X(csrf_verify_token_8193, TOK, authkit_csrf_verify(C, F.sid, HDR8193)) \
	X(csrf_verify_token_not_b64url, TOK, authkit_csrf_verify(C, F.sid, CSRF64_BAD)) \
	X(csrf_verify_token_utf8, TOK, \
	  authkit_csrf_verify(C, F.sid, "\xC3\x28" "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC")) \
	X(csrf_verify_tampered, TOK, authkit_csrf_verify(C, F.sid, F.csrf_tampered)) \
	X(csrf_verify_other_session, TOK, authkit_csrf_verify(C, F.sid2, F.csrf)) \
	X(csrf_verify_other_secret, TOK, authkit_csrf_verify(F.badcookie, F.sid, F.csrf)) \
	/* authkit_request_authenticate */ \
	X(request_out_null, INV, authkit_request_authenticate(C, NULL, F.ck_valid, NULL)) \
	X(request_ctx_null, INV, authkit_request_authenticate(NULL, NULL, F.ck_valid, &F.p)) \
	X(request_nothing, NF, authkit_request_authenticate(C, NULL, NULL, &F.p)) \
	X(request_other_scheme, NF, authkit_request_authenticate(C, "Basic dXNlcjpwYXNz", NULL, &F.p)) \
	X(request_other_cookies, NF, authkit_request_authenticate(C, "", "theme=dark; lang=en", &F.p)) \
	X(request_bearer_malformed, TOK, authkit_request_authenticate(C, "Bearer a b", NULL, &F.p)) \
	X(request_bearer_empty, TOK, authkit_request_authenticate(C, "Bearer", NULL, &F.p)) \
	X(request_bearer_8193, TOK, authkit_request_authenticate(C, BEARER8193, NULL, &F.p)) \
	X(request_bearer_garbage, TOK, authkit_request_authenticate(C, "Bearer garbage", NULL, &F.p)) \
	X(request_bearer_api_key, TOK, authkit_request_authenticate(C, "Bearer ak_0123456789abcdef", NULL, &F.p)) \
	X(request_bearer_session_token, TOK, authkit_request_authenticate(C, "Bearer A.B.C", NULL, &F.p)) \
	X(request_bearer_tampered_no_fallback, TOK, \
	  authkit_request_authenticate(C, F.bearer_tampered, F.ck_valid, &F.p)) \
	X(request_bearer_revoked, REV, authkit_request_authenticate(C, F.bearer_revoked, NULL, &F.p)) \
	X(request_bearer_revoked_no_fallback, REV, \
	  authkit_request_authenticate(C, F.bearer_revoked, F.ck_valid, &F.p)) \
	X(request_bearer_no_keys, CONF, authkit_request_authenticate(NOJWT, F.bearer_revoked, NULL, &F.p)) \
	X(request_cookie_unknown, TOK, authkit_request_authenticate(C, NULL, F.ck_unknown, &F.p)) \
	X(request_cookie_malformed, TOK, authkit_request_authenticate(C, NULL, F.ck_malformed, &F.p)) \
	X(request_cookie_revoked, REV, authkit_request_authenticate(C, "Basic x", F.ck_revoked, &F.p)) \
	X(request_cookie_control, TOK, authkit_request_authenticate(C, NULL, "a=b\x01", &F.p)) \
	X(request_cookie_8193, TOK, authkit_request_authenticate(C, NULL, COOKIE8193, &F.p)) \
	/* ---- usage.h ---- */ \
	X(usage_event_new_out_null, INV, authkit_usage_event_new(NULL)) \
	X(usage_set_user_id_ev_null, INV, authkit_usage_event_set_user_id(NULL, A)) \
	X(usage_set_user_id_0, INV, authkit_usage_event_set_user_id(F.ev_ok, 0)) \
	X(usage_set_user_id_min, INV, authkit_usage_event_set_user_id(F.ev_ok, INT64_MIN)) \
	X(usage_set_service_ev_null, INV, authkit_usage_event_set_service(NULL, "openai")) \
	X(usage_set_service_null, INV, authkit_usage_event_set_service(F.ev_ok, NULL)) \
	X(usage_set_service_empty, INV, authkit_usage_event_set_service(F.ev_ok, "")) \
	X(usage_set_service_65, INV, authkit_usage_event_set_service(F.ev_ok, SID65)) \
	X(usage_set_service_space, INV, authkit_usage_event_set_service(F.ev_ok, "open ai")) \
	X(usage_set_service_utf8, INV, authkit_usage_event_set_service(F.ev_ok, "\xC3\x28")) \
	X(usage_set_service_sql, INV, authkit_usage_event_set_service(F.ev_ok, "x';--")) \
	X(usage_set_model_ev_null, INV, authkit_usage_event_set_model(NULL, "gpt-4o")) \
	X(usage_set_model_null, INV, authkit_usage_event_set_model(F.ev_ok, NULL)) \
	X(usage_set_model_256, INV, authkit_usage_event_set_model(F.ev_ok, SID256)) \
	X(usage_set_model_control, INV, authkit_usage_event_set_model(F.ev_ok, "gpt\n")) \
	X(usage_set_request_type_ev_null, INV, authkit_usage_event_set_request_type(NULL, "chat")) \
	X(usage_set_request_type_null, INV, authkit_usage_event_set_request_type(F.ev_ok, NULL)) \
	X(usage_set_request_type_65, INV, authkit_usage_event_set_request_type(F.ev_ok, SID65)) \
	X(usage_set_request_type_utf8, INV, authkit_usage_event_set_request_type(F.ev_ok, "c\xC3\x28")) \
	X(usage_set_input_ev_null, INV, authkit_usage_event_set_input_tokens(NULL, 1)) \
	X(usage_set_input_negative, INV, authkit_usage_event_set_input_tokens(F.ev_ok, -1)) \
	X(usage_set_input_max, INV, authkit_usage_event_set_input_tokens(F.ev_ok, INT64_MAX)) \
	X(usage_set_output_ev_null, INV, authkit_usage_event_set_output_tokens(NULL, 1)) \
	X(usage_set_output_negative, INV, authkit_usage_event_set_output_tokens(F.ev_ok, INT64_MIN)) \
	X(usage_set_output_too_many, INV, authkit_usage_event_set_output_tokens(F.ev_ok, AUTHKIT_USAGE_TOKENS_MAX + 1)) \
	X(usage_set_cost_ev_null, INV, authkit_usage_event_set_cost_micros(NULL, 1)) \
	X(usage_set_cost_negative, INV, authkit_usage_event_set_cost_micros(F.ev_ok, -1)) \
	X(usage_set_cost_too_much, INV, authkit_usage_event_set_cost_micros(F.ev_ok, AUTHKIT_USAGE_COST_MAX + 1)) \
	X(usage_set_idem_ev_null, INV, authkit_usage_event_set_idempotency_key(NULL, "k")) \
	X(usage_set_idem_256, INV, authkit_usage_event_set_idempotency_key(F.ev_ok, SID256)) \
	X(usage_set_idem_space, INV, authkit_usage_event_set_idempotency_key(F.ev_ok, "a b")) \
	X(usage_set_idem_utf8, INV, authkit_usage_event_set_idempotency_key(F.ev_ok, "\xC3\xA9")) \
	X(usage_set_time_ev_null, INV, authkit_usage_event_set_time(NULL, 1)) \
	X(usage_set_time_negative, INV, authkit_usage_event_set_time(F.ev_ok, -1)) \
	X(usage_record_ctx_null, INV, authkit_usage_record(NULL, F.ev_ok, &F.dup)) \
	X(usage_record_ev_null, INV, authkit_usage_record(C, NULL, &F.dup)) \
	X(usage_record_incomplete, INV, authkit_usage_record(C, F.ev_incomplete, &F.dup)) \
	X(usage_batch_ctx_null, INV, \
	  authkit_usage_record_batch(NULL, (const authkit_usage_event *const *)&F.ev_ok, 1, &F.sz)) \
	X(usage_batch_events_null, INV, authkit_usage_record_batch(C, NULL, 1, &F.sz)) \
	X(usage_batch_n_0, INV, authkit_usage_record_batch(C, (const authkit_usage_event *const *)&F.ev_ok, 0, &F.sz)) \
	X(usage_batch_n_max, INV, \
	  authkit_usage_record_batch(C, (const authkit_usage_event *const *)&F.ev_ok, SIZE_MAX, &F.sz)) \
	X(usage_batch_incomplete, INV, \
	  authkit_usage_record_batch(C, (const authkit_usage_event *const *)&F.ev_incomplete, 1, &F.sz)) \
	X(usage_summary_ctx_null, INV, authkit_usage_summary_get(NULL, A, 0, 0, AUTHKIT_USAGE_BY_DAY, &F.us)) \
	X(usage_summary_out_null, INV, authkit_usage_summary_get(C, A, 0, 0, AUTHKIT_USAGE_BY_DAY, NULL)) \
	X(usage_summary_user_negative, INV, authkit_usage_summary_get(C, -1, 0, 0, AUTHKIT_USAGE_BY_DAY, &F.us)) \
	X(usage_summary_since_negative, INV, authkit_usage_summary_get(C, A, -1, 0, AUTHKIT_USAGE_BY_DAY, &F.us)) \
	X(usage_summary_until_before, INV, authkit_usage_summary_get(C, A, 100, 50, AUTHKIT_USAGE_BY_DAY, &F.us)) \
	X(usage_summary_group_0, INV, authkit_usage_summary_get(C, A, 0, 0, 0, &F.us)) \
	X(usage_summary_group_5, INV, authkit_usage_summary_get(C, A, 0, 0, 5, &F.us)) \
	X(usage_summary_missing_user, OK, authkit_usage_summary_get(C, MISS, 0, 0, AUTHKIT_USAGE_BY_MONTH, &F.us)) \
	X(quota_check_ctx_null, INV, authkit_quota_check(NULL, A, NULL, AUTHKIT_QUOTA_TOKENS, AUTHKIT_PERIOD_DAY, 10, 1, \
	                                                 &F.n, &F.n2)) \
	X(quota_check_user_0, INV, authkit_quota_check(C, 0, NULL, AUTHKIT_QUOTA_TOKENS, AUTHKIT_PERIOD_DAY, 10, 1, \
	                                               &F.n, &F.n2)) \
	X(quota_check_service_empty, INV, authkit_quota_check(C, A, "", AUTHKIT_QUOTA_TOKENS, AUTHKIT_PERIOD_DAY, 10, 1, \
	                                                      &F.n, &F.n2)) \
	X(quota_check_service_65, INV, authkit_quota_check(C, A, SID65, AUTHKIT_QUOTA_TOKENS, AUTHKIT_PERIOD_DAY, 10, 1, \
	                                                   &F.n, &F.n2)) \
	X(quota_check_kind_0, INV, authkit_quota_check(C, A, NULL, 0, AUTHKIT_PERIOD_DAY, 10, 1, &F.n, &F.n2)) \
	X(quota_check_period_3, INV, authkit_quota_check(C, A, NULL, AUTHKIT_QUOTA_COST, 3, 10, 1, &F.n, &F.n2)) \
	X(quota_check_limit_negative, INV, authkit_quota_check(C, A, NULL, AUTHKIT_QUOTA_COST, AUTHKIT_PERIOD_MONTH, -1, \
	                                                       1, &F.n, &F.n2)) \
	X(quota_check_amount_negative, INV, authkit_quota_check(C, A, NULL, AUTHKIT_QUOTA_COST, AUTHKIT_PERIOD_MONTH, 10, \
	                                                        INT64_MIN, &F.n, &F.n2)) \
	X(quota_check_fits, OK, authkit_quota_check(C, A, "openai", AUTHKIT_QUOTA_REQUESTS, AUTHKIT_PERIOD_MONTH, 10, 1, \
	                                            NULL, NULL)) \
	X(quota_check_never_fits, M(AUTHKIT_ELIMIT), authkit_quota_check(C, A, NULL, AUTHKIT_QUOTA_REQUESTS, \
	                                                                  AUTHKIT_PERIOD_DAY, 0, 0, &F.n, &F.n2)) \
	X(quota_charge_ctx_null, INV, authkit_quota_charge(NULL, A, NULL, AUTHKIT_QUOTA_TOKENS, AUTHKIT_PERIOD_DAY, 1, \
	                                                   &F.n)) \
	X(quota_charge_user_negative, INV, authkit_quota_charge(C, -1, NULL, AUTHKIT_QUOTA_TOKENS, AUTHKIT_PERIOD_DAY, 1, \
	                                                        &F.n)) \
	X(quota_charge_service_utf8, INV, authkit_quota_charge(C, A, "\xC3\x28", AUTHKIT_QUOTA_TOKENS, \
	                                                       AUTHKIT_PERIOD_DAY, 1, &F.n)) \
	X(quota_charge_kind_4, INV, authkit_quota_charge(C, A, NULL, 4, AUTHKIT_PERIOD_DAY, 1, &F.n)) \
	X(quota_charge_period_0, INV, authkit_quota_charge(C, A, NULL, AUTHKIT_QUOTA_TOKENS, 0, 1, &F.n)) \
	X(quota_charge_amount_negative, INV, authkit_quota_charge(C, A, NULL, AUTHKIT_QUOTA_TOKENS, AUTHKIT_PERIOD_DAY, \
	                                                          -1, &F.n)) \
	X(quota_charge_amount_max, INV, authkit_quota_charge(C, A, NULL, AUTHKIT_QUOTA_COST, AUTHKIT_PERIOD_DAY, \
	                                                     INT64_MAX, &F.n)) \
	X(ratelimit_new_out_null, INV, authkit_ratelimit_new(5, 1, NULL)) \
	X(ratelimit_new_capacity_0, INV, authkit_ratelimit_new(0, 1, &F.rl2)) \
	X(ratelimit_new_capacity_max, INV, authkit_ratelimit_new(INT64_MAX, 1, &F.rl2)) \
	X(ratelimit_new_refill_negative, INV, authkit_ratelimit_new(5, -1, &F.rl2)) \
	X(ratelimit_take_rl_null, INV, authkit_ratelimit_take(NULL, C, "k", 1, &F.n)) \
	X(ratelimit_take_key_null, INV, authkit_ratelimit_take(F.rl, C, NULL, 1, &F.n)) \
	X(ratelimit_take_key_empty, INV, authkit_ratelimit_take(F.rl, C, "", 1, &F.n)) \
	X(ratelimit_take_key_256, INV, authkit_ratelimit_take(F.rl, C, SID256, 1, &F.n)) \
	X(ratelimit_take_key_utf8, INV, authkit_ratelimit_take(F.rl, C, "\xC3\x28", 1, &F.n)) \
	X(ratelimit_take_key_control, INV, authkit_ratelimit_take(F.rl, C, "a\x01", 1, &F.n)) \
	X(ratelimit_take_cost_0, INV, authkit_ratelimit_take(F.rl, C, "k", 0, &F.n)) \
	X(ratelimit_take_cost_over_capacity, INV, authkit_ratelimit_take(F.rl, NULL, "k", 6, &F.n)) \
	X(ratelimit_shared_ctx_null, INV, authkit_ratelimit_shared_take(NULL, "k", 5, 1, 1, &F.n)) \
	X(ratelimit_shared_key_null, INV, authkit_ratelimit_shared_take(C, NULL, 5, 1, 1, &F.n)) \
	X(ratelimit_shared_key_256, INV, authkit_ratelimit_shared_take(C, SID256, 5, 1, 1, &F.n)) \
	X(ratelimit_shared_key_utf8, INV, authkit_ratelimit_shared_take(C, "\xED\xA0\x80", 5, 1, 1, &F.n)) \
	X(ratelimit_shared_capacity_0, INV, authkit_ratelimit_shared_take(C, "k", 0, 1, 1, &F.n)) \
	X(ratelimit_shared_capacity_max, INV, authkit_ratelimit_shared_take(C, "k", INT64_MAX, 1, 1, &F.n)) \
	X(ratelimit_shared_refill_0, INV, authkit_ratelimit_shared_take(C, "k", 5, 0, 1, &F.n)) \
	X(ratelimit_shared_cost_0, INV, authkit_ratelimit_shared_take(C, "k", 5, 1, 0, &F.n)) \
	X(ratelimit_shared_cost_over_capacity, INV, authkit_ratelimit_shared_take(C, "k", 5, 1, 6, &F.n)) \
	X(billing_close_ctx_null, INV, authkit_billing_close(NULL, 0, 0, 100, &F.n)) \
	X(billing_close_user_negative, INV, authkit_billing_close(C, -1, 0, 100, &F.n)) \
	X(billing_close_start_negative, INV, authkit_billing_close(C, 0, -1, 100, &F.n)) \
	X(billing_close_empty_period, INV, authkit_billing_close(C, A, 100, 100, &F.n)) \
	X(billing_close_reversed, INV, authkit_billing_close(C, A, 100, 50, &F.n)) \
	X(billing_list_ctx_null, INV, authkit_billing_list_get(NULL, A, &F.bl)) \
	X(billing_list_out_null, INV, authkit_billing_list_get(C, A, NULL)) \
	X(billing_list_user_negative, INV, authkit_billing_list_get(C, INT64_MIN, &F.bl)) \
	X(billing_list_missing_user, OK, authkit_billing_list_get(C, MISS, &F.bl)) \
	X(billing_set_status_ctx_null, INV, authkit_billing_set_status(NULL, 1, AUTHKIT_BILLING_PAID)) \
	X(billing_set_status_id_0, INV, authkit_billing_set_status(C, 0, AUTHKIT_BILLING_PAID)) \
	X(billing_set_status_pending, INV, authkit_billing_set_status(C, 1, AUTHKIT_BILLING_PENDING)) \
	X(billing_set_status_3, INV, authkit_billing_set_status(C, 1, 3)) \
	X(billing_set_status_missing, NF, authkit_billing_set_status(C, 424242, AUTHKIT_BILLING_VOID)) \
	/* ---- vault.h ---- */ \
	X(vault_put_ctx_null, INV, authkit_vault_put(NULL, A, "openai", (const unsigned char *)"sk-x", 4)) \
	X(vault_put_id_0, INV, authkit_vault_put(C, 0, "openai", (const unsigned char *)"sk-x", 4)) \
	X(vault_put_id_negative, INV, authkit_vault_put(C, -1, "openai", (const unsigned char *)"sk-x", 4)) \
	X(vault_put_service_null, INV, authkit_vault_put(C, A, NULL, (const unsigned char *)"sk-x", 4)) \
	X(vault_put_service_empty, INV, authkit_vault_put(C, A, "", (const unsigned char *)"sk-x", 4)) \
	X(vault_put_service_upper, INV, authkit_vault_put(C, A, "OpenAI", (const unsigned char *)"sk-x", 4)) \
	X(vault_put_service_space, INV, authkit_vault_put(C, A, "open ai", (const unsigned char *)"sk-x", 4)) \
	X(vault_put_service_65, INV, authkit_vault_put(C, A, SID65, (const unsigned char *)"sk-x", 4)) \
	X(vault_put_service_utf8, INV, authkit_vault_put(C, A, "\xC3\x28", (const unsigned char *)"sk-x", 4)) \
	X(vault_put_service_sql, INV, authkit_vault_put(C, A, "x';--", (const unsigned char *)"sk-x", 4)) \
	X(vault_put_secret_null, INV, authkit_vault_put(C, A, "openai", NULL, 4)) \
	X(vault_put_len_0, INV, authkit_vault_put(C, A, "openai", (const unsigned char *)MARK, 0)) \
	X(vault_put_len_4097, INV, authkit_vault_put(C, A, "openai", (const unsigned char *)PW4097, 4097)) \
	X(vault_put_len_max, INV, authkit_vault_put(C, A, "openai", (const unsigned char *)MARK, SIZE_MAX)) \
	X(vault_put_no_master_key, CONF, authkit_vault_put(NOJWT, A, "openai", (const unsigned char *)MARK, 8)) \
	X(vault_put_missing_user, NF, authkit_vault_put(C, MISS, "openai", (const unsigned char *)MARK, 8)) \
	X(vault_get_ctx_null, INV, authkit_vault_get(NULL, A, "openai", &F.sec)) \
	X(vault_get_out_null, INV, authkit_vault_get(C, A, "openai", NULL)) \
	X(vault_get_id_0, INV, authkit_vault_get(C, 0, "openai", &F.sec)) \
	X(vault_get_id_min, INV, authkit_vault_get(C, INT64_MIN, "openai", &F.sec)) \
	X(vault_get_service_null, INV, authkit_vault_get(C, A, NULL, &F.sec)) \
	X(vault_get_service_bad, INV, authkit_vault_get(C, A, "../openai", &F.sec)) \
	X(vault_get_missing_service, NF, authkit_vault_get(C, A, "anthropic", &F.sec)) \
	X(vault_get_missing_user, NF, authkit_vault_get(C, MISS, "openai", &F.sec)) \
	X(vault_get_disabled, REV, authkit_vault_get(C, A, "disabled", &F.sec)) \
	X(vault_get_no_master_key, CONF, authkit_vault_get(NOJWT, A, "openai", &F.sec)) \
	X(vault_list_ctx_null, INV, authkit_vault_list_user(NULL, A, &F.vl)) \
	X(vault_list_out_null, INV, authkit_vault_list_user(C, A, NULL)) \
	X(vault_list_id_0, INV, authkit_vault_list_user(C, 0, &F.vl)) \
	X(vault_list_no_master_key, CONF, authkit_vault_list_user(NOJWT, A, &F.vl)) \
	X(vault_list_missing_user, OK, authkit_vault_list_user(C, MISS, &F.vl)) \
	X(vault_set_active_ctx_null, INV, authkit_vault_set_active(NULL, A, "openai", 0)) \
	X(vault_set_active_id_0, INV, authkit_vault_set_active(C, 0, "openai", 0)) \
	X(vault_set_active_2, INV, authkit_vault_set_active(C, A, "openai", 2)) \
	X(vault_set_active_negative, INV, authkit_vault_set_active(C, A, "openai", -1)) \
	X(vault_set_active_service_bad, INV, authkit_vault_set_active(C, A, "Open", 0)) \
	X(vault_set_active_missing, NF, authkit_vault_set_active(C, A, "anthropic", 0)) \
	X(vault_set_active_no_master_key, CONF, authkit_vault_set_active(NOJWT, A, "openai", 0)) \
	X(vault_delete_ctx_null, INV, authkit_vault_delete(NULL, A, "openai")) \
	X(vault_delete_id_negative, INV, authkit_vault_delete(C, -1, "openai")) \
	X(vault_delete_service_null, INV, authkit_vault_delete(C, A, NULL)) \
	X(vault_delete_service_65, INV, authkit_vault_delete(C, A, SID65)) \
	X(vault_delete_missing, NF, authkit_vault_delete(C, A, "anthropic")) \
	X(vault_delete_missing_user, NF, authkit_vault_delete(C, MISS, "openai")) \
	X(vault_delete_no_master_key, CONF, authkit_vault_delete(NOJWT, A, "openai")) \
	X(vault_rotate_ctx_null, INV, authkit_vault_rotate(NULL, 10, &F.n, &F.v)) \
	X(vault_rotate_done_null, INV, authkit_vault_rotate(C, 10, &F.n, NULL)) \
	X(vault_rotate_batch_0, INV, authkit_vault_rotate(C, 0, &F.n, &F.v)) \
	X(vault_rotate_batch_1001, INV, authkit_vault_rotate(C, 1001, &F.n, &F.v)) \
	X(vault_rotate_batch_max, INV, authkit_vault_rotate(C, UINT_MAX, NULL, &F.v)) \
	X(vault_rotate_no_master_key, CONF, authkit_vault_rotate(NOJWT, 10, &F.n, &F.v)) \
	X(vault_rotate_nothing_stale, OK, authkit_vault_rotate(C, 10, &F.n, &F.v)) \
	/* ---- apikey.h ---- */ \
	X(apikey_create_ctx_null, INV, authkit_apikey_create(NULL, A, "ci", NULL, 0, &F.s, NULL)) \
	X(apikey_create_key_out_null, INV, authkit_apikey_create(C, A, "ci", NULL, 0, NULL, &F.s)) \
	X(apikey_create_id_0, INV, authkit_apikey_create(C, 0, "ci", NULL, 0, &F.s, NULL)) \
	X(apikey_create_id_negative, INV, authkit_apikey_create(C, -1, "ci", NULL, 0, &F.s, NULL)) \
	X(apikey_create_name_null, INV, authkit_apikey_create(C, A, NULL, NULL, 0, &F.s, NULL)) \
	X(apikey_create_name_empty, INV, authkit_apikey_create(C, A, "", NULL, 0, &F.s, NULL)) \
	X(apikey_create_name_65, INV, authkit_apikey_create(C, A, SID65, NULL, 0, &F.s, NULL)) \
	X(apikey_create_name_utf8, INV, authkit_apikey_create(C, A, "c\xC3\x28", NULL, 0, &F.s, NULL)) \
	X(apikey_create_name_control, INV, authkit_apikey_create(C, A, "ci\n", NULL, 0, &F.s, NULL)) \
	X(apikey_create_scope_comma, INV, authkit_apikey_create(C, A, "ci", "a,b", 0, &F.s, NULL)) \
	X(apikey_create_scope_utf8, INV, authkit_apikey_create(C, A, "ci", "r\xC3\x28", 0, &F.s, NULL)) \
	X(apikey_create_scope_65, INV, authkit_apikey_create(C, A, "ci", SID65, 0, &F.s, NULL)) \
	X(apikey_create_scopes_too_long, INV, authkit_apikey_create(C, A, "ci", SCOPES_1104, 0, &F.s, NULL)) \
	X(apikey_create_scopes_8193, INV, authkit_apikey_create(C, A, "ci", HDR8193, 0, &F.s, NULL)) \
	X(apikey_create_expires_negative, INV, authkit_apikey_create(C, A, "ci", NULL, -1, &F.s, NULL)) \
	X(apikey_create_expires_past, INV, authkit_apikey_create(C, A, "ci", NULL, 1, &F.s, NULL)) \
	X(apikey_create_missing_user, NF, authkit_apikey_create(C, MISS, "ci", NULL, 0, &F.s, NULL)) \
	X(apikey_verify_ctx_null, INV, authkit_apikey_verify(NULL, F.apikey, &F.p)) \
	X(apikey_verify_key_null, INV, authkit_apikey_verify(C, NULL, &F.p)) \
	X(apikey_verify_out_null, INV, authkit_apikey_verify(C, F.apikey, NULL)) \
	X(apikey_verify_empty, TOK, authkit_apikey_verify(C, "", &F.p)) \
	X(apikey_verify_short, TOK, authkit_apikey_verify(C, "ak_0123456789abcdef", &F.p)) \
	X(apikey_verify_8193, TOK, authkit_apikey_verify(C, HDR8193, &F.p)) \
	X(apikey_verify_utf8, TOK, authkit_apikey_verify(C, "ak_\xC3\x28", &F.p)) \
	X(apikey_verify_jwt, TOK, authkit_apikey_verify(C, F.atok, &F.p)) \
	X(apikey_verify_wrong_secret, TOK, authkit_apikey_verify(C, F.apikey_wrong, &F.p)) \
	X(apikey_verify_revoked, REV, authkit_apikey_verify(C, F.apikey_revoked, &F.p)) \
	X(apikey_revoke_ctx_null, INV, authkit_apikey_revoke(NULL, F.apikey_id)) \
	X(apikey_revoke_id_null, INV, authkit_apikey_revoke(C, NULL)) \
	X(apikey_revoke_id_empty, INV, authkit_apikey_revoke(C, "")) \
	X(apikey_revoke_id_21, INV, authkit_apikey_revoke(C, SID21)) \
	X(apikey_revoke_id_23, INV, authkit_apikey_revoke(C, SID23)) \
	X(apikey_revoke_id_plus, INV, authkit_apikey_revoke(C, SID_PLUS)) \
	X(apikey_revoke_whole_key, INV, authkit_apikey_revoke(C, F.apikey)) \
	X(apikey_revoke_unknown, NF, authkit_apikey_revoke(C, "SSSSSSSSSSSSSSSSSSSSSS")) \
	X(apikey_list_ctx_null, INV, authkit_apikey_list_user(NULL, A, &F.kl)) \
	X(apikey_list_out_null, INV, authkit_apikey_list_user(C, A, NULL)) \
	X(apikey_list_id_0, INV, authkit_apikey_list_user(C, 0, &F.kl)) \
	X(apikey_list_missing_user, OK, authkit_apikey_list_user(C, MISS, &F.kl)) \
	/* authkit_request_authenticate_ex */ \
	X(request_ex_out_null, INV, authkit_request_authenticate_ex(C, NULL, F.ck_valid, F.apikey, NULL)) \
	X(request_ex_ctx_null, INV, authkit_request_authenticate_ex(NULL, NULL, F.ck_valid, F.apikey, &F.p)) \
	X(request_ex_nothing, NF, authkit_request_authenticate_ex(C, NULL, NULL, NULL, &F.p)) \
	X(request_ex_blank_key, NF, authkit_request_authenticate_ex(C, NULL, NULL, " \t", &F.p)) \
	X(request_ex_key_garbage, TOK, authkit_request_authenticate_ex(C, NULL, NULL, "garbage", &F.p)) \
	X(request_ex_key_8193, TOK, authkit_request_authenticate_ex(C, NULL, NULL, HDR8193, &F.p)) \
	X(request_ex_key_wrong_no_fallback, TOK, \
	  authkit_request_authenticate_ex(C, F.bearer_revoked, F.ck_valid, F.apikey_wrong, &F.p)) \
	X(request_ex_key_revoked_no_fallback, REV, \
	  authkit_request_authenticate_ex(C, NULL, F.ck_valid, F.xkey_revoked, &F.p)) \
	X(request_ex_bearer_revoked_key, REV, \
	  authkit_request_authenticate_ex(C, F.bearer_revoked, F.ck_valid, NULL, &F.p)) \
	X(request_cookie_bad_config, CONF, authkit_request_authenticate(F.badcookie, NULL, "a=b", &F.p))

#define X_FN(id, codes, call) \
	static int case_##id(void) \
	{ \
		return (call); \
	}
ARG_CASES(X_FN)
#undef X_FN

typedef struct arg_case {
	const char *name;
	int (*fn)(void);
	unsigned expect;
} arg_case;

#define X_ROW(id, codes, call) {#id, case_##id, codes},
static const arg_case cases[] = {ARG_CASES(X_ROW)};
#undef X_ROW

static void free_outs(void)
{
	authkit_user_free(F.u);
	authkit_user_list_free(F.ul);
	authkit_audit_list_free(F.al);
	authkit_string_free(F.s);
	authkit_login_free(F.login);
	authkit_session_free(F.sess);
	authkit_session_list_free(F.sl);
	authkit_principal_free(F.p);
	F.login = NULL;
	authkit_secret_free(F.sec);
	authkit_vault_list_free(F.vl);
	authkit_apikey_list_free(F.kl);
	authkit_usage_summary_free(F.us);
	authkit_billing_list_free(F.bl);
	authkit_ratelimit_free(F.rl2);
	F.us = NULL;
	F.bl = NULL;
	F.rl2 = NULL;
	F.sec = NULL;
	F.vl = NULL;
	F.kl = NULL;
	F.sess = NULL;
	F.sl = NULL;
	F.p = NULL;
	F.tok = NULL;
	F.u = NULL;
	F.ul = NULL;
	F.al = NULL;
	F.s = NULL;
}

static void describe(char *out, size_t size, unsigned mask)
{
	out[0] = '\0';
	for (int code = 0; code <= 16; code++)
		if (mask & (1u << code)) {
			size_t n = strlen(out);
			snprintf(out + n, size - n, "%s%s", n ? " or " : "", authkit_strerror(-code));
		}
}

START_TEST(table_bad_arguments_change_nothing)
{
	char *raw_before = db_raw_dump(F.path, 1);
	char *store_before = db_store_dump(F.ctx->store);
	ck_assert_ptr_nonnull(strstr(store_before, "role15"));
	ck_assert_ptr_nonnull(strstr(raw_before, "== sessions")); /* the new tables are dumped too */
	ak_settings cfg_before = F.cfg->settings;
	sbuf failures = {0};
	size_t nfail = 0, n = sizeof cases / sizeof *cases;
	ck_assert_uint_gt(n, 200);
	for (size_t i = 0; i < n; i++) {
		char msg[1024], want[256];
		F.u = (authkit_user *)NULL;
		F.v = -1;
		int rc = cases[i].fn();
		char err[512];
		snprintf(err, sizeof err, "%s", authkit_error_last());
		free_outs();
		describe(want, sizeof want, cases[i].expect);
		if (rc > 0 || rc < -16 || !(cases[i].expect & (1u << -rc))) {
			snprintf(msg, sizeof msg, "\n  %s: returned %d (%s), expected %s [%s]", cases[i].name, rc,
			         authkit_strerror(rc), want, err);
			sb_str(&failures, msg);
			nfail++;
		}
		if (rc != AUTHKIT_OK && err[0] == '\0') {
			snprintf(msg, sizeof msg, "\n  %s: empty authkit_error_last()", cases[i].name);
			sb_str(&failures, msg);
			nfail++;
		}
		/* nor a token or other secret of the fixture */
		const char *secrets[] = {F.stok, F.stok2, F.rtok, F.rtok2, F.reset_tok, F.verify_tok, F.csrf,
		                         strrchr(F.atok, '.') + 1, strrchr(F.atok2, '.') + 1, JWT_SECRET,
		                         MASTER_KEY, VAULT_SECRET + 3, F.apikey + 26, F.apikey_revoked + 26};
		for (size_t k = 0; k < sizeof secrets / sizeof *secrets; k++)
			if (strstr(err, secrets[k])) {
				snprintf(msg, sizeof msg, "\n  %s: detail message contains secret #%zu", cases[i].name, k);
				sb_str(&failures, msg);
				nfail++;
			}
		if (strstr(err, MARK) || strstr(err, PW) || strstr(err, "zzzzzzzz")) {
			snprintf(msg, sizeof msg, "\n  %s: detail message contains the password: %s", cases[i].name,
			         err);
			sb_str(&failures, msg);
			nfail++;
		}
		char *raw_after = db_raw_dump(F.path, 1);
		char *store_after = db_store_dump(F.ctx->store);
		if (strcmp(raw_before, raw_after) != 0 || strcmp(store_before, store_after) != 0) {
			snprintf(msg, sizeof msg, "\n  %s: the database changed (%s)", cases[i].name,
			         strcmp(raw_before, raw_after) ? "on disk" : "in the store's connection");
			sb_str(&failures, msg);
			nfail++;
			free(raw_before);
			free(store_before);
			raw_before = raw_after;
			store_before = store_after;
		} else {
			free(raw_after);
			free(store_after);
		}
	}
	free(raw_before);
	free(store_before);
	ck_assert_msg(memcmp(&cfg_before, &F.cfg->settings, sizeof cfg_before) == 0,
	              "a rejected authkit_config_add_jwt_key changed the config");
	ck_assert_msg(nfail == 0, "%zu of %zu argument cases failed:%s", nfail, n, failures.p ? failures.p : "");
	free(failures.p);
}
END_TEST

/* The table's database fixture really is sensitive: a change shows. */
START_TEST(snapshot_detects_changes)
{
	char *raw0 = db_raw_dump(F.path, 1), *st0 = db_store_dump(F.ctx->store);
	ck_assert_int_eq(authkit_user_set_verified(F.ctx, F.alice, 1), AUTHKIT_OK);
	char *raw1 = db_raw_dump(F.path, 1), *st1 = db_store_dump(F.ctx->store);
	ck_assert_str_ne(raw0, raw1);
	ck_assert_str_ne(st0, st1);
	/* an audit-only change shows too */
	ck_assert_int_eq(authkit_authenticate(F.ctx, "nobody", PW, NULL, NULL), AUTHKIT_EAUTH);
	char *raw2 = db_raw_dump(F.path, 1), *st2 = db_store_dump(F.ctx->store);
	ck_assert_str_ne(raw1, raw2);
	ck_assert_str_ne(st1, st2);
	free(raw0);
	free(raw1);
	free(raw2);
	free(st0);
	free(st1);
	free(st2);
}
END_TEST

/* Text that is not UTF-8 is a caller error (EINVALID, nothing written).
 * Well-formed text that cannot name an account answers as for an unknown
 * user (EAUTH, one dummy verification, one audit row), so the client-facing
 * result is the same as for any other failure. */
START_TEST(authenticate_malformed_identifier_is_unknown_user)
{
	const char *not_text[] = {"al\xC3\x28", "\xED\xA0\x80@example.com", "a\xC0\xAF", "tab\there"};
	for (size_t i = 0; i < sizeof not_text / sizeof *not_text; i++) {
		uint64_t verifies = ak_argon2_verify_count();
		ck_assert_int_eq(authkit_authenticate(F.ctx, not_text[i], MARK PW, NULL, NULL), AUTHKIT_EINVALID);
		ck_assert_uint_eq(ak_argon2_verify_count(), verifies);
	}
	const char *ids[] = {"ab", "bad name", "x@y", "far.too.long.for.a.username.but.not.an.email"};
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
		int64_t before = 0, after = 0;
		authkit_audit_list *l = NULL;
		ck_assert_int_eq(authkit_audit_query(F.ctx, 0, 0, 0, 10000, &l), AUTHKIT_OK);
		before = (int64_t)authkit_audit_list_count(l);
		authkit_audit_list_free(l);
		uint64_t verifies = ak_argon2_verify_count();
		int reason = -1;
		ck_assert_int_eq(authkit_authenticate_ex(F.ctx, ids[i], MARK PW, NULL, NULL, &reason), AUTHKIT_EAUTH);
		ck_assert_int_eq(reason, AUTHKIT_AUTH_UNKNOWN_USER);
		ck_assert_ptr_null(strstr(authkit_error_last(), MARK));
		ck_assert_uint_eq(ak_argon2_verify_count() - verifies, 1);
		ck_assert_int_eq(authkit_audit_query(F.ctx, 0, 0, 0, 10000, &l), AUTHKIT_OK);
		after = (int64_t)authkit_audit_list_count(l);
		ck_assert_str_eq(authkit_audit_list_event(l, 0), "auth.failed");
		ck_assert_str_eq(authkit_audit_list_detail(l, 0), "reason=unknown_user");
		authkit_audit_list_free(l);
		ck_assert_int_eq(after, before + 1);
	}
}
END_TEST

START_TEST(null_accessors_and_constants)
{
	ck_assert_int_eq(authkit_user_id(NULL), 0);
	ck_assert_ptr_null(authkit_user_username(NULL));
	ck_assert_ptr_null(authkit_user_email(NULL));
	ck_assert_ptr_null(authkit_user_full_name(NULL));
	ck_assert_int_eq(authkit_user_is_active(NULL), 0);
	ck_assert_int_eq(authkit_user_is_verified(NULL), 0);
	ck_assert_int_eq(authkit_user_is_superuser(NULL), 0);
	ck_assert_int_eq(authkit_user_created_at(NULL), 0);
	ck_assert_int_eq(authkit_user_updated_at(NULL), 0);
	ck_assert_int_eq(authkit_user_last_login_at(NULL), 0);
	ck_assert_int_eq(authkit_user_locked_until(NULL), 0);
	ck_assert_int_eq(authkit_user_failed_logins(NULL), 0);
	ck_assert_uint_eq(authkit_user_role_count(NULL), 0);
	ck_assert_ptr_null(authkit_user_role(NULL, 0));
	ck_assert_int_eq(authkit_user_has_role(NULL, "admin"), 0);
	authkit_user_free(NULL);
	ck_assert_uint_eq(authkit_user_list_count(NULL), 0);
	ck_assert_ptr_null(authkit_user_list_get(NULL, 0));
	authkit_user_list_free(NULL);
	ck_assert_uint_eq(authkit_audit_list_count(NULL), 0);
	ck_assert_int_eq(authkit_audit_list_id(NULL, 0), 0);
	ck_assert_int_eq(authkit_audit_list_time(NULL, 0), 0);
	ck_assert_int_eq(authkit_audit_list_user_id(NULL, 0), 0);
	ck_assert_ptr_null(authkit_audit_list_event(NULL, 0));
	ck_assert_ptr_null(authkit_audit_list_ip(NULL, 0));
	ck_assert_ptr_null(authkit_audit_list_detail(NULL, 0));
	authkit_audit_list_free(NULL);
	authkit_string_free(NULL);
	authkit_config_free(NULL);
	authkit_ctx_free(NULL);
	authkit_store_free(NULL);
	ck_assert_int_eq(authkit_ctx_now_ms(NULL), 0);
	/* session.h, token.h, http.h */
	ck_assert_int_eq(authkit_login_user_id(NULL), 0);
	ck_assert_ptr_null(authkit_login_user(NULL));
	ck_assert_ptr_null(authkit_login_session_id(NULL));
	ck_assert_ptr_null(authkit_login_session_token(NULL));
	ck_assert_ptr_null(authkit_login_access_token(NULL));
	ck_assert_int_eq(authkit_login_access_expires_at(NULL), 0);
	ck_assert_ptr_null(authkit_login_refresh_token(NULL));
	ck_assert_int_eq(authkit_login_refresh_expires_at(NULL), 0);
	authkit_login_free(NULL);
	ck_assert_ptr_null(authkit_session_id(NULL));
	ck_assert_int_eq(authkit_session_user_id(NULL), 0);
	ck_assert_ptr_null(authkit_session_ip(NULL));
	ck_assert_ptr_null(authkit_session_user_agent(NULL));
	ck_assert_int_eq(authkit_session_created_at(NULL), 0);
	ck_assert_int_eq(authkit_session_last_seen_at(NULL), 0);
	ck_assert_int_eq(authkit_session_idle_expires_at(NULL), 0);
	ck_assert_int_eq(authkit_session_expires_at(NULL), 0);
	ck_assert_int_eq(authkit_session_revoked_at(NULL), 0);
	authkit_session_free(NULL);
	ck_assert_uint_eq(authkit_session_list_count(NULL), 0);
	ck_assert_ptr_null(authkit_session_list_get(NULL, 0));
	authkit_session_list_free(NULL);
	ck_assert_int_eq(authkit_principal_user_id(NULL), 0);
	ck_assert_str_eq(authkit_principal_session_id(NULL), "");
	ck_assert_int_eq(authkit_principal_expires_at(NULL), 0);
	ck_assert_str_eq(authkit_principal_jti(NULL), "");
	ck_assert_str_eq(authkit_principal_kind(NULL), "");
	ck_assert_uint_eq(authkit_principal_role_count(NULL), 0);
	ck_assert_ptr_null(authkit_principal_role(NULL, 0));
	ck_assert_int_eq(authkit_principal_has_role(NULL, "admin"), 0);
	authkit_principal_free(NULL);
	ck_assert_uint_eq(authkit_http_header_max(), AUTHKIT_HTTP_HEADER_MAX);
	ck_assert_uint_eq(authkit_http_header_max(), 8192);
	ck_assert_uint_eq(authkit_csrf_token_chars(), AUTHKIT_CSRF_TOKEN_CHARS);
	ck_assert_uint_eq(authkit_csrf_token_chars(), 64);
	ck_assert_uint_eq(strlen(F.csrf), AUTHKIT_CSRF_TOKEN_CHARS);
	/* a session list and a principal with out-of-range indexes */
	authkit_session_list *sl = NULL;
	ck_assert_int_eq(authkit_session_list_user(F.ctx, F.alice, &sl), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_session_list_count(sl), 1); /* the revoked one is not listed */
	ck_assert_ptr_null(authkit_session_list_get(sl, 1));
	ck_assert_ptr_null(authkit_session_list_get(sl, (size_t)-1));
	authkit_session_list_free(sl);
	authkit_principal *pr = NULL;
	ck_assert_int_eq(authkit_token_verify(F.ctx, F.atok, AUTHKIT_VERIFY_STATELESS, &pr), AUTHKIT_OK);
	ck_assert_ptr_null(authkit_principal_role(pr, authkit_principal_role_count(pr)));
	ck_assert_ptr_null(authkit_principal_role(pr, (size_t)-1));
	ck_assert_int_eq(authkit_principal_has_role(pr, NULL), 0);
	ck_assert_int_eq(authkit_principal_has_role(pr, ""), 0);
	authkit_principal_free(pr);
	ck_assert_int_eq(authkit_ctx_now_ms(F.ctx), test_clock_read(&F.clk));

	/* has_role / role with a real user */
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_id(F.ctx, F.bob, &u), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_has_role(u, NULL), 0);
	ck_assert_int_eq(authkit_user_has_role(u, ""), 0);
	ck_assert_ptr_null(authkit_user_role(u, AUTHKIT_ROLES_PER_USER_MAX));
	ck_assert_ptr_null(authkit_user_role(u, (size_t)-1));
	ck_assert_int_eq(authkit_user_has_role(u, "role0"), 1);
	authkit_user_free(u);

	/* constants as functions match the macros */
	ck_assert_uint_eq(authkit_username_max(), AUTHKIT_USERNAME_MAX);
	ck_assert_uint_eq(authkit_username_max(), 32);
	ck_assert_uint_eq(authkit_email_max(), AUTHKIT_EMAIL_MAX);
	ck_assert_uint_eq(authkit_email_max(), 254);
	ck_assert_uint_eq(authkit_password_max_bytes(), AUTHKIT_PASSWORD_MAX_BYTES);
	ck_assert_uint_eq(authkit_password_max_bytes(), 4096);
	ck_assert_int_ge(authkit_store_schema_latest(), 1);
	int v = 0;
	ck_assert_int_eq(authkit_ctx_schema_version(F.ctx, &v), AUTHKIT_OK);
	ck_assert_int_eq(v, authkit_store_schema_latest());
	ck_assert_ptr_nonnull(authkit_version_string());
	ck_assert_str_eq(authkit_version_string(), AUTHKIT_VERSION);
	ck_assert_int_eq(authkit_version_number(),
	                 AUTHKIT_VERSION_MAJOR * 10000 + AUTHKIT_VERSION_MINOR * 100 + AUTHKIT_VERSION_PATCH);
	ck_assert_uint_ge(authkit_password_common_count(), 1000);
	ck_assert_int_eq(authkit_password_is_common(NULL), 0);
	ck_assert_int_eq(authkit_password_is_common(""), 0);
	ck_assert_int_eq(authkit_password_is_common("password1234"), 1);
	ck_assert_int_eq(authkit_password_is_common("PASSWORD1234"), 1);
	ck_assert_int_eq(authkit_password_is_common(PW), 0);
	ck_assert_int_eq(authkit_password_is_common(PW4097), 0);
	ck_assert_int_eq(authkit_password_needs_rehash(F.ctx, F.hash), 0);
	/* the limits themselves are accepted */
	ck_assert_int_eq(authkit_user_set_username(F.ctx, F.alice, U32), AUTHKIT_OK);
	char fn128[600] = "";
	for (int i = 0; i < 128; i++)
		strcat(fn128, "\xC3\xA9");
	ck_assert_int_eq(authkit_user_set_full_name(F.ctx, F.alice, fn128), AUTHKIT_OK);
	char ip63[64];
	memset(ip63, 'f', 63);
	ip63[63] = '\0';
	ck_assert_int_eq(authkit_authenticate(F.ctx, "alice@example.com", PW, ip63, NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_list_page(F.ctx, 0, 1000, &F.ul), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_user_list_count(F.ul), 2);
	authkit_user_list_free(F.ul);
	F.ul = NULL;
	ck_assert_int_eq(authkit_audit_query(F.ctx, 0, 0, 0, 10000, &F.al), AUTHKIT_OK);
	authkit_audit_list_free(F.al);
	F.al = NULL;
}
END_TEST

START_TEST(status_strings)
{
	const char *seen[17];
	for (int code = 0; code <= 16; code++) {
		const char *s = authkit_strerror(-code);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_gt(strlen(s), 0);
		for (int k = 0; k < code; k++)
			ck_assert_msg(strcmp(seen[k], s) != 0, "codes %d and %d share \"%s\"", -k, -code, s);
		seen[code] = s;
	}
	const int unknown[] = {1, -17, -1000, INT_MIN, INT_MAX};
	for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
		const char *s = authkit_strerror(unknown[i]);
		ck_assert_ptr_nonnull(s);
		for (int k = 1; k <= 16; k++)
			ck_assert_str_ne(s, seen[k]);
	}
	ck_assert_int_eq(AUTHKIT_ECONFIG, -16);
	/* never NULL, non-empty after a failure, per thread */
	ck_assert_ptr_nonnull(authkit_error_last());
	ck_assert_int_eq(authkit_user_get_by_id(F.ctx, 0, &F.u), AUTHKIT_EINVALID);
	ck_assert_str_ne(authkit_error_last(), "");
}
END_TEST

/* ---- configuration ---------------------------------------------------- */

static authkit_config *cfg;

static void cfg_setup(void)
{
	ck_assert_int_eq(authkit_config_new(&cfg), AUTHKIT_OK);
}

static void cfg_teardown(void)
{
	authkit_config_free(cfg);
	static const char *vars[] = {"AUTHKIT_DB",
	                             "AUTHKIT_PASSWORD_MIN_LENGTH",
	                             "AUTHKIT_MAX_LOGIN_ATTEMPTS",
	                             "AUTHKIT_LOCKOUT_MINUTES",
	                             "AUTHKIT_ARGON2_OPSLIMIT",
	                             "AUTHKIT_ARGON2_MEMLIMIT",
	                             "AUTHKIT_SQLITE_BUSY_TIMEOUT_MS"};
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
		unsetenv(vars[i]);
}

START_TEST(config_rejects_and_keeps)
{
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_LOCKOUT_MINUTES", "30"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", "/tmp/keep.db"), AUTHKIT_OK);
	char long_db[5000];
	memset(long_db, 'd', sizeof long_db - 1);
	long_db[sizeof long_db - 1] = '\0';
	struct {
		const char *key, *value;
	} bad[] = {
	    {"AUTHKIT_NOPE", "1"},
	    {"", "1"},
	    {"authkit_lockout_minutes", "5"},
	    {"AUTHKIT_LOCKOUT_MINUTES ", "5"},
	    {"AUTHKIT_LOCKOUT_MINUTES", "abc"},
	    {"AUTHKIT_LOCKOUT_MINUTES", "12abc"},
	    {"AUTHKIT_LOCKOUT_MINUTES", ""},
	    {"AUTHKIT_LOCKOUT_MINUTES", "1.5"},
	    {"AUTHKIT_LOCKOUT_MINUTES", "0x10"},
	    {"AUTHKIT_LOCKOUT_MINUTES", "5 "},
	    {"AUTHKIT_LOCKOUT_MINUTES", "99999999999999999999"},
	    {"AUTHKIT_LOCKOUT_MINUTES", "-1"},
	    {"AUTHKIT_LOCKOUT_MINUTES", "0"},
	    {"AUTHKIT_MAX_LOGIN_ATTEMPTS", "0"},
	    {"AUTHKIT_PASSWORD_MIN_LENGTH", "0"},
	    {"AUTHKIT_PASSWORD_MIN_LENGTH", "-12"},
	    {"AUTHKIT_ARGON2_MEMLIMIT", "19922943"}, /* 19 MiB - 1 */
	    {"AUTHKIT_ARGON2_MEMLIMIT", "1048576"},
	    {"AUTHKIT_ARGON2_OPSLIMIT", "1"},
	    {"AUTHKIT_ARGON2_OPSLIMIT", "0"},
	    {"AUTHKIT_SQLITE_BUSY_TIMEOUT_MS", "-1"},
	    {"AUTHKIT_DB", "secret\x01value"},
	    {"AUTHKIT_DB", long_db},
	};
	ak_settings before = cfg->settings;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc = authkit_config_set(cfg, bad[i].key, bad[i].value);
		ck_assert_msg(rc == AUTHKIT_EINVALID, "config #%zu (%s=%s) returned %d", i, bad[i].key, bad[i].value, rc);
		ck_assert_msg(memcmp(&before, &cfg->settings, sizeof before) == 0, "config #%zu changed the config", i);
		ck_assert_str_ne(authkit_error_last(), "");
		ck_assert_ptr_null(strstr(authkit_error_last(), "secret"));
	}
	struct {
		const char *key;
		int64_t value;
	} bad_int[] = {
	    {"AUTHKIT_ARGON2_MEMLIMIT", 19 * 1024 * 1024 - 1},
	    {"AUTHKIT_ARGON2_OPSLIMIT", 1},
	    {"AUTHKIT_ARGON2_OPSLIMIT", INT64_MAX},
	    {"AUTHKIT_MAX_LOGIN_ATTEMPTS", INT64_MIN},
	    {"AUTHKIT_MAX_LOGIN_ATTEMPTS", (int64_t)INT_MAX + 1},
	    {"AUTHKIT_LOCKOUT_MINUTES", 0},
	    {"AUTHKIT_DB", 5},
	    {"AUTHKIT_NOPE", 5},
	    {"", 5},
	};
	for (size_t i = 0; i < sizeof bad_int / sizeof *bad_int; i++) {
		int rc = authkit_config_set_int(cfg, bad_int[i].key, bad_int[i].value);
		ck_assert_msg(rc == AUTHKIT_EINVALID, "config_set_int #%zu (%s) returned %d", i, bad_int[i].key, rc);
		ck_assert_msg(memcmp(&before, &cfg->settings, sizeof before) == 0, "config_set_int #%zu changed it", i);
	}
	ck_assert_int_eq(authkit_config_set(NULL, "AUTHKIT_LOCKOUT_MINUTES", "5"), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_config_set(cfg, NULL, "5"), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_LOCKOUT_MINUTES", NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_config_set_int(NULL, "AUTHKIT_LOCKOUT_MINUTES", 5), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_config_set_int(cfg, NULL, 5), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_config_new(NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_config_set_clock(NULL, test_clock_read, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_config_load_env(NULL), AUTHKIT_EINVALID);
	ck_assert(memcmp(&before, &cfg->settings, sizeof before) == 0);
	ck_assert_int_eq(cfg->settings.lockout_minutes, 30);
	ck_assert_str_eq(cfg->settings.db, "/tmp/keep.db");

	/* the boundaries are accepted, by both setters */
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_ARGON2_MEMLIMIT", "19922944"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_int(cfg, "AUTHKIT_ARGON2_OPSLIMIT", 2), AUTHKIT_OK);
	ck_assert_int_eq(cfg->settings.argon2_memlimit, 19922944);
	ck_assert_int_eq(cfg->settings.argon2_opslimit, 2);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_MAX_LOGIN_ATTEMPTS", "3"), AUTHKIT_OK);
	ck_assert_int_eq(cfg->settings.max_login_attempts, 3);
}
END_TEST

START_TEST(config_defaults)
{
	/* OWASP floor at least, and the documented defaults */
	ck_assert_int_ge(cfg->settings.argon2_memlimit, 19 * 1024 * 1024);
	ck_assert_int_ge(cfg->settings.argon2_opslimit, 2);
	ck_assert_int_eq(cfg->settings.password_min_length, 12);
	ck_assert_int_eq(cfg->settings.max_login_attempts, 5);
	ck_assert_int_eq(cfg->settings.lockout_minutes, 30);
	ck_assert_str_eq(cfg->settings.db, "");
}
END_TEST

START_TEST(config_from_environment)
{
	setenv("AUTHKIT_LOCKOUT_MINUTES", "17", 1);
	setenv("AUTHKIT_MAX_LOGIN_ATTEMPTS", "4", 1);
	setenv("AUTHKIT_DB", "/tmp/from-env.db", 1);
	setenv("AUTHKIT_ARGON2_MEMLIMIT", "20971520", 1);
	ck_assert_int_eq(authkit_config_load_env(cfg), AUTHKIT_OK);
	ck_assert_int_eq(cfg->settings.lockout_minutes, 17);
	ck_assert_int_eq(cfg->settings.max_login_attempts, 4);
	ck_assert_int_eq(cfg->settings.argon2_memlimit, 20971520);
	ck_assert_str_eq(cfg->settings.db, "/tmp/from-env.db");
	ak_settings before = cfg->settings;

	/* one bad variable among good ones: nothing is applied */
	setenv("AUTHKIT_LOCKOUT_MINUTES", "20", 1);
	setenv("AUTHKIT_ARGON2_OPSLIMIT", "1", 1);
	ck_assert_int_eq(authkit_config_load_env(cfg), AUTHKIT_EINVALID);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "AUTHKIT_ARGON2_OPSLIMIT"));
	ck_assert(memcmp(&before, &cfg->settings, sizeof before) == 0);
	ck_assert_int_eq(cfg->settings.lockout_minutes, 17);
	unsetenv("AUTHKIT_ARGON2_OPSLIMIT");

	setenv("AUTHKIT_ARGON2_MEMLIMIT", "lots", 1);
	ck_assert_int_eq(authkit_config_load_env(cfg), AUTHKIT_EINVALID);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "AUTHKIT_ARGON2_MEMLIMIT"));
	ck_assert_ptr_null(strstr(authkit_error_last(), "lots"));
	ck_assert(memcmp(&before, &cfg->settings, sizeof before) == 0);
	setenv("AUTHKIT_ARGON2_MEMLIMIT", "20971520", 1);

	/* the value of a bad variable never reaches the message */
	setenv("AUTHKIT_DB", "hunter2-topsecret\x01", 1);
	ck_assert_int_eq(authkit_config_load_env(cfg), AUTHKIT_EINVALID);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "AUTHKIT_DB"));
	ck_assert_ptr_null(strstr(authkit_error_last(), "topsecret"));
	ck_assert(memcmp(&before, &cfg->settings, sizeof before) == 0);

	/* fixed again: applies */
	setenv("AUTHKIT_DB", ":memory:", 1);
	ck_assert_int_eq(authkit_config_load_env(cfg), AUTHKIT_OK);
	ck_assert_int_eq(cfg->settings.lockout_minutes, 20);
	ck_assert_str_eq(cfg->settings.db, ":memory:");
}
END_TEST

/* Settings valid one by one but contradictory together are refused at open. */
START_TEST(ctx_open_checks_settings_together)
{
	static const struct {
		int touch_s, idle_min, max_h, want;
	} cases[] = {
		{60, 1, 1, AUTHKIT_ECONFIG},  /* touch == idle: an active session would expire */
		{61, 1, 24, AUTHKIT_ECONFIG}, /* touch > idle */
		{59, 1, 24, AUTHKIT_OK},
		{60, 61, 1, AUTHKIT_ECONFIG}, /* idle beyond the absolute lifetime */
		{60, 60, 1, AUTHKIT_OK},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		authkit_config *k = test_config(NULL);
		ck_assert_int_eq(authkit_config_set(k, "AUTHKIT_DB", ":memory:"), AUTHKIT_OK);
		ck_assert_int_eq(authkit_config_set_int(k, "AUTHKIT_SESSION_TOUCH_SECONDS", cases[i].touch_s), AUTHKIT_OK);
		ck_assert_int_eq(authkit_config_set_int(k, "AUTHKIT_SESSION_IDLE_MINUTES", cases[i].idle_min), AUTHKIT_OK);
		ck_assert_int_eq(authkit_config_set_int(k, "AUTHKIT_SESSION_MAX_HOURS", cases[i].max_h), AUTHKIT_OK);
		authkit_ctx *c = NULL;
		ck_assert_msg(authkit_ctx_open(&c, k) == cases[i].want, "case %zu: %s", i, authkit_error_last());
		if (cases[i].want != AUTHKIT_OK) {
			ck_assert_ptr_null(c);
			ck_assert_ptr_nonnull(strstr(authkit_error_last(), "AUTHKIT_SESSION_"));
		}
		authkit_ctx_free(c);
		authkit_config_free(k);
	}
}
END_TEST

START_TEST(ctx_open_needs_a_database)
{
	ck_assert_int_eq(authkit_config_set_int(cfg, "AUTHKIT_ARGON2_MEMLIMIT", TEST_MEMLIMIT), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_int(cfg, "AUTHKIT_ARGON2_OPSLIMIT", TEST_OPSLIMIT), AUTHKIT_OK);
	authkit_ctx *c = (authkit_ctx *)cfg;
	ck_assert_int_eq(authkit_ctx_open(&c, cfg), AUTHKIT_ECONFIG);
	ck_assert_ptr_null(c);
	ck_assert_str_ne(authkit_error_last(), "");
	ck_assert_int_eq(authkit_ctx_open(NULL, cfg), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_ctx_open(&c, NULL), AUTHKIT_EINVALID);
	/* the shortcut, with nothing in the environment either */
	unsetenv("AUTHKIT_DB");
	setenv("AUTHKIT_ARGON2_MEMLIMIT", "19922944", 1);
	setenv("AUTHKIT_ARGON2_OPSLIMIT", "2", 1);
	c = NULL;
	ck_assert_int_eq(authkit_open(&c, NULL), AUTHKIT_ECONFIG);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(authkit_open(&c, ""), AUTHKIT_ECONFIG);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(authkit_open(NULL, ":memory:"), AUTHKIT_EINVALID);
	/* and it works with one */
	ck_assert_int_eq(authkit_open(&c, ":memory:"), AUTHKIT_OK);
	ck_assert_ptr_nonnull(c);
	int64_t n = -1;
	ck_assert_int_eq(authkit_user_count(c, &n), AUTHKIT_OK);
	ck_assert_int_eq(n, 0);
	authkit_ctx_free(c);
}
END_TEST

/* ---- stores ----------------------------------------------------------- */

static int frees;

static void counting_free(authkit_store *s)
{
	frees++;
	free(s);
}

START_TEST(store_arguments)
{
	authkit_store *s = NULL;
	ck_assert_int_eq(authkit_store_sqlite_open(NULL, ":memory:", 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_sqlite_open(&s, NULL, 0), AUTHKIT_EINVALID);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(authkit_store_sqlite_open(&s, "", 0), AUTHKIT_EINVALID);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(authkit_store_sqlite_open(&s, ":memory:", -1), AUTHKIT_EINVALID);
	ck_assert_ptr_null(s);
	int rc = authkit_store_sqlite_open(&s, "/nonexistent-authkit-dir/sub/x.db", 0);
	ck_assert_int_ne(rc, AUTHKIT_OK);
	ck_assert_ptr_null(s);
	ck_assert_str_ne(authkit_error_last(), "");

	ck_assert_int_eq(authkit_store_sqlite_open(&s, ":memory:", 0), AUTHKIT_OK);
	ck_assert_int_eq(authkit_store_validate(s), AUTHKIT_OK);
	authkit_store_free(s);

	authkit_store st;
	ck_assert_int_eq(authkit_store_init(NULL, AUTHKIT_STORE_VERSION), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_init(&st, AUTHKIT_STORE_VERSION + 1), AUTHKIT_EVERSION);
	ck_assert_int_eq(authkit_store_init(&st, 0), AUTHKIT_EVERSION);
	ck_assert_int_eq(authkit_store_init(&st, AUTHKIT_STORE_VERSION), AUTHKIT_OK);
	ck_assert_uint_eq(st.version, AUTHKIT_STORE_VERSION);
	ck_assert_ptr_null(st.user_get);
	ck_assert_int_eq(authkit_store_validate(&st), AUTHKIT_EINVALID); /* slots missing */
	ck_assert_int_eq(authkit_store_validate(NULL), AUTHKIT_EINVALID);
	st.version = AUTHKIT_STORE_VERSION + 1;
	ck_assert_int_eq(authkit_store_validate(&st), AUTHKIT_EVERSION);

	/* config_set_store: ownership on every path */
	authkit_config *c = NULL;
	ck_assert_int_eq(authkit_config_new(&c), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_store(c, NULL), AUTHKIT_EINVALID);
	authkit_store *partial = calloc(1, sizeof *partial);
	ck_assert_int_eq(authkit_store_init(partial, AUTHKIT_STORE_VERSION), AUTHKIT_OK);
	partial->free = counting_free;
	frees = 0;
	ck_assert_int_eq(authkit_config_set_store(c, partial), AUTHKIT_EINVALID);
	ck_assert_int_eq(frees, 1); /* taken and freed */
	authkit_store *wrong_version = calloc(1, sizeof *wrong_version);
	wrong_version->version = 99;
	ck_assert_int_eq(authkit_config_set_store(c, wrong_version), AUTHKIT_EVERSION);
	free(wrong_version); /* a store of unknown layout cannot be freed by the library */
	ck_assert_int_eq(authkit_store_sqlite_open(&s, ":memory:", 0), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_store(NULL, s), AUTHKIT_EINVALID); /* freed (ASan/valgrind check) */
	authkit_config_free(c);
}
END_TEST

static Suite *args_suite(void)
{
	Suite *s = suite_create("args");
	TCase *tc = tcase_create("api");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, table_bad_arguments_change_nothing);
	tcase_add_test(tc, snapshot_detects_changes);
	tcase_add_test(tc, authenticate_malformed_identifier_is_unknown_user);
	tcase_add_test(tc, null_accessors_and_constants);
	tcase_add_test(tc, status_strings);
	suite_add_tcase(s, tc);
	TCase *tcc = tcase_create("config");
	tcase_add_checked_fixture(tcc, cfg_setup, cfg_teardown);
	tcase_set_timeout(tcc, 60);
	tcase_add_test(tcc, config_rejects_and_keeps);
	tcase_add_test(tcc, config_defaults);
	tcase_add_test(tcc, config_from_environment);
	tcase_add_test(tcc, ctx_open_checks_settings_together);
	tcase_add_test(tcc, ctx_open_needs_a_database);
	tcase_add_test(tcc, store_arguments);
	suite_add_tcase(s, tcc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(args_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
