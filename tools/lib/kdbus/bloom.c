// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkdbus: bloom filters in the scheme sd-bus used on kdbus.
 *
 * A word (such as "member:Changed") sets n_hash bits of an m-bit filter
 * (m = 8 * size). Each bit index takes w = ceil(log2(m) / 8) bytes of
 * hash output, most significant byte first, masked to m - 1; the bytes
 * come from SipHash-2-4 of the word under a sequence of fixed 128-bit
 * keys, eight bytes (one key) at a time, in the order SipHash emits them.
 * The keys are sd-bus's, so filters and masks made here and by sd-bus
 * agree bit for bit. SipHash itself is libsodium's.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "kdbus-internal.h"

static const uint8_t bloom_keys[][16] = {
	{ 0xb9, 0x66, 0x0b, 0xf0, 0x46, 0x70, 0x47, 0xc1,
	  0x88, 0x75, 0xc4, 0x9c, 0x54, 0xb9, 0xbd, 0x15 },
	{ 0xaa, 0xa1, 0x54, 0xa2, 0xe0, 0x71, 0x4b, 0x39,
	  0xbf, 0xe1, 0xdd, 0x2e, 0x9f, 0xc5, 0x4a, 0x3b },
	{ 0x63, 0xfd, 0xae, 0xbe, 0xcd, 0x82, 0x48, 0x12,
	  0xa1, 0x6e, 0x41, 0x26, 0xcb, 0xfa, 0xa0, 0xc8 },
	{ 0x23, 0xbe, 0x45, 0x29, 0x32, 0xd2, 0x46, 0x2d,
	  0x82, 0x03, 0x52, 0x28, 0xfe, 0x37, 0x17, 0xf5 },
	{ 0x56, 0x3b, 0xbf, 0xee, 0x5a, 0x4f, 0x43, 0x39,
	  0xaf, 0xaa, 0x94, 0x08, 0xdf, 0xf0, 0xfc, 0x10 },
	{ 0x31, 0x80, 0xc8, 0x73, 0xc7, 0xea, 0x46, 0xd3,
	  0xaa, 0x25, 0x75, 0x0f, 0x9e, 0x4c, 0x09, 0x29 },
	{ 0x7d, 0xf7, 0x18, 0x4b, 0x7b, 0xa4, 0x44, 0xd5,
	  0x85, 0x3c, 0x06, 0xe0, 0x65, 0x53, 0x96, 0x6d },
	{ 0xf2, 0x77, 0xe9, 0x6f, 0x93, 0xb5, 0x4e, 0x71,
	  0x9a, 0x0c, 0x34, 0x88, 0x39, 0x25, 0xbf, 0x35 },
};

#define N_KEYS ARRAY_SIZE(bloom_keys)

KDB_EXPORT uint64_t kdb_siphash24(const void *data, size_t size,
				  const uint8_t key[16])
{
	unsigned char out[crypto_shorthash_siphash24_BYTES];
	uint64_t h = 0;
	int i;

	crypto_shorthash_siphash24(out, data, size, key);
	/* SipHash's output is its 64-bit state, little-endian */
	for (i = 7; i >= 0; i--)
		h = (h << 8) | out[i];
	return h;
}

/* bytes of hash output per bit index: ceil(log2(bits) / 8) */
static unsigned int bloom_index_bytes(size_t size)
{
	uint64_t m = (uint64_t)size * 8;
	unsigned int log2 = 0;

	while ((1ULL << (log2 + 1)) <= m)
		log2++;
	return (log2 + 7) / 8;
}

static bool bloom_geometry_ok(size_t size, unsigned int n_hash)
{
	if (!size || size % 8 || (size & (size - 1)) || !n_hash)
		return false;
	return n_hash * bloom_index_bytes(size) <= N_KEYS * 8;
}

KDB_EXPORT int kdb_bloom_add(uint64_t *filter, size_t size,
			     unsigned int n_hash, const void *data, size_t len)
{
	unsigned int w, i, d, avail = 0, key = 0;
	uint8_t h[8];
	uint64_t m, hv;

	if (!filter || (len && !data))
		return -EINVAL;
	if (!bloom_geometry_ok(size, n_hash))
		return -EINVAL;
	m = (uint64_t)size * 8;
	w = bloom_index_bytes(size);
	for (i = 0; i < n_hash; i++) {
		uint64_t p = 0;

		for (d = 0; d < w; d++) {
			if (!avail) {
				hv = kdb_siphash24(data, len, bloom_keys[key++]);
				/* byte order as SipHash emits it */
				for (avail = 0; avail < 8; avail++)
					h[avail] = (uint8_t)(hv >> (8 * avail));
			}
			p = (p << 8) | h[8 - avail];
			avail--;
		}
		p &= m - 1;
		filter[p / 64] |= 1ULL << (p % 64);
	}
	return 0;
}

KDB_EXPORT int kdb_bloom_add_pair(uint64_t *filter, size_t size,
				  unsigned int n_hash, const char *a,
				  const char *b)
{
	size_t la, lb;
	char *w;
	int ret;

	if (!a || !b)
		return -EINVAL;
	la = strlen(a);
	lb = strlen(b);
	w = malloc(la + lb + 2);
	if (!w)
		return -ENOMEM;
	memcpy(w, a, la);
	w[la] = ':';
	memcpy(w + la + 1, b, lb + 1);
	ret = kdb_bloom_add(filter, size, n_hash, w, la + 1 + lb);
	free(w);
	return ret;
}

KDB_EXPORT int kdb_bloom_add_prefixes(uint64_t *filter, size_t size,
				      unsigned int n_hash, const char *a,
				      const char *b, char sep)
{
	size_t la, lb, end;
	char *w;
	int ret;

	if (!a || !b)
		return -EINVAL;
	la = strlen(a);
	lb = strlen(b);
	w = malloc(la + lb + 2);
	if (!w)
		return -ENOMEM;
	memcpy(w, a, la);
	w[la] = ':';
	memcpy(w + la + 1, b, lb + 1);
	/* the whole word, then from the right each prefix up to a
	 * separator: with it, and (unless it is the first byte) without it
	 */
	ret = kdb_bloom_add(filter, size, n_hash, w, la + 1 + lb);
	end = lb;
	while (ret == 0) {
		size_t s = end;

		while (s > 0 && b[s - 1] != sep)
			s--;
		if (s == 0)
			break;
		/* b[s - 1] is a separator: the prefix b[0..s) */
		ret = kdb_bloom_add(filter, size, n_hash, w, la + 1 + s);
		if (ret < 0 || s == 1)
			break;
		ret = kdb_bloom_add(filter, size, n_hash, w, la + 1 + s - 1);
		end = s - 1;
	}
	free(w);
	return ret;
}

KDB_EXPORT bool kdb_bloom_test(const uint64_t *filter, const uint64_t *mask,
			       size_t size)
{
	size_t i;

	if (!filter || !mask)
		return false;
	for (i = 0; i < size / 8; i++)
		if ((filter[i] & mask[i]) != mask[i])
			return false;
	return true;
}
