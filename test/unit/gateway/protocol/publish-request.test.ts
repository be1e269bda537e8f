import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePublishRequest } from '../../../../src/gateway/protocol/publish-request.ts';
import type {
  PublishParse,
  PublishRequest,
} from '../../../../src/gateway/protocol/publish-request.ts';

const NOW = 1_700_000_000_000;

function ok(text: string): PublishRequest {
  const r = parsePublishRequest(text, NOW);
  assert.ok(r.ok, JSON.stringify(r));
  return r.request;
}

function err(text: string): Extract<PublishParse, { ok: false }> {
  const r = parsePublishRequest(text, NOW);
  assert.ok(!r.ok, `expected an error for ${text}`);
  return r;
}

describe('parsePublishRequest', () => {
  it('parses the seed example', () => {
    const r = ok(
      '{"payload":"SGVsbG8gV29ybGQ=","properties":{"key1":"value1","key2":"value2"},"context":"1"}',
    );
    assert.equal(Buffer.from(r.payload).toString(), 'Hello World');
    assert.deepEqual({ ...r.properties }, { key1: 'value1', key2: 'value2' });
    assert.equal(r.context, '1');
    assert.equal(r.key, undefined);
    assert.equal(r.deliverAtMs, undefined);
  });
  it('coerces scalars into string fields, keeping number text as Jackson does', () => {
    const r = ok(
      '{"payload":"","context":5,"key":1.50,"properties":{"n":1e3,"b":true},"replicationClusters":["a",2]}',
    );
    assert.equal(r.payload.length, 0);
    assert.equal(r.context, '5');
    assert.equal(r.key, '1.50');
    assert.deepEqual({ ...r.properties }, { n: '1e3', b: 'true' });
    assert.deepEqual(r.replicationClusters, ['a', '2']);
  });
  it('ignores unknown fields, trailing content and sequenceId', () => {
    const r = ok(
      '{"payload":"aGk","sequenceId":"12","foo":{"x":[1]},"disableReplication":true} trailing garbage',
    );
    assert.equal(Buffer.from(r.payload).toString(), 'hi');
  });
  it('parses eventTime and deliverAt; deliverAfterMs wins', () => {
    const r = ok('{"payload":"aGk=","eventTime":"2024-06-19T07:13:57.123Z","deliverAt":1.7}');
    assert.equal(r.eventTimeMs, Date.UTC(2024, 5, 19, 7, 13, 57, 123));
    assert.equal(r.deliverAtMs, 1);
    assert.equal(
      ok('{"payload":"aGk=","deliverAt":"5000","deliverAfterMs":100}').deliverAtMs,
      NOW + 100,
    );
    assert.equal(ok('{"payload":"aGk=","deliverAt":0,"deliverAfterMs":-5}').deliverAtMs, undefined);
    assert.equal(ok('{"payload":"aGk=","deliverAt":null}').deliverAtMs, undefined);
  });
  it('answers send-error:3 without context for non-JSON and type mismatches', () => {
    for (const text of [
      'not json',
      '',
      '[1,2]',
      '"str"',
      '{"payload":"aGk=","context":"c","properties":{"a":{"b":1}}}',
      '{"payload":"aGk=","context":"c","replicationClusters":"us"}',
      '{"payload":{},"context":"c"}',
      '{"payload":"aGk=","context":"c","deliverAt":"soon"}',
      '{"payload":"aGk=","context":"c","sequenceId":true}',
      '{"payload":"aGk=","context":"c","properties":{"a":null}}',
    ]) {
      const e = err(text);
      assert.equal(e.errorCode, 3, text);
      assert.equal(e.context, undefined, text);
    }
  });
  it('answers send-error:7 without context for the JSON literal null', () => {
    const e = err('null');
    assert.equal(e.errorCode, 7);
    assert.equal(e.context, undefined);
  });
  it('answers send-error:7 with context for missing or bad payloads and bad eventTime', () => {
    const missing = err('{"context":"c1"}');
    assert.deepEqual([missing.errorCode, missing.context], [7, 'c1']);
    assert.match(missing.errorMsg, /"src" is null/);
    const bad = err('{"payload":"aGk==","context":"c2"}');
    assert.deepEqual(
      [bad.errorCode, bad.errorMsg, bad.context],
      [
        7,
        'Invalid Base64 message-payload error=Input byte array has incorrect ending byte at 4',
        'c2',
      ],
    );
    const urlSafe = err('{"payload":"a-_b","context":3}');
    assert.equal(
      urlSafe.errorMsg,
      'Invalid Base64 message-payload error=Illegal base64 character 2d',
    );
    assert.equal(urlSafe.context, '3');
    const time = err('{"payload":"aGk=","context":"c3","eventTime":"2024-06-19T07:13:57"}');
    assert.deepEqual([time.errorCode, time.context], [7, 'c3']);
    assert.match(time.errorMsg, /could not be parsed/);
  });
});

describe('parsePublishRequest one-pass path (frames shaped like JSON.stringify output)', () => {
  it('reads payload, context and key in any order', () => {
    const r = ok('{"context":"c-1","key":"k","payload":"aGk="}');
    assert.equal(Buffer.from(r.payload).toString(), 'hi');
    assert.equal(r.context, 'c-1');
    assert.equal(r.key, 'k');
    assert.equal(r.properties, undefined);
  });
  it('leaves escapes, repeats, control characters and odd base64 to the full parse', () => {
    assert.equal(ok('{"payload":"aGk=","context":"a\\"b"}').context, 'a"b');
    assert.equal(ok('{"payload":"QUJD","payload":"aGk="}').payload.length, 2);
    assert.equal(err('{"payload":"aGk=","context":"tab\there"}').errorCode, 3);
    assert.equal(Buffer.from(ok('{"payload":"aGl="}').payload).toString(), 'hi');
    const bad = err('{"payload":"a-_b","context":"c"}');
    assert.deepEqual([bad.errorCode, bad.context], [7, 'c']);
  });
  it('agrees with the full parse (forced by a leading space) on generated frames', () => {
    const values = ['"aGk="', '"aGk"', '"aG="', '""', '"a\\u0041"', '"1"', '"t\tx"', '5', 'null'];
    const names = ['payload', 'context', 'key', 'properties', 'eventTime'];
    const view = (p: PublishParse): unknown =>
      p.ok
        ? { ...p.request, payload: Buffer.from(p.request.payload).toString('hex') }
        : [p.errorCode, p.context];
    for (let n = 0; n < 3000; n++) {
      const fields = Array.from(
        { length: 1 + (n % 3) },
        (_, j) =>
          `"${names[(n * 7 + j * 3) % names.length]!}":${values[(n * 5 + j) % values.length]!}`,
      );
      const text = `{${fields.join(',')}}`;
      assert.deepEqual(
        view(parsePublishRequest(text, NOW)),
        view(parsePublishRequest(` ${text}`, NOW)),
        text,
      );
    }
  });
});
