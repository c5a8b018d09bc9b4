/*
 * Private to lib/crypto: the per-format verifiers behind ak_password_verify().
 * Each expects a hash its format check (ak_hash_is_argon2id, ak_hash_is_bcrypt)
 * has accepted, and returns AUTHKIT_OK, AUTHKIT_EAUTH or AUTHKIT_ENOMEM.
 */
#ifndef AUTHKIT_CRYPTO_HASHES_H
#define AUTHKIT_CRYPTO_HASHES_H

int ak_argon2id_verify(const char *hash, const char *password);
int ak_bcrypt_verify(const char *hash, const char *password);

#endif
