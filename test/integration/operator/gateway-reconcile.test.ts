/**
 * The operator in-process against the real API server and kube-controller-manager: a gateway
 * gets its ConfigMap, Service and Deployment (owned, as built); spec changes roll the
 * Deployment; children deleted or edited by hand are repaired; status goes through its phases
 * as the (simulated) kubelet reports pods ready; the scale subresource drives the Deployment;
 * turning autoscaling off prunes the HPA; an idle resync writes nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CoreV1Api,
  CustomObjectsApi,
  type V1ConfigMap,
  type V1Deployment,
  type V1Service,
} from '@kubernetes/client-node';
import {
  ANNOTATION_KEYS,
  CRD_API_VERSION,
  CRD_GROUP,
  CRD_KIND,
  CRD_PLURAL,
  CRD_VERSION,
} from '../../../src/operator/api/v1alpha1/constants.ts';
import { childNames } from '../../../src/operator/resources/names.ts';
import { kubeConfig, uniqueName } from '../../helpers/test-env.ts';
import { eventually } from '../../helpers/eventually.ts';
import {
  conditionOf,
  gatewayManifest,
  markGatewayPodsReady,
  readGateway,
  operatorInNamespace,
  testClient,
  TEST_IMAGE,
  waitIdle,
} from '../../helpers/operator-harness.ts';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const client = testClient(kc);
const namespace = uniqueName('op-reconcile');
const NAME = 'gw1';
const names = childNames(NAME);
const op = operatorInNamespace(kc, namespace);

async function deployment(): Promise<V1Deployment> {
  const d = await client.get<V1Deployment>('apps/v1', 'Deployment', namespace, names.deployment);
  assert.ok(d, 'Deployment exists');
  return d;
}

describe('gateway reconciler against the real control plane', () => {
  it('creates the ConfigMap, Service and Deployment with controller ownerReferences', async () => {
    await client.apply(gatewayManifest(namespace, NAME, { replicas: 2 }));
    const gw = await readGateway(client, namespace, NAME);
    const uid = gw.metadata.uid;
    const children = await eventually(async () => {
      const cm = await client.get<V1ConfigMap>('v1', 'ConfigMap', namespace, names.configMap);
      const svc = await client.get<V1Service>('v1', 'Service', namespace, names.service);
      const dep = await client.get<V1Deployment>(
        'apps/v1',
        'Deployment',
        namespace,
        names.deployment,
      );
      assert.ok(cm && svc && dep, 'all children exist');
      return { cm, svc, dep };
    });
    for (const obj of [children.cm, children.svc, children.dep]) {
      const ref = obj.metadata?.ownerReferences?.[0];
      assert.equal(ref?.uid, uid, `${obj.kind ?? ''} owned by the gateway`);
      assert.equal(ref?.controller, true);
      assert.equal(ref.kind, CRD_KIND);
      assert.equal(
        obj.metadata?.labels?.['app.kubernetes.io/managed-by'],
        'pulsar-websocket-operator',
      );
    }
    assert.ok(children.cm.data?.['gateway.yaml']?.includes('pulsar://broker.pulsar.svc:6650'));
    assert.equal(children.dep.spec?.replicas, 2);
    assert.equal(children.dep.spec.template.spec?.containers[0]?.image, TEST_IMAGE);
    assert.match(
      children.dep.spec.template.metadata?.annotations?.[ANNOTATION_KEYS.configHash] ?? '',
      /^[0-9a-f]{64}$/,
    );
    assert.ok(children.svc.spec?.ports?.some((p) => p.port === 8080 || p.name === 'ws'));
  });

  it('reports Ready=False while pods are pending, then Ready=True once the kubelet reports them ready', async () => {
    const pending = await eventually(async () => {
      const gw = await readGateway(client, namespace, NAME);
      const ready = conditionOf(gw, 'Ready');
      assert.equal(ready?.status, 'False');
      assert.equal(gw.status?.observedGeneration, gw.metadata.generation);
      return gw;
    });
    assert.equal(pending.status?.readyReplicas ?? 0, 0);
    assert.match(pending.status?.endpoints?.ws ?? '', /^ws:\/\/gw1-gateway\./);
    assert.equal(pending.status?.selector?.includes('app.kubernetes.io/instance=gw1'), true);
    // KCM's ReplicaSet controller creates the pods; no kubelet runs them.
    await eventually(async () => {
      const pods = await core.listNamespacedPod({ namespace });
      assert.equal(pods.items.length, 2);
    });
    await eventually(
      async () => {
        await markGatewayPodsReady(kc, client, namespace, NAME);
        const gw = await readGateway(client, namespace, NAME);
        assert.equal(conditionOf(gw, 'Ready')?.status, 'True', JSON.stringify(gw.status));
        assert.equal(gw.status?.readyReplicas, 2);
        assert.equal(gw.status.replicas, 2);
        assert.equal(conditionOf(gw, 'Degraded')?.status, 'False');
      },
      60_000,
      500,
    );
  });

  it('an idle resync writes nothing (also with self-signed TLS and a referenced Secret)', async () => {
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'gw2-token' }, stringData: { token: 'eyJhbGciOiJub25lIn0.e30.' } },
    });
    await client.apply(
      gatewayManifest(namespace, 'gw2', {
        pulsar: {
          serviceUrl: 'pulsar+ssl://broker.pulsar.svc:6651',
          authentication: { token: { secretKeyRef: { name: 'gw2-token' } } },
        },
        tls: { mode: 'selfSigned' },
      }),
    );
    await eventually(async () => {
      const gw2 = await readGateway(client, namespace, 'gw2');
      assert.equal(conditionOf(gw2, 'CertificateReady')?.status, 'True');
    });
    await waitIdle(op.manager);
    const writes = op.manager.client.writes;
    const reconciles = op.manager.reconciles;
    op.manager.resync();
    await eventually(() => {
      assert.ok(op.manager.reconciles >= reconciles + 2, 'the resync reconciled both gateways');
    });
    await waitIdle(op.manager);
    assert.equal(op.manager.client.writes, writes, 'no write during the idle resync');
  });

  it('updates the Deployment (and its config hash) when the spec changes', async () => {
    const before = await deployment();
    const hash = before.spec?.template.metadata?.annotations?.[ANNOTATION_KEYS.configHash];
    await client.mergePatch(CRD_API_VERSION, CRD_KIND, namespace, NAME, {
      spec: { image: 'example.com/gw:2', websocket: { maxConnections: 123 } },
    });
    await eventually(async () => {
      const d = await deployment();
      assert.equal(d.spec?.template.spec?.containers[0]?.image, 'example.com/gw:2');
      assert.notEqual(d.spec.template.metadata?.annotations?.[ANNOTATION_KEYS.configHash], hash);
    });
    const cm = await client.get<V1ConfigMap>('v1', 'ConfigMap', namespace, names.configMap);
    assert.match(cm?.data?.['gateway.yaml'] ?? '', /123/);
  });

  it('re-creates a Deployment deleted by hand', async () => {
    const old = await deployment();
    await client.delete('apps/v1', 'Deployment', namespace, names.deployment);
    await eventually(async () => {
      const d = await deployment();
      assert.notEqual(d.metadata?.uid, old.metadata?.uid);
    });
  });

  it('repairs a Service edited by hand', async () => {
    const svc = await client.get<V1Service>('v1', 'Service', namespace, names.service);
    const selector = svc?.spec?.selector;
    await client.mergePatch('v1', 'Service', namespace, names.service, {
      spec: { selector: { 'app.kubernetes.io/instance': 'someone-else' } },
    });
    await eventually(async () => {
      const s = await client.get<V1Service>('v1', 'Service', namespace, names.service);
      assert.deepEqual(s?.spec?.selector, selector);
    });
  });

  it('the scale subresource changes the Deployment replicas', async () => {
    const scale = (await custom.getNamespacedCustomObjectScale({
      group: CRD_GROUP,
      version: CRD_VERSION,
      namespace,
      plural: CRD_PLURAL,
      name: NAME,
    })) as { spec: { replicas: number }; status?: { selector?: string } };
    assert.equal(scale.spec.replicas, 2);
    assert.match(scale.status?.selector ?? '', /app.kubernetes.io\/instance=gw1/);
    // A PATCH on /scale as `kubectl scale` sends it: no resourceVersion, so the operator's
    // concurrent status writes cannot make it conflict (a PUT of the read Scale could).
    await custom.patchNamespacedCustomObjectScale({
      group: CRD_GROUP,
      version: CRD_VERSION,
      namespace,
      plural: CRD_PLURAL,
      name: NAME,
      body: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
    });
    await eventually(async () => {
      assert.equal((await deployment()).spec?.replicas, 3);
    });
  });

  it('creates an HPA with autoscaling on and prunes it when autoscaling is turned off', async () => {
    await client.mergePatch(CRD_API_VERSION, CRD_KIND, namespace, NAME, {
      spec: { autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 4 } },
    });
    await eventually(async () => {
      const hpa = await client.get(
        'autoscaling/v2',
        'HorizontalPodAutoscaler',
        namespace,
        names.hpa,
      );
      assert.ok(hpa, 'HPA created');
    });
    await client.mergePatch(CRD_API_VERSION, CRD_KIND, namespace, NAME, {
      spec: { autoscaling: { enabled: false } },
    });
    await eventually(async () => {
      const hpa = await client.get(
        'autoscaling/v2',
        'HorizontalPodAutoscaler',
        namespace,
        names.hpa,
      );
      assert.equal(hpa, undefined, 'HPA pruned');
      assert.equal((await deployment()).spec?.replicas, 3, 'replicas back under the operator');
    });
  });

  it('paused: status says Paused and children are left alone', async () => {
    await client.mergePatch(CRD_API_VERSION, CRD_KIND, namespace, NAME, { spec: { paused: true } });
    await eventually(async () => {
      const gw = await readGateway(client, namespace, NAME);
      assert.equal(conditionOf(gw, 'Progressing')?.reason, 'Paused');
    });
    await client.mergePatch(CRD_API_VERSION, CRD_KIND, namespace, NAME, {
      spec: { image: 'example.com/gw:3' },
    });
    await waitIdle(op.manager);
    assert.equal(
      (await deployment()).spec?.template.spec?.containers[0]?.image,
      'example.com/gw:2',
    );
    await client.mergePatch(CRD_API_VERSION, CRD_KIND, namespace, NAME, {
      spec: { paused: false },
    });
    await eventually(async () => {
      assert.equal(
        (await deployment()).spec?.template.spec?.containers[0]?.image,
        'example.com/gw:3',
      );
    });
  });
});
