/**
 * What the other gateway integration files leave out of issue 4's API list, each checked for its
 * effect on the real broker (admin stats, routing, redelivery), not just accepted: the
 * non-persistent domain, v3 `topicsPattern`, percent-encoded topic and subscription names (same
 * as the Java proxy), producer `producerName` / `initialSequenceId` / batching /
 * `maxPendingMessages` back-pressure / routing and hashing (same partitions as the Java proxy),
 * consumer `consumerName` / `subscriptionType` / `priorityLevel` / `ackTimeoutMillis` /
 * dead-letter policy, reader `readerName` / `receiverQueueSize`, publish `deliverAfterMs` /
 * `deliverAt` / `replicationClusters`, the `unsubscribe` command, the 404 / 503 handshake
 * statuses, and `encryptionKeys` refused with 500 as the reference without a key reader does.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type WebSocket from 'ws';
import {
  EARLIEST_MESSAGE_ID,
  PulsarClient,
  Reader,
  decodeMessageIdBase64,
} from '../../../src/pulsar/index.ts';
import { eventually } from '../../helpers/eventually.ts';
import { pulsarEnv, uniqueName } from '../../helpers/test-env.ts';
import { closeWs, nextJson, openWs, upgradeStatus } from '../../helpers/ws-client.ts';
import { openWithQueue, startGateway } from '../../helpers/gateway.ts';
import type { TestGateway } from '../../helpers/gateway.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const NS = 'public/default';

interface TopicStats {
  publishers: { producerName: string }[];
  subscriptions: Record<string, { type: string; consumers: { consumerName: string }[] }>;
}

async function stats(topic: string, domain = 'persistent'): Promise<TopicStats> {
  const res = await fetch(`${pulsarEnv().adminUrl}/admin/v2/${domain}/${NS}/${topic}/stats`);
  assert.ok(res.ok, `stats ${topic}: HTTP ${String(res.status)}`);
  return (await res.json()) as TopicStats;
}

async function admin(method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${pulsarEnv().adminUrl}/admin/v2/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  assert.ok(res.ok, `${method} ${path}: HTTP ${String(res.status)} ${await res.text()}`);
}

/** Publishes `payloads` one by one and returns the acks' message ids. */
async function publish(
  p: WebSocket,
  payloads: readonly (string | Record<string, unknown>)[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const m of payloads) {
    p.send(JSON.stringify(typeof m === 'string' ? { payload: b64(m) } : m));
    const ack = await nextJson(p);
    assert.equal(ack['result'], 'ok', JSON.stringify(ack));
    ids.push(String(ack['messageId']));
  }
  return ids;
}

