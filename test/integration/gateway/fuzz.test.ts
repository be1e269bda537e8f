/**
 * Fuzz (issue 4): random frames, JSON, query strings and paths against our gateway. The process
 * survives, every upgrade answer is a valid HTTP status, every frame answer is a valid JSON
 * response or a close with a valid code, and a normal round trip still works afterwards.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { uniqueName } from '../../helpers/test-env.ts';
import { closeWs, nextJson, openWs, rawToString } from '../../helpers/ws-client.ts';
import { startGateway } from '../../helpers/gateway.ts';
import type { TestGateway } from '../../helpers/gateway.ts';

/** Seeded PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET: readonly string[] = Array.from('abcXYZ019%+=&?/:._-~ {}[]",\\\u00e9\u{1F600}');

describe('gateway fuzz', () => {
  let gw: TestGateway;
  const rnd = prng(Number(process.env['FUZZ_SEED'] ?? 4242));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const str = (max: number): string => {
    let s = '';
    const n = Math.floor(rnd() * max);
    for (let i = 0; i < n; i++) s += pick(ALPHABET);
    return s;
  };
  const json = (depth = 0): unknown => {
    const r = rnd();
    if (depth > 2 || r < 0.3) return pick([null, true, 1, -1.5, 1e300, 'x', str(8), 'aGk=', '']);
    if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 3) }, () => json(depth + 1));
    const keys = [
      'payload',
      'context',
      'properties',
      'key',
      'eventTime',
      'deliverAt',
      'deliverAfterMs',
      'type',
      'messageId',
      'permitMessages',
      'replicationClusters',
      str(5),
    ];
    const o: Record<string, unknown> = {};
    for (let i = 0; i < 1 + Math.floor(rnd() * 4); i++) o[pick(keys)] = json(depth + 1);
    if (rnd() < 0.3)
      o['type'] = pick([
        'permit',
        'ack',
        'negativeAcknowledge',
        'isEndOfTopic',
        'unsubscribe',
        str(4),
      ]);
    return o;
  };

  before(async () => {
    gw = await startGateway();
  });
  after(async () => {
    await gw.close();
  });

  it('survives random paths and query strings with valid HTTP answers', async () => {
    const valid = new Set([101, 400, 401, 403, 404, 405, 409, 429, 500, 503, 504]);
    const prefixes = [
      '/ws/v2/producer/',
      '/ws/v2/consumer/',
      '/ws/v2/reader/',
      '/ws/v3/consumer/',
      '/ws/producer/',
      '/ws/',
      '/',
    ];
    for (let i = 0; i < 60; i++) {
      const segs = Array.from({ length: Math.floor(rnd() * 7) }, () =>
        pick(['persistent', 'non-persistent', 'public', 'default', str(6), '%zz', '%2F', '']),
      );
      const query = Array.from(
        { length: Math.floor(rnd() * 4) },
        () =>
          `${pick(['receiverQueueSize', 'messageId', 'topics', 'topicsPattern', 'subscriptionType', 'sendTimeoutMillis', str(4)])}=${encodeURIComponent(str(6))}${rnd() < 0.1 ? '%' : ''}`,
      ).join('&');
      const target = pick(prefixes) + segs.join('/') + (query === '' ? '' : `?${query}`);
      const code = await new Promise<number>((resolve) => {
        let ws: WebSocket;
        try {
          ws = new WebSocket(gw.url + target);
        } catch {
          resolve(101); // the client library refused the URL itself
          return;
        }
        ws.once('open', () => {
          ws.terminate();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.once('error', () => {
          resolve(-1);
        });
      });
      assert.ok(valid.has(code), `${target} → ${code}`);
    }
  });

  it('answers random frames with valid JSON or a valid close on every endpoint', async () => {
    const topic = uniqueName('fuzz');
    const endpoints = [
      `/ws/v2/producer/persistent/public/default/${topic}`,
      `/ws/v2/consumer/persistent/public/default/${topic}/sub?subscriptionType=Shared`,
      `/ws/v2/reader/persistent/public/default/${topic}?messageId=earliest`,
      `/ws/v3/consumer/sub3?topics=${topic}`,
    ];
    const validClose = new Set([1000, 1001, 1007, 1008, 1009, 1011, 1013]);
    for (const ep of endpoints) {
      for (let round = 0; round < 3; round++) {
        const ws = await openWs(gw.url + ep);
        let closeCode: number | undefined;
        const closed = new Promise<void>((resolve) =>
          ws.once('close', (c) => {
            closeCode = c;
            resolve();
          }),
        );
        ws.on('message', (data) => {
          // Must be JSON; parse throws otherwise and fails the test via uncaught exception.
          const v = JSON.parse(rawToString(data)) as unknown;
          assert.equal(typeof v, 'object');
        });
        for (let i = 0; i < 40 && ws.readyState === WebSocket.OPEN; i++) {
          const r = rnd();
          if (r < 0.2) ws.send(str(30));
          else if (r < 0.25) ws.send(Buffer.from(str(10)), { binary: true });
          else ws.send(JSON.stringify(json()));
        }
        await Promise.race([closed, new Promise((r) => setTimeout(r, 300))]);
        if (closeCode !== undefined) assert.ok(validClose.has(closeCode), `close ${closeCode}`);
        else await closeWs(ws);
      }
    }
  });

  it('still round-trips afterwards', async () => {
    const topic = uniqueName('fuzz-after');
    const p = await openWs(`${gw.url}/ws/v2/producer/persistent/public/default/${topic}`);
    p.send(JSON.stringify({ payload: 'aGk=' }));
    assert.equal((await nextJson(p))['result'], 'ok');
    await closeWs(p);
  });
});
