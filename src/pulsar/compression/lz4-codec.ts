import { compressBlock, compressBound } from 'lz4js';
import type { CompressionCodec } from './compression-codec.ts';
import { checkUncompressedSize, decompressionError } from './decode-checks.ts';

// LZ4 block format constants (lz4/lz4 doc/lz4_Block_format.md).
const MIN_MATCH = 4;
/** The last match must start at least this many bytes before the end of the block. */
const MF_LIMIT = 12;
const RUN_MASK = 15;
const ML_MASK = 15;
const HASH_TABLE_SIZE = 1 << 16;

// lz4js needs a zeroed 64 Ki-entry table per call. Encoding is synchronous, so
// one module-level table is safe to reuse and avoids 256 KiB of garbage per call.
const hashTable = new Uint32Array(HASH_TABLE_SIZE);

/**
 * `CompressionType.LZ4`: a raw LZ4 *block* (no frame, no size prefix; the size
 * travels in `uncompressed_size`), as lz4-java's block compressor writes it.
 *
 * Encoding uses lz4js's block compressor plus two fixes:
 * - `compressBlock` returns 0 when it finds no match (tiny or incompressible
 *   input); we then write a literal-only block, as the Go client does.
 * - lz4js may start the last match inside the final 12 bytes, which breaks the
 *   format's end-of-block rule; the reference C decoder (`LZ4_decompress_safe`,
 *   used by the C++ and Go clients) rejects such blocks. Checked locally: ~13 %
 *   of small random inputs hit it. Such tail matches are turned back into literals.
 *
 * Decoding is our own bounds-checked decoder: lz4js's `decompressBlock` does no
 * bounds checks, so corrupt input silently yields wrong bytes and a long match
 * length costs CPU far beyond the output size.
 */
export const lz4Codec: CompressionCodec = {
  encode(buf) {
    const n = buf.length;
    if (n === 0) return Buffer.from([0]);
    const dst = Buffer.alloc(compressBound(n));
    hashTable.fill(0);
    const len = compressBlock(buf, dst, 0, n, hashTable);
    if (len === 0) return literalBlock(buf, 0, Buffer.alloc(literalBlockSize(n)), 0);
    return enforceEndOfBlock(buf, dst.subarray(0, len));
  },
  decode(buf, uncompressedSize) {
    checkUncompressedSize('LZ4', uncompressedSize);
    return decodeBlock(buf, uncompressedSize);
  },
};

/** Size of a block holding `count` literals and nothing else. */
function literalBlockSize(count: number): number {
  return 1 + (count >= RUN_MASK ? Math.floor((count - RUN_MASK) / 255) + 1 : 0) + count;
}

/**
 * Writes the final, literal-only sequence for `src[from..]` at `dst[at..]` and
 * returns `dst` cut to the end of the block.
 */
function literalBlock(src: Buffer, from: number, dst: Buffer, at: number): Buffer {
  const count = src.length - from;
  let o = at;
  if (count >= RUN_MASK) {
    dst[o++] = RUN_MASK << 4;
    let rest = count - RUN_MASK;
    for (; rest >= 255; rest -= 255) dst[o++] = 255;
    dst[o++] = rest;
  } else {
    dst[o++] = count << 4;
  }
  o += src.copy(dst, o, from);
  return dst.subarray(0, o);
}

/**
 * Walks the sequences of a block produced by lz4js for `src` and, if a match
 * starts less than {@link MF_LIMIT} bytes before the end, replaces that
 * sequence and everything after it with one literal-only sequence.
 */
function enforceEndOfBlock(src: Buffer, block: Buffer): Buffer {
  const limit = src.length - MF_LIMIT;
  let ip = 0;
  let op = 0;
  while (ip < block.length) {
    const seqStart = ip;
    const litStart = op;
    const token = block[ip++]!;
    let lit = token >>> 4;
    if (lit === RUN_MASK) {
      let b: number;
      do {
        b = block[ip++]!;
        lit += b;
      } while (b === 255);
    }
    ip += lit;
    op += lit;
    if (ip >= block.length) return block; // final literal-only sequence: block is fine
    if (op > limit) {
      const out = Buffer.alloc(seqStart + literalBlockSize(src.length - litStart));
      block.copy(out, 0, 0, seqStart);
      return literalBlock(src, litStart, out, seqStart);
    }
    ip += 2; // offset
    let match = token & ML_MASK;
    if (match === ML_MASK) {
      let b: number;
      do {
        b = block[ip++]!;
        match += b;
      } while (b === 255);
    }
    op += match + MIN_MATCH;
  }
  return block;
}

/**
 * Bounds-checked LZ4 block decoder. Accepts any well-formed block that
 * expands to exactly `size` bytes; every copy is checked against both the
 * input and the `size`-byte output, so work and memory are bounded by
 * `size` and the input length.
 */
function decodeBlock(src: Buffer, size: number): Buffer {
  const dst = Buffer.allocUnsafe(size);
  const end = src.length;
  let ip = 0;
  let op = 0;
  for (;;) {
    if (ip >= end) throw decompressionError('LZ4', 'truncated block');
    const token = src[ip++]!;
    let lit = token >>> 4;
    if (lit === RUN_MASK) {
      let b: number;
      do {
        if (ip >= end) throw decompressionError('LZ4', 'truncated literal length');
        b = src[ip++]!;
        lit += b;
      } while (b === 255);
    }
    if (lit > end - ip) throw decompressionError('LZ4', 'literals run past the input');
    if (lit > size - op) throw decompressionError('LZ4', `output exceeds ${size} bytes`);
    src.copy(dst, op, ip, ip + lit);
    ip += lit;
    op += lit;
    if (ip === end) break; // the last sequence has literals only
    if (end - ip < 2) throw decompressionError('LZ4', 'truncated match offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) {
      throw decompressionError('LZ4', `match offset ${offset} out of range`);
    }
    let match = token & ML_MASK;
    if (match === ML_MASK) {
      let b: number;
      do {
        if (ip >= end) throw decompressionError('LZ4', 'truncated match length');
        b = src[ip++]!;
        match += b;
      } while (b === 255);
    }
    match += MIN_MATCH;
    if (match > size - op) throw decompressionError('LZ4', `output exceeds ${size} bytes`);
    copyMatch(dst, op, offset, match);
    op += match;
  }
  if (op !== size) throw decompressionError('LZ4', `got ${op} bytes, expected ${size}`);
  return dst;
}

/** Copies an LZ4 match, which may overlap its own output (offset < length). */
function copyMatch(dst: Buffer, op: number, offset: number, length: number): void {
  let from = op - offset;
  if (offset >= length) {
    dst.copyWithin(op, from, from + length);
    return;
  }
  const stop = op + length;
  for (let o = op; o < stop;) dst[o++] = dst[from++]!;
}
