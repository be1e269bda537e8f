/**
 * The informer survives a kube-apiserver restart and misses nothing.
 * client-node's ListWatch stops for good on a connection error; our Informer
 * restarts the same ListWatch (keeping its cache and resourceVersion), so
 * changes made while it was disconnected arrive as events, and an object
 * deleted meanwhile produces a delete. Runs its own control plane because the
 * suite's shared one is not reachable from test files.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { systemClock, silentLogger } from '../../../../src/shared/index.ts';
import { Informer, forObject, resourcePath } from '../../../../src/operator/runtime/informer.ts';
import { KubeControlPlane } from '../../../../scripts/dev/kube-control-plane.ts';
import { eventually } from '../../../helpers/eventually.ts';

describe('informer across an API server restart', () => {
  let plane: KubeControlPlane | undefined;
  let kc: KubeConfig;
  let core: CoreV1Api;
  const namespace = 'restart-test';

  before(async () => {
    plane = await KubeControlPlane.start({ name: 'runtime-restart-test' });
    kc = new KubeConfig();
    kc.loadFromFile(plane.endpoints.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  after(async () => {
    await plane?.destroy();
  });

  it('resumes watching and delivers every change made around the outage', async () => {
    const registry = new Registry();
    const keys: string[] = [];
    const informer = new Informer<V1ConfigMap>({
      name: 'configmaps',
      kubeConfig: kc,
      namespaces: [namespace],
      path: (ns) => resourcePath('v1', 'configmaps', ns),
      list: (ns, labelSelector) =>
        core.listNamespacedConfigMap({ namespace: ns ?? 'default', labelSelector }),
      clock: systemClock,
      logger: silentLogger,
      registry,
      resyncPeriodMs: 0,
      restartInitialMs: 500,
      restartMaxMs: 3000,
    });
    informer.addEventHandler(forObject(), {
      add: (k) => {
        keys.push(k);
      },
    });
    const mk = (name: string, v: string): Promise<V1ConfigMap> =>
      core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { v } } });
    await mk('kept', '1');
    await mk('doomed', '1');
    await informer.start();
    try {
      await informer.waitForSync(AbortSignal.timeout(10_000));
      assert.ok(informer.get(namespace, 'kept'));
      assert.ok(informer.get(namespace, 'doomed'));

      await plane!.restartApiServer(2000);
      // Right after the API server is back, before the informer's restart delay has
      // necessarily passed: create, update and delete.
      await eventually(() => mk('created-after-restart', '1'), 20_000, 200);
      await core.patchNamespacedConfigMap({
        namespace,
        name: 'kept',
        body: [{ op: 'replace', path: '/data/v', value: '2' }],
      });
      await core.deleteNamespacedConfigMap({ namespace, name: 'doomed' });

      await eventually(
        () => {
          assert.ok(informer.get(namespace, 'created-after-restart'), 'create seen');
          assert.equal(informer.get(namespace, 'kept')?.data?.['v'], '2', 'update seen');
          assert.equal(informer.get(namespace, 'doomed'), undefined, 'delete seen');
        },
        30_000,
        100,
      );
      for (const k of ['created-after-restart', 'kept', 'doomed']) {
        assert.ok(keys.includes(`${namespace}/${k}`), `handler got ${k}`);
      }
      const text = await registry.metrics();
      const restarts = Number(
        /^informer_restarts_total\{informer="configmaps"\} (\d+)$/m.exec(text)?.[1],
      );
      assert.ok(restarts >= 1, `the watch was restarted (${restarts} restarts)`);
      assert.equal(informer.isWatching(), true);

      // And it keeps watching afterwards.
      await mk('later', '1');
      await eventually(
        () => {
          assert.ok(informer.get(namespace, 'later'));
        },
        10_000,
        100,
      );
    } finally {
      await informer.stop();
    }
  });
});
