/*
 * Writes the seed corpora under DIR (default fuzz/corpus, run from the
 * source root): `ninja -C build fuzz/fuzz_gen_corpus && build/fuzz/fuzz_gen_corpus fuzz/corpus`.
 * Tokens are issued by the library or signed here with the fuzz targets'
 * secrets (fuzz_common.h) and valid at their fixed clock; the output is
 * deterministic except for the random parts the library adds (jti, salts).
 * Files that exist are overwritten; others in DIR are left alone.
 */
#include <sodium.h>
#include <sys/stat.h>

#include "fuzz_common.h"

#include "core/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}

static const char *out_dir;

static void put(const char *target, const char *name, const char *content)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", out_dir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/%s", out_dir, target, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(content, 1, strlen(content), f) != strlen(content) || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void b64url(const unsigned char *bin, size_t len, char *out, size_t out_size)
{
	sodium_bin2base64(out, out_size, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void key_bytes(const char *hex, unsigned char key[32])
{
	if (sodium_hex2bin(key, 32, hex, strlen(hex), NULL, NULL, NULL) != 0)
		abort();
}

static void kid_of(const char *hex, char kid[17])
{
	unsigned char key[32], digest[crypto_hash_sha256_BYTES];
	key_bytes(hex, key);
	crypto_hash_sha256(digest, key, sizeof key);
	sodium_bin2hex(kid, 17, digest, 8);
}

/* header.payload.HS256(secret_hex) ; secret_hex NULL: empty signature. */
static void sign(const char *header, const char *payload, const char *secret_hex, char *out, size_t out_size)
{
	char h[2048], p[4096], s[128] = "";
	b64url((const unsigned char *)header, strlen(header), h, sizeof h);
	b64url((const unsigned char *)payload, strlen(payload), p, sizeof p);
	char signing_input[6200];
	snprintf(signing_input, sizeof signing_input, "%s.%s", h, p);
	if (secret_hex) {
		unsigned char key[32], mac[crypto_auth_hmacsha256_BYTES];
		crypto_auth_hmacsha256_state st;
		key_bytes(secret_hex, key);
		crypto_auth_hmacsha256_init(&st, key, sizeof key);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)signing_input, strlen(signing_input));
		crypto_auth_hmacsha256_final(&st, mac);
		b64url(mac, sizeof mac, s, sizeof s);
	}
	snprintf(out, out_size, "%s.%s", signing_input, s);
}

#define NOW_S (FUZZ_NOW_MS / 1000)

