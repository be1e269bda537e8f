/**
 * Proves the suite's Pulsar is real: a message published through Apache
 * Pulsar's own Java WebSocket proxy (embedded in the broker, and as a separate
 * process) comes back from the consumer endpoint with the same payload,
 * properties and key, and the broker's admin API sees the topic.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pulsarEnv, uniqueName } from '../../helpers/test-env.ts';
import { closeWs, nextJson, openWs } from '../../helpers/ws-client.ts';
import { WsQueue } from '../../helpers/ws-queue.ts';

async function roundTrip(base: string): Promise<void> {
  const topic = uniqueName('smoke');
  const path = `persistent/public/default/${topic}`;
  const consumer = await openWs(`${base}/ws/v2/consumer/${path}/sub-${topic}`);
  // The pushed message may arrive before the producer's answer: buffer it from now on.
  const delivered = new WsQueue(consumer);
  const producer = await openWs(`${base}/ws/v2/producer/${path}`);
  try {
    const payload = Buffer.from(`hello ${topic}`).toString('base64');
    producer.send(
      JSON.stringify({ payload, properties: { k: 'v' }, key: 'key-1', context: 'ctx-1' }),
    );
    const ack = await nextJson(producer);
    assert.equal(ack['result'], 'ok');
    assert.equal(ack['context'], 'ctx-1');
    assert.equal(typeof ack['messageId'], 'string');

    const msg = await delivered.next();
    assert.equal(msg['payload'], payload);
    assert.deepEqual(msg['properties'], { k: 'v' });
    assert.equal(msg['key'], 'key-1');
    assert.equal(msg['messageId'], ack['messageId']);
    consumer.send(JSON.stringify({ messageId: msg['messageId'] }));

    const { adminUrl } = pulsarEnv();
    const res = await fetch(`${adminUrl}/admin/v2/persistent/public/default/${topic}/stats`);
    assert.equal(res.status, 200);
    const stats = (await res.json()) as { msgInCounter: number };
    assert.equal(stats.msgInCounter, 1);
  } finally {
    await closeWs(producer);
    await closeWs(consumer);
  }
}

describe('real Pulsar standalone', () => {
  it('round-trips a message through the broker-embedded Java WebSocket proxy', async () => {
    await roundTrip(pulsarEnv().wsUrl);
  });

  it('round-trips a message through the Java WebSocket proxy running as its own process', async () => {
    await roundTrip(pulsarEnv().javaProxyWsUrl);
  });

  it('reports the broker version 4.0.x on the admin API', async () => {
    const res = await fetch(`${pulsarEnv().adminUrl}/admin/v2/brokers/version`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^"?4\.0\.\d+/);
  });
});
