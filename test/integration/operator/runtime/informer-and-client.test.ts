/**
 * The runtime against the real API server: the informer sees ConfigMap
 * create/update/delete and maps owner references to keys; server-side apply
 * through KubeClient writes nothing when re-applied unchanged; status goes
 * through the subresource; events are series-counted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { systemClock, silentLogger } from '../../../../src/shared/index.ts';
import {
  Informer,
  forObject,
  forOwner,
  resourcePath,
} from '../../../../src/operator/runtime/informer.ts';
import { KubeClient } from '../../../../src/operator/kube/kube-client.ts';
import { EventRecorder } from '../../../../src/operator/kube/event-recorder.ts';
import { isNotFound } from '../../../../src/operator/kube/api-errors.ts';
import { kubeConfig, uniqueName } from '../../../helpers/test-env.ts';
import { eventually } from '../../../helpers/eventually.ts';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const namespace = uniqueName('rt-informer');

class KeyLog {
  readonly keys: string[] = [];
  add(key: string): void {
    this.keys.push(key);
  }
}

function configMapInformer(ns: string, registry?: Registry): Informer<V1ConfigMap> {
  return new Informer<V1ConfigMap>({
    name: 'configmaps',
    kubeConfig: kc,
    namespaces: [ns],
    path: (n) => resourcePath('v1', 'configmaps', n),
    list: (n, labelSelector) =>
      core.listNamespacedConfigMap({ namespace: n ?? 'default', labelSelector }),
    labelSelector: 'test=runtime',
    clock: systemClock,
    logger: silentLogger,
    resyncPeriodMs: 0,
    ...(registry === undefined ? {} : { registry }),
  });
}

describe('runtime against the real API server', () => {
  before(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  after(async () => {
    await core.deleteNamespace({ name: namespace });
  });

  it('informer: sees create, update and delete; maps owner references; syncs; caches', async () => {
    const registry = new Registry();
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'pre', labels: { test: 'runtime' } }, data: { a: '1' } },
    });
    const informer = configMapInformer(namespace, registry);
    const own = new KeyLog();
    const owners = new KeyLog();
    informer.addEventHandler(forObject(), own);
    informer.addEventHandler(forOwner('Widget', 'test.example.com/v1'), owners);
    await informer.start();
    try {
      await informer.waitForSync(AbortSignal.timeout(10_000));
      assert.equal(informer.hasSynced(), true);
      assert.deepEqual(own.keys, [`${namespace}/pre`], 'initial list reaches the handlers');
      assert.equal(informer.get(namespace, 'pre')?.data?.['a'], '1');

      await core.createNamespacedConfigMap({
        namespace,
        body: {
          metadata: {
            name: 'child',
            labels: { test: 'runtime' },
            ownerReferences: [
              {
                apiVersion: 'test.example.com/v1',
                kind: 'Widget',
                name: 'parent',
                uid: '00000000-0000-0000-0000-000000000001',
                controller: true,
              },
              {
                apiVersion: 'v1',
                kind: 'Widget',
                name: 'not-controller',
                uid: '00000000-0000-0000-0000-000000000002',
              },
            ],
          },
        },
      });
      await core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: 'unlabelled' } },
      });
      await eventually(
        () => {
          assert.ok(own.keys.includes(`${namespace}/child`));
        },
        10_000,
        50,
      );
      await eventually(
        () => {
          assert.deepEqual(owners.keys, [`${namespace}/parent`]);
        },
        10_000,
        50,
      );

      own.keys.length = 0;
      await core.patchNamespacedConfigMap({
        namespace,
        name: 'pre',
        body: [{ op: 'replace', path: '/data/a', value: '2' }],
      });
      await eventually(() => {
        assert.equal(informer.get(namespace, 'pre')?.data?.['a'], '2');
      });
      assert.deepEqual(own.keys, [`${namespace}/pre`]);

      own.keys.length = 0;
      await core.deleteNamespacedConfigMap({ namespace, name: 'child' });
      await eventually(() => {
        assert.equal(informer.get(namespace, 'child'), undefined);
      });
      assert.deepEqual(own.keys, [`${namespace}/child`]);
      assert.equal(owners.keys.length, 2, 'the delete maps to the owner too');
      assert.deepEqual(
        informer
          .list()
          .map((c) => c.metadata?.name)
          .sort(),
        ['pre'],
        'the label selector keeps other objects out of the cache',
      );

      own.keys.length = 0;
      informer.resync();
      assert.deepEqual(own.keys, [`${namespace}/pre`], 'resync re-enqueues every cached object');
      assert.match(await registry.metrics(), /^informer_up\{informer="configmaps"\} 1$/m);
    } finally {
      await informer.stop();
    }
  });

  it('apply twice with the same object: the second call writes nothing', async () => {
    const client = new KubeClient({ kubeConfig: kc, registry: new Registry() });
    const desired: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ssa', namespace, labels: { 'app.kubernetes.io/name': 'x' } },
      data: { 'config.json': '{"a":1}', other: 'b' },
    };
    const first = await client.applyIfChanged(desired, undefined);
    assert.equal(first.wrote, true);
    const rv = first.object.metadata?.resourceVersion;
    assert.ok(rv);
    const writesBefore = client.writes;

    // Typed read (Date timestamps) and a raw-JSON-like copy must both compare equal.
    const current = await client.get<V1ConfigMap>('v1', 'ConfigMap', namespace, 'ssa');
    const second = await client.applyIfChanged(desired, current);
    assert.equal(second.wrote, false);
    const again = await client.applyIfChanged(desired, JSON.parse(JSON.stringify(current)));
    assert.equal(again.wrote, false);
    assert.equal(client.writes, writesBefore, 'no write request was sent');
    const after = await client.get<V1ConfigMap>('v1', 'ConfigMap', namespace, 'ssa');
    assert.equal(after?.metadata?.resourceVersion, rv, 'resourceVersion unchanged');

    // Even a forced SSA of identical content is a server-side no-op.
    const plain = await client.apply(desired);
    assert.equal(plain.metadata?.resourceVersion, rv);

    // Drift is detected: a hand edit makes the next applyIfChanged write and repair it.
    await core.patchNamespacedConfigMap({
      namespace,
      name: 'ssa',
      body: [{ op: 'replace', path: '/data/other', value: 'edited' }],
    });
    const edited = await client.get<V1ConfigMap>('v1', 'ConfigMap', namespace, 'ssa');
    const repaired = await client.applyIfChanged(desired, edited);
    assert.equal(repaired.wrote, true);
    assert.equal(repaired.object.data?.['other'], 'b');

    // A field we stop setting is removed, because we own it.
    const smaller: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ssa', namespace, labels: { 'app.kubernetes.io/name': 'x' } },
      data: { 'config.json': '{"a":1}' },
    };
    const shrunk = await client.applyIfChanged(smaller, repaired.object);
    assert.equal(shrunk.wrote, true);
    assert.equal(shrunk.object.data?.['other'], undefined);
    const idle = await client.applyIfChanged(smaller, shrunk.object);
    assert.equal(idle.wrote, false);
  });

  it('get returns undefined on 404 only; delete reports whether it deleted', async () => {
    const client = new KubeClient({ kubeConfig: kc });
    assert.equal(await client.get('v1', 'ConfigMap', namespace, 'nope'), undefined);
    await client.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'gone', namespace },
    });
    assert.equal(await client.delete('v1', 'ConfigMap', namespace, 'gone'), true);
    assert.equal(await client.delete('v1', 'ConfigMap', namespace, 'gone'), false);
    await assert.rejects(
      client.get('v1', 'NoSuchKind', namespace, 'x'),
      (err: Error) => !isNotFound(err),
    );
  });

  it('crdExists uses discovery: true for a served resource, false otherwise', async () => {
    const client = new KubeClient({ kubeConfig: kc });
    assert.equal(await client.crdExists('apps', 'deployments'), true);
    assert.equal(await client.crdExists('apps', 'nothings'), false);
    assert.equal(await client.crdExists('cert-manager.io', 'certificates'), false);
  });

  it('patchStatusIfChanged writes the status subresource once, then nothing', async () => {
    const client = new KubeClient({ kubeConfig: kc });
    const svc = await client.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'status-test', namespace },
      spec: { type: 'LoadBalancer', ports: [{ name: 'ws', port: 80 }] },
    });
    const status = { loadBalancer: { ingress: [{ ip: '10.9.9.9' }] } };
    const first = await client.patchStatusIfChanged(svc, status);
    assert.equal(first.wrote, true);
    const writes = client.writes;
    const second = await client.patchStatusIfChanged(first.object, status);
    assert.equal(second.wrote, false);
    assert.equal(client.writes, writes);
    const read = await client.get<typeof svc & { status?: typeof status }>(
      'v1',
      'Service',
      namespace,
      'status-test',
    );
    assert.equal(read?.status?.loadBalancer.ingress[0]?.ip, '10.9.9.9');
  });

  it('events: the first occurrence creates an Event, tight-loop repeats only bump a series', async () => {
    const client = new KubeClient({ kubeConfig: kc });
    const cm = await client.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'evented', namespace },
    });
    const recorder = new EventRecorder({
      client,
      clock: systemClock,
      logger: silentLogger,
      reportingController: 'pulsarws.io/pulsar-ws-operator',
      reportingInstance: 'test-0',
      seriesUpdateMs: 0,
    });
    const input = {
      type: 'Warning' as const,
      reason: 'SecretMissing',
      action: 'Reconcile',
      note: 'secret x not found',
    };
    assert.equal(await recorder.record(cm, input), true);
    assert.equal(await recorder.record(cm, input), true);
    assert.equal(await recorder.record(cm, input), true);
    const list = await client.list<{
      metadata?: { name?: string };
      reason?: string;
      series?: { count?: number };
    }>('events.k8s.io/v1', 'Event', namespace);
    const ours = list.items.filter((e) => e.reason === 'SecretMissing');
    assert.equal(ours.length, 1, 'one Event object');
    assert.equal(ours[0]?.series?.count, 3);

    const quiet = new EventRecorder({
      client,
      clock: systemClock,
      logger: silentLogger,
      reportingController: 'pulsarws.io/pulsar-ws-operator',
      reportingInstance: 'test-0',
    });
    const writes = client.writes;
    for (let i = 0; i < 50; i++) await quiet.record(cm, { ...input, reason: 'Looping' });
    assert.equal(client.writes - writes, 1, 'a tight loop writes once per series interval');
  });
});
