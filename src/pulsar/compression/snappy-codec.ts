import { compress } from 'snappyjs';
import type { CompressionCodec } from './compression-codec.ts';
import { checkUncompressedSize, decompressionError } from './decode-checks.ts';

const TAG_LITERAL = 0;
const TAG_COPY_1 = 1;
const TAG_COPY_2 = 2;

/**
 * `CompressionType.SNAPPY`: the raw Snappy block format (varint length
 * preamble, then literal/copy elements), not the `x-snappy-framed` stream
 * format (pulsar-binary-protocol.md §1.7).
 *
 * Encoding uses snappyjs. Decoding is our own bounds-checked decoder:
 * snappyjs's `uncompress` ignores output overruns (writes past the end are
 * dropped, so a wrong payload comes back as success) and loops forever on a
 * literal whose 4-byte length is negative as a signed int (reproduced locally
 * with a 12-byte input).
 */
export const snappyCodec: CompressionCodec = {
  encode: (buf) => compress(buf),
  decode(buf, uncompressedSize) {
    checkUncompressedSize('SNAPPY', uncompressedSize);
    return decodeBlock(buf, uncompressedSize);
  },
};

function decodeBlock(src: Buffer, size: number): Buffer {
  const end = src.length;
  let ip = 0;
  // Preamble: the uncompressed length as a little-endian base-128 varint (at most 32 bits).
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (ip >= end || shift > 28) throw decompressionError('SNAPPY', 'bad length preamble');
    const b = src[ip++]!;
    declared += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (declared !== size) {
    throw decompressionError('SNAPPY', `stream declares ${declared} bytes, expected ${size}`);
  }
  const dst = Buffer.allocUnsafe(size);
  let op = 0;
  while (ip < end) {
    const tag = src[ip++]!;
    const kind = tag & 3;
    if (kind === TAG_LITERAL) {
      let len = (tag >>> 2) + 1;
      if (len > 60) {
        const n = len - 60; // 1..4 little-endian length bytes follow
        if (end - ip < n) throw decompressionError('SNAPPY', 'truncated literal length');
        len = src.readUIntLE(ip, n) + 1;
        ip += n;
      }
      if (len > end - ip) throw decompressionError('SNAPPY', 'literal runs past the input');
      if (len > size - op) throw decompressionError('SNAPPY', `output exceeds ${size} bytes`);
      src.copy(dst, op, ip, ip + len);
      ip += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === TAG_COPY_1) {
      if (end - ip < 1) throw decompressionError('SNAPPY', 'truncated copy');
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[ip++]!;
    } else {
      const n = kind === TAG_COPY_2 ? 2 : 4;
      if (end - ip < n) throw decompressionError('SNAPPY', 'truncated copy');
      len = (tag >>> 2) + 1;
      offset = src.readUIntLE(ip, n);
      ip += n;
    }
    if (offset === 0 || offset > op) {
      throw decompressionError('SNAPPY', `copy offset ${offset} out of range`);
    }
    if (len > size - op) throw decompressionError('SNAPPY', `output exceeds ${size} bytes`);
    let from = op - offset;
    if (offset >= len) {
      dst.copyWithin(op, from, from + len);
      op += len;
    } else {
      // Overlapping copy: repeats the last `offset` bytes.
      for (const stop = op + len; op < stop;) dst[op++] = dst[from++]!;
    }
  }
  if (op !== size) throw decompressionError('SNAPPY', `got ${op} bytes, expected ${size}`);
  return dst;
}
