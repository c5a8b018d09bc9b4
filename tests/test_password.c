/*
 * Passwords: the policy rules and their boundaries, the shipped common list,
 * Argon2id hashing and verification (counted), needs_rehash, legacy bcrypt
 * fixtures and the rejection of malformed hashes.
 *
 * White-box: the contexts here are built by hand (only their settings are
 * read by the password functions), so this suite needs no store.
 */
#include <check.h>
#include <crypt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "helpers.h"

/* Passes the policy with the usernames and emails used below. */
#define PW "Xq7!Nimbus-Vortex-Pyl0n"
#define WRONG "Xq7!Nimbus-Vortex-Pyl0N"

static struct authkit_ctx ctx;

static void make_ctx(struct authkit_ctx *c, long long opslimit, long long memlimit)
{
	memset(c, 0, sizeof *c);
	ak_settings_defaults(&c->settings);
	c->settings.argon2_opslimit = opslimit;
	c->settings.argon2_memlimit = memlimit;
}

static void setup(void)
{
	make_ctx(&ctx, TEST_OPSLIMIT, TEST_MEMLIMIT);
}

/* n copies of unit (a UTF-8 sequence) into out; returns out. */
static char *repeat(char *out, const char *unit, size_t n)
{
	size_t u = strlen(unit);
	for (size_t i = 0; i < n; i++)
		memcpy(out + i * u, unit, u);
	out[n * u] = '\0';
	return out;
}

/* len bytes of varied lower-case letters: long, but in no list. */
static char *varied(char *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (char)('a' + (i * 7 + i / 26) % 26);
	out[len] = '\0';
	return out;
}

static void expect_check(const char *pw, const char *username, const char *email, int want)
{
	int rc = authkit_password_check(&ctx, pw, username, email);
	ck_assert_msg(rc == want, "check(\"%s\", %s, %s) = %s, want %s (%s)", pw ? pw : "(null)",
	              username ? username : "(null)", email ? email : "(null)", authkit_strerror(rc),
	              authkit_strerror(want), authkit_error_last());
	if (rc != AUTHKIT_OK) {
		ck_assert_str_ne(authkit_error_last(), "");
		if (pw && pw[0])
			ck_assert_msg(strstr(authkit_error_last(), pw) == NULL, "detail leaks the password");
	}
}

