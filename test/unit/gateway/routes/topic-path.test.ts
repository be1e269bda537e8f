import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../../src/gateway/errors.ts';
import type { GatewayErrorCode } from '../../../../src/gateway/errors.ts';
import { parseQueryString } from '../../../../src/gateway/routes/query-params.ts';
import { parseTopicPath } from '../../../../src/gateway/routes/topic-path.ts';

const none = parseQueryString('');

function fails(
  path: string,
  code: GatewayErrorCode,
  status: number,
  message?: RegExp,
  query = '',
): void {
  assert.throws(
    () => parseTopicPath(path, parseQueryString(query)),
    (e: unknown) => {
      assert.ok(e instanceof GatewayError, String(e));
      assert.equal(e.code, code, `${path}: ${e.message}`);
      assert.equal(e.httpStatus, status);
      if (message) assert.match(e.message, message);
      return true;
    },
  );
}

describe('parseTopicPath: v1 and v2', () => {
  it('parses the three v2 endpoints', () => {
    assert.deepEqual(parseTopicPath('/ws/v2/producer/persistent/public/default/my-topic', none), {
      endpoint: 'producer',
      version: 'v2',
      topic: 'persistent://public/default/my-topic',
    });
    assert.deepEqual(parseTopicPath('/ws/v2/reader/non-persistent/t/ns/x', none), {
      endpoint: 'reader',
      version: 'v2',
      topic: 'non-persistent://t/ns/x',
    });
    assert.deepEqual(parseTopicPath('/ws/v2/consumer/persistent/t/ns/x/my-sub', none), {
      endpoint: 'consumer',
      version: 'v2',
      topic: 'persistent://t/ns/x',
      subscription: 'my-sub',
    });
  });
  it('parses v1 paths with the cluster segment', () => {
    assert.deepEqual(parseTopicPath('/ws/producer/persistent/t/c/ns/x', none), {
      endpoint: 'producer',
      version: 'v1',
      topic: 'persistent://t/c/ns/x',
    });
    assert.deepEqual(parseTopicPath('/ws/consumer/persistent/t/c/ns/x/s', none), {
      endpoint: 'consumer',
      version: 'v1',
      topic: 'persistent://t/c/ns/x',
      subscription: 's',
    });
  });
  it('URL-decodes topic and subscription like URLDecoder (topicNameUrlEncodingTest)', () => {
    const r = parseTopicPath(
      '/ws/v2/consumer/persistent/t/ns/my-topic%5B%5D%3C%3E/my-subscription%5B%5D%3C%3E%21%40%23%24%25%5E%26*%28+%29',
      none,
    );
    assert.equal(r.topic, 'persistent://t/ns/my-topic[]<>');
    assert.equal(r.endpoint === 'consumer' && r.subscription, 'my-subscription[]<>!@#$%^&*( )');
    assert.equal(
      parseTopicPath('/ws/v2/producer/persistent/t/ns/a+b', none).topic,
      'persistent://t/ns/a b',
    );
  });
  it('joins producer/reader topic segments and skips later empty ones', () => {
    assert.equal(
      parseTopicPath('/ws/v2/producer/persistent/t/ns/a/b', none).topic,
      'persistent://t/ns/a/b',
    );
    assert.equal(
      parseTopicPath('/ws/v2/producer/persistent/t/ns/a//b/', none).topic,
      'persistent://t/ns/a/b',
    );
    assert.equal(
      parseTopicPath('/ws/v2/reader/persistent/t/ns/a/', none).topic,
      'persistent://t/ns/a',
    );
  });
  it('does not decode the namespace', () => {
    fails(
      '/ws/v2/producer/persistent/t%2Dx/ns/a',
      'GW_ERR_BAD_PATH',
      400,
      /Invalid named entity: t%2Dx/,
    );
  });
  it('rejects malformed paths with 400 (the reference escapes to a 500)', () => {
    fails('/ws/v2/producer/persistent/t/ns', 'GW_ERR_BAD_PATH', 400, /Invalid topic name format/);
    fails('/ws/v2/producer/foo/t/ns/x', 'GW_ERR_BAD_PATH', 400, /domain/);
    fails('/ws/v2/producer/persistent/t!/ns/x', 'GW_ERR_BAD_PATH', 400, /Invalid named entity/);
    fails('/ws/v2/producer/persistent//ns/x', 'GW_ERR_BAD_PATH', 400, /Invalid namespace format/);
    fails('/ws/v2/producer/persistent/t/ns/a%zz', 'GW_ERR_BAD_PATH', 400, /URLDecoder/);
    fails('/ws/v2/producer/persistent/t/ns/%20', 'GW_ERR_BAD_PATH', 400, /must not be blank/);
    fails('/ws/v2/producer/persistent/t/ns/', 'GW_ERR_BAD_PATH', 400, /must not be blank/);
  });
  it('answers 404 for paths no endpoint serves', () => {
    for (const p of [
      '/',
      '/ws',
      '/ws/v2',
      '/ws/v2/admin/persistent/t/ns/x',
      '/ws/v4/consumer/s',
      '/x/v2/producer/persistent/t/ns/x',
    ]) {
      fails(p, 'GW_ERR_NOT_FOUND', 404);
    }
  });
  it('consumer: exactly 9 parts and a non-empty subscription (400 Invalid query params)', () => {
    fails(
      '/ws/v2/consumer/persistent/t/ns/topic/',
      'GW_ERR_INVALID_PARAM',
      400,
      /^Invalid query params: Empty subscription name$/,
    );
    fails(
      '/ws/v2/consumer/persistent/t/ns/a/b/sub',
      'GW_ERR_INVALID_PARAM',
      400,
      /Invalid topic name format/,
    );
    fails(
      '/ws/v2/consumer/persistent/t/ns/topic',
      'GW_ERR_INVALID_PARAM',
      400,
      /Invalid topic name format/,
    );
    fails('/ws/v2/consumer/persistent/t/ns/topic/s%z1', 'GW_ERR_INVALID_PARAM', 400, /URLDecoder/);
  });
  it('passes names with a slash through as the legacy form, as the reference does', () => {
    assert.equal(
      parseTopicPath('/ws/v2/producer/persistent/t/ns/a%2Fb', none).topic,
      'persistent://t/ns/a/b',
    );
    assert.equal(
      parseTopicPath('/ws/v2/producer/persistent/t/ns/a/b/c', none).topic,
      'persistent://t/ns/a/b/c',
    );
  });
});

