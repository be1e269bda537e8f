import { constants as zlibConstants, deflateSync, inflateSync } from 'node:zlib';
import type { CompressionCodec } from './compression-codec.ts';
import { checkUncompressedSize, decompressionError } from './decode-checks.ts';

/**
 * `CompressionType.ZLIB`: a zlib stream (RFC 1950 header, deflate data), not
 * raw deflate and not gzip (pulsar-binary-protocol.md §1.7). We write complete
 * streams (with the Adler-32 trailer), which Java reads. Java's
 * `CompressionCodecZLib` writes with SYNC_FLUSH and never finishes the stream
 * (no final block, no trailer; payloads end in `00 00 ff ff`, seen from Pulsar
 * 4.0.7), so decoding stops at a sync flush instead of demanding the end.
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
      out = inflateSync(buf, {
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
        maxOutputLength: Math.max(1, uncompressedSize),
      });
    } catch (err) {
      throw decompressionError('ZLIB', 'corrupt or oversized input', err);
    }
    if (out.length !== uncompressedSize) {
      throw decompressionError('ZLIB', `got ${out.length} bytes, expected ${uncompressedSize}`);
    }
    return out;
  },
};