START_TEST(policy_rules)
{
	/* arguments */
	expect_check(NULL, NULL, NULL, AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_password_check(NULL, PW, NULL, NULL), AUTHKIT_EINVALID);
	expect_check(PW, NULL, NULL, AUTHKIT_OK);
	expect_check(PW, "", "", AUTHKIT_OK);

	/* length in code points: 12 passes, 11 fails, whatever the bytes */
	char buf[256];
	expect_check("", NULL, NULL, AUTHKIT_EPASSWORD);
	expect_check("short", NULL, NULL, AUTHKIT_EPASSWORD);
	expect_check("Vortex-Pyl0", NULL, NULL, AUTHKIT_EPASSWORD);
	expect_check("Vortex-Pyl0n", NULL, NULL, AUTHKIT_OK);
	expect_check(repeat(buf, "\xc3\xa9", 11), NULL, NULL, AUTHKIT_EPASSWORD);         /* é: 22 bytes */
	expect_check(repeat(buf, "\xc3\xa9", 12), NULL, NULL, AUTHKIT_OK);
	expect_check(repeat(buf, "\xe2\x9c\x93", 11), NULL, NULL, AUTHKIT_EPASSWORD);     /* ✓: 33 bytes */
	expect_check(repeat(buf, "\xe2\x9c\x93", 12), NULL, NULL, AUTHKIT_OK);
	expect_check(repeat(buf, "\xf0\x9f\x94\x91", 11), NULL, NULL, AUTHKIT_EPASSWORD); /* 🔑: 44 bytes */
	expect_check(repeat(buf, "\xf0\x9f\x94\x91", 12), NULL, NULL, AUTHKIT_OK);
	expect_check("Gr\xc3\xbc\xc3\x9f" "e-K\xc3\xb6ln!", NULL, NULL, AUTHKIT_EPASSWORD); /* 11 cp, 14 bytes */
	expect_check("Gr\xc3\xbc\xc3\x9f" "e-K\xc3\xb6ln!!", NULL, NULL, AUTHKIT_OK);

	/* the minimum follows the settings */
	ctx.settings.password_min_length = 20;
	expect_check("Vortex-Pyl0n", NULL, NULL, AUTHKIT_EPASSWORD);
	expect_check("Vortex-Pyl0n-Nimbus", NULL, NULL, AUTHKIT_EPASSWORD);
	expect_check("Vortex-Pyl0n-Nimbus!", NULL, NULL, AUTHKIT_OK);
	ctx.settings.password_min_length = 12;

	/* invalid UTF-8 */
	expect_check("abcdefghijkl\xff", NULL, NULL, AUTHKIT_EINVALID);
	expect_check("abcdefghijkl\xc0\xaf", NULL, NULL, AUTHKIT_EINVALID);     /* overlong '/' */
	expect_check("abcdefghijkl\xed\xa0\x80", NULL, NULL, AUTHKIT_EINVALID); /* surrogate */
	expect_check("abcdefghijkl\xf4\x90\x80\x80", NULL, NULL, AUTHKIT_EINVALID); /* > U+10FFFF */
	expect_check("abcdefghijkl\xe2\x9c", NULL, NULL, AUTHKIT_EINVALID);     /* cut short */
	expect_check("\x80" "abcdefghijkl", NULL, NULL, AUTHKIT_EINVALID);      /* lone continuation */

	/* control characters, including tab and DEL */
	expect_check("abcdef\x01ghijklmn", NULL, NULL, AUTHKIT_EPASSWORD);
	expect_check("abcdef\tghijklmn", NULL, NULL, AUTHKIT_EPASSWORD);
	expect_check("abcdef\nghijklmn", NULL, NULL, AUTHKIT_EPASSWORD);
	expect_check("abcdef\x7fghijklmn", NULL, NULL, AUTHKIT_EPASSWORD);
	expect_check("abcdef ghijklmn", NULL, NULL, AUTHKIT_OK); /* space is fine */

	/* the common list, case-insensitively */
	expect_check("password1234", NULL, NULL, AUTHKIT_EPASSWORD);
	expect_check("PassWord1234", NULL, NULL, AUTHKIT_EPASSWORD);
	expect_check("QWERTYUIOP123", NULL, NULL, AUTHKIT_EPASSWORD);
	expect_check("password1234!", NULL, NULL, AUTHKIT_OK); /* whole-entry match only */

	/* username, case-insensitively, anywhere */
	expect_check("my-name-is-alice-x", "alice", NULL, AUTHKIT_EPASSWORD);
	expect_check("my-name-is-ALICE-x", "alice", NULL, AUTHKIT_EPASSWORD);
	expect_check("my-name-is-alice-x", "Alice", NULL, AUTHKIT_EPASSWORD);
	expect_check("alice-at-the-start", "alice", NULL, AUTHKIT_EPASSWORD);
	expect_check("my-name-is-alic-e-x", "alice", NULL, AUTHKIT_OK);

	/* email local part (>= 3 characters), not the domain */
	expect_check("xx-bobby99-long-pass", NULL, "bobby99@example.com", AUTHKIT_EPASSWORD);
	expect_check("xx-BOBBY99-long-pass", "someone", "bobby99@example.com", AUTHKIT_EPASSWORD);
	expect_check("my example.com box!", NULL, "bobby99@example.com", AUTHKIT_OK);
	expect_check("the algebra of lies", NULL, "al@example.com", AUTHKIT_OK); /* "al" too short */
	expect_check("the alfa romeo club", NULL, "alf@example.com", AUTHKIT_EPASSWORD);
	expect_check("the alfa romeo club", NULL, "@example.com", AUTHKIT_OK);
	expect_check("the alfa romeo club", "", "", AUTHKIT_OK);
}
END_TEST