describe('parseTopicPath: v3 multi-topic consumer', () => {
  it('parses topics, trimming and expanding short names', () => {
    const r = parseTopicPath(
      '/ws/v3/consumer/my%20sub',
      parseQueryString('topics=a,+t/ns/b ,persistent://x/y/z'),
    );
    assert.deepEqual(r, {
      endpoint: 'multi-consumer',
      version: 'v3',
      topic: 'persistent://public/default/a',
      subscription: 'my sub',
      topics: ['persistent://public/default/a', 'persistent://t/ns/b', 'persistent://x/y/z'],
    });
  });
  it('parses topicsPattern; the main topic is the pattern as a topic name', () => {
    const r = parseTopicPath(
      '/ws/v3/consumer/s/extra',
      parseQueryString('topicsPattern=persistent://t/ns/a.%2A'),
    );
    assert.deepEqual(r, {
      endpoint: 'multi-consumer',
      version: 'v3',
      topic: 'persistent://t/ns/a.*',
      subscription: 's',
      topicsPattern: 'persistent://t/ns/a.*',
    });
  });
  it('needs exactly one of topics / topicsPattern', () => {
    fails('/ws/v3/consumer/s', 'GW_ERR_BAD_PATH', 400, /Should set topics or topicsPattern/);
    fails(
      '/ws/v3/consumer/s',
      'GW_ERR_BAD_PATH',
      400,
      /Topics must be null/,
      'topics=a&topicsPattern=b',
    );
  });
  it('rejects an empty subscription, blank topics and bad regexes', () => {
    fails('/ws/v3/consumer/', 'GW_ERR_INVALID_PARAM', 400, /Empty subscription name/, 'topics=a');
    fails('/ws/v3/consumer', 'GW_ERR_INVALID_PARAM', 400, /Invalid topic name format/, 'topics=a');
    fails('/ws/v3/consumer/s', 'GW_ERR_INVALID_PARAM', 400, /blank topic/, 'topics=a,,b');
    fails('/ws/v3/consumer/s', 'GW_ERR_BAD_PATH', 400, /Invalid short topic name/, 'topics=');
    fails(
      '/ws/v3/consumer/s',
      'GW_ERR_INVALID_PARAM',
      400,
      /Invalid topicsPattern/,
      'topicsPattern=a(',
    );
    fails(
      '/ws/v3/consumer/s',
      'GW_ERR_BAD_PATH',
      400,
      /Invalid topic domain/,
      'topics=foo://t/ns/x',
    );
  });
});
