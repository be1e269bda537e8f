import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BaseError } from '../../../../src/shared/index.ts';
import {
  COMPRESSION_TYPE,
  compressionTypeFromWire,
  getCodec,
} from '../../../../src/pulsar/compression/compression-codec.ts';
import type { CompressionType } from '../../../../src/pulsar/compression/compression-codec.ts';
import { CompressionError } from '../../../../src/pulsar/compression/compression-error.ts';

const ALL: CompressionType[] = ['NONE', 'LZ4', 'ZLIB', 'ZSTD', 'SNAPPY'];

/** Deterministic pseudo-random bytes over a small alphabet (compressible but irregular). */
function bytes(n: number, alphabet: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    b[i] = 97 + (s % alphabet);
  }
  return b;
}

describe('getCodec', () => {
  it('uses the wire numbers of MessageMetadata.compression', () => {
    assert.deepEqual(COMPRESSION_TYPE, { NONE: 0, LZ4: 1, ZLIB: 2, ZSTD: 3, SNAPPY: 4 });
    for (const [name, wire] of Object.entries(COMPRESSION_TYPE)) {
      assert.equal(compressionTypeFromWire(wire), name);
    }
  });

  it('rejects unknown wire values and names with PULSAR_ERR_UNSUPPORTED_COMPRESSION', () => {
    for (const wire of [5, -1, 1.5]) {
      assert.throws(() => compressionTypeFromWire(wire), {
        code: 'PULSAR_ERR_UNSUPPORTED_COMPRESSION',
      });
    }
    for (const name of ['lz4', 'GZIP', 'toString', '']) {
      assert.throws(
        () => getCodec(name as CompressionType),
        (err: unknown) => {
          assert.ok(err instanceof CompressionError);
          assert.ok(err instanceof BaseError);
          assert.equal(err.code, 'PULSAR_ERR_UNSUPPORTED_COMPRESSION');
          assert.equal(err.retryable, false);
          return true;
        },
      );
    }
  });

  for (const type of ALL) {
    describe(type, () => {
      it('round-trips empty, small and large payloads', () => {
        const codec = getCodec(type);
        for (const raw of [
          Buffer.alloc(0),
          Buffer.from('x'),
          Buffer.from('hello pulsar'),
          bytes(1000, 3, 1),
          bytes(200_000, 20, 2),
          Buffer.alloc(100_000, 0x41),
        ]) {
          assert.deepEqual(codec.decode(codec.encode(raw), raw.length), raw);
        }
      });

      it('round-trips 300 small irregular payloads', () => {
        const codec = getCodec(type);
        for (let i = 0; i < 300; i++) {
          const raw = bytes(i, 1 + (i % 7), i);
          assert.deepEqual(codec.decode(codec.encode(raw), raw.length), raw, `size ${i}`);
        }
      });

      it('rejects an invalid uncompressed size', () => {
        const codec = getCodec(type);
        const enc = codec.encode(Buffer.from('abc'));
        for (const size of [-1, 1.5, Number.NaN, 2 ** 53]) {
          assert.throws(() => codec.decode(enc, size), { code: 'PULSAR_ERR_DECOMPRESSION' });
        }
      });

      it('rejects truncated input', () => {
        if (type === 'NONE') return;
        const codec = getCodec(type);
        const raw = bytes(5000, 4, 9);
        const enc = codec.encode(raw);
        // ZLIB decoding stops at a sync flush, because Java never finishes its
        // streams; a cut in the last few bytes (end-of-block code, trailer) can
        // then still yield every byte, which the exact-size check accepts. The
        // frame's CRC32C is what guards those bytes on the wire.
        const cuts = [0, 1, Math.floor(enc.length / 2)];
        if (type !== 'ZLIB') cuts.push(enc.length - 1);
        for (const cut of cuts) {
          assert.throws(
            () => codec.decode(enc.subarray(0, cut), raw.length),
            { code: 'PULSAR_ERR_DECOMPRESSION' },
            `cut at ${cut} of ${enc.length}`,
          );
        }
      });

      it('keeps the error cause and never marks it retryable', () => {
        const codec = getCodec(type);
        assert.throws(
          () => codec.decode(Buffer.from('definitely not compressed data'), 1000),
          (err: unknown) => {
            assert.ok(err instanceof CompressionError);
            assert.equal(err.retryable, false);
            assert.match(err.message, new RegExp(`^${type} decompression failed`));
            return true;
          },
        );
      });
    });
  }

  it('refuses to inflate a ZLIB or ZSTD bomb beyond the announced size', () => {
    const raw = Buffer.alloc(64 * 1024 * 1024);
    for (const type of ['ZLIB', 'ZSTD'] as const) {
      const enc = getCodec(type).encode(raw);
      assert.ok(enc.length < 100 * 1024, `${type} bomb is small (${enc.length} bytes)`);
      assert.throws(() => getCodec(type).decode(enc, 1024), { code: 'PULSAR_ERR_DECOMPRESSION' });
    }
  });
});
