import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compressBlock } from 'lz4js';
import { lz4Codec } from '../../../../src/pulsar/compression/lz4-codec.ts';
import { walkLz4Block } from './lz4-block-walker.ts';

const FIXTURES = new URL('../../../fixtures/compression/', import.meta.url);

function bytes(n: number, alphabet: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    b[i] = 97 + (s % alphabet);
  }
  return b;
}

/**
 * The LZ4 block format's end-of-block rules, which the reference C decoder
 * (LZ4_decompress_safe) enforces: the last sequence has literals only, the last
 * 5 bytes are literals, and the last match starts at least 12 bytes before the end.
 */
function assertEndOfBlockRules(block: Buffer, size: number): void {
  const seqs = walkLz4Block(block);
  const last = seqs.at(-1);
  assert.ok(last !== undefined && last.match === undefined, 'last sequence is literal-only');
  if (size > 0) assert.ok(last.literals >= Math.min(5, size), 'last 5 bytes are literals');
  for (const s of seqs) {
    if (s.match === undefined) continue;
    assert.ok(s.match.start <= size - 12, `match at ${s.match.start} of ${size} breaks MFLIMIT`);
    assert.ok(s.match.start + s.match.length <= size - 5, 'match ends before the last 5 bytes');
    assert.ok(s.match.offset > 0 && s.match.offset <= s.match.start, 'offset within output');
  }
}

describe('LZ4 codec', () => {
  it('writes raw blocks: no frame magic, no size prefix', () => {
    const raw = Buffer.from('pulsar '.repeat(100));
    const enc = lz4Codec.encode(raw);
    assert.notDeepEqual(enc.subarray(0, 4), Buffer.from([0x04, 0x22, 0x4d, 0x18]));
    const seqs = walkLz4Block(enc);
    assert.equal(seqs[0]!.literalStart, 0);
    assert.ok(
      seqs.some((s) => s.match !== undefined),
      'repetitive input uses matches',
    );
    assertEndOfBlockRules(enc, raw.length);
  });

  it('encodes empty input as the single zero token, like liblz4', () => {
    assert.deepEqual(lz4Codec.encode(Buffer.alloc(0)), Buffer.from([0]));
    assert.deepEqual(
      lz4Codec.encode(Buffer.alloc(0)),
      readFileSync(new URL('empty.lz4', FIXTURES)),
    );
  });

  it('writes a literal-only block when lz4js finds nothing to compress', () => {
    // lz4js returns 0 for inputs under 13 bytes and for inputs without matches.
    const tiny = Buffer.from('hello');
    assert.equal(
      compressBlock(tiny, new Uint8Array(64), 0, tiny.length, new Uint32Array(1 << 16)),
      0,
    );
    assert.deepEqual(lz4Codec.encode(tiny), Buffer.from([0x50, ...tiny]));

    // 15+ literals need the extra length bytes: 15 + 255 + 30 = 300.
    const random = readFileSync(new URL('random-4k.bin', FIXTURES)).subarray(0, 300);
    const enc = lz4Codec.encode(random);
    assert.deepEqual(enc.subarray(0, 3), Buffer.from([0xf0, 0xff, 30]));
    assert.deepEqual(enc.subarray(3), random);

    // Exactly 15 + 255 literals: the length ends with an explicit 0 byte.
    const exact = readFileSync(new URL('random-4k.bin', FIXTURES)).subarray(0, 270);
    assert.deepEqual(lz4Codec.encode(exact).subarray(0, 3), Buffer.from([0xf0, 0xff, 0]));
  });

  it('produces the same literal-only block as liblz4 for incompressible input', () => {
    const raw = readFileSync(new URL('random-4k.bin', FIXTURES));
    assert.deepEqual(lz4Codec.encode(raw), readFileSync(new URL('random-4k.lz4', FIXTURES)));
  });

  it('keeps the last match out of the final 12 bytes (lz4js regression)', () => {
    // Story: lz4js compressBlock() emitted, for this 21-byte input, a 4-byte match at
    // output offset 10. liblz4's safe decoder (C++/Go clients, python-lz4) rejects
    // that block ("corrupt input") because a non-final sequence ends inside the last
    // 12 bytes. Our encoder turns such tail matches back into literals.
    const raw = readFileSync(new URL('lz4-end-of-block.bin', FIXTURES));
    const table = new Uint32Array(1 << 16);
    const dst = new Uint8Array(64);
    const len = compressBlock(raw, dst, 0, raw.length, table);
    const lz4jsMatches = walkLz4Block(Buffer.from(dst.subarray(0, len))).filter((s) => s.match);
    assert.equal(lz4jsMatches[0]?.match?.start, 10, 'lz4js still produces the bad block');

    const enc = lz4Codec.encode(raw);
    assertEndOfBlockRules(enc, raw.length);
    assert.deepEqual(lz4Codec.decode(enc, raw.length), raw);
  });

  it('obeys the end-of-block rules on 2000 irregular inputs', () => {
    for (let i = 0; i < 2000; i++) {
      const raw = bytes(13 + (i % 300), 2 + (i % 6), i + 1);
      const enc = lz4Codec.encode(raw);
      assertEndOfBlockRules(enc, raw.length);
      assert.deepEqual(lz4Codec.decode(enc, raw.length), raw);
    }
  });

  it('decodes overlapping matches (offset smaller than the match length)', () => {
    // "ab", then a 10-byte match at offset 2, then 5 literals.
    const block = Buffer.from([0x26, 0x61, 0x62, 0x02, 0x00, 0x50, 0x63, 0x64, 0x65, 0x66, 0x67]);
    assert.equal(lz4Codec.decode(block, 17).toString(), 'ababababababcdefg');
  });

  describe('rejects corrupt blocks', () => {
    const valid = lz4Codec.encode(Buffer.from('pulsar '.repeat(50)));
    const cases: Array<[string, Buffer, number]> = [
      ['empty input', Buffer.alloc(0), 0],
      ['literals past the input', Buffer.from([0x50, 0x61, 0x62]), 5],
      ['truncated literal length', Buffer.from([0xf0]), 20],
      ['truncated match offset', Buffer.from([0x14, 0x61, 0x01]), 10],
      ['offset zero', Buffer.from([0x14, 0x61, 0x00, 0x00, 0x50, 1, 2, 3, 4, 5]), 14],
      ['offset before the start', Buffer.from([0x14, 0x61, 0x05, 0x00, 0x50, 1, 2, 3, 4, 5]), 14],
      ['block ending with a match', Buffer.from([0x14, 0x61, 0x01, 0x00]), 9],
      ['truncated match length', Buffer.from([0x1f, 0x61, 0x01, 0x00]), 100],
      ['output larger than announced', valid, 349],
      ['output smaller than announced', valid, 351],
    ];
    for (const [name, block, size] of cases) {
      it(name, () => {
        assert.throws(() => lz4Codec.decode(block, size), { code: 'PULSAR_ERR_DECOMPRESSION' });
      });
    }
  });

  it('stops a long-match bomb at the announced size instead of expanding it', () => {
    // One literal, then a match whose length bytes claim ~255 * 100k bytes.
    const bomb = Buffer.concat([
      Buffer.from([0x1f, 0x61, 0x01, 0x00]),
      Buffer.alloc(100_000, 0xff),
      Buffer.from([0x00, 0x50, 1, 2, 3, 4, 5]),
    ]);
    const started = performance.now();
    assert.throws(() => lz4Codec.decode(bomb, 1024), /output exceeds 1024 bytes/);
    assert.ok(performance.now() - started < 1000);
  });
});