describe('gateway API coverage against the real broker', () => {
  let gw: TestGateway;
  let java: string;
  before(async () => {
    gw = await startGateway();
    java = pulsarEnv().wsUrl;
  });
  after(async () => {
    await gw.close();
  });

  it('serves non-persistent topics and v3 topicsPattern', async () => {
    const t = uniqueName('np');
    const { ws: c, queue } = await openWithQueue(
      `${gw.url}/ws/v2/consumer/non-persistent/${NS}/${t}/sub`,
    );
    const p = await openWs(`${gw.url}/ws/v2/producer/non-persistent/${NS}/${t}`);
    await publish(p, ['np-1']);
    assert.equal((await queue.next())['payload'], b64('np-1'));
    await closeWs(p);
    await closeWs(c);

    const prefix = uniqueName('pat');
    const topics = [`${prefix}-a`, `${prefix}-b`];
    // The topics exist before the pattern consumer lists the namespace.
    for (const topic of topics) await admin('PUT', `persistent/${NS}/${topic}`);
    const pattern = encodeURIComponent(`persistent://${NS}/${prefix}-.*`);
    const v3 = await openWithQueue(`${gw.url}/ws/v3/consumer/sub?topicsPattern=${pattern}`);
    for (const topic of topics) {
      const pp = await openWs(`${gw.url}/ws/v2/producer/persistent/${NS}/${topic}`);
      await publish(pp, [topic]);
      await closeWs(pp);
    }
    const got = [await v3.queue.next(), await v3.queue.next()].map((m) => m['payload']).sort();
    assert.deepEqual(got, topics.map(b64).sort());
    await closeWs(v3.ws);
  });

  it('decodes percent-encoded topic names as the Java proxy does (same topic on both)', async () => {
    const raw = `${uniqueName('enc')}:x y`;
    const enc = encodeURIComponent(raw);
    const { ws: c, queue } = await openWithQueue(
      `${java}/ws/v2/consumer/persistent/${NS}/${enc}/j%20s`,
    );
    const g = await openWs(`${gw.url}/ws/v2/consumer/persistent/${NS}/${enc}/g%20s`);
    const p = await openWs(`${gw.url}/ws/v2/producer/persistent/${NS}/${enc}`);
    await publish(p, ['enc']);
    assert.equal((await queue.next())['payload'], b64('enc'));
    // Subscription names are decoded alike too.
    const subs = Object.keys((await stats(enc)).subscriptions).sort();
    assert.deepEqual(subs, ['g s', 'j s']);
    for (const ws of [p, c, g]) await closeWs(ws);
  });

  it('producer: producerName and initialSequenceId reach the broker; batching groups messages into one entry', async () => {
    const t = uniqueName('prod');
    const path = `persistent/${NS}/${t}`;
    const named = await openWs(`${gw.url}/ws/v2/producer/${path}?producerName=named-${t}`);
    assert.deepEqual(
      (await stats(t)).publishers.map((x) => x.producerName),
      [`named-${t}`],
    );
    await closeWs(named);
    // initialSequenceId: the first message carries the next sequence id (read with our client,
    // since pushed JSON has no sequence id).
    const seq = await openWs(`${gw.url}/ws/v2/producer/${path}?initialSequenceId=41`);
    await publish(seq, ['s']);
    await closeWs(seq);
    const client = new PulsarClient({ serviceUrl: pulsarEnv().serviceUrl });
    try {
      const reader = await Reader.create(client, {
        topic: `persistent://${NS}/${t}`,
        startMessageId: EARLIEST_MESSAGE_ID,
      });
      assert.equal((await reader.readNext()).sequenceId, 42n);
      await reader.close();
    } finally {
      await client.close();
    }
    const batched = await openWs(
      `${gw.url}/ws/v2/producer/${path}?batchingEnabled=true&batchingMaxMessages=5&batchingMaxPublishDelay=60000`,
    );
    const acks = new Promise<string[]>((resolve) => {
      const ids: string[] = [];
      batched.on('message', (d: Buffer) => {
        ids.push(String((JSON.parse(d.toString()) as Record<string, unknown>)['messageId']));
        if (ids.length === 5) resolve(ids);
      });
    });
    // Five sends without waiting: the batch is full at five and goes out long before the delay.
    for (let i = 0; i < 5; i++) batched.send(JSON.stringify({ payload: b64(`b${i}`) }));
    const ids = (await acks).map((id) => decodeMessageIdBase64(id));
    assert.equal(new Set(ids.map((id) => `${id.ledgerId}:${id.entryId}`)).size, 1);
    assert.deepEqual(ids.map((id) => id.batchIndex).sort(), [0, 1, 2, 3, 4]);
    await closeWs(batched);
  });

  it('producer: maxPendingMessages applies back-pressure instead of queue-full errors', async () => {
    const t = uniqueName('backpressure');
    const p = await openWs(
      `${gw.url}/ws/v2/producer/persistent/${NS}/${t}?batchingEnabled=true&maxPendingMessages=2&batchingMaxPublishDelay=1000`,
    );
    const answers = new Promise<unknown[]>((resolve) => {
      const got: unknown[] = [];
      p.on('message', (d: Buffer) => {
        got.push((JSON.parse(d.toString()) as Record<string, unknown>)['result']);
        if (got.length === 5) resolve(got);
      });
    });
    // Two sends fill the client's queue until the batch goes out; the rest wait in the socket.
    for (let i = 0; i < 5; i++) {
      p.send(JSON.stringify({ payload: b64(`q${i}`) }));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(await answers, ['ok', 'ok', 'ok', 'ok', 'ok']);
    await closeWs(p);
  });

  it('producer: routing modes and hashing schemes pick the same partitions as the Java proxy', async () => {
    const t = uniqueName('routing');
    await admin('PUT', `persistent/${NS}/${t}/partitions`, 4);
    const partitions = async (base: string, query: string, keys: (string | undefined)[]) => {
      const p = await openWs(`${base}/ws/v2/producer/persistent/${NS}/${t}?${query}`);
      const ids = await publish(
        p,
        keys.map((key, i) => ({ payload: b64(`r${i}`), ...(key === undefined ? {} : { key }) })),
      );
      await closeWs(p);
      return ids.map((id) => decodeMessageIdBase64(id).partition);
    };
    const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
    for (const scheme of ['JavaStringHash', 'Murmur3_32Hash']) {
      const q = `hashingScheme=${scheme}`;
      assert.deepEqual(await partitions(gw.url, q, keys), await partitions(java, q, keys), scheme);
    }
    const noKey = Array<undefined>(8).fill(undefined);
    const single = await partitions(gw.url, 'messageRoutingMode=SinglePartition', noKey);
    assert.equal(new Set(single).size, 1, 'SinglePartition: one partition');
    const rr = await partitions(gw.url, 'messageRoutingMode=RoundRobinPartition', noKey);
    assert.equal(new Set(rr).size, 4, 'RoundRobinPartition without batching: every partition');
  });

  it('consumer: consumerName, subscriptionType and priorityLevel reach the broker', async () => {
    const t = uniqueName('cons');
    const path = `persistent/${NS}/${t}`;
    for (const type of ['Exclusive', 'Shared', 'Failover', 'Key_Shared']) {
      const c = await openWs(
        `${gw.url}/ws/v2/consumer/${path}/s-${type}?subscriptionType=${type}&consumerName=n-${type}`,
      );
      const sub = (await stats(t)).subscriptions[`s-${type}`];
      assert.equal(sub?.type, type);
      assert.deepEqual(
        sub.consumers.map((x) => x.consumerName),
        [`n-${type}`],
      );
      await closeWs(c);
    }
    // Shared: the broker dispatches to the lowest priorityLevel while it has permits.
    const low = await openWithQueue(
      `${gw.url}/ws/v2/consumer/${path}/prio?subscriptionType=Shared&priorityLevel=1`,
    );
    const high = await openWithQueue(
      `${gw.url}/ws/v2/consumer/${path}/prio?subscriptionType=Shared&priorityLevel=0`,
    );
    const p = await openWs(`${gw.url}/ws/v2/producer/${path}`);
    await publish(p, ['p0', 'p1', 'p2']);
    for (let i = 0; i < 3; i++) {
      const m = await high.queue.next();
      high.ws.send(JSON.stringify({ messageId: m['messageId'] }));
    }
    await assert.rejects(low.queue.next(2_000), /no message/);
    for (const ws of [p, low.ws, high.ws]) await closeWs(ws);
  });

  it('consumer: ackTimeoutMillis redelivers an unacked message; the dead-letter policy moves it', async () => {
    const t = uniqueName('redeliver');
    const path = `persistent/${NS}/${t}`;
    const timeout = await openWithQueue(
      `${gw.url}/ws/v2/consumer/${path}/ack-to?subscriptionType=Shared&ackTimeoutMillis=1000`,
    );
    const dlqTopic = `${t}-dlq`;
    const dlq = await openWithQueue(`${gw.url}/ws/v2/consumer/persistent/${NS}/${dlqTopic}/d`);
    const dead = await openWithQueue(
      `${gw.url}/ws/v2/consumer/${path}/dlq?subscriptionType=Shared&negativeAckRedeliveryDelay=100&maxRedeliverCount=1&deadLetterTopic=${dlqTopic}`,
    );
    const p = await openWs(`${gw.url}/ws/v2/producer/${path}`);
    const [id] = await publish(p, ['r']);
    await closeWs(p);
    // Not acked: the same message comes again after the ack timeout.
    assert.equal((await timeout.queue.next())['messageId'], id);
    const again = await timeout.queue.next(30_000);
    assert.equal(again['messageId'], id);
    timeout.ws.send(JSON.stringify({ messageId: again['messageId'] }));
    // Negatively acked past maxRedeliverCount: it goes to the dead-letter topic.
    const counts: unknown[] = [];
    const moved = dlq.queue.next(60_000);
    for (;;) {
      const m = await Promise.race([dead.queue.next(60_000), moved.then(() => undefined)]);
      if (m === undefined) break;
      counts.push(m['redeliveryCount']);
      dead.ws.send(JSON.stringify({ type: 'negativeAcknowledge', messageId: m['messageId'] }));
    }
    assert.equal((await moved)['payload'], b64('r'));
    assert.deepEqual(counts, [0, 1]);
    for (const ws of [timeout.ws, dlq.ws, dead.ws]) await closeWs(ws);
  });

  it('reader: readerName reaches the broker; receiverQueueSize bounds what is pushed ahead', async () => {
    const t = uniqueName('reader');
    const path = `persistent/${NS}/${t}`;
    const p = await openWs(`${gw.url}/ws/v2/producer/${path}`);
    await publish(p, ['a', 'b', 'c', 'd']);
    await closeWs(p);
    const { ws, queue } = await openWithQueue(
      `${gw.url}/ws/v2/reader/${path}?messageId=earliest&readerName=rn-${t}&receiverQueueSize=2`,
    );
    const names = Object.values((await stats(t)).subscriptions).flatMap((s) =>
      s.consumers.map((x) => x.consumerName),
    );
    assert.deepEqual(names, [`rn-${t}`]);
    assert.equal((await queue.next())['payload'], b64('a'));
    assert.equal((await queue.next())['payload'], b64('b'));
    await assert.rejects(queue.next(2_000), /no message/);
    ws.send(JSON.stringify({ messageId: 'any' }));
    assert.equal((await queue.next())['payload'], b64('c'));
    await closeWs(ws);
  });

  it('publish: deliverAfterMs and deliverAt delay delivery; replicationClusters is accepted', async () => {
    const t = uniqueName('delay');
    const path = `persistent/${NS}/${t}`;
    const { ws: c, queue } = await openWithQueue(
      `${gw.url}/ws/v2/consumer/${path}/s?subscriptionType=Shared`,
    );
    const p = await openWs(`${gw.url}/ws/v2/producer/${path}`);
    await publish(p, [
      { payload: b64('after'), deliverAfterMs: 3_000 },
      { payload: b64('at'), deliverAt: Date.now() + 3_000 },
      { payload: b64('now'), replicationClusters: ['standalone'] },
    ]);
    const order: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const m = await queue.next(30_000);
      order.push(Buffer.from(String(m['payload']), 'base64').toString());
      c.send(JSON.stringify({ messageId: m['messageId'] }));
    }
    // Delayed messages come after the one published last without a delay.
    assert.equal(order[0], 'now');
    assert.deepEqual([...order].sort(), ['after', 'at', 'now']);
    await closeWs(p);
    await closeWs(c);
  });

  it('unsubscribe deletes the subscription and keeps the socket open', async () => {
    const t = uniqueName('unsub');
    const path = `persistent/${NS}/${t}`;
    const c = await openWs(`${gw.url}/ws/v2/consumer/${path}/gone`);
    assert.ok((await stats(t)).subscriptions['gone']);
    c.send(JSON.stringify({ type: 'unsubscribe' }));
    await eventually(async () => {
      assert.equal((await stats(t)).subscriptions['gone'], undefined);
    });
    assert.equal(c.readyState, c.OPEN);
    await closeWs(c);
  });

  it('answers 404 for a missing namespace, 503 for a terminated topic, 500 for encryptionKeys', async () => {
    const missing = `/ws/v2/producer/persistent/public/${uniqueName('nons')}/t`;
    assert.equal(await upgradeStatus(gw.url + missing), 404);
    assert.equal(await upgradeStatus(gw.url + missing), await upgradeStatus(java + missing));
    const t = uniqueName('term');
    const p = await openWs(`${gw.url}/ws/v2/producer/persistent/${NS}/${t}`);
    await publish(p, ['x']);
    await closeWs(p);
    await admin('POST', `persistent/${NS}/${t}/terminate`);
    const prod = `/ws/v2/producer/persistent/${NS}/${t}`;
    assert.equal(await upgradeStatus(gw.url + prod), 503);
    assert.equal(await upgradeStatus(java + prod), 503);
    // encryptionKeys: "not supported" here; the reference without a key reader also answers 500.
    const enc = `/ws/v2/producer/persistent/${NS}/${uniqueName('encrypt')}?encryptionKeys=k1`;
    assert.equal(await upgradeStatus(gw.url + enc), 500);
    assert.equal(await upgradeStatus(java + enc), 500);
  });
});
