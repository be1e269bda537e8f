/**
 * wss:// with the certificate reloaded from its files without a restart (sessions kept), and
 * every producer/consumer/reader parameter category accepted with valid values.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import WebSocket from 'ws';
import { eventually } from '../../helpers/eventually.ts';
import { makeSelfSignedCert } from '../../helpers/gateway-certs.ts';
import { pulsarEnv, uniqueName } from '../../helpers/test-env.ts';
import { closeWs, nextJson, openWs } from '../../helpers/ws-client.ts';
import { WsQueue } from '../../helpers/ws-queue.ts';
import { openWithQueue, startGateway } from '../../helpers/gateway.ts';
import type { TestGateway } from '../../helpers/gateway.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const makeCert = (dir: string, cn: string): { cert: string; key: string } =>
  makeSelfSignedCert(dir, cn);

function peerCn(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cn = s.getPeerCertificate().subject.CN;
      s.end();
      resolve(Array.isArray(cn) ? cn.join(',') : String(cn));
    });
    s.once('error', reject);
  });
}

describe('gateway TLS', () => {
  let dir: string;
  let gw: TestGateway;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-tls-'));
    const one = makeCert(dir, 'one');
    gw = await startGateway(
      ['--server.tlsPort=8443', `--tls.certFile=${one.cert}`, `--tls.keyFile=${one.key}`],
      { ports: { port: 0, tlsPort: 0, metricsPort: 0 } },
    );
  });
  after(async () => {
    await gw.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves wss:// and reloads a changed certificate without dropping sessions', async () => {
    const port = gw.server.tlsPort!;
    assert.equal(await peerCn(port), 'one');
    const url = `wss://127.0.0.1:${port}/ws/v2/producer/persistent/public/default/${uniqueName('tls')}`;
    const ws = await openWs(url, { rejectUnauthorized: false });
    const two = makeCert(dir, 'two');
    await rename(two.key, join(dir, 'one.key'));
    await rename(two.cert, join(dir, 'one.crt'));
    await eventually(async () => {
      assert.equal(await peerCn(port), 'two');
    }, 10_000);
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.send(JSON.stringify({ payload: b64('still here') }));
    assert.equal((await nextJson(ws))['result'], 'ok');
    await closeWs(ws);
  });
});

describe('gateway parameters', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startGateway();
  });
  after(async () => {
    await gw.close();
  });

  it('applies every producer parameter and every compression codec (checked on the stored entry)', async () => {
    for (const codec of ['NONE', 'LZ4', 'ZLIB', 'ZSTD', 'SNAPPY']) {
      const topic = uniqueName(`params-${codec.toLowerCase()}`);
      const path = `persistent/public/default/${topic}`;
      const c = await openWs(`${gw.url}/ws/v2/consumer/${path}/sub`);
      const q = new WsQueue(c);
      const query = [
        'sendTimeoutMillis=10000',
        'batchingEnabled=true',
        'batchingMaxMessages=10',
        'maxPendingMessages=100',
        'batchingMaxPublishDelay=5',
        'messageRoutingMode=RoundRobinPartition',
        `compressionType=${codec}`,
        `producerName=p-${topic}`,
        'initialSequenceId=5',
        'hashingScheme=Murmur3_32Hash',
      ].join('&');
      const p = await openWs(`${gw.url}/ws/v2/producer/${path}?${query}`);
      try {
        p.send(
          JSON.stringify({ payload: b64(`c-${codec}`.repeat(50)), key: 'k', deliverAfterMs: 1 }),
        );
        assert.equal((await nextJson(p))['result'], 'ok');
        assert.equal((await q.next())['payload'], b64(`c-${codec}`.repeat(50)));
        // The stored entry (peeked on the unacked subscription) carries what was asked for.
        const res = await fetch(
          `${pulsarEnv().adminUrl}/admin/v2/${path}/subscription/sub/position/1`,
        );
        assert.equal(res.status, 200);
        const h = (name: string): string | null => res.headers.get(`x-pulsar-${name}`);
        assert.equal(h('compression') ?? 'NONE', codec);
        assert.equal(h('producer-name'), `p-${topic}`);
        assert.equal(h('sequence-id'), '6', 'initialSequenceId=5: the first message is 6');
        // A delayed message (deliverAfterMs) is never batched, as in the Java client.
        assert.equal(h('num-batch-message'), null);
        await res.arrayBuffer();
      } finally {
        await closeWs(p);
        await closeWs(c);
      }
    }
  });

  it('accepts every consumer and reader parameter', async () => {
    const topic = uniqueName('params-c');
    const path = `persistent/public/default/${topic}`;
    const query = [
      'ackTimeoutMillis=5000',
      'subscriptionType=Failover',
      'subscriptionMode=Durable',
      'subscriptionInitialPosition=Earliest',
      'receiverQueueSize=5',
      'consumerName=c1',
      'priorityLevel=1',
      'maxRedeliverCount=3',
      `deadLetterTopic=${topic}-dlq`,
      'negativeAckRedeliveryDelay=1000',
      'cryptoFailureAction=DISCARD',
    ].join('&');
    const p = await openWs(`${gw.url}/ws/v2/producer/${path}`);
    p.send(JSON.stringify({ payload: b64('early') }));
    const id = String((await nextJson(p))['messageId']);
    const { ws: c, queue: cq } = await openWithQueue(
      `${gw.url}/ws/v2/consumer/${path}/sub?${query}`,
    );
    const { ws: r, queue: rq } = await openWithQueue(
      `${gw.url}/ws/v2/reader/${path}?readerName=r1&receiverQueueSize=3&messageId=earliest`,
    );
    try {
      // subscriptionInitialPosition=Earliest: the message published before subscribing arrives.
      assert.equal((await cq.next())['messageId'], id);
      assert.equal((await rq.next())['messageId'], id);
    } finally {
      await closeWs(p);
      await closeWs(c);
      await closeWs(r);
    }
  });
});
