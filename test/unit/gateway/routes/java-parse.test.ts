import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isJavaBlank,
  javaTrim,
  javaUrlDecode,
  parseJavaBoolean,
  parseJavaInt,
  parseJavaLong,
} from '../../../../src/gateway/routes/java-parse.ts';

describe('parseJavaInt (Integer.parseInt)', () => {
  const ok: [string, number][] = [
    ['0', 0],
    ['42', 42],
    ['+7', 7],
    ['-7', -7],
    ['007', 7],
    ['2147483647', 2147483647],
    ['-2147483648', -2147483648],
  ];
  for (const [s, v] of ok)
    it(`parses ${JSON.stringify(s)}`, () => {
      assert.equal(parseJavaInt(s), v);
    });
  for (const s of [
    '',
    ' 1',
    '1 ',
    '1.0',
    '+',
    '-',
    '0x10',
    '1e3',
    '2147483648',
    '-2147483649',
    'abc',
    '١',
  ]) {
    it(`rejects ${JSON.stringify(s)} with the JDK message`, () => {
      assert.throws(() => parseJavaInt(s), { message: `For input string: "${s}"` });
    });
  }
});

describe('parseJavaLong (Long.parseLong)', () => {
  it('covers the signed 64-bit range exactly', () => {
    assert.equal(parseJavaLong('9223372036854775807'), 9223372036854775807n);
    assert.equal(parseJavaLong('-9223372036854775808'), -9223372036854775808n);
    assert.throws(() => parseJavaLong('9223372036854775808'), /For input string/);
    assert.throws(() => parseJavaLong('1.0'), /For input string/);
  });
});

describe('parseJavaBoolean', () => {
  it('is true only for "true" in any case', () => {
    for (const s of ['true', 'TRUE', 'True', 'tRuE']) assert.equal(parseJavaBoolean(s), true);
    for (const s of [undefined, '', '1', 'yes', ' true', 'true ', 't']) {
      assert.equal(parseJavaBoolean(s), false);
    }
  });
});

describe('isJavaBlank / javaTrim', () => {
  it('follows Character.isWhitespace', () => {
    assert.equal(isJavaBlank(''), true);
    assert.equal(isJavaBlank(' \t\n\u2003'), true);
    assert.equal(isJavaBlank('\u00a0'), false);
    assert.equal(isJavaBlank(' a '), false);
  });
  it('trims only characters up to U+0020', () => {
    assert.equal(javaTrim('\t a \n'), 'a');
    assert.equal(javaTrim('\u00a0a'), '\u00a0a');
  });
});

describe('javaUrlDecode (URLDecoder.decode UTF-8)', () => {
  const cases: [string, string][] = [
    ['plain', 'plain'],
    ['a+b', 'a b'],
    ['a%20b', 'a b'],
    ['%2B', '+'],
    ['%C3%A9', 'é'],
    ['%e2%82%ac', '€'],
    ['%2F', '/'],
    ['%FF', '\ufffd'],
    ['%+1', '\u0001'],
    ['%-0', '\u0000'],
    ['é', 'é'],
    // Pulsar AbstractWebSocketHandlerTest.topicNameUrlEncodingTest, encoded form-style.
    ['my-topic%5B%5D%3C%3E', 'my-topic[]<>'],
    ['my-topic%21%40%23%21%40%40%21%23', 'my-topic!@#!@@!#'],
    ['my-subscription%5B%5D%3C%3E%21%40%23%24%25%5E%26*%28+%29', 'my-subscription[]<>!@#$%^&*( )'],
  ];
  for (const [raw, decoded] of cases) {
    it(`decodes ${raw}`, () => {
      assert.equal(javaUrlDecode(raw), decoded);
    });
  }
  it('round-trips what encodeURIComponent produces', () => {
    for (const s of ['a b/c', 'ü€😀', "~!*()'"]) {
      assert.equal(javaUrlDecode(encodeURIComponent(s)), s);
    }
  });
  it('rejects malformed escapes with the JDK message', () => {
    assert.throws(() => javaUrlDecode('%'), {
      message: 'URLDecoder: Incomplete trailing escape (%) pattern',
    });
    assert.throws(() => javaUrlDecode('abc%4'), /Incomplete trailing escape/);
    assert.throws(() => javaUrlDecode('%zz'), {
      message:
        'URLDecoder: Illegal hex characters in escape (%) pattern - Error at index 0 in: "zz"',
    });
    assert.throws(() => javaUrlDecode('%4z'), /Error at index 1 in: "4z"/);
    assert.throws(() => javaUrlDecode('%-1'), /negative value/);
  });
});
