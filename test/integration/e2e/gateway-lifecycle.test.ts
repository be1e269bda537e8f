/**
 * End to end on one machine: the operator (installed with the Helm chart, running as a pod) and
 * the local node agent on a private control plane, gateway pods running as real processes
 * against the shared Pulsar, clients going through the agent's Service proxy. One gateway goes through its life: applied → Ready
 * and serving; scaled to 3 → 3 processes serving; a setting changed → a rolling update in which
 * every in-flight publish is answered and clients closed with 1001 reconnect to new pods;
 * self-signed TLS → wss:// trusting the generated CA; the certificate rotated while connections
 * stay open; deleted → the processes stop. The operator's status is checked at each step
 * against what the pods really do.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type WebSocket from 'ws';
import type { TLSSocket } from 'node:tls';
import { CoordinationV1Api, type V1Secret } from '@kubernetes/client-node';
import type { PulsarWebSocketGateway } from '../../../src/operator/api/v1alpha1/types.ts';
import { CRD_API_VERSION, CRD_KIND } from '../../../src/operator/api/v1alpha1/constants.ts';
import { childNames } from '../../../src/operator/resources/names.ts';
import { eventually } from '../../helpers/eventually.ts';
import { conditionOf, gatewayManifest, readGateway } from '../../helpers/operator-harness.ts';
import { pulsarEnv, uniqueName } from '../../helpers/test-env.ts';
import { closeWs, nextJson, openWs } from '../../helpers/ws-client.ts';
import { ReconnectingConsumer } from './reconnecting-consumer.ts';
import { ReconnectingProducer } from './reconnecting-producer.ts';
import {
  OPERATOR_NAMESPACE,
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

/** Data of the operator's server TLS Secret, decoded. */
async function serverSecret(): Promise<Record<string, string>> {
  const s = await c.client.get<V1Secret>('v1', 'Secret', namespace, names.tlsSecret);
  return Object.fromEntries(
    Object.entries(s?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
  );
}

/** A wss:// producer through the Service proxy, verifying the server against `ca` and the Service's DNS name. */
function openWss(ca: string): Promise<WebSocket> {
  // Verify the certificate against the Service's DNS name, as an in-cluster client would
  // (ws hands TLS options such as servername to tls.connect).
  const tlsOptions = { ca, servername: `${names.service}.${namespace}.svc` };
  return openWs(`wss://${serviceHost()}:8443/ws/v2/producer/${topic}`, tlsOptions);
}

function peerFingerprint(ws: WebSocket): string {
  const socket = (ws as unknown as { _socket: TLSSocket })._socket;
  return socket.getPeerCertificate().fingerprint256;
}

describe('gateway end to end on the local node agent', { timeout: 900_000 }, () => {
  before(async () => {
    c = await startE2eCluster(namespace);
  });
  after(
    async () => {
      await c.stop();
    },
    { timeout: 120_000 },
  );

  it('the agent registered a Ready node and renews its Lease', async () => {
    const node = await c.core.readNode({ name: c.agent.nodeName });
    const ready = node.status?.conditions?.find((x) => x.type === 'Ready');
    assert.equal(ready?.status, 'True');
    assert.ok(Number(node.status?.capacity?.['pods']) > 0);
    const lease = await c.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({
      name: c.agent.nodeName,
      namespace: 'kube-node-lease',
    });
    const renewed = new Date(String(lease.spec?.renewTime)).getTime();
    assert.ok(
      Date.now() - renewed < 60_000,
      `lease renewed recently (${String(lease.spec?.renewTime)})`,
    );
  });

  it('the operator runs as a pod from the chart, with in-cluster credentials', async () => {
    const pods = await c.core.listNamespacedPod({ namespace: OPERATOR_NAMESPACE });
    assert.equal(pods.items.length, 1);
    const pod = pods.items[0];
    assert.ok(pod !== undefined && podReady(pod), 'operator pod Running and Ready');
    const runner = c.agent.runner(OPERATOR_NAMESPACE, pod.metadata?.name ?? '');
    const [pid] = runner?.pids() ?? [];
    assert.ok(pid !== undefined && processAlive(pid), 'the operator process is alive');
    // The ServiceAccount admission plugin added the projected token volume; the agent mounted it.
    assert.ok(
      pod.spec?.volumes?.some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken)),
    );
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
    // The pod's securityContext (runAsUser/runAsGroup 65532) holds for the process.
    const ids = /Uid:\s+(\d+)[\s\S]*Gid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    assert.deepEqual([ids?.[1], ids?.[2]], ['65532', '65532']);

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

  it('scaled to 3: three processes serve, each on its own pod IP', async () => {
    await c.client.mergePatch(CRD_API_VERSION, CRD_KIND, namespace, NAME, {
      spec: { replicas: 3 },
    });
    await waitServing(3);
    const pods = await gatewayPods(c, NAME);
    const pids = new Set<number>();
    const ips = new Set<string>();
    for (const pod of pods) {
      const runner = c.agent.runner(namespace, pod.metadata?.name ?? '');
      assert.ok(runner, `${pod.metadata?.name} runs here`);
      for (const pid of runner.pids()) {
        assert.ok(processAlive(pid));
        pids.add(pid);
      }
      ips.add(runner.podIP);
      // Straight to the pod, not through the Service: every replica serves.
      const producer = await openWs(`ws://${runner.podIP}:8080/ws/v2/producer/${topic}`);
      const ack = await publish(producer, `to ${pod.metadata?.name}`, 'direct');
      assert.equal(ack['result'], 'ok', JSON.stringify(ack));
      await closeWs(producer);
    }
    assert.equal(pids.size, 3, 'three gateway processes');
    assert.equal(ips.size, 3, 'three pod IPs, same port');
  });

  it('a crashed gateway process is restarted in the same pod (restartPolicy Always)', async () => {
    const [pod] = await gatewayPods(c, NAME);
    const podName = pod?.metadata?.name ?? '';
    const runner = c.agent.runner(namespace, podName);
    const [pid] = runner?.pids() ?? [];
    assert.ok(runner !== undefined && pid !== undefined);
    process.kill(pid, 'SIGKILL');
    await eventually(
      async () => {
        const p = (await gatewayPods(c, NAME)).find((x) => x.metadata?.name === podName);
        const st = p?.status?.containerStatuses?.[0];
        assert.ok((st?.restartCount ?? 0) >= 1, 'restart counted');
        assert.equal(st?.lastState?.terminated?.exitCode, 137, 'killed by SIGKILL');
        assert.ok(p !== undefined && podReady(p), 'Ready again');
        const [next] = runner.pids();
        assert.ok(next !== undefined && next !== pid && processAlive(next), 'a new process');
      },
      60_000,
      500,
    );
    await waitServing(3);
  });

  it('a setting changed: rolling update, every read publish answered, clients closed with 1001 reconnect to new pods', async () => {
    const before = new Set((await gatewayPods(c, NAME)).map((p) => p.metadata?.name ?? ''));
    const oldPids = [...before].flatMap((n) => c.agent.runner(namespace, n)?.pids() ?? []);
    const base = `ws://${serviceHost()}:8080/ws/v2`;
    const consumer = new ReconnectingConsumer(
      `${base}/consumer/${topic}/sub-roll?subscriptionType=Shared`,
    );
    consumer.start();
    // The subscription exists once the consumer is connected; only then are publishes kept for it.
    await eventually(() => {
      assert.ok(consumer.opened >= 1);
    }, 30_000);
    const producers = Array.from(
      { length: 4 },
      (_, i) => new ReconnectingProducer(`${base}/producer/${topic}`, `p${i}`),
    );
    for (const p of producers) p.start();
    await eventually(() => {
      for (const p of producers) assert.ok(p.acked.size >= 5, 'publishing before the change');
    }, 60_000);

    await c.client.mergePatch(CRD_API_VERSION, CRD_KIND, namespace, NAME, {
      spec: { websocket: { maxConnections: 5000 } },
    });
    // The rollout is over when three new pods serve and none of the old ones is left.
    await eventually(
      async () => {
        const pods = await gatewayPods(c, NAME);
        assert.ok(
          pods.every((p) => !before.has(p.metadata?.name ?? '')),
          'only new pods',
        );
        await waitServing(3, 1000);
        for (const pid of oldPids) assert.ok(!processAlive(pid), `old process ${pid} stopped`);
      },
      240_000,
      1000,
    );
    // Some publishing on the new pods before stopping.
    const counts = producers.map((p) => p.acked.size);
    await eventually(() => {
      producers.forEach((p, i) => {
        assert.ok(p.acked.size >= (counts[i] ?? 0) + 5);
      });
    }, 60_000);
    await Promise.all(producers.map((p) => p.stop()));

    for (const p of producers) {
      const closed = p.connections.filter((r) => r.closeCode !== undefined && r.closeCode !== 1000);
      assert.ok(closed.length >= 1, 'each client was connected to an old pod and got closed');
      for (const r of closed) assert.equal(r.closeCode, 1001, 'closed with 1001 (going away)');
      for (const r of p.connections) {
        for (const result of r.answers.values()) assert.equal(result, 'ok');
      }
    }
    // Every acknowledged publish reaches the consumer; a publish left unanswered at a close
    // was never read by the gateway, so it must never reach the consumer either.
    await eventually(() => {
      for (const p of producers)
        for (const ctx of p.acked) assert.ok(consumer.received.has(ctx), ctx);
    }, 60_000);
    await consumer.stop();
    for (const p of producers) {
      for (const r of p.connections) {
        for (const ctx of r.sent) {
          if (r.answers.has(ctx)) continue;
          assert.ok(!consumer.received.has(ctx), `${ctx} was published but never answered`);
        }
      }
    }
    assert.ok(
      consumer.closeCodes.every((code) => code === 1001),
      consumer.closeCodes.join(','),
    );
    const gw = await readGateway(c.client, namespace, NAME);
    assert.equal(gw.status?.readyReplicas, 3);
    assert.equal(gw.status.observedGeneration, gw.metadata.generation);
  });

  let tlsPodNames: string[] = [];
  let caPem = '';

  it('self-signed TLS: wss:// through the Service, trusting the generated CA', async () => {
    await c.client.mergePatch(CRD_API_VERSION, CRD_KIND, namespace, NAME, {
      spec: { replicas: 1, tls: { mode: 'selfSigned' } },
    });
    const gw = await eventually(
      async () => {
        const g = await waitServing(1, 1000);
        assert.equal(conditionOf(g, 'CertificateReady')?.status, 'True');
        const pods = await gatewayPods(c, NAME);
        assert.ok(pods.every((p) => p.spec?.containers[0]?.ports?.some((x) => x.name === 'wss')));
        return g;
      },
      240_000,
      1000,
    );
    assert.equal(gw.status?.endpoints?.wss, `wss://${names.service}.${namespace}.svc:8443`);
    tlsPodNames = (await gatewayPods(c, NAME)).map((p) => p.metadata?.name ?? '');
    caPem = (await serverSecret())['ca.crt'] ?? '';
    assert.match(caPem, /BEGIN CERTIFICATE/);
    const producer = await openWss(caPem);
    const ack = await publish(producer, 'over wss', 'tls1');
    assert.equal(ack['result'], 'ok', JSON.stringify(ack));
    await closeWs(producer);
  });

  it('certificate rotated: open wss:// connections stay up, new ones see the new certificate, no pod restarts', async () => {
    const open = await openWss(caPem);
    const oldFingerprint = peerFingerprint(open);
    const oldCert = (await serverSecret())['tls.crt'];
    // A change of the certificate's DNS names makes the operator issue a new server
    // certificate from the same CA into the same Secret (deleting the Secret would only bring
    // the same certificate back: the operator keeps what it issued).
    await c.client.mergePatch(CRD_API_VERSION, CRD_KIND, namespace, NAME, {
      spec: { tls: { mode: 'selfSigned', dnsNames: ['ws.e2e.example'] } },
    });
    await eventually(
      async () => {
        const s = await serverSecret();
        assert.ok(s['tls.crt'] !== undefined && s['tls.crt'] !== oldCert, 'a new certificate');
      },
      60_000,
      500,
    );
    // The agent swaps the mounted files; the gateway reloads them.
    await eventually(
      async () => {
        const fresh = await openWss(caPem);
        const fp = peerFingerprint(fresh);
        await closeWs(fresh);
        assert.notEqual(fp, oldFingerprint, 'new connections get the new certificate');
      },
      60_000,
      1000,
    );
    const ack = await publish(open, 'after rotation', 'rot1');
    assert.equal(ack['result'], 'ok', 'the connection opened before the rotation still works');
    await closeWs(open);
    const pods = await gatewayPods(c, NAME);
    assert.deepEqual(
      pods.map((p) => p.metadata?.name ?? ''),
      tlsPodNames,
      'same pods',
    );
    assert.equal(pods[0]?.status?.containerStatuses?.[0]?.restartCount, 0);
    const gw = await readGateway(c.client, namespace, NAME);
    assert.equal(conditionOf(gw, 'Ready')?.status, 'True');
    assert.equal(conditionOf(gw, 'CertificateReady')?.status, 'True');
  });

  it('deleted: the pods are removed and their processes stop', async () => {
    const pids = [...c.agent.runners().values()]
      .filter((r) => r.namespace === namespace)
      .flatMap((r) => r.pids());
    assert.ok(pids.length > 0);
    await c.client.delete(CRD_API_VERSION, CRD_KIND, namespace, NAME);
    await eventually(
      async () => {
        assert.equal((await gatewayPods(c, NAME)).length, 0, 'no pods');
        const left = [...c.agent.runners().values()].filter((r) => r.namespace === namespace);
        assert.equal(left.length, 0, 'no gateway pod runs on the node');
        for (const pid of pids) assert.ok(!processAlive(pid), `process ${pid} stopped`);
        assert.equal(c.agent.proxy.address(namespace, names.service), undefined, 'Service gone');
      },
      120_000,
      500,
    );
  });
});
