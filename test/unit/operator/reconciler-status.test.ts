import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from '@kubernetes/client-node';
import { withDefaults } from '../../../src/operator/api/v1alpha1/defaults.ts';
import type { PulsarWebSocketGatewayStatus } from '../../../src/operator/api/v1alpha1/types.ts';
import {
  computeGatewayStatus,
  pausedStatus,
  statusPatch,
} from '../../../src/operator/reconcilers/gateway-status.ts';
import { getCondition } from '../../../src/operator/status/conditions.ts';
import { sampleGateway } from './fixtures.ts';

const NOW = new Date('2026-01-01T12:00:00Z');
const LATER = new Date('2026-01-01T12:05:00Z');

function deployment(
  opts: {
    replicas?: number;
    ready?: number;
    available?: boolean;
    updated?: number;
    generation?: number;
    observed?: number;
    progressReason?: string;
  } = {},
): V1Deployment {
  const replicas = opts.replicas ?? 2;
  return {
    metadata: { name: 'gw-gateway', generation: opts.generation ?? 1 },
    spec: { replicas, selector: {}, template: {} },
    status: {
      observedGeneration: opts.observed ?? opts.generation ?? 1,
      replicas,
      updatedReplicas: opts.updated ?? replicas,
      readyReplicas: opts.ready ?? 0,
      availableReplicas: opts.ready ?? 0,
      conditions: [
        { type: 'Available', status: opts.available === true ? 'True' : 'False' },
        {
          type: 'Progressing',
          status: opts.progressReason === 'ProgressDeadlineExceeded' ? 'False' : 'True',
          reason: opts.progressReason ?? 'ReplicaSetUpdated',
        },
      ],
    },
  };
}

const gw = withDefaults(sampleGateway({ replicas: 2 }));

