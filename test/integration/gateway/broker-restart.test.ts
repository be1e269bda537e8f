/**
 * Reconnect (issue 4, Tests): a private broker is restarted while a producer and a consumer are
 * connected through our gateway. Sessions stay open, every publish gets exactly one answer, and
 * every message acknowledged with "ok" reaches the consumer (duplicates allowed: no broker dedup).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PulsarStandalone } from '../../../scripts/dev/pulsar-standalone.ts';
import { uniqueName } from '../../helpers/test-env.ts';
import { closeWs, openWs } from '../../helpers/ws-client.ts';
import { WsQueue } from '../../helpers/ws-queue.ts';
import { startGateway } from '../../helpers/gateway.ts';
import type { TestGateway } from '../../helpers/gateway.ts';

describe('gateway across a broker restart', () => {
  let broker: PulsarStandalone;
  let gw: TestGateway;
  before(async () => {
    broker = await PulsarStandalone.start({ name: uniqueName('gw-restart') });
    gw = await startGateway([`--pulsar.serviceUrl=${broker.endpoints.serviceUrl}`]);
  });
  after(async () => {
    await gw.close();
    await broker.destroy();
  });

  it('keeps sessions, answers every publish and loses no acknowledged message', async () => {
    const topic = uniqueName('restart');
    const path = `persistent/public/default/${topic}`;
    const consumer = await openWs(`${gw.url}/ws/v2/consumer/${path}/sub`);
    const cq = new WsQueue(consumer);
    const producer = await openWs(`${gw.url}/ws/v2/producer/${path}?sendTimeoutMillis=60000`);
    const pq = new WsQueue(producer);
    const received = new Set<string>();
    const state = { consuming: true };
    const consumeLoop = (async () => {
      while (state.consuming) {
        try {
          const m = await cq.next(1000);
          received.add(Buffer.from(String(m['payload']), 'base64').toString());
          consumer.send(JSON.stringify({ messageId: m['messageId'] }));
        } catch {
          // no message this second
        }
      }
    })();
    const n = 60;
    const ok = new Set<string>();
    let answers = 0;
    const restart = (async () => {
      await new Promise((r) => setTimeout(r, 300));
      await broker.restart();
    })();
    for (let i = 0; i < n; i++) {
      producer.send(
        JSON.stringify({ payload: Buffer.from(`m${i}`).toString('base64'), context: `m${i}` }),
      );
      await new Promise((r) => setTimeout(r, 20));
    }
    await restart;
    while (answers < n) {
      const a = await pq.next(90_000);
      answers++;
      if (a['result'] === 'ok') ok.add(String(a['context']));
    }
    await assert.rejects(pq.next(500), 'exactly one answer per publish');
    assert.ok(ok.size > 0);
    const deadline = Date.now() + 60_000;
    while ([...ok].some((c) => !received.has(c)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    state.consuming = false;
    await consumeLoop;
    assert.deepEqual(
      [...ok].filter((c) => !received.has(c)),
      [],
    );
    assert.equal(producer.readyState, producer.OPEN);
    assert.equal(consumer.readyState, consumer.OPEN);
    await closeWs(producer);
    await closeWs(consumer);
  });
});
