/*
 * imagegen: the example's own image table and files.
 *
 * The library's store holds auth data only; the pictures are this app's
 * business: PNG files under <data-dir>/images/<id>.png and one row per image
 * in <data-dir>/images.db (SQLite, prepared statements only). An id is 128
 * random bits in lower-case hex, so ids reveal nothing and cannot be guessed.
 * Thread-safe: one connection behind a mutex (a generation is dominated by
 * drawing, not by this insert).
 */
#ifndef IG_IMAGES_H
#define IG_IMAGES_H

#include <stddef.h>
#include <stdint.h>

#define IG_ID_CHARS 32 /* hex characters of an image or story id */

typedef struct ig_images ig_images;

typedef struct ig_image {
	char id[IG_ID_CHARS + 1];
	char story_id[IG_ID_CHARS + 1]; /* "" when the image is not part of a story */
	char *prompt;
	int64_t created_at; /* seconds since the epoch */
} ig_image;

/** Open (creating them if needed) <data_dir>/images/ and <data_dir>/images.db. 0 or -1. */
int ig_images_open(const char *data_dir, ig_images **out);
void ig_images_close(ig_images *ig);

/** A fresh random id (story ids use it too); out holds IG_ID_CHARS + 1. */
void ig_new_id(char *out);

/** 1 when s is exactly IG_ID_CHARS lower-case hex characters (so it is safe in a path). */
int ig_id_valid(const char *s);

/**
 * Save png as a new image of user_id: the file first, then the row (the
 * file is removed if the row cannot be written). story_id may be NULL.
 * id_out holds IG_ID_CHARS + 1. 0 or -1.
 */
int ig_images_add(ig_images *ig, int64_t user_id, const char *prompt, const char *story_id, int64_t now,
                  const unsigned char *png, size_t png_len, char *id_out);

/**
 * The file of image id if it belongs to user_id: *path_out (malloc'd).
 * 0; 1 when there is no such image OR it belongs to someone else (callers
 * answer 404 for both, so ids of other users' images are not confirmed); -1 on error.
 */
int ig_images_path_for_owner(ig_images *ig, const char *id, int64_t user_id, char **path_out);

/** user_id's newest images, at most limit. Free with ig_image_list_free(). 0 or -1. */
int ig_images_list(ig_images *ig, int64_t user_id, size_t limit, ig_image **out, size_t *count_out);
void ig_image_list_free(ig_image *list, size_t count);

/** How many images user_id has. 0 or -1. */
int ig_images_count(ig_images *ig, int64_t user_id, int64_t *count_out);

#endif