static void tokens(authkit_ctx *ctx, char *valid_out, size_t valid_size)
{
	const char *T = "token_verify";
	char *tok = NULL;
	fuzz_check(authkit_token_issue_access(ctx, 42, "c2Vzc2lvbi1pZA", "admin user", &tok, NULL), "issue");
	put(T, "issued_roles_sid", tok);
	snprintf(valid_out, valid_size, "%s", tok);
	char tampered[8192];
	snprintf(tampered, sizeof tampered, "%s", tok);
	tampered[strlen(tampered) - 2] ^= 1;
	put(T, "issued_tampered_sig", tampered);
	char *dot = strchr(tok, '.');
	snprintf(tampered, sizeof tampered, "%.*s", (int)(dot - tok + 1), tok);
	put(T, "header_only", tampered);
	authkit_string_free(tok);
	fuzz_check(authkit_token_issue_access(ctx, 1, NULL, NULL, &tok, NULL), "issue");
	put(T, "issued_minimal", tok);
	authkit_string_free(tok);

	char kid[17], old_kid[17], hdr[256], pl[2048], buf[8192];
	kid_of(FUZZ_JWT_SECRET, kid);
	kid_of(FUZZ_JWT_OLD_SECRET, old_kid);
	snprintf(hdr, sizeof hdr, "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid);
#define CLAIMS(extra)                                                                                      \
	snprintf(pl, sizeof pl,                                                                            \
	         "{\"iss\":\"authkit\",\"aud\":\"authkit\",\"sub\":\"7\",\"token_use\":\"access\","         \
	         "\"jti\":\"anRpLTE\",\"iat\":%lld,\"exp\":%lld%s}",                                       \
	         (long long)NOW_S - 60, (long long)NOW_S + 600, extra)
	CLAIMS("");
	sign(hdr, pl, FUZZ_JWT_SECRET, buf, sizeof buf);
	put(T, "crafted_valid", buf);
	CLAIMS(",\"sid\":\"abc\",\"roles\":[\"a\",\"b-c\"],\"nbf\":1");
	sign(hdr, pl, FUZZ_JWT_SECRET, buf, sizeof buf);
	put(T, "crafted_valid_all_claims", buf);
	CLAIMS(",\"aud\":[\"x\",\"authkit\"]");
	sign(hdr, pl, FUZZ_JWT_SECRET, buf, sizeof buf);
	put(T, "dup_key_payload_aud", buf);
	CLAIMS(",\"roles\":[\"a\",\"a\",\"\",1]");
	sign(hdr, pl, FUZZ_JWT_SECRET, buf, sizeof buf);
	put(T, "bad_roles", buf);

	/* Valid except one claim each. */
	const char *one_off[][2] = {
		{"expired", "{\"iss\":\"authkit\",\"aud\":\"authkit\",\"sub\":\"7\",\"token_use\":\"access\",\"jti\":\"j\",\"iat\":1,\"exp\":2}"},
		{"exp_float", "{\"iss\":\"authkit\",\"aud\":\"authkit\",\"sub\":\"7\",\"token_use\":\"access\",\"jti\":\"j\",\"iat\":1,\"exp\":9e99}"},
		{"exp_huge", "{\"iss\":\"authkit\",\"aud\":\"authkit\",\"sub\":\"7\",\"token_use\":\"access\",\"jti\":\"j\",\"iat\":-1,\"exp\":99999999999999999999}"},
		{"sub_leading_zero", "{\"iss\":\"authkit\",\"aud\":[\"authkit\"],\"sub\":\"07\",\"token_use\":\"access\",\"jti\":\"j\",\"iat\":1,\"exp\":4102444800}"},
		{"sub_int64_overflow", "{\"iss\":\"authkit\",\"aud\":\"authkit\",\"sub\":\"9223372036854775808\",\"token_use\":\"access\",\"jti\":\"j\",\"iat\":1,\"exp\":4102444800}"},
		{"refresh_use", "{\"iss\":\"authkit\",\"aud\":\"authkit\",\"sub\":\"7\",\"token_use\":\"refresh\",\"jti\":\"j\",\"iat\":1,\"exp\":4102444800}"},
		{"iss_nul", "{\"iss\":\"authkit\\u0000x\",\"aud\":\"authkit\",\"sub\":\"7\",\"token_use\":\"access\",\"jti\":\"j\",\"iat\":1,\"exp\":4102444800}"},
		{"payload_array", "[1,2,3]"},
		{"payload_not_json", "{\"iss\":"},
	};
	for (size_t i = 0; i < sizeof one_off / sizeof one_off[0]; i++) {
		sign(hdr, one_off[i][1], FUZZ_JWT_SECRET, buf, sizeof buf);
		put(T, one_off[i][0], buf);
	}

	CLAIMS("");
	char h2[256];
	snprintf(h2, sizeof h2, "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", old_kid);
	sign(h2, pl, FUZZ_JWT_OLD_SECRET, buf, sizeof buf);
	put(T, "old_key_valid", buf);
	snprintf(h2, sizeof h2, "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid);
	sign(h2, pl, NULL, buf, sizeof buf);
	put(T, "alg_none", buf);
	sign("{\"alg\":\"none\"}", pl, NULL, buf, sizeof buf);
	put(T, "alg_none_no_kid", buf);
	snprintf(h2, sizeof h2, "{\"alg\":\"HS256\",\"alg\":\"none\",\"kid\":\"%s\"}", kid);
	sign(h2, pl, FUZZ_JWT_SECRET, buf, sizeof buf);
	put(T, "dup_key_header", buf);
	snprintf(h2, sizeof h2, "{\"alg\":\"HS512\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid);
	sign(h2, pl, FUZZ_JWT_SECRET, buf, sizeof buf);
	put(T, "alg_hs512", buf);
	snprintf(h2, sizeof h2, "{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"kid\":\"%s\"}", kid);
	sign(h2, pl, FUZZ_JWT_SECRET, buf, sizeof buf);
	put(T, "crit_header", buf);
	sign("{\"alg\":\"HS256\",\"kid\":\"nope\"}", pl, FUZZ_JWT_SECRET, buf, sizeof buf);
	put(T, "unknown_kid", buf);

	put(T, "empty", "");
	put(T, "garbage", "eyJ.eyJ.\xff\xfe");
	put(T, "four_parts", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA.AAAA");
	put(T, "dots", "..");
}

static void headers(authkit_ctx *ctx, const char *valid_token)
{
	const char *H = "http_headers";
	char buf[8192 + 64];
	snprintf(buf, sizeof buf, "Bearer %s", valid_token);
	put(H, "bearer_valid_token", buf); /* stateful: no such session, so revoked */
	snprintf(buf, sizeof buf, "bEaReR \t %s", valid_token);
	put(H, "bearer_tab", buf);
	snprintf(buf, sizeof buf, "Bearer %s\n__Host-authkit_session=abc", valid_token);
	put(H, "bearer_and_cookie", buf);
	put(H, "bearer_padding", "  Bearer abc.def.ghi==");
	put(H, "bearer_trailing", "Bearer abc def");
	put(H, "bearer_empty", "Bearer ");
	put(H, "bearer_api_key", "Bearer ak_0123456789abcdef");
	put(H, "basic", "Basic dXNlcjpwYXNz");
	char *name = NULL;
	fuzz_check(authkit_http_cookie_name(ctx, &name), "cookie_name");
	snprintf(buf, sizeof buf, "theme=dark; %s=c2Vzc2lvbg; sid=1", name);
	put(H, "cookie_session", buf);
	snprintf(buf, sizeof buf, "%s=\"quoted\";a=b", name);
	put(H, "cookie_quoted", buf);
	authkit_string_free(name);
	put(H, "cookie_plain_name", "authkit_session=abc;sid=xyz;a=");
	put(H, "cookie_no_eq", "a; b; sid; =x; a=\"");
	put(H, "cookie_semicolons", ";;; ;a=1;;");
	put(H, "cookie_control", "a=b\x01; sid=2");
	put(H, "cookie_utf8", "a=\xc3\xa9t\xc3\xa9; sid=\xff");
	put(H, "newline_only", "\n");
	memset(buf, 'a', 8200);
	memcpy(buf, "Bearer ", 7);
	buf[8200] = '\0';
	put(H, "too_long", buf);
}

static void hashes(void)
{
	const char *P = "hash_parse";
	char h[AUTHKIT_STORE_HASH_BYTES], buf[512];
	fuzz_check(ak_password_hash("some password", 1, 8192, h), "hash");
	put(P, "argon2id_match_m8", h);
	fuzz_check(ak_password_hash("another password", 1, 8192, h), "hash");
	put(P, "argon2id_mismatch_m8", h);
	fuzz_check(ak_password_hash("some password", 2, 19922944, h), "hash");
	put(P, "argon2id_config_min", h);
	/* Same shape, edited parameters. */
	const char *tail = strchr(strstr(h, "p=1"), '$');
	const char *params[][2] = {
		{"m_too_big_to_fuzz", "m=4194304,t=1,p=1"}, {"m_over_max", "m=4194305,t=1,p=1"},
		{"t_over_max", "m=8,t=65,p=1"},            {"p_zero", "m=8,t=1,p=0"},
		{"m_below_lanes", "m=8,t=1,p=2"},          {"leading_zero", "m=08,t=1,p=1"},
		{"p_sixteen", "m=128,t=1,p=16"},           {"huge_digits", "m=99999999999999999999999,t=1,p=1"},
	};
	for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
		snprintf(buf, sizeof buf, "$argon2id$v=19$%s%s", params[i][1], tail);
		put(P, params[i][0], buf);
	}
	snprintf(buf, sizeof buf, "$argon2i$v=19$m=8,t=1,p=1%s", tail);
	put(P, "argon2i", buf);
	snprintf(buf, sizeof buf, "$argon2id$v=16$m=8,t=1,p=1%s", tail);
	put(P, "argon2id_v16", buf);
	snprintf(buf, sizeof buf, "%.*s", (int)(strlen(h) - 10), h);
	put(P, "argon2id_truncated_tag", buf);
	snprintf(buf, sizeof buf, "%.*s", (int)(tail - h + 5), h);
	put(P, "argon2id_truncated_salt", buf);
	snprintf(buf, sizeof buf, "%s=", h);
	put(P, "argon2id_padded", buf);

	/* bcrypt, cost 4, from tests/fixtures/bcrypt_fixture.txt. */
	put(P, "bcrypt_2b", "$2b$04$Q.aPX0GLgpSGDhep62n3X.6kTbHEA0e4u2OhIMKTsS1micfTAK.9q");
	put(P, "bcrypt_2a", "$2a$04$Oa74OSwb2bAzdk0kzE7AueLZU0ZkYmMIOzjX5tGWJSSxy1R5tW8cK");
	put(P, "bcrypt_2y", "$2y$04$vjdi0Xwh8lggQZBxKRC8xeiKxrW9OnmFUWActoGDgixPGymItCHYq");
	put(P, "bcrypt_2x", "$2x$04$vjdi0Xwh8lggQZBxKRC8xeiKxrW9OnmFUWActoGDgixPGymItCHYq");
	put(P, "bcrypt_cost31", "$2b$31$ymMORL4pffXboOq8GaP8Ge4YwE7/cJJeLWhlp0HZTRr7Sv4HoXKQ6");
	put(P, "bcrypt_cost03", "$2b$03$ymMORL4pffXboOq8GaP8Ge4YwE7/cJJeLWhlp0HZTRr7Sv4HoXKQ6");
	put(P, "bcrypt_truncated", "$2b$04$ymMORL4pffXboOq8GaP8Ge4YwE7/cJJeLWhlp0HZTRr7Sv4HoXK");
	put(P, "bcrypt_bad_char", "$2b$04$ymMORL4pffXboOq8GaP8Ge4YwE7/cJJeLWhlp0HZTRr7Sv4HoXK!6");
	put(P, "empty", "");
	put(P, "dollar", "$");
	put(P, "md5crypt", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/");
}

int main(int argc, char **argv)
{
	out_dir = argc > 1 ? argv[1] : "fuzz/corpus";
	mkdir(out_dir, 0755);
	authkit_ctx *ctx = fuzz_ctx_open(NULL, NULL);
	char valid[8192];
	tokens(ctx, valid, sizeof valid);
	headers(ctx, valid);
	hashes();
	authkit_ctx_free(ctx);
	return 0;
}
