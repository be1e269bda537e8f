/**
 * Leader election on a real coordination.k8s.io/v1 Lease: one of two
 * electors leads; when it crashes (stops without releasing), the other takes
 * over within the lease duration; when it stops gracefully (releases), the
 * standby takes over within one retry period.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { systemClock, silentLogger } from '../../../../src/shared/index.ts';
import { LeaderElector, kubeLeaseStore } from '../../../../src/operator/runtime/leader-election.ts';
import { kubeConfig, uniqueName } from '../../../helpers/test-env.ts';
import { eventually } from '../../../helpers/eventually.ts';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const namespace = uniqueName('rt-lease');
const LEASE_MS = 4000;
const RETRY_MS = 500;

interface Running {
  elector: LeaderElector;
  stop: AbortController;
  done: Promise<void>;
  leadingSince: number;
}

function elect(identity: string, releaseOnCancel: boolean): Running {
  const stop = new AbortController();
  const r: Running = {
    stop,
    leadingSince: 0,
    elector: new LeaderElector({
      store: kubeLeaseStore(kc, namespace, 'operator-lock'),
      clock: systemClock,
      logger: silentLogger,
      identity,
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: 3000,
      retryPeriodMs: RETRY_MS,
      releaseOnCancel,
      onStartedLeading: async (signal) => {
        r.leadingSince = Date.now();
        await new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            resolve();
          });
        });
      },
    }),
    done: Promise.resolve(),
  };
  r.done = r.elector.run(stop.signal);
  return r;
}

describe('leader election against the real API server', () => {
  before(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  after(async () => {
    await core.deleteNamespace({ name: namespace });
  });

  it('one leads; after a crash the other takes over within the lease duration; release is fast', async () => {
    const a = elect('a', false);
    await eventually(
      () => {
        assert.equal(a.elector.isLeader(), true);
      },
      10_000,
      50,
    );
    const b = elect('b', true);
    await new Promise((r) => setTimeout(r, 2 * RETRY_MS));
    assert.equal(b.elector.isLeader(), false, 'the standby does not lead while the lease is held');
    assert.equal(b.elector.leader(), 'a');

    // Crash: a stops renewing and does not release.
    a.stop.abort();
    await a.done;
    const crashedAt = Date.now();
    await eventually(
      () => {
        assert.equal(b.elector.isLeader(), true);
      },
      15_000,
      20,
    );
    const takeover = b.leadingSince - crashedAt;
    assert.ok(
      takeover <= LEASE_MS + RETRY_MS * 1.2 + 1000,
      `takeover after crash took ${takeover} ms (lease ${LEASE_MS} ms)`,
    );
    const lease = await kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ namespace, name: 'operator-lock' });
    assert.equal(lease.spec?.holderIdentity, 'b');
    assert.equal(lease.spec.leaseTransitions, 1);

    // Graceful stop: b releases, c takes over well before the lease would expire.
    const c = elect('c', true);
    await new Promise((r) => setTimeout(r, 2 * RETRY_MS));
    assert.equal(c.elector.isLeader(), false);
    b.stop.abort();
    await b.done;
    const releasedAt = Date.now();
    await eventually(
      () => {
        assert.equal(c.elector.isLeader(), true);
      },
      10_000,
      20,
    );
    const fast = c.leadingSince - releasedAt;
    assert.ok(fast < LEASE_MS / 2, `takeover after release took ${fast} ms`);
    c.stop.abort();
    await c.done;
  });
});
