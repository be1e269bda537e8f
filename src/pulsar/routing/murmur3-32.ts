const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

// A UTF-16 surrogate without its partner. Java's UTF-8 encoder
// (String.getBytes(UTF_8)) replaces each with '?', where Node writes U+FFFD.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * MurmurHash3 x86_32 (Austin Appleby's published algorithm) over `bytes`,
 * blocks read little-endian.
 *
 * @param seed 32-bit seed; default 0, the seed Pulsar uses.
 * @returns the unsigned 32-bit hash
 */
export function murmur3_32(bytes: Uint8Array, seed = 0): number {
  const n = bytes.length;
  const blocks = n - (n & 3);
  let h = seed | 0;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    // Remaining 1-3 bytes, little-endian, mixed like a block but without the h rotation.
    let k = bytes[blocks]!;
    if (tail >= 2) k ^= bytes[blocks + 1]! << 8;
    if (tail === 3) k ^= bytes[blocks + 2]! << 16;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The key bytes Java hashes: `key.getBytes(StandardCharsets.UTF_8)`, which
 * encodes an unpaired surrogate as `?` (0x3F) rather than U+FFFD.
 */
export function javaUtf8Bytes(key: string): Buffer {
  return Buffer.from(key.replace(LONE_SURROGATE, '?'), 'utf8');
}

/**
 * The Java client's `Murmur3_32Hash.makeHash(key)` (hashing scheme
 * `Murmur3_32Hash`): MurmurHash3 x86_32 with seed 0 over the key's UTF-8
 * bytes, masked with `Integer.MAX_VALUE` (sign bit cleared).
 *
 * @returns an integer in [0, 2^31)
 */
export function murmur3_32Hash(key: string): number {
  return murmur3_32(javaUtf8Bytes(key)) & 0x7fffffff;
}
