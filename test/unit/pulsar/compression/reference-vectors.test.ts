import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getCodec } from '../../../../src/pulsar/compression/compression-codec.ts';
import type { CompressionType } from '../../../../src/pulsar/compression/compression-codec.ts';

// The fixtures were produced by scripts/gen-compression-vectors.py with the reference
// C libraries (liblz4 1.9.4, zlib 1.2.13, libzstd 1.5.4, libsnappy via python-snappy
// 0.5.3, Debian bookworm packages); see manifest.json. Regenerate with
// `/usr/bin/python3 scripts/gen-compression-vectors.py`.
const FIXTURES = new URL('../../../fixtures/compression/', import.meta.url);

interface Manifest {
  payloads: Record<string, { size: number; sha256: string; compressed: Record<string, number> }>;
}

const manifest = JSON.parse(readFileSync(new URL('manifest.json', FIXTURES), 'utf8')) as Manifest;
const CODECS: ReadonlyArray<[CompressionType, string]> = [
  ['LZ4', 'lz4'],
  ['ZLIB', 'zlib'],
  ['ZSTD', 'zstd'],
  ['SNAPPY', 'snappy'],
];

function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

describe('reference compression vectors', () => {
  it('covers the agreed payloads', () => {
    assert.deepEqual(Object.keys(manifest.payloads).sort(), [
      'empty',
      'lz4-end-of-block',
      'random-4k',
      'repetitive-10k',
      'short-text',
    ]);
  });

  for (const [name, entry] of Object.entries(manifest.payloads)) {
    describe(name, () => {
      const raw = fixture(`${name}.bin`);

      it('has the raw payload recorded in the manifest', () => {
        assert.equal(raw.length, entry.size);
        assert.equal(createHash('sha256').update(raw).digest('hex'), entry.sha256);
      });

      for (const [type, ext] of CODECS) {
        it(`decodes the reference ${type} output`, () => {
          const compressed = fixture(`${name}.${ext}`);
          assert.equal(compressed.length, entry.compressed[ext]);
          assert.deepEqual(getCodec(type).decode(compressed, raw.length), raw);
        });

        it(`round-trips through our ${type} encoder`, () => {
          const codec = getCodec(type);
          assert.deepEqual(codec.decode(codec.encode(raw), raw.length), raw);
        });

        it(`rejects the reference ${type} output with a wrong uncompressed size`, () => {
          const compressed = fixture(`${name}.${ext}`);
          assert.throws(() => getCodec(type).decode(compressed, raw.length + 1), {
            code: 'PULSAR_ERR_DECOMPRESSION',
          });
          if (raw.length > 0) {
            assert.throws(() => getCodec(type).decode(compressed, raw.length - 1), {
              code: 'PULSAR_ERR_DECOMPRESSION',
            });
          }
        });
      }
    });
  }
});
