import { deflateSync, inflateSync } from 'node:zlib';
import type { CompressionCodec } from './compression-codec.ts';
import { checkUncompressedSize, decompressionError } from './decode-checks.ts';

/**
 * `CompressionType.ZLIB`: a zlib stream (RFC 1950 header, deflate data,
 * Adler-32 trailer) as written by Java's `Deflater` with default settings.
 * Not raw deflate and not gzip (pulsar-binary-protocol.md §1.7).
 */
export const zlibCodec: CompressionCodec = {
  encode: (buf) => deflateSync(buf),
  decode(buf, uncompressedSize) {
    checkUncompressedSize('ZLIB', uncompressedSize);
    let out: Buffer;
    try {
      // maxOutputLength stops inflation as soon as the output would exceed the
      // announced size, so a decompression bomb costs at most one zlib chunk
      // beyond uncompressedSize. Node requires it to be >= 1.
      out = inflateSync(buf, { maxOutputLength: Math.max(1, uncompressedSize) });
    } catch (err) {
      throw decompressionError('ZLIB', 'corrupt or oversized input', err);
    }
    if (out.length !== uncompressedSize) {
      throw decompressionError('ZLIB', `got ${out.length} bytes, expected ${uncompressedSize}`);
    }
    return out;
  },
};
