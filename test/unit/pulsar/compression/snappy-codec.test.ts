import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { snappyCodec } from '../../../../src/pulsar/compression/snappy-codec.ts';

const FIXTURES = new URL('../../../fixtures/compression/', import.meta.url);

describe('SNAPPY codec', () => {
  it('writes the raw block format: varint length preamble, no stream identifier', () => {
    const raw = Buffer.from('pulsar '.repeat(100)); // 700 bytes = varint bc 05
    const enc = snappyCodec.encode(raw);
    assert.deepEqual(enc.subarray(0, 2), Buffer.from([0xbc, 0x05]));
    // The framed format would start with chunk type 0xff and "sNaPpY".
    assert.ok(!enc.includes(Buffer.from('sNaPpY')));
    assert.ok(enc.length < raw.length / 4);
  });

  it('matches libsnappy byte for byte on the reference payloads', () => {
    // Not required for interoperability, but shows snappyjs ports libsnappy's encoder.
    for (const name of ['empty', 'short-text', 'random-4k']) {
      const raw = readFileSync(new URL(`${name}.bin`, FIXTURES));
      assert.deepEqual(snappyCodec.encode(raw), readFileSync(new URL(`${name}.snappy`, FIXTURES)));
    }
  });

  it('decodes all four element kinds', () => {
    // Preamble 14; literal "abcd"; copy-1 len 4 off 4 ("abcd"); copy-2 len 3 off 2
    // (overlapping: "cdc"); copy-4 len 3 off 8 ("dab").
    const block = Buffer.from([
      14, 0x0c, 0x61, 0x62, 0x63, 0x64, 0x01, 0x04, 0x0a, 0x02, 0x00, 0x0b, 0x08, 0x00, 0x00, 0x00,
    ]);
    assert.equal(snappyCodec.decode(block, 14).toString(), 'abcdabcdcdcdab');
  });

  describe('rejects corrupt blocks', () => {
    const cases: Array<[string, Buffer, number]> = [
      ['empty input', Buffer.alloc(0), 0],
      ['unterminated preamble', Buffer.from([0x80, 0x80]), 0],
      ['preamble longer than 5 bytes', Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 0],
      [
        'preamble disagreeing with uncompressed_size',
        Buffer.from([0x03, 0x08, 0x61, 0x62, 0x63]),
        4,
      ],
      ['literal past the input', Buffer.from([0x05, 0x10, 0x61, 0x62]), 5],
      ['truncated long literal length', Buffer.from([0x05, 0xf0]), 5],
      ['literal longer than announced', Buffer.from([0x03, 0x10, 0x61, 0x62, 0x63, 0x64, 0x65]), 3],
      ['copy before the start', Buffer.from([0x08, 0x0c, 0x61, 0x62, 0x63, 0x64, 0x01, 0x05]), 8],
      ['copy with offset zero', Buffer.from([0x08, 0x0c, 0x61, 0x62, 0x63, 0x64, 0x01, 0x00]), 8],
      ['truncated copy-2', Buffer.from([0x08, 0x0c, 0x61, 0x62, 0x63, 0x64, 0x0e, 0x04]), 8],
      ['output shorter than declared', Buffer.from([0x05, 0x08, 0x61, 0x62, 0x63]), 5],
    ];
    for (const [name, block, size] of cases) {
      it(name, () => {
        assert.throws(() => snappyCodec.decode(block, size), { code: 'PULSAR_ERR_DECOMPRESSION' });
      });
    }
  });

  it('fails fast on a literal whose 4-byte length is negative as an int32', () => {
    // Story: snappyjs.uncompress() loops forever on this 12-byte input: the length
    // 0xfffffffa + 1 is computed with signed shifts, so its read position moves backwards.
    const block = Buffer.from([0x0a, 0xfc, 0xfa, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0]);
    assert.throws(() => snappyCodec.decode(block, 10), /literal runs past the input/);
  });
});
