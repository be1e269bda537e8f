import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import type { CompressionCodec } from './compression-codec.ts';
import { checkUncompressedSize, decompressionError } from './decode-checks.ts';

/**
 * `CompressionType.ZSTD`: one standard zstd frame, using Node's built-in
 * libzstd binding (Node >= 22.15, still marked experimental upstream).
 * Compression uses libzstd's default level (3), the level the Java client
 * uses; the frame header records the content size.
 */
export const zstdCodec: CompressionCodec = {
  encode: (buf) => zstdCompressSync(buf, { pledgedSrcSize: buf.length }),
  decode(buf, uncompressedSize) {
    checkUncompressedSize('ZSTD', uncompressedSize);
    let out: Buffer;
    try {
      // Same bomb guard as ZLIB: libzstd output is cut off past the announced size.
      out = zstdDecompressSync(buf, { maxOutputLength: Math.max(1, uncompressedSize) });
    } catch (err) {
      throw decompressionError('ZSTD', 'corrupt or oversized input', err);
    }
    if (out.length !== uncompressedSize) {
      throw decompressionError('ZSTD', `got ${out.length} bytes, expected ${uncompressedSize}`);
    }
    return out;
  },
};
