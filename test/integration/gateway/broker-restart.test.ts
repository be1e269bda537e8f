/**
 * Reconnect (issue 4, Tests): a private broker is restarted while a producer and a consumer are
 * connected through our gateway. Sessions stay open, every publish gets exactly one answer, and
 * every message acknowledged with "ok" reaches the consumer (duplicates allowed: no broker dedup).
 * `/readyz` answers 503 while the broker is down and 200 again once it is back; a producer with
 * a short `sendTimeoutMillis` gets `send-error:8` (TimeoutException) meanwhile.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PulsarStandalone } from '../../../scripts/dev/pulsar-standalone.ts';
import { eventually } from '../../helpers/eventually.ts';
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
    gw = await startGateway([`--pulsar.serviceUrl=${broker.endpoints.serviceUrl}`], {
      readinessProbeMs: 250,
    });
  });
  after(async () => {
    await gw.close();
    await broker.destroy();
  });

  it('keeps sessions, answers every publish and loses no acknowledged message', async (t) => {
    const topic = uniqueName('restart');
    const path = `persistent/public/default/${topic}`;
    const consumer = await openWs(`${gw.url}/ws/v2/consumer/${path}/sub`);
    const cq = new WsQueue(consumer);
    const producer = await openWs(`${gw.url}/ws/v2/producer/${path}?sendTimeoutMillis=0`);
    const pq = new WsQueue(producer);
    const received = new Set<string>();
    const state = { consuming: true };
    // Stop the loop even when an assertion fails, or the test process never exits.
    t.after(() => {
      state.consuming = false;
    });
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
    // sendTimeoutMillis=0 (no timeout, as in the reference): on a busy machine the broker may
    // take more than a minute to come back, and every publish must still succeed.
    const n = 60;
    const early = 10;
    const ok = new Set<string>();
    let answers = 0;
    const send = (i: number): void => {
      producer.send(
        JSON.stringify({ payload: Buffer.from(`m${i}`).toString('base64'), context: `m${i}` }),
      );
    };
    const answer = async (): Promise<void> => {
      const a = await pq.next(240_000);
      answers++;
      if (a['result'] === 'ok') ok.add(String(a['context']));
    };
    for (let i = 0; i < early; i++) send(i);
    while (answers < early) await answer();
    // A second producer with a short sendTimeoutMillis gets its publish answered with the
    // reference's timeout error while the broker is down.
    const timed = await openWs(`${gw.url}/ws/v2/producer/${path}?sendTimeoutMillis=1000`);
    const tq = new WsQueue(timed);
    await broker.stop();
    // The probe runs every 250 ms; the broker stays down far longer than that.
    const readiness = new Set<number>();
    await eventually(async () => {
      const st = (await fetch(`${gw.opsUrl}/readyz`)).status;
      readiness.add(st);
      assert.equal(st, 503);
    });
    for (let i = early; i < n; i++) {
      send(i);
      await new Promise((r) => setTimeout(r, 20));
    }
    timed.send(JSON.stringify({ payload: 'dA==', context: 'timed' }));
    const timeout = await tq.next(60_000);
    assert.equal(timeout['result'], 'send-error:8');
    assert.equal(timeout['context'], 'timed');
    assert.match(String(timeout['errorMsg']), /TimeoutException/);
    await broker.restart();
    while (answers < n) await answer();
    await assert.rejects(pq.next(500), 'exactly one answer per publish');
    assert.equal(ok.size, n, 'every publish succeeded once the broker was back');
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
    assert.ok(readiness.has(503), '/readyz went 503 while the broker was down');
    // The restart shows up as broker reconnects of both kinds on /metrics.
    const metrics = await (await fetch(`${gw.opsUrl}/metrics`)).text();
    for (const kind of ['producer', 'consumer']) {
      assert.match(metrics, new RegExp(`pulsar_client_reconnects_total\\{kind="${kind}"\\} [1-9]`));
    }
    await eventually(async () => {
      assert.equal((await fetch(`${gw.opsUrl}/readyz`)).status, 200);
    });
    assert.equal(producer.readyState, producer.OPEN);
    assert.equal(consumer.readyState, consumer.OPEN);
    assert.equal(timed.readyState, timed.OPEN);
    await closeWs(timed);
    await closeWs(producer);
    await closeWs(consumer);
  });
});
