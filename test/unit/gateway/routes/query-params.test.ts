import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGatewayError } from '../../../../src/gateway/errors.ts';
import {
  parseQueryString,
  splitRequestTarget,
  withDefaultParams,
} from '../../../../src/gateway/routes/query-params.ts';

describe('parseQueryString', () => {
  it('keeps the first value of repeated keys, case-sensitively', () => {
    const q = parseQueryString('a=1&a=2&A=3');
    assert.equal(q.get('a'), '1');
    assert.equal(q.get('A'), '3');
  });
  it('form-decodes keys and values (+ is a space, %2B a plus)', () => {
    const q = parseQueryString('messageId=CAc+QA%2BA%3D&topicsPattern=a.%2A&k%20y=v+w');
    assert.equal(q.get('messageId'), 'CAc QA+A=');
    assert.equal(q.get('topicsPattern'), 'a.*');
    assert.equal(q.get('k y'), 'v w');
  });
  it('treats a key without = as an empty value and skips empty pairs', () => {
    const q = parseQueryString('pullMode&&x=1=2');
    assert.equal(q.get('pullMode'), '');
    assert.equal(q.get('x'), '1=2');
    assert.equal(q.size, 2);
  });
  it('decodes %uXXXX like Jetty', () => {
    assert.equal(parseQueryString('a=%u00e9').get('a'), 'é');
  });
  it('answers 400 for malformed escapes and invalid UTF-8', () => {
    for (const raw of ['a=%', 'a=%zz', 'a=%C3', 'a=%u12']) {
      assert.throws(
        () => parseQueryString(raw),
        (e: unknown) => isGatewayError(e, 'GW_ERR_BAD_QUERY') && e.httpStatus === 400,
      );
    }
  });
  it('parses an empty query', () => {
    assert.equal(parseQueryString('').size, 0);
  });
});

describe('splitRequestTarget', () => {
  it('splits on the first ?', () => {
    assert.deepEqual(splitRequestTarget('/ws/v2/x?a=1?b'), {
      rawPath: '/ws/v2/x',
      rawQuery: 'a=1?b',
    });
    assert.deepEqual(splitRequestTarget('/p'), { rawPath: '/p', rawQuery: '' });
  });
});

describe('withDefaultParams', () => {
  it('adds defaults only for keys the client did not send', () => {
    const q = withDefaultParams(parseQueryString('a=1'), { a: '9', b: '2' });
    assert.deepEqual(
      [...q],
      [
        ['a', '1'],
        ['b', '2'],
      ],
    );
  });
});
