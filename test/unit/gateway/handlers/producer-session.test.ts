/**
 * The producer session with a fake WebSocket and our real Producer over the fake broker
 * (test/helpers/fake-broker*.ts): every publish gets exactly one answer (ok with id and
 * context, send-error:3 / 7 for bad frames, send-error:8 with the Java exception name on a
 * broker timeout), the socket is paused at `maxInflightSends` and resumed only once the client's
 * buffer is under its cap, and a drain answers what is in flight before closing with 1001.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ProducerSession } from '../../../../src/gateway/handlers/producer-session.ts';
import type { GatewayMetrics } from '../../../../src/gateway/metrics.ts';
import { PulsarClient } from '../../../../src/pulsar/client.ts';
import { Producer } from '../../../../src/pulsar/producer/producer.ts';
import { decodeMessageIdBase64 } from '../../../../src/pulsar/index.ts';
import { FakeClock } from '../../../../src/shared/index.ts';
import { eventually } from '../../../helpers/eventually.ts';
import { FakeBroker } from '../../../helpers/fake-broker.ts';
import { ReceiptController, receivedSends } from '../../../helpers/fake-broker-producer.ts';
import { FakeWs, fakeSessionContext } from '../../../helpers/fake-session.ts';

let broker: FakeBroker;
let receipts: ReceiptController;
let clock: FakeClock;
let client: PulsarClient;

beforeEach(async () => {
  broker = await FakeBroker.start();
  receipts = new ReceiptController(broker, { auto: true });
  clock = new FakeClock();
  client = new PulsarClient({
    serviceUrl: broker.url,
    clock,
    keepAliveIntervalMs: 0,
    registry: new Registry(),
  });
});

afterEach(async () => {
  await client.close();
  await broker.close();
});

async function setup(maxInflightSends = 1000, sendTimeoutMs = 30_000) {
  const producer = await Producer.create(client, {
    topic: 'persistent://public/default/t',
    sendTimeoutMs,
    registry: new Registry(),
  });
  const ws = new FakeWs();
  const ctx = fakeSessionContext(ws, 'producer', { clock, slowClientTimeoutMs: 10_000 });
  const session = new ProducerSession(ctx, producer, { maxInflightSends });
  const metrics = ctx.metrics;
  return { ws, session, metrics, producer };
}

const answers = (ws: FakeWs): Record<string, unknown>[] => ws.json();

const gauge = async (metrics: GatewayMetrics): Promise<number> =>
  (await metrics.pendingSends.get()).values[0]?.value ?? 0;

describe('ProducerSession', () => {
  it('publishes a frame and answers ok with the broker id and the context', async () => {
    const { ws, session, metrics } = await setup();
    session.onText(
      JSON.stringify({ payload: 'aGk=', properties: { a: '1' }, key: 'k', context: 'c1' }),
    );
    await eventually(() => {
      assert.equal(ws.sent.length, 1);
    });
    const [ack] = answers(ws);
    assert.ok(ack);
    assert.equal(ack['result'], 'ok');
    assert.equal(ack['context'], 'c1');
    const id = decodeMessageIdBase64(ack['messageId'] as string);
    assert.deepEqual([id.ledgerId, id.entryId], [7n, 0n]);
    const [sent] = receivedSends(broker);
    assert.ok(sent);
    assert.equal(sent.payload.toString(), 'hi');
    assert.equal(sent.metadata.partitionKey, 'k');
    assert.deepEqual(sent.metadata.properties, [{ key: 'a', value: '1' }]);
    assert.equal(session.pending, 0);
    assert.equal(await gauge(metrics), 0);
    assert.equal(
      (await metrics.publishLatency.get()).values.find((v) => v.metricName?.endsWith('_count'))
        ?.value,
      1,
    );
  });

  it('answers bad frames without publishing: 3 without context, 7 with it', async () => {
    const { ws, session } = await setup();
    session.onText('{not json');
    session.onText(JSON.stringify({ payload: '@@@', context: 'bad' }));
    assert.deepEqual(
      answers(ws).map((a) => [a['result'], a['context']]),
      [
        ['send-error:3', undefined],
        ['send-error:7', 'bad'],
      ],
    );
    assert.equal(receivedSends(broker).length, 0);
    assert.equal(session.pending, 0);
  });

  it("answers a broker timeout with send-error:8 and the Java client's exception name", async () => {
    receipts.auto = false;
    const { ws, session, metrics } = await setup(1000, 1_000);
    session.onText(JSON.stringify({ payload: 'aGk=', context: 'slow' }));
    await eventually(() => {
      assert.equal(receipts.held.length, 1);
    });
    assert.equal(await gauge(metrics), 1);
    clock.advance(1_000);
    await eventually(() => {
      assert.equal(ws.sent.length, 1);
    });
    const [err] = answers(ws);
    assert.ok(err);
    assert.equal(err['result'], 'send-error:8');
    assert.equal(err['context'], 'slow');
    assert.match(
      String(err['errorMsg']),
      /^org\.apache\.pulsar\.client\.api\.PulsarClientException\$TimeoutException: /,
    );
    assert.equal(await gauge(metrics), 0);
  });

  it('answers a publish on a closed producer with send-error:8 (the session survives)', async () => {
    const { ws, session, producer } = await setup();
    await producer.close();
    session.onText(JSON.stringify({ payload: 'aGk=', context: 'x' }));
    await eventually(() => {
      assert.equal(ws.sent.length, 1);
    });
    assert.equal(answers(ws)[0]?.['result'], 'send-error:8');
    assert.equal(ws.closedWith, undefined);
    assert.equal(session.pending, 0);
  });

  it('pauses the socket at maxInflightSends and resumes once answers are read', async () => {
    receipts.auto = false;
    const { ws, session } = await setup(2);
    session.onText(JSON.stringify({ payload: 'YQ==', context: '1' }));
    assert.equal(ws.paused, false);
    session.onText(JSON.stringify({ payload: 'Yg==', context: '2' }));
    assert.equal(ws.paused, true);
    await eventually(() => {
      assert.equal(receipts.held.length, 2);
    });
    // The client is not reading: answers pile up over the buffer cap, so the socket stays paused.
    ws.bufferedAmount = 5_000;
    receipts.release();
    await eventually(() => {
      assert.equal(ws.sent.length, 2);
    });
    clock.advance(100);
    await new Promise((r) => setImmediate(r));
    assert.equal(ws.paused, true, 'still paused while the buffer is over the cap');
    ws.bufferedAmount = 0;
    clock.advance(20);
    await eventually(() => {
      assert.equal(ws.paused, false);
    });
    assert.deepEqual(
      answers(ws).map((a) => [a['result'], a['context']]),
      [
        ['ok', '1'],
        ['ok', '2'],
      ],
    );
  });

  it('drain answers every publish in flight, then closes with 1001', async () => {
    receipts.auto = false;
    const { ws, session } = await setup();
    session.onText(JSON.stringify({ payload: 'YQ==', context: 'a' }));
    session.onText(JSON.stringify({ payload: 'Yg==', context: 'b' }));
    await eventually(() => {
      assert.equal(receipts.held.length, 2);
    });
    const drained = session.drain();
    assert.equal(ws.paused, true, 'no new frames are read while draining');
    await new Promise((r) => setImmediate(r));
    assert.equal(ws.closedWith, undefined, 'not closed before the answers');
    receipts.release();
    await drained;
    assert.deepEqual(
      answers(ws).map((a) => a['context']),
      ['a', 'b'],
    );
    assert.deepEqual(ws.closedWith, [1001, 'Gateway shutting down']);
    // The close resumes the socket so that the client's close echo can be read.
    assert.equal(ws.paused, false);
  });

  it('on close, forgets pending sends in the gauge and closes the producer', async () => {
    receipts.auto = false;
    const { session, metrics, producer } = await setup();
    session.onText(JSON.stringify({ payload: 'YQ==' }));
    assert.equal(await gauge(metrics), 1);
    await session.onClosed();
    assert.equal(await gauge(metrics), 0);
    assert.equal(session.pending, 0);
    await assert.rejects(producer.send({ payload: Buffer.from('x') }), {
      code: 'PULSAR_ERR_CLOSED',
    });
  });
});
