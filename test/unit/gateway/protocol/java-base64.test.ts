import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeJavaBase64, encodeBase64 } from '../../../../src/gateway/protocol/java-base64.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('decodeJavaBase64 (java.util.Base64 basic decoder)', () => {
  const ok: [string, string][] = [
    ['', ''],
    ['aGk=', '6869'],
    ['aGk', '6869'],
    ['aA==', '68'],
    ['aA', '68'],
    ['CAcQADAA', '080710003000'],
    ['CAcQABgBMAA=', '0807100018013000'],
    ['CAcQASACMAU=', '0807100120023005'],
    ['CAAQAw==', '08001003'],
    ['SGVsbG8gV29ybGQ=', Buffer.from('Hello World').toString('hex')],
    // Non-zero trailing bits: Java ignores them (the fast path hands these to the JDK algorithm).
    ['aGl=', '6869'],
    ['aGl', '6869'],
  ];
  for (const [s, h] of ok)
    it(`decodes ${JSON.stringify(s)}`, () => {
      assert.equal(hex(decodeJavaBase64(s)), h);
    });

  const bad: [string, string][] = [
    ['aGk==', 'Input byte array has incorrect ending byte at 4'],
    ['aG=', 'Input byte array has wrong 4-byte ending unit'],
    ['aG=x', 'Input byte array has wrong 4-byte ending unit'],
    ['=', 'Input byte[] should at least have 2 bytes for base64 bytes'],
    ['a', 'Input byte[] should at least have 2 bytes for base64 bytes'],
    ['aGkab', 'Last unit does not have enough valid bits'],
    ['====', 'Input byte array has wrong 4-byte ending unit'],
    ['aG k', 'Illegal base64 character 20'],
    ['aGk\n', 'Illegal base64 character a'],
    ['a-_b', 'Illegal base64 character 2d'],
    ['aé==', 'Illegal base64 character -17'],
    ['a€==', 'Illegal base64 character 3f'],
    ['aGk=aGk=', 'Input byte array has incorrect ending byte at 4'],
  ];
  for (const [s, message] of bad) {
    it(`rejects ${JSON.stringify(s)}`, () => {
      assert.throws(() => decodeJavaBase64(s), { message });
    });
  }

  it('agrees with Node for every valid encoding, with and without padding', () => {
    for (let n = 0; n < 200; n++) {
      const bytes = randomBytes(n % 37);
      const enc = encodeBase64(bytes);
      assert.equal(hex(decodeJavaBase64(enc)), hex(bytes));
      assert.equal(hex(decodeJavaBase64(enc.replace(/=+$/, ''))), hex(bytes));
    }
  });
});
