/**
 * Our gateway against the real broker: producer → consumer round trip, the ok-ack and pushed
 * message shapes (pulsar-websocket-api.md §4.3, §5.2), publish errors, acks, nacks, pull mode,
 * unsubscribe, isEndOfTopic, v1 and v3 paths, and the ops endpoints.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueName } from '../../helpers/test-env.ts';
import { closeWs, nextJson, openWs } from '../../helpers/ws-client.ts';
import { WsQueue } from '../../helpers/ws-queue.ts';
import { startGateway } from '../../helpers/gateway.ts';
import type { TestGateway } from '../../helpers/gateway.ts';
import { terminateTopic } from '../../helpers/ws-producer.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('gateway producer and consumer', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startGateway();
  });
  after(async () => {
    await gw.close();
  });

  it('round-trips a message with the reference JSON shapes', async () => {
    const topic = uniqueName('gw-rt');
    const path = `persistent/public/default/${topic}`;
    const consumer = await openWs(`${gw.url}/ws/v2/consumer/${path}/sub`);
    const producer = await openWs(`${gw.url}/ws/v2/producer/${path}`);
    try {
      const q = new WsQueue(consumer);
      producer.send(
        JSON.stringify({
          payload: b64('hello'),
          properties: { k: 'v' },
          key: 'key-1',
          context: 'ctx-1',
          eventTime: '2024-06-19T07:13:57.123Z',
        }),
      );
      const ack = await nextJson(producer);
      assert.deepEqual(Object.keys(ack), [
        'result',
        'messageId',
        'context',
        'errorCode',
        'schemaVersion',
      ]);
      assert.equal(ack['result'], 'ok');
      assert.equal(ack['context'], 'ctx-1');
      const msg = await q.next();
      assert.deepEqual(Object.keys(msg), [
        'messageId',
        'payload',
        'properties',
        'publishTime',
        'redeliveryCount',
        'eventTime',
        'key',
      ]);
      assert.equal(msg['messageId'], ack['messageId']);
      assert.equal(msg['payload'], b64('hello'));
      assert.deepEqual(msg['properties'], { k: 'v' });
      assert.equal(msg['key'], 'key-1');
      assert.equal(msg['eventTime'], '2024-06-19T07:13:57.123Z');
      assert.equal(msg['redeliveryCount'], 0);
      consumer.send(JSON.stringify({ messageId: msg['messageId'] }));
    } finally {
      await closeWs(producer);
      await closeWs(consumer);
    }
  });

  it('answers bad frames with send-error:3 / send-error:7 and keeps the session', async () => {
    const topic = uniqueName('gw-err');
    const producer = await openWs(`${gw.url}/ws/v2/producer/persistent/public/default/${topic}`);
    try {
      const q = new WsQueue(producer);
      producer.send('not json');
      const e3 = await q.next();
      assert.equal(e3['result'], 'send-error:3');
      assert.equal(e3['context'], undefined);
      producer.send(JSON.stringify({ payload: '!!', context: 'c7' }));
      const e7 = await q.next();
      assert.equal(e7['result'], 'send-error:7');
      assert.equal(e7['context'], 'c7');
      producer.send(JSON.stringify({ payload: 'aGk', context: 'ok' }));
      const ok = await q.next();
      assert.equal(ok['result'], 'ok');
    } finally {
      await closeWs(producer);
    }
  });

  it('redelivers a negatively acknowledged message', async () => {
    const topic = uniqueName('gw-nack');
    const path = `persistent/public/default/${topic}`;
    const consumer = await openWs(
      `${gw.url}/ws/v2/consumer/${path}/sub?subscriptionType=Shared&negativeAckRedeliveryDelay=100`,
    );
    const producer = await openWs(`${gw.url}/ws/v2/producer/${path}`);
    try {
      const q = new WsQueue(consumer);
      producer.send(JSON.stringify({ payload: b64('n') }));
      await nextJson(producer);
      const first = await q.next();
      consumer.send(JSON.stringify({ type: 'negativeAcknowledge', messageId: first['messageId'] }));
      const again = await q.next();
      assert.equal(again['messageId'], first['messageId']);
      assert.equal(again['redeliveryCount'], 1);
      consumer.send(JSON.stringify({ messageId: again['messageId'] }));
    } finally {
      await closeWs(producer);
      await closeWs(consumer);
    }
  });

  it('pull mode delivers only what permit allowed', async () => {
    const topic = uniqueName('gw-pull');
    const path = `persistent/public/default/${topic}`;
    const consumer = await openWs(`${gw.url}/ws/v2/consumer/${path}/sub?pullMode=true`);
    const producer = await openWs(`${gw.url}/ws/v2/producer/${path}`);
    try {
      const pq = new WsQueue(producer);
      for (let i = 0; i < 5; i++) producer.send(JSON.stringify({ payload: b64(`m${i}`) }));
      for (let i = 0; i < 5; i++) assert.equal((await pq.next())['result'], 'ok');
      const q = new WsQueue(consumer);
      await assert.rejects(q.next(500));
      consumer.send(JSON.stringify({ type: 'permit', permitMessages: 3 }));
      for (let i = 0; i < 3; i++) assert.equal((await q.next())['payload'], b64(`m${i}`));
      await assert.rejects(q.next(500));
      consumer.send(JSON.stringify({ type: 'permit', permitMessages: 2 }));
      for (let i = 3; i < 5; i++) assert.equal((await q.next())['payload'], b64(`m${i}`));
    } finally {
      await closeWs(producer);
      await closeWs(consumer);
    }
  });

  it('push mode keeps at most receiverQueueSize unacked messages in flight', async () => {
    const topic = uniqueName('gw-window');
    const path = `persistent/public/default/${topic}`;
    const consumer = await openWs(`${gw.url}/ws/v2/consumer/${path}/sub?receiverQueueSize=2`);
    const q = new WsQueue(consumer);
    const producer = await openWs(`${gw.url}/ws/v2/producer/${path}`);
    try {
      const pq = new WsQueue(producer);
      for (let i = 0; i < 4; i++) producer.send(JSON.stringify({ payload: b64(`w${i}`) }));
      for (let i = 0; i < 4; i++) await pq.next();
      const a = await q.next();
      await q.next();
      await assert.rejects(q.next(500));
      consumer.send(JSON.stringify({ messageId: a['messageId'] }));
      assert.equal((await q.next())['payload'], b64('w2'));
    } finally {
      await closeWs(producer);
      await closeWs(consumer);
    }
  });

  it('answers isEndOfTopic, and true once the topic is terminated', async () => {
    const topic = uniqueName('gw-eot');
    const path = `persistent/public/default/${topic}`;
    const consumer = await openWs(`${gw.url}/ws/v2/consumer/${path}/sub`);
    try {
      const q = new WsQueue(consumer);
      consumer.send(JSON.stringify({ type: 'isEndOfTopic' }));
      assert.deepEqual(await q.next(), { endOfTopic: false });
      await terminateTopic(topic);
      await new Promise((r) => setTimeout(r, 500));
      consumer.send(JSON.stringify({ type: 'isEndOfTopic' }));
      assert.deepEqual(await q.next(), { endOfTopic: true });
    } finally {
      await closeWs(consumer);
    }
  });

  it('closes a consumer with 1007 on an invalid command', async () => {
    const topic = uniqueName('gw-bad');
    const consumer = await openWs(
      `${gw.url}/ws/v2/consumer/persistent/public/default/${topic}/sub`,
    );
    const closed = new Promise<number>((r) =>
      consumer.once('close', (code) => {
        r(code);
      }),
    );
    consumer.send('{nope');
    assert.equal(await closed, 1007);
  });

  it('serves v1 paths', async () => {
    const t = uniqueName('gw-v1');
    const path = `persistent/public/standalone/default/${t}`;
    const consumer = await openWs(`${gw.url}/ws/consumer/${path}/sub`);
    const q = new WsQueue(consumer);
    const producer = await openWs(`${gw.url}/ws/producer/${path}`);
    try {
      producer.send(JSON.stringify({ payload: b64('v1') }));
      assert.equal((await nextJson(producer))['result'], 'ok');
      assert.equal((await q.next())['payload'], b64('v1'));
    } finally {
      await closeWs(producer);
      await closeWs(consumer);
    }
  });

  it('serves the v3 multi-topic consumer', async () => {
    const t1 = uniqueName('gw-v3a');
    const t2 = uniqueName('gw-v3b');
    const consumer = await openWs(`${gw.url}/ws/v3/consumer/sub?topics=${t1},${t2}`);
    const q = new WsQueue(consumer);
    const p1 = await openWs(`${gw.url}/ws/v2/producer/persistent/public/default/${t1}`);
    const p2 = await openWs(`${gw.url}/ws/v2/producer/persistent/public/default/${t2}`);
    try {
      p1.send(JSON.stringify({ payload: b64('one') }));
      p2.send(JSON.stringify({ payload: b64('two') }));
      const got = new Set([(await q.next())['payload'], (await q.next())['payload']]);
      assert.deepEqual(got, new Set([b64('one'), b64('two')]));
    } finally {
      await closeWs(p1);
      await closeWs(p2);
      await closeWs(consumer);
    }
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    assert.equal((await fetch(`${gw.opsUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${gw.opsUrl}/readyz`)).status, 200);
    const text = await (await fetch(`${gw.opsUrl}/metrics`)).text();
    assert.match(text, /pulsar_ws_gateway_connections_opened_total\{endpoint="producer"\} \d+/);
    assert.match(text, /pulsar_ws_gateway_publish_latency_seconds_count \d+/);
    assert.match(text, /pulsar_client_/);
  });
});
