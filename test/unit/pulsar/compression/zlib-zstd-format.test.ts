import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { zlibCodec } from '../../../../src/pulsar/compression/zlib-codec.ts';
import { zstdCodec } from '../../../../src/pulsar/compression/zstd-codec.ts';

const FIXTURES = new URL('../../../fixtures/compression/', import.meta.url);
const PAYLOADS = ['empty', 'short-text', 'repetitive-10k', 'random-4k'].map((name) =>
  readFileSync(new URL(`${name}.bin`, FIXTURES)),
);

/** Adler-32 (RFC 1950 §9), the zlib trailer. */
function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of buf) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

describe('ZLIB codec', () => {
  it('writes a zlib stream: RFC 1950 header and Adler-32 trailer (not gzip, not raw)', () => {
    for (const raw of PAYLOADS) {
      const enc = zlibCodec.encode(raw);
      const cmf = enc[0]!;
      const flg = enc[1]!;
      assert.equal(cmf & 0x0f, 8, 'CM = deflate');
      assert.ok(cmf >>> 4 <= 7, 'CINFO: window <= 32 KiB');
      assert.equal((cmf * 256 + flg) % 31, 0, 'FCHECK');
      assert.equal(flg & 0x20, 0, 'no preset dictionary');
      assert.equal(enc.readUInt32BE(enc.length - 4), adler32(raw));
    }
  });

  it('produces the same bytes as the reference zlib at the default level', () => {
    for (const name of ['empty', 'short-text', 'repetitive-10k']) {
      const raw = readFileSync(new URL(`${name}.bin`, FIXTURES));
      assert.deepEqual(zlibCodec.encode(raw), readFileSync(new URL(`${name}.zlib`, FIXTURES)));
    }
  });

  it('rejects gzip and raw deflate input', async () => {
    const { gzipSync, deflateRawSync } = await import('node:zlib');
    const raw = Buffer.from('hello pulsar');
    for (const wrong of [gzipSync(raw), deflateRawSync(raw)]) {
      assert.throws(() => zlibCodec.decode(wrong, raw.length), {
        code: 'PULSAR_ERR_DECOMPRESSION',
      });
    }
  });
});

describe('ZSTD codec', () => {
  it('writes one standard zstd frame whose header records the content size', () => {
    for (const raw of PAYLOADS) {
      const enc = zstdCodec.encode(raw);
      assert.equal(enc.readUInt32LE(0), 0xfd2fb528, 'zstd frame magic');
      const fhd = enc[4]!;
      const fcsFlag = fhd >>> 6;
      const singleSegment = (fhd >>> 5) & 1;
      const dictIdFlag = fhd & 3;
      assert.equal(dictIdFlag, 0, 'no dictionary');
      // Content size field present: FCS flag > 0, or single-segment with a 1-byte size.
      assert.ok(fcsFlag > 0 || singleSegment === 1, 'content size present');
      const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
      const at = 5 + (singleSegment ? 0 : 1);
      const fcs =
        fcsBytes === 1
          ? enc[at]!
          : fcsBytes === 2
            ? enc.readUInt16LE(at) + 256
            : Number(enc.readBigUInt64LE(at) & ((1n << BigInt(fcsBytes * 8)) - 1n));
      assert.equal(fcs, raw.length);
    }
  });

  it('rejects a skippable frame alone and a frame with a bad checksum', () => {
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]);
    assert.throws(() => zstdCodec.decode(skippable, 1), { code: 'PULSAR_ERR_DECOMPRESSION' });
    const enc = Buffer.from(zstdCodec.encode(Buffer.from('pulsar '.repeat(20))));
    enc[enc.length - 2]! ^= 0xff;
    assert.throws(() => zstdCodec.decode(enc, 140), { code: 'PULSAR_ERR_DECOMPRESSION' });
  });
});

describe('ZLIB as Java writes it', () => {
  it('decodes a sync-flushed stream with no final block or trailer (Java CompressionCodecZLib)', async () => {
    const { constants, deflateSync } = await import('node:zlib');
    const input = Buffer.from('hello pulsar '.repeat(50));
    // Node's deflate with a SYNC_FLUSH finish reproduces Java's shape: the data
    // ends in the empty stored block 00 00 ff ff and no Adler-32 follows.
    const javaLike = deflateSync(input, { finishFlush: constants.Z_SYNC_FLUSH });
    assert.deepEqual([...javaLike.subarray(-4)], [0x00, 0x00, 0xff, 0xff]);
    assert.deepEqual(zlibCodec.decode(javaLike, input.length), input);
  });
});
