/*
 * Session rows cached per connection, valid only while nothing has been
 * committed to the database since they were read.
 *
 * The liveness check runs on every authenticated request, and on SQLite its
 * cost is mostly the read transaction around the lookup (two fcntl() lock
 * calls on the WAL index), not the lookup. In WAL mode every commit, from
 * any connection of any process, rewrites the header at the start of the
 * shared WAL index (the -shm file every connection maps); that comparison is
 * how SQLite itself decides that a connection's page cache is still good. A
 * row read after the header was seen as H is current for as long as the
 * header is still H, so a logout, a revocation or a deletion anywhere is
 * seen by the next check, as with a plain lookup.
 *
 * The header is read the way SQLite's readers do (walIndexTryHdr): both
 * copies, with a barrier between, must agree; a writer mid-update makes them
 * differ and the lookup falls back to SQL. The cache is skipped inside a
 * transaction (its own uncommitted writes do not move the header) and for
 * ":memory:" (no WAL index).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/internal.h"

/* sizeof(WalIndexHdr) in sqlite3's wal.c: the header, stored twice. */
#define WAL_HEADER_BYTES 48
#define WAL_HEADER_IS_INIT 12 /* offset of the u8 isInit */
#define WAL_INDEX_REGION 32768
#define SESSION_CACHE_SLOTS 64

struct ak_sqlite_session_cache {
	const volatile unsigned char *wal_index; /* region 0 of the -shm mapping */
	struct {
		bool used;
		unsigned char header[WAL_HEADER_BYTES];
		authkit_store_session row;
	} slots[SESSION_CACHE_SLOTS];
};

/* The connection's own mapping of the WAL index, through the VFS's xShmMap
 * (the region is already mapped once the connection has read in WAL mode;
 * bExtend = 0 never creates it). */
static const volatile unsigned char *map_wal_index(sqlite3 *db)
{
	sqlite3_file *file = NULL;
	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || !file ||
	    !file->pMethods || file->pMethods->iVersion < 2 || !file->pMethods->xShmMap)
		return NULL;
	void volatile *region = NULL;
	if (file->pMethods->xShmMap(file, 0, WAL_INDEX_REGION, 0, &region) != SQLITE_OK)
		return NULL;
	return region;
}

/* Copy the current header; false when it is being written or not set up. */
static bool read_header(const volatile unsigned char *wal_index, unsigned char out[WAL_HEADER_BYTES])
{
	unsigned char second[WAL_HEADER_BYTES];
	for (int i = 0; i < WAL_HEADER_BYTES; i++)
		out[i] = wal_index[i];
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (int i = 0; i < WAL_HEADER_BYTES; i++)
		second[i] = wal_index[WAL_HEADER_BYTES + i];
	return out[WAL_HEADER_IS_INIT] && memcmp(out, second, WAL_HEADER_BYTES) == 0;
}

static unsigned slot_of(const unsigned char *key, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a: keys are random already */
	for (size_t i = 0; i < len; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % SESSION_CACHE_SLOTS;
}

static size_t key_len(const ak_sqlite_session_key *key)
{
	return key->id ? strlen(key->id) : AUTHKIT_STORE_HASH_LEN;
}

static const unsigned char *key_bytes(const ak_sqlite_session_key *key)
{
	return key->id ? (const unsigned char *)key->id : key->hash;
}

static bool row_matches(const authkit_store_session *row, const ak_sqlite_session_key *key)
{
	return key->id ? strcmp(row->id, key->id) == 0
	               : memcmp(row->token_hash, key->hash, AUTHKIT_STORE_HASH_LEN) == 0;
}

bool ak_sqlite_session_cache_begin(ak_sqlite_conn *c, const ak_sqlite_session_key *key,
                                   authkit_store_session *out, ak_sqlite_session_seen *seen)
{
	seen->valid = false;
	if (c->in_txn || c->store->memory)
		return false;
	if (!c->sessions) {
		c->sessions = calloc(1, sizeof *c->sessions);
		if (!c->sessions)
			return false;
	}
	ak_sqlite_session_cache *cache = c->sessions;
	if (!cache->wal_index) {
		cache->wal_index = map_wal_index(c->db);
		if (!cache->wal_index)
			return false; /* not read in WAL mode yet: a later call maps it */
	}
	if (!read_header(cache->wal_index, seen->header))
		return false;
	seen->valid = true;
	unsigned i = slot_of(key_bytes(key), key_len(key));
	if (!cache->slots[i].used || memcmp(cache->slots[i].header, seen->header, WAL_HEADER_BYTES) != 0 ||
	    !row_matches(&cache->slots[i].row, key))
		return false;
	*out = cache->slots[i].row;
	__atomic_fetch_add(&c->store->session_cache_hits, 1, __ATOMIC_RELAXED);
	return true;
}

void ak_sqlite_session_cache_put(ak_sqlite_conn *c, const ak_sqlite_session_key *key,
                                 const authkit_store_session *row, const ak_sqlite_session_seen *seen)
{
	if (!seen->valid || !c->sessions || c->in_txn)
		return;
	unsigned i = slot_of(key_bytes(key), key_len(key));
	c->sessions->slots[i].used = true;
	memcpy(c->sessions->slots[i].header, seen->header, WAL_HEADER_BYTES);
	c->sessions->slots[i].row = *row;
}

void ak_sqlite_session_cache_free(ak_sqlite_conn *c)
{
	if (c->sessions)
		sodium_memzero(c->sessions, sizeof *c->sessions); /* token hashes, addresses */
	free(c->sessions);
	c->sessions = NULL;
}

uint64_t ak_sqlite_session_cache_hits(authkit_store *store)
{
	return __atomic_load_n(&ak_sqlite_of(store)->session_cache_hits, __ATOMIC_RELAXED);
}
