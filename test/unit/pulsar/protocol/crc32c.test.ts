import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32c } from '../../../../src/pulsar/protocol/crc32c.ts';

// Expected values: the CRC-32C check value from the catalogue of parametrised CRC algorithms
// ("123456789" → 0xE3069283), the RFC 3720 appendix B.4 vectors, and two values computed with an
// independent bit-at-a-time Python implementation (reflected poly 0x82F63B78).
describe('crc32c', () => {
  it('matches the check value for "123456789"', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  });

  it('returns 0 for empty input', () => {
    assert.equal(crc32c(new Uint8Array(0)), 0);
  });

  it('matches the RFC 3720 B.4 vectors', () => {
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  });

  it('matches a bitwise reference on lengths that are not multiples of 8', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) % 256);
    assert.equal(crc32c(data), 0xff52ee97);
    assert.equal(crc32c(data.subarray(0, 13)), 0x7fd38d92);
  });

  it('can be continued across pieces', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) % 256);
    let crc = 0;
    for (let i = 0; i < data.length; i += 77) crc = crc32c(data.subarray(i, i + 77), crc);
    assert.equal(crc, 0xff52ee97);
  });
});