START_TEST(length_limits)
{
	static char pw[AUTHKIT_PASSWORD_MAX_BYTES + 16], other[AUTHKIT_PASSWORD_MAX_BYTES + 16];
	ck_assert_uint_eq(authkit_password_max_bytes(), AUTHKIT_PASSWORD_MAX_BYTES);
	ck_assert_uint_eq(authkit_password_max_bytes(), 4096);

	/* 1024 bytes: accepted, hashed and verified whole (it differs from
	 * other only in its last byte, far past bcrypt's 72) */
	varied(pw, 1024);
	strcpy(other, pw);
	other[1023] = other[1023] == 'a' ? 'b' : 'a';
	expect_check(pw, "quinn", "quinn@example.com", AUTHKIT_OK);
	char *h = NULL;
	ck_assert_int_eq(authkit_password_hash(&ctx, pw, &h), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_verify(h, pw), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_verify(h, other), AUTHKIT_EAUTH);
	other[1023] = '\0';
	ck_assert_int_eq(authkit_password_verify(h, other), AUTHKIT_EAUTH); /* a prefix */
	authkit_string_free(h);

	/* 4096 bytes: the cap itself is accepted, 4097 is not */
	varied(pw, 4096);
	expect_check(pw, NULL, NULL, AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_hash(&ctx, pw, &h), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_verify(h, pw), AUTHKIT_OK);
	strcpy(other, pw);
	other[4095] = other[4095] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(authkit_password_verify(h, other), AUTHKIT_EAUTH);
	varied(pw, 4097);
	expect_check(pw, NULL, NULL, AUTHKIT_EPASSWORD);
	ck_assert_int_eq(authkit_password_verify(h, pw), AUTHKIT_EINVALID);
	char *h2 = (char *)&ctx;
	ck_assert_int_eq(authkit_password_hash(&ctx, pw, &h2), AUTHKIT_EINVALID);
	ck_assert_ptr_null(h2);
	authkit_string_free(h);

	/* multi-byte: 1024 code points of 4 bytes = 4096 bytes: accepted */
	repeat(pw, "\xf0\x9f\x94\x91", 1024);
	expect_check(pw, NULL, NULL, AUTHKIT_OK);
	/* one more 2-byte character crosses the byte cap */
	strcat(pw, "\xc3\xa9");
	expect_check(pw, NULL, NULL, AUTHKIT_EPASSWORD);
}
END_TEST

/* Path of data/common-passwords.txt from AUTHKIT_TEST_DATA. */
static FILE *open_common_list(void)
{
	const char *dir = getenv("AUTHKIT_TEST_DATA");
	ck_assert_msg(dir != NULL, "AUTHKIT_TEST_DATA is not set");
	char path[1024];
	snprintf(path, sizeof path, "%s/common-passwords.txt", dir);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	return f;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(common_list)
{
	size_t count = ak_common_password_count();
	ck_assert_uint_ge(count, 10000);
	ck_assert_uint_eq(authkit_password_common_count(), count);

	/* every line of the source is found, as given and upper-cased: the table
	 * is sorted the way the search expects and nothing was lost */
	FILE *f = open_common_list();
	size_t cap = 40000, n = 0;
	char **lines = calloc(cap, sizeof *lines);
	ck_assert_ptr_nonnull(lines);
	char line[256];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		ck_assert_msg(ak_common_password_contains(line), "common entry not found: \"%s\"", line);
		ck_assert_int_eq(authkit_password_is_common(line), 1);
		for (char *p = line; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		ck_assert_msg(ak_common_password_contains(line), "upper-cased entry not found: \"%s\"", line);
		for (char *p = line; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		ck_assert_uint_lt(n, cap);
		lines[n] = strdup(line);
		ck_assert_ptr_nonnull(lines[n]);
		n++;
	}
	fclose(f);

	/* the table holds each distinct entry exactly once */
	qsort(lines, n, sizeof *lines, compare_strings);
	size_t distinct = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(lines[i - 1], lines[i]) != 0)
			distinct++;
	ck_assert_uint_eq(distinct, count);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);

	/* misses: near-entries, long strings, nothing */
	ck_assert(ak_common_password_contains("password"));
	ck_assert(!ak_common_password_contains("password "));
	ck_assert(!ak_common_password_contains(" password"));
	ck_assert(!ak_common_password_contains(PW));
	ck_assert(!ak_common_password_contains("password1234password1234password1234"));
	ck_assert(!ak_common_password_contains(""));
	ck_assert(!ak_common_password_contains(NULL));
	ck_assert_int_eq(authkit_password_is_common(NULL), 0);
	ck_assert_int_eq(authkit_password_is_common(PW), 0);
	ck_assert_int_eq(authkit_password_is_common("LetMeIn"), 1);
}
END_TEST

