/**
 * Kubernetes Events on Ready transitions, against the real API server and
 * kube-controller-manager (pods are made ready or unready by patching their status, as the
 * missing kubelet would): a gateway becoming Ready records one Normal `DeploymentAvailable`
 * Event about it; losing readiness records one Warning `MinimumReplicasUnavailable` Event; a
 * reconcile that changes nothing (a resync) records none and writes nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { CRD_KIND } from '../../../src/operator/api/v1alpha1/constants.ts';
import { selectorString } from '../../../src/operator/resources/labels.ts';
import { kubeConfig, uniqueName } from '../../helpers/test-env.ts';
import { eventually } from '../../helpers/eventually.ts';
import {
  conditionOf,
  gatewayManifest,
  markGatewayPodsReady,
  readGateway,
  operatorInNamespace,
  testClient,
  waitIdle,
} from '../../helpers/operator-harness.ts';

/** The `events.k8s.io/v1` Event fields the test reads. */
type Event = KubernetesObject & {
  type?: string;
  reason?: string;
  note?: string;
  action?: string;
  reportingController?: string;
  regarding?: { kind?: string; name?: string; uid?: string };
  series?: { count?: number };
};

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const client = testClient(kc);
const namespace = uniqueName('op-events');
const NAME = 'gw-events';
const op = operatorInNamespace(kc, namespace);

/** Events about the gateway, oldest first. */
async function gatewayEvents(): Promise<Event[]> {
  const list = await client.list<Event>('events.k8s.io/v1', 'Event', namespace);
  return list.items.filter((e) => e.regarding?.kind === CRD_KIND && e.regarding.name === NAME);
}

/** (type, reason, series count) of every Event about the gateway, for before/after comparison. */
async function eventSummary(): Promise<string[]> {
  return (await gatewayEvents())
    .map((e) => `${e.type ?? ''}/${e.reason ?? ''}/${String(e.series?.count ?? 1)}`)
    .sort();
}

/** A resync reconciles the gateway again with nothing changed: no write, no Event. */
async function assertQuietResync(): Promise<void> {
  await waitIdle(op.manager);
  const before = await eventSummary();
  const writes = op.manager.client.writes;
  const reconciles = op.manager.reconciles;
  op.manager.resync();
  await eventually(() => {
    assert.ok(op.manager.reconciles > reconciles, 'the resync reconciled the gateway');
  });
  await waitIdle(op.manager);
  assert.equal(op.manager.client.writes, writes, 'no write on a reconcile that changes nothing');
  assert.deepEqual(await eventSummary(), before, 'no Event on a reconcile that changes nothing');
}

describe('Events on Ready transitions (real control plane)', () => {
  it('Ready becoming True records one Normal DeploymentAvailable Event on the gateway', async () => {
    await client.apply(gatewayManifest(namespace, NAME, { replicas: 1 }));
    await eventually(async () => {
      const gw = await readGateway(client, namespace, NAME);
      assert.equal(conditionOf(gw, 'Ready')?.status, 'False');
    });
    assert.equal(
      (await gatewayEvents()).filter((e) => e.reason === 'DeploymentAvailable').length,
      0,
      'no Ready Event while not ready',
    );
    // KCM's ReplicaSet controller creates the pod; the test plays the kubelet.
    await eventually(
      async () => {
        await markGatewayPodsReady(kc, client, namespace, NAME);
        const gw = await readGateway(client, namespace, NAME);
        assert.equal(conditionOf(gw, 'Ready')?.status, 'True', JSON.stringify(gw.status));
      },
      60_000,
      500,
    );
    const gw = await readGateway(client, namespace, NAME);
    const ready = await eventually(async () => {
      const found = (await gatewayEvents()).filter((e) => e.reason === 'DeploymentAvailable');
      assert.equal(found.length, 1, 'one DeploymentAvailable Event');
      return found[0] as Event;
    });
    assert.equal(ready.type, 'Normal');
    assert.equal(ready.action, 'Reconcile');
    assert.equal(ready.regarding?.uid, gw.metadata.uid);
    assert.equal(ready.reportingController, 'pulsarws.io/pulsar-websocket-operator');
    assert.match(ready.note ?? '', /1\/1 gateway pods are ready/);
    await assertQuietResync();
  });

  it('losing readiness records one Warning MinimumReplicasUnavailable Event', async () => {
    const pods = await core.listNamespacedPod({
      namespace,
      labelSelector: selectorString({ name: NAME }),
    });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    for (const pod of pods.items) {
      await client.patchStatus('v1', 'Pod', namespace, pod.metadata?.name ?? '', {
        conditions: [
          { type: 'Initialized', status: 'True', lastTransitionTime: now },
          { type: 'ContainersReady', status: 'False', lastTransitionTime: now },
          { type: 'Ready', status: 'False', lastTransitionTime: now },
        ],
      });
    }
    await eventually(
      async () => {
        const gw = await readGateway(client, namespace, NAME);
        const cond = conditionOf(gw, 'Ready');
        assert.equal(cond?.status, 'False', JSON.stringify(gw.status));
        assert.equal(cond.reason, 'MinimumReplicasUnavailable');
      },
      60_000,
      500,
    );
    const lost = await eventually(async () => {
      const found = (await gatewayEvents()).filter(
        (e) => e.reason === 'MinimumReplicasUnavailable',
      );
      assert.equal(found.length, 1, 'one MinimumReplicasUnavailable Event');
      return found[0] as Event;
    });
    assert.equal(lost.type, 'Warning');
    assert.match(lost.note ?? '', /0\/1 gateway pods are ready/);
    assert.equal(
      (await gatewayEvents()).filter((e) => e.reason === 'DeploymentAvailable').length,
      1,
      'the earlier Ready Event is not repeated',
    );
    await assertQuietResync();
  });
});
