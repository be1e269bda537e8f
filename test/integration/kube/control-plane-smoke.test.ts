/**
 * Proves the suite's Kubernetes is real: kube-controller-manager turns a
 * Deployment into a ReplicaSet and Pods, the API server serves a CRD we apply
 * (with OpenAPI validation), and namespace deletion completes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  VersionApi,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { load as loadYaml } from 'js-yaml';
import { kubeConfig, uniqueName } from '../../helpers/test-env.ts';
import { eventually } from '../../helpers/eventually.ts';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const ext = kc.makeApiClient(ApiextensionsV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const namespace = uniqueName('smoke');

describe('real Kubernetes control plane', () => {
  before(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });

  after(async () => {
    await core.deleteNamespace({ name: namespace });
  });

  it('reports version v1.33 from kube-apiserver', async () => {
    const v = await kc.makeApiClient(VersionApi).getCode();
    assert.equal(v.major, '1');
    assert.equal(v.minor, '33');
  });

  it('creates a ReplicaSet and Pods for a Deployment (kube-controller-manager runs)', async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'example.invalid/web:1' }] },
          },
        },
      },
    });
    const rs = await eventually(async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=web' });
      assert.equal(list.items.length, 1);
      return list.items[0]!;
    });
    assert.equal(rs.metadata?.ownerReferences?.[0]?.kind, 'Deployment');
    const pods = await eventually(async () => {
      const list = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
      assert.equal(list.items.length, 2);
      return list.items;
    });
    for (const pod of pods) {
      assert.equal(pod.metadata?.ownerReferences?.[0]?.name, rs.metadata.name);
      // No kubelet or scheduler here: Pods exist but stay Pending.
      assert.equal(pod.status?.phase, 'Pending');
    }
  });

  it('serves a CustomResourceDefinition and validates its objects', async () => {
    const crd = loadYaml(
      readFileSync(
        new URL('../../fixtures/crds/widgets.test.example.com.yaml', import.meta.url),
        'utf8',
      ),
    ) as V1CustomResourceDefinition;
    await ext.createCustomResourceDefinition({ body: crd }).catch((err: unknown) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
    await eventually(async () => {
      const got = await ext.readCustomResourceDefinition({ name: 'widgets.test.example.com' });
      assert.ok(
        got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'),
      );
    });
    const group = 'test.example.com';
    const created = (await eventually(() =>
      custom.createNamespacedCustomObject({
        group,
        version: 'v1',
        namespace,
        plural: 'widgets',
        body: {
          apiVersion: `${group}/v1`,
          kind: 'Widget',
          metadata: { name: 'w1' },
          spec: { size: 3 },
        },
      }),
    )) as { metadata: { uid: string } };
    assert.ok(created.metadata.uid);
    const got = (await custom.getNamespacedCustomObject({
      group,
      version: 'v1',
      namespace,
      plural: 'widgets',
      name: 'w1',
    })) as {
      spec: { size: number };
    };
    assert.equal(got.spec.size, 3);
    await assert.rejects(
      custom.createNamespacedCustomObject({
        group,
        version: 'v1',
        namespace,
        plural: 'widgets',
        body: {
          apiVersion: `${group}/v1`,
          kind: 'Widget',
          metadata: { name: 'bad' },
          spec: { size: 0 },
        },
      }),
      (err: { code?: number; body?: string }) =>
        err.code === 422 && String(err.body).includes('spec.size'),
    );
  });
});