START_TEST(argon2id_round_trip)
{
	char h[AUTHKIT_STORE_HASH_BYTES];
	ck_assert_int_eq(ak_password_hash(PW, TEST_OPSLIMIT, TEST_MEMLIMIT, h), AUTHKIT_OK);
	ck_assert_msg(strncmp(h, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0, "%s", h);
	ck_assert(ak_hash_is_argon2id(h));
	ck_assert(!ak_hash_is_bcrypt(h));
	ck_assert(ak_hash_is_supported(h));
	ck_assert_ptr_null(strstr(h, PW));

	/* each verification, match or not, counts exactly once */
	uint64_t before = ak_argon2_verify_count();
	ck_assert_int_eq(ak_password_verify(h, PW), AUTHKIT_OK);
	ck_assert_uint_eq(ak_argon2_verify_count(), before + 1);
	ck_assert_int_eq(ak_password_verify(h, WRONG), AUTHKIT_EAUTH);
	ck_assert_uint_eq(ak_argon2_verify_count(), before + 2);
	ck_assert_int_eq(authkit_password_verify(h, ""), AUTHKIT_EAUTH);
	ck_assert_uint_eq(ak_argon2_verify_count(), before + 3);
	ck_assert_int_eq(authkit_password_verify(h, PW), AUTHKIT_OK);
	ck_assert_uint_eq(ak_argon2_verify_count(), before + 4);
	ck_assert_ptr_null(strstr(authkit_error_last(), PW));
	/* rejected formats cost nothing and are not counted */
	ck_assert_int_eq(ak_password_verify("not a hash", PW), AUTHKIT_EINVALID);
	ck_assert_uint_eq(ak_argon2_verify_count(), before + 4);

	/* the public pair: salted, the context's cost */
	char *h1 = NULL, *h2 = NULL;
	ck_assert_int_eq(authkit_password_hash(&ctx, PW, &h1), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_hash(&ctx, PW, &h2), AUTHKIT_OK);
	ck_assert_str_ne(h1, h2);
	ck_assert_msg(strncmp(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0, "%s", h1);
	ck_assert_int_eq(authkit_password_verify(h1, PW), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_verify(h2, PW), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_verify(h1, WRONG), AUTHKIT_EAUTH);

	/* a UTF-8 password round-trips byte for byte */
	const char *utf8 = "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln \xe2\x9c\x93";
	char *h3 = NULL;
	ck_assert_int_eq(authkit_password_hash(&ctx, utf8, &h3), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_verify(h3, utf8), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_verify(h3, "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln \xe2\x9c\x94"),
	                 AUTHKIT_EAUTH);

	/* arguments */
	char *out = (char *)&ctx;
	ck_assert_int_eq(authkit_password_hash(NULL, PW, &out), AUTHKIT_EINVALID);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(authkit_password_hash(&ctx, NULL, &out), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_password_hash(&ctx, PW, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_password_verify(NULL, PW), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_password_verify(h1, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(ak_password_hash(NULL, TEST_OPSLIMIT, TEST_MEMLIMIT, h), AUTHKIT_EINVALID);
	/* a cost libsodium refuses is a crypto failure, not a crash */
	ck_assert_int_eq(ak_password_hash(PW, 0, TEST_MEMLIMIT, h), AUTHKIT_ECRYPTO);

	authkit_string_free(h1);
	authkit_string_free(h2);
	authkit_string_free(h3);
}
END_TEST

#define VERIFY_THREADS 4
#define VERIFY_PER_THREAD 2

static void *verify_worker(void *arg)
{
	for (int i = 0; i < VERIFY_PER_THREAD; i++)
		if (ak_password_verify((const char *)arg, i % 2 ? WRONG : PW) != (i % 2 ? AUTHKIT_EAUTH : AUTHKIT_OK))
			return arg;
	return NULL;
}

START_TEST(verify_count_concurrent)
{
	char h[AUTHKIT_STORE_HASH_BYTES];
	ck_assert_int_eq(ak_password_hash(PW, TEST_OPSLIMIT, TEST_MEMLIMIT, h), AUTHKIT_OK);
	uint64_t before = ak_argon2_verify_count();
	pthread_t t[VERIFY_THREADS];
	for (int i = 0; i < VERIFY_THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, verify_worker, h), 0);
	for (int i = 0; i < VERIFY_THREADS; i++) {
		void *failed = NULL;
		ck_assert_int_eq(pthread_join(t[i], &failed), 0);
		ck_assert_ptr_null(failed);
	}
	ck_assert_uint_eq(ak_argon2_verify_count(), before + VERIFY_THREADS * VERIFY_PER_THREAD);
}
END_TEST

START_TEST(needs_rehash_on_cost_change)
{
	char *h = NULL;
	ck_assert_int_eq(authkit_password_hash(&ctx, PW, &h), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_needs_rehash(&ctx, h), 0);

	struct authkit_ctx more_passes, more_memory;
	make_ctx(&more_passes, TEST_OPSLIMIT + 1, TEST_MEMLIMIT);
	make_ctx(&more_memory, TEST_OPSLIMIT, TEST_MEMLIMIT * 2);
	ck_assert_int_eq(authkit_password_needs_rehash(&more_passes, h), 1);
	ck_assert_int_eq(authkit_password_needs_rehash(&more_memory, h), 1);

	/* a hash at the new cost is current there and outdated here */
	char *h3 = NULL;
	ck_assert_int_eq(authkit_password_hash(&more_passes, PW, &h3), AUTHKIT_OK);
	ck_assert_ptr_nonnull(strstr(h3, ",t=3,"));
	ck_assert_int_eq(authkit_password_needs_rehash(&more_passes, h3), 0);
	ck_assert_int_eq(authkit_password_needs_rehash(&ctx, h3), 1);
	ck_assert_int_eq(authkit_password_verify(h3, PW), AUTHKIT_OK);

	/* legacy and unknown formats always want replacing */
	ck_assert_int_eq(authkit_password_needs_rehash(&ctx, "$2b$04$Q.aPX0GLgpSGDhep62n3X.6kTbHEA0e4u2OhIMKTsS1micfTAK.9q"),
	                 1);
	ck_assert_int_eq(authkit_password_needs_rehash(&ctx, "garbage"), 1);
	ck_assert_int_eq(authkit_password_needs_rehash(&ctx, ""), 1);
	ck_assert_int_ne(authkit_password_needs_rehash(&ctx, NULL), 0);
	ck_assert_int_ne(authkit_password_needs_rehash(NULL, h), 0);
	authkit_string_free(h);
	authkit_string_free(h3);
}
END_TEST

#define FIXTURE_MAX 16

/* The fixture itself is right: libxcrypt reproduces every hash. */
static void assert_crypt_r_agrees(const char *pw, const char *hash)
{
	struct crypt_data *data = calloc(1, sizeof *data);
	ck_assert_ptr_nonnull(data);
	const char *out = crypt_r(pw, hash, data);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, hash);
	free(data);
}

START_TEST(bcrypt_fixture)
{
	bcrypt_case bc[FIXTURE_MAX];
	int n = (int)test_load_bcrypt_fixture(bc, FIXTURE_MAX);
	bool seen_a = false, seen_b = false, seen_y = false, seen_utf8 = false;
	uint64_t before = ak_argon2_verify_count();
	for (int i = 0; i < n; i++) {
		assert_crypt_r_agrees(bc[i].password, bc[i].hash);
		ck_assert_msg(ak_hash_is_bcrypt(bc[i].hash), "fixture %d rejected: %s", i, bc[i].hash);
		ck_assert(!ak_hash_is_argon2id(bc[i].hash));
		ck_assert(ak_hash_is_supported(bc[i].hash));
		seen_a |= strncmp(bc[i].hash, "$2a$", 4) == 0;
		seen_b |= strncmp(bc[i].hash, "$2b$", 4) == 0;
		seen_y |= strncmp(bc[i].hash, "$2y$", 4) == 0;
		for (const char *p = bc[i].password; *p; p++)
			seen_utf8 |= (unsigned char)*p >= 0x80;

		ck_assert_int_eq(authkit_password_verify(bc[i].hash, bc[i].password), AUTHKIT_OK);
		ck_assert_int_eq(authkit_password_needs_rehash(&ctx, bc[i].hash), 1);
		char wrong[140];
		size_t len = strlen(bc[i].password);
		memcpy(wrong, bc[i].password, len);
		memcpy(wrong + len, "x", 2);
		ck_assert_int_eq(authkit_password_verify(bc[i].hash, wrong), AUTHKIT_EAUTH);
		ck_assert_int_eq(authkit_password_verify(bc[i].hash, ""), AUTHKIT_EAUTH);
		strcpy(wrong, bc[i].password);
		wrong[0] ^= 0x20; /* case of the first letter */
		ck_assert_int_eq(authkit_password_verify(bc[i].hash, wrong), AUTHKIT_EAUTH);
		ck_assert_ptr_null(strstr(authkit_error_last(), bc[i].password));
	}
	ck_assert_msg(seen_a && seen_b && seen_y && seen_utf8, "fixture lacks a $2a$, $2b$, $2y$ or UTF-8 line");
	/* bcrypt never goes through the Argon2id counter */
	ck_assert_uint_eq(ak_argon2_verify_count(), before);

	/* the three prefixes are one algorithm for these passwords */
	const char *prefixes[] = {"$2a$", "$2b$", "$2y$"};
	for (int i = 0; i < 3; i++) {
		char variant[128];
		strcpy(variant, bc[0].hash);
		memcpy(variant, prefixes[i], 4);
		ck_assert_int_eq(authkit_password_verify(variant, bc[0].password), AUTHKIT_OK);
	}
	/* a flipped hash character no longer matches (and is still well-formed) */
	char tampered[128];
	strcpy(tampered, bc[0].hash);
	tampered[40] = tampered[40] == 'A' ? 'B' : 'A';
	ck_assert(ak_hash_is_bcrypt(tampered));
	ck_assert_int_eq(authkit_password_verify(tampered, bc[0].password), AUTHKIT_EAUTH);
}
END_TEST

START_TEST(malformed_hashes)
{
	bcrypt_case bc[FIXTURE_MAX];
	test_load_bcrypt_fixture(bc, FIXTURE_MAX);
	char argon[AUTHKIT_STORE_HASH_BYTES];
	ck_assert_int_eq(ak_password_hash(PW, TEST_OPSLIMIT, TEST_MEMLIMIT, argon), AUTHKIT_OK);
	const char *tag = strrchr(argon, '$');

	/* bcrypt variants: bad prefix, cost, alphabet and length */
	enum { B_PREFIX_X, B_PREFIX_C, B_COST_03, B_COST_32, B_COST_XX, B_COST_1, B_BAD_CHAR, B_PLUS, B_SHORT,
	       B_LONG, B_NO_SEP, B_HEADER_ONLY, B_COUNT };
	char b[B_COUNT][128];
	for (int i = 0; i < B_COUNT; i++)
		strcpy(b[i], bc[0].hash);
	b[B_PREFIX_X][2] = 'x';
	b[B_PREFIX_C][2] = 'c';
	memcpy(b[B_COST_03] + 4, "03", 2);
	memcpy(b[B_COST_32] + 4, "32", 2);
	memcpy(b[B_COST_XX] + 4, "xx", 2);
	memcpy(b[B_COST_1] + 4, "4$", 2);
	b[B_BAD_CHAR][30] = '!';
	b[B_PLUS][30] = '+';
	b[B_SHORT][59] = '\0';
	strcat(b[B_LONG], "a");
	b[B_NO_SEP][6] = 'a';
	b[B_HEADER_ONLY][7] = '\0';

	/* Argon2id variants */
	char truncated[AUTHKIT_STORE_HASH_BYTES], no_tag[AUTHKIT_STORE_HASH_BYTES], padded[AUTHKIT_STORE_HASH_BYTES + 1],
	    trailing[AUTHKIT_STORE_HASH_BYTES + 1], bad_tag[AUTHKIT_STORE_HASH_BYTES], long_hash[400];
	strcpy(truncated, argon);
	truncated[tag - argon] = '\0'; /* parameters and salt only */
	strcpy(no_tag, argon);
	no_tag[tag - argon + 1] = '\0'; /* ... and an empty tag */
	strcat(strcpy(padded, argon), "=");
	strcat(strcpy(trailing, argon), "$");
	strcpy(bad_tag, argon);
	bad_tag[strlen(bad_tag) - 3] = '.';
	memset(long_hash, 'a', 300);
	long_hash[300] = '\0';
	memcpy(long_hash, "$argon2id$", 10);

	const char *bad[] = {
		"",
		"plaintext-password",
		PW,
		"*0",
		"!",
		"$",
		"$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
		"$6$rounds=5000$salt$hash",
		"$2x$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
		"$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
		"$argon2d$v=19$m=19456,t=2,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx",
		"$argon2id$garbage",
		"$argon2id$",
		"$argon2id$v=19$m=19456,t=2,p=1$$",
		"$argon2id$m=19456,t=2,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx",
		"$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx",
		"$argon2id$v=19$m=0,t=2,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx",
		"$argon2id$v=19$m=19456,t=0,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx",
		"$argon2id$v=19$m=19456,t=2,p=0$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx",
		"$argon2id$v=19$m=019456,t=2,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx",
		"$argon2id$v=19$m=19456,t=4294967295,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx",
		"$argon2id$v=19$m=99999999999,t=2,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx",
		"$argon2id$v=19$m=16,t=2,p=4$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx", /* 4-byte salt */
		"$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzYWx0$Rdescud",                        /* 5-byte tag */
		"$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxx", /* 4k+1 */
		"$argon2id$v=19$m=19456,t=-2,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx",
		"$argon2id$v=19$t=2,m=19456,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx",
		" $argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx",
		truncated,
		no_tag,
		padded,
		trailing,
		bad_tag,
		long_hash,
		b[B_PREFIX_X],
		b[B_PREFIX_C],
		b[B_COST_03],
		b[B_COST_32],
		b[B_COST_XX],
		b[B_COST_1],
		b[B_BAD_CHAR],
		b[B_PLUS],
		b[B_SHORT],
		b[B_LONG],
		b[B_NO_SEP],
		b[B_HEADER_ONLY],
	};
	uint64_t before = ak_argon2_verify_count();
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		ck_assert_msg(!ak_hash_is_supported(bad[i]), "malformed hash #%zu accepted: %s", i, bad[i]);
		int rc = authkit_password_verify(bad[i], PW);
		ck_assert_msg(rc == AUTHKIT_EINVALID, "malformed hash #%zu: %s", i, authkit_strerror(rc));
		ck_assert_ptr_null(strstr(authkit_error_last(), PW));
		ck_assert_int_eq(authkit_password_needs_rehash(&ctx, bad[i]), 1);
	}
	ck_assert_uint_eq(ak_argon2_verify_count(), before);

	/* the well-formed originals still pass, and NULL is no format at all */
	ck_assert(ak_hash_is_supported(argon));
	ck_assert(ak_hash_is_supported(bc[0].hash));
	ck_assert(!ak_hash_is_supported(NULL));
	ck_assert(!ak_hash_is_argon2id(NULL));
	ck_assert(!ak_hash_is_bcrypt(NULL));
	/* costs at the edges of bcrypt's range are well-formed */
	char edge[128];
	strcpy(edge, bc[0].hash);
	memcpy(edge + 4, "31", 2);
	ck_assert(ak_hash_is_bcrypt(edge));
	memcpy(edge + 4, "04", 2);
	ck_assert(ak_hash_is_bcrypt(edge));
	/* other Argon2id parameters (imported hashes) are well-formed */
	ck_assert(ak_hash_is_argon2id(
	    "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObGxxxxxxxxxxx"));
}
END_TEST

START_TEST(string_free)
{
	authkit_string_free(NULL);
	char *s = strdup("a string the library could have returned");
	ck_assert_ptr_nonnull(s);
	authkit_string_free(s);
	char *empty = strdup("");
	ck_assert_ptr_nonnull(empty);
	authkit_string_free(empty);
}
END_TEST

static Suite *password_suite(void)
{
	Suite *s = suite_create("password");
	TCase *tc = tcase_create("password");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, policy_rules);
	tcase_add_test(tc, length_limits);
	tcase_add_test(tc, common_list);
	tcase_add_test(tc, argon2id_round_trip);
	tcase_add_test(tc, verify_count_concurrent);
	tcase_add_test(tc, needs_rehash_on_cost_change);
	tcase_add_test(tc, bcrypt_fixture);
	tcase_add_test(tc, malformed_hashes);
	tcase_add_test(tc, string_free);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(password_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
