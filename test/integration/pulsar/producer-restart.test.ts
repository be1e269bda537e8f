/**
 * Broker restart in the middle of a stream (issue 3): a private Pulsar standalone is restarted
 * while our producer keeps sending. Every send promise must settle, every acknowledged message
 * must be readable afterwards (none lost), and messages must keep their order. Duplicates are
 * allowed (no broker dedup here): a message the broker persisted but whose receipt the restart
 * swallowed is resent with the same sequence id.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { PulsarStandalone } from '../../../scripts/dev/pulsar-standalone.ts';
import { PulsarClient } from '../../../src/pulsar/client.ts';
import type { MessageId } from '../../../src/pulsar/protocol/message-id.ts';
import { Producer } from '../../../src/pulsar/producer/producer.ts';
import { uniqueName } from '../../helpers/test-env.ts';
import { closeWs, openWs } from '../../helpers/ws-client.ts';
import { WsQueue } from '../../helpers/ws-queue.ts';

let broker: PulsarStandalone;
let client: PulsarClient;

before(async () => {
  broker = await PulsarStandalone.start({ name: uniqueName('restart') });
  client = new PulsarClient({ serviceUrl: broker.endpoints.serviceUrl });
});

after(async () => {
  await client.close();
  await broker.destroy();
});

/** Reads every message of `topic` from the start through the broker's Java WS reader. */
async function readAll(topic: string): Promise<string[]> {
  const ws = await openWs(
    `${broker.endpoints.wsUrl}/ws/v2/reader/persistent/public/default/${topic}?messageId=earliest`,
  );
  const queue = new WsQueue(ws);
  const out: string[] = [];
  try {
    for (;;) {
      let msg;
      try {
        msg = await queue.next(5_000);
      } catch {
        return out; // nothing more within 5 s: the topic is drained
      }
      out.push(Buffer.from(msg['payload'] as string, 'base64').toString());
      ws.send(JSON.stringify({ messageId: msg['messageId'] }));
    }
  } finally {
    await closeWs(ws);
  }
}

describe('producer across a broker restart', () => {
  for (const batchingEnabled of [false, true]) {
    it(`loses no acknowledged message and keeps order (batching ${batchingEnabled ? 'on' : 'off'})`, async () => {
      const topic = uniqueName(`restart-${batchingEnabled ? 'batch' : 'plain'}`);
      const producer = await Producer.create(client, {
        topic,
        batchingEnabled,
        batchingMaxPublishDelayMs: 5,
        sendTimeoutMs: 180_000,
      });
      try {
        const sends: Promise<MessageId>[] = [];
        let i = 0;
        const sendSome = async (n: number): Promise<void> => {
          for (let k = 0; k < n; k++) {
            sends.push(producer.send({ payload: Buffer.from(`m-${i++}`) }));
            await delay(10);
          }
        };
        await sendSome(50);
        const state = { restarted: false };
        const restarting = broker.restart().then(() => {
          state.restarted = true;
        });
        while (!state.restarted) await sendSome(10);
        await restarting;
        await sendSome(50);
        const settled = await Promise.allSettled(sends);
        const acked = settled.flatMap((s, idx) => (s.status === 'fulfilled' ? [idx] : []));
        const failures = settled.flatMap((s) =>
          s.status === 'rejected' ? [(s.reason as { code?: string }).code] : [],
        );
        assert.deepEqual(failures, [], 'with a 180 s send timeout every send succeeds');
        assert.equal(acked.length, sends.length);

        const read = await readAll(topic);
        const firstSeen = new Map<string, number>();
        read.forEach((p, pos) => {
          if (!firstSeen.has(p)) firstSeen.set(p, pos);
        });
        for (const idx of acked) {
          assert.ok(firstSeen.has(`m-${idx}`), `acknowledged m-${idx} was lost`);
        }
        const order = acked.map((idx) => firstSeen.get(`m-${idx}`)!);
        for (let k = 1; k < order.length; k++) {
          assert.ok(order[k]! > order[k - 1]!, `m-${acked[k]} was read before m-${acked[k - 1]}`);
        }
      } finally {
        await producer.close();
      }
    });
  }
});
