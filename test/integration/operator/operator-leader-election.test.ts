/**
 * Two operator instances in-process against the real API server, electing a leader through
 * a Lease (4 s): only the leader reconciles; when the leader stops without releasing the Lease
 * (as if it crashed), the other takes over within the lease time and keeps reconciling. Also
 * checks the probes and metrics endpoints of an instance.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, type V1Deployment } from '@kubernetes/client-node';
import type { Manager } from '../../../src/operator/manager.ts';
import { childNames } from '../../../src/operator/resources/names.ts';
import { kubeConfig, uniqueName } from '../../helpers/test-env.ts';
import { eventually } from '../../helpers/eventually.ts';
import { installGatewayCrd } from '../../helpers/install-crd.ts';
import { gatewayManifest, startManager, testClient } from '../../helpers/operator-harness.ts';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const client = testClient(kc);
const namespace = uniqueName('op-leader');
const LEASE_MS = 4000;
const RETRY_MS = 500;
const managers: Manager[] = [];

async function instance(identity: string): Promise<Manager> {
  const m = await startManager(kc, namespace, {
    identity,
    healthPort: 0,
    metricsPort: 0,
    leaderElection: {
      namespace,
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: 3000,
      retryPeriodMs: RETRY_MS,
      // Stopping then behaves like a crash: the Lease must expire before anyone takes over.
      releaseOnCancel: false,
    },
  });
  managers.push(m);
  return m;
}

async function get(
  port: number | undefined,
  path: string,
): Promise<{ status: number; body: string }> {
  assert.ok(port !== undefined, 'server listening');
  const res = await fetch(`http://127.0.0.1:${String(port)}${path}`);
  return { status: res.status, body: await res.text() };
}

describe('operator leader election against the real control plane', () => {
  before(async () => {
    await installGatewayCrd(kc);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  after(async () => {
    await Promise.all(managers.map((m) => m.stop()));
    await core.deleteNamespace({ name: namespace });
  });

  it('only the leader reconciles; the standby takes over within the lease time after a crash', async () => {
    const a = await instance('operator-a');
    const b = await instance('operator-b');
    const leader = await eventually(
      () => {
        const leaders = [a, b].filter((m) => m.isLeader());
        assert.equal(leaders.length, 1, 'exactly one leader');
        return leaders[0] as Manager;
      },
      15_000,
      100,
    );
    const standby = leader === a ? b : a;

    const name = 'le1';
    const deploymentName = childNames(name).deployment;
    await client.apply(gatewayManifest(namespace, name));
    await eventually(async () => {
      assert.ok(await client.get('apps/v1', 'Deployment', namespace, deploymentName));
    });
    assert.ok(leader.reconciles > 0, 'the leader reconciled');
    assert.equal(standby.reconciles, 0, 'the standby did not reconcile');
    assert.equal(standby.client.writes, 0, 'the standby wrote nothing');

    // Probes: both live and ready (a standby is ready too); metrics carry controller-runtime names.
    for (const m of [leader, standby]) {
      assert.equal((await get(m.healthPort, '/healthz')).status, 200);
      assert.equal((await get(m.healthPort, '/readyz')).status, 200);
    }
    // The first reconcile may still be finishing (status write) when the Deployment shows up.
    await eventually(async () => {
      const metrics = await get(leader.metricsPort, '/metrics');
      assert.match(
        metrics.body,
        /controller_runtime_reconcile_total\{controller="pulsarwebsocketgateway",result="success"\} [1-9]/,
      );
      assert.match(metrics.body, /workqueue_adds_total\{name="pulsarwebsocketgateway"\}/);
      assert.match(
        metrics.body,
        /leader_election_master_status\{name="pulsar-ws-operator-leader"\} 1/,
      );
    });

    const stoppedAt = Date.now();
    await leader.stop();
    await eventually(
      () => {
        assert.equal(standby.isLeader(), true);
      },
      LEASE_MS * 3,
      100,
    );
    const takeover = Date.now() - stoppedAt;
    assert.ok(takeover <= LEASE_MS + 3 * RETRY_MS + 1000, `took over in ${String(takeover)} ms`);

    // The new leader reconciles: a Deployment deleted by hand comes back.
    const old = await client.get<V1Deployment>('apps/v1', 'Deployment', namespace, deploymentName);
    await client.delete('apps/v1', 'Deployment', namespace, deploymentName);
    await eventually(async () => {
      const d = await client.get<V1Deployment>('apps/v1', 'Deployment', namespace, deploymentName);
      assert.ok(d);
      assert.notEqual(d.metadata?.uid, old?.metadata?.uid);
    });
    assert.notEqual(standby.reconciles, 0, 'the new leader reconciled');
  });
});