describe('computeGatewayStatus', () => {
  it('pods pending: Ready=False MinimumReplicasUnavailable, Progressing=True, replicas from the Deployment', () => {
    const s = computeGatewayStatus({
      gateway: gw,
      deployment: deployment(),
      tlsEnabled: false,
      now: NOW,
    });
    assert.equal(getCondition(s.conditions, 'Ready')?.status, 'False');
    assert.equal(getCondition(s.conditions, 'Ready')?.reason, 'MinimumReplicasUnavailable');
    assert.equal(getCondition(s.conditions, 'Progressing')?.status, 'True');
    assert.equal(getCondition(s.conditions, 'Degraded')?.status, 'False');
    assert.equal(s.replicas, 2);
    assert.equal(s.readyReplicas, 0);
    assert.equal(s.observedGeneration, 3);
    assert.match(s.selector ?? '', /app\.kubernetes\.io\/instance=gw/);
    assert.deepEqual(s.endpoints, { ws: 'ws://gw-gateway.team-a.svc:8080' });
    assert.equal(getCondition(s.conditions, 'CertificateReady'), undefined);
  });

  it('available with ready pods: Ready=True, rollout complete', () => {
    const s = computeGatewayStatus({
      gateway: gw,
      deployment: deployment({ ready: 2, available: true }),
      tlsEnabled: true,
      now: NOW,
    });
    const ready = getCondition(s.conditions, 'Ready');
    assert.equal(ready?.status, 'True');
    assert.equal(ready.reason, 'DeploymentAvailable');
    assert.equal(getCondition(s.conditions, 'Progressing')?.status, 'False');
    assert.equal(getCondition(s.conditions, 'Progressing')?.reason, 'Reconciled');
    assert.equal(s.readyReplicas, 2);
    assert.match(s.endpoints?.wss ?? '', /^wss:\/\/gw-gateway\.team-a\.svc:/);
  });

  it('available but scaled to zero is not Ready; an unobserved generation is still progressing', () => {
    const zero = computeGatewayStatus({
      gateway: gw,
      deployment: deployment({ replicas: 0, available: true }),
      tlsEnabled: false,
      now: NOW,
    });
    assert.equal(getCondition(zero.conditions, 'Ready')?.status, 'False');
    const stale = computeGatewayStatus({
      gateway: gw,
      deployment: deployment({ ready: 2, available: true, generation: 5, observed: 4 }),
      tlsEnabled: false,
      now: NOW,
    });
    assert.equal(getCondition(stale.conditions, 'Progressing')?.status, 'True');
  });

  it('progress deadline exceeded: Degraded=True, Progressing=False', () => {
    const s = computeGatewayStatus({
      gateway: gw,
      deployment: deployment({ progressReason: 'ProgressDeadlineExceeded' }),
      tlsEnabled: false,
      now: NOW,
    });
    assert.equal(getCondition(s.conditions, 'Degraded')?.status, 'True');
    assert.equal(getCondition(s.conditions, 'Degraded')?.reason, 'ProgressDeadlineExceeded');
    assert.equal(getCondition(s.conditions, 'Progressing')?.status, 'False');
  });

  it('blocked by a missing Secret: Ready=False and Degraded=True with its reason and message', () => {
    const s = computeGatewayStatus({
      gateway: gw,
      deployment: undefined,
      tlsEnabled: false,
      blocked: {
        reason: 'SecretNotFound',
        message: 'Secret "t" (used for pulsarToken) not found.',
      },
      now: NOW,
    });
    for (const type of ['Ready', 'Degraded']) {
      assert.equal(getCondition(s.conditions, type as 'Ready')?.reason, 'SecretNotFound');
      assert.match(getCondition(s.conditions, type as 'Ready')?.message ?? '', /"t"/);
    }
    assert.equal(s.replicas, 0);
  });

  it('certificate: CertificateReady and status.certificate at second precision', () => {
    const s = computeGatewayStatus({
      gateway: gw,
      deployment: deployment(),
      tlsEnabled: true,
      certificate: {
        status: 'True',
        reason: 'CertificateIssued',
        message: 'ok',
        notAfter: new Date('2027-01-01T00:00:00.123Z'),
        renewAt: new Date('2026-12-02T00:00:00.999Z'),
      },
      now: NOW,
    });
    assert.equal(getCondition(s.conditions, 'CertificateReady')?.status, 'True');
    assert.deepEqual(s.certificate, {
      notAfter: '2027-01-01T00:00:00Z',
      renewAt: '2026-12-02T00:00:00Z',
    });
  });

  it('is stable: recomputing from its own output at a later time changes nothing', () => {
    const inputs = { deployment: deployment({ ready: 1, available: true }), tlsEnabled: false };
    const first = computeGatewayStatus({ gateway: gw, ...inputs, now: NOW });
    const again = computeGatewayStatus({
      gateway: { ...gw, status: first },
      ...inputs,
      now: LATER,
    });
    assert.deepEqual(again, first);
  });

  it('keeps lastTransitionTime when only the message changes, moves it when the status flips', () => {
    const first = computeGatewayStatus({
      gateway: gw,
      deployment: deployment({ ready: 1, available: true }),
      tlsEnabled: false,
      now: NOW,
    });
    const more = computeGatewayStatus({
      gateway: { ...gw, status: first },
      deployment: deployment({ ready: 2, available: true }),
      tlsEnabled: false,
      now: LATER,
    });
    assert.equal(
      getCondition(more.conditions, 'Ready')?.lastTransitionTime,
      getCondition(first.conditions, 'Ready')?.lastTransitionTime,
    );
    const down = computeGatewayStatus({
      gateway: { ...gw, status: more },
      deployment: deployment({ ready: 0, available: false }),
      tlsEnabled: false,
      now: LATER,
    });
    assert.equal(
      getCondition(down.conditions, 'Ready')?.lastTransitionTime,
      '2026-01-01T12:05:00Z',
    );
  });
});

describe('pausedStatus', () => {
  it('sets Progressing=False Paused and leaves Ready alone', () => {
    const running = computeGatewayStatus({
      gateway: gw,
      deployment: deployment({ ready: 2, available: true }),
      tlsEnabled: false,
      now: NOW,
    });
    const paused = pausedStatus({ ...gw, status: running }, LATER);
    assert.equal(getCondition(paused.conditions, 'Progressing')?.reason, 'Paused');
    assert.deepEqual(
      getCondition(paused.conditions, 'Ready'),
      getCondition(running.conditions, 'Ready'),
    );
    assert.equal(paused.readyReplicas, 2);
  });
});

describe('statusPatch', () => {
  it('nulls fields the current status has and the desired one dropped, and nothing else', () => {
    const current: PulsarWebSocketGatewayStatus = {
      replicas: 1,
      certificate: { notAfter: 'x', renewAt: 'y' },
      endpoints: { ws: 'ws://a', wss: 'wss://a' },
    };
    const desired: PulsarWebSocketGatewayStatus = { replicas: 1, endpoints: { ws: 'ws://a' } };
    assert.deepEqual(statusPatch(current, desired), {
      replicas: 1,
      certificate: null,
      endpoints: { ws: 'ws://a', wss: null },
    });
    assert.deepEqual(statusPatch(desired, desired), desired);
    assert.deepEqual(statusPatch(undefined, desired), desired);
  });
});
