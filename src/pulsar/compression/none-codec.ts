import type { CompressionCodec } from './compression-codec.ts';
import { checkUncompressedSize, decompressionError } from './decode-checks.ts';

/**
 * Identity codec for `CompressionType.NONE`. `decode` still checks that the
 * payload has `uncompressedSize` bytes so every codec honours one contract;
 * for uncompressed messages pass the payload length.
 */
export const noneCodec: CompressionCodec = {
  encode: (buf) => buf,
  decode(buf, uncompressedSize) {
    checkUncompressedSize('NONE', uncompressedSize);
    if (buf.length !== uncompressedSize) {
      throw decompressionError(
        'NONE',
        `payload has ${buf.length} bytes, expected ${uncompressedSize}`,
      );
    }
    return buf;
  },
};
