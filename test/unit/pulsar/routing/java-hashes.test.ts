import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  javaStringHash,
  javaStringHashCode,
} from '../../../../src/pulsar/routing/java-string-hash.ts';
import {
  javaUtf8Bytes,
  murmur3_32,
  murmur3_32Hash,
} from '../../../../src/pulsar/routing/murmur3-32.ts';

// Expected values were computed with real Java (OpenJDK 17.0.15) on this machine:
// a throwaway Hashes.java printed, for each key, String.hashCode(), hashCode() &
// Integer.MAX_VALUE (JavaStringHash), MurmurHash3 x86_32 with seed 0 over
// key.getBytes(UTF_8) (the algorithm written from Appleby's published spec,
// cross-checked on its known answers below) and that value & Integer.MAX_VALUE
// (Pulsar's Murmur3_32Hash), plus the UTF-8 bytes Java produced. For seven of the keys
// (my-key, 日本語, 😀, polygenelubricants, both lone surrogates, emoji-🚀-key) the real
// JavaStringHash and Murmur3Hash32 classes of pulsar-client-original 4.0.7 gave the same values.
// Columns: key, hashCode, JavaStringHash, raw murmur3 (signed int), Murmur3_32Hash, UTF-8 hex.
const JAVA: ReadonlyArray<readonly [string, number, number, number, number, string]> = [
  ['', 0, 0, 0, 0, ''],
  ['a', 97, 97, 1009084850, 1009084850, '61'],
  ['ab', 3105, 3105, -1681926305, 465557343, '6162'],
  ['abc', 96354, 96354, -1277324294, 870159354, '616263'],
  ['abcd', 2987074, 2987074, 1139631978, 1139631978, '61626364'],
  ['hello', 99162322, 99162322, 613153351, 613153351, '68656c6c6f'],
  ['my-key', -1061197122, 1086286526, 1844492593, 1844492593, '6d792d6b6579'],
  ['key-1', 101943363, 101943363, -1733225056, 414258592, '6b65792d31'],
  ['user-12345', 440384433, 440384433, -1461549408, 685934240, '757365722d3132333435'],
  [
    'The quick brown fox jumps over the lazy dog',
    -609428141,
    1538055507,
    776992547,
    776992547,
    '54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f67',
  ],
  // hashCode() is Integer.MIN_VALUE: the mask gives 0 (Math.abs would stay negative).
  [
    'polygenelubricants',
    -2147483648,
    0,
    -1045881248,
    1101602400,
    '706f6c7967656e656c7562726963616e7473',
  ],
  ['Aa', 2112, 2112, -1433810495, 713673153, '4161'],
  ['BB', 2112, 2112, 1707312886, 1707312886, '4242'],
  ['café', 3045921, 3045921, 605818632, 605818632, '636166c3a9'],
  ['日本語', 25921943, 25921943, -1515949417, 631534231, 'e697a5e69cace8aa9e'],
  ['😀', 1772899, 1772899, -1095487750, 1051995898, 'f09f9880'],
  ['emoji-🚀-key', -455498020, 1691985628, -536873753, 1610609895, '656d6f6a692df09f9a802d6b6579'],
  [
    '\u00ff\u0100\u07ff\u0800\uffff',
    245220541,
    245220541,
    -355663862,
    1791819786,
    'c3bfc480dfbfe0a080efbfbf',
  ],
  // Unpaired surrogates: Java's UTF-8 encoder writes '?' (0x3f) for each.
  [
    'lone-\ud800-surrogate',
    -190619016,
    1956864632,
    595572738,
    595572738,
    '6c6f6e652d3f2d737572726f67617465',
  ],
  ['\udc00', 56320, 56320, -1772005370, 375478278, '3f'],
];

describe('JavaStringHash', () => {
  for (const [key, hashCode, masked] of JAVA) {
    it(`matches Java for ${JSON.stringify(key)}`, () => {
      assert.equal(javaStringHashCode(key), hashCode);
      assert.equal(javaStringHash(key), masked);
    });
  }
});

describe('Murmur3_32Hash', () => {
  for (const [key, , , raw, masked, utf8] of JAVA) {
    it(`matches Java for ${JSON.stringify(key)}`, () => {
      assert.equal(javaUtf8Bytes(key).toString('hex'), utf8);
      assert.equal(murmur3_32(javaUtf8Bytes(key)), raw >>> 0);
      assert.equal(murmur3_32Hash(key), masked);
    });
  }

  it('passes the published MurmurHash3 x86_32 known answers', () => {
    assert.equal(murmur3_32(Buffer.alloc(0), 0), 0);
    assert.equal(murmur3_32(Buffer.alloc(0), 1), 0x514e28b7);
    assert.equal(murmur3_32(Buffer.alloc(0), 0xffffffff), 0x81f16f39);
    assert.equal(murmur3_32(Buffer.from([0xff, 0xff, 0xff, 0xff]), 0), 0x76293b50);
    assert.equal(murmur3_32(Buffer.from([0x21, 0x43, 0x65, 0x87]), 0), 0xf55b516b);
    assert.equal(murmur3_32(Buffer.from([0x21, 0x43, 0x65]), 0), 0x7e4a8634);
    assert.equal(murmur3_32(Buffer.from([0x21, 0x43]), 0), 0xa0f7b07a);
    assert.equal(murmur3_32(Buffer.from([0x21]), 0), 0x72661cf4);
    assert.equal(
      murmur3_32(Buffer.from('The quick brown fox jumps over the lazy dog'), 0x9747b28c),
      0x2fa826cd,
    );
  });

  it('always returns a non-negative 31-bit value', () => {
    for (let i = 0; i < 1000; i++) {
      const h = murmur3_32Hash(`key-${i}`);
      assert.ok(Number.isInteger(h) && h >= 0 && h <= 0x7fffffff);
    }
  });
});
