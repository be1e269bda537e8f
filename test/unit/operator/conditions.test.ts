import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  getCondition,
  isTrue,
  REASONS,
  setCondition,
} from '../../../src/operator/status/conditions.ts';

const t0 = new Date('2026-01-01T00:00:00.123Z');
const t1 = new Date('2026-01-01T00:05:00Z');

describe('conditions', () => {
  it('adds a condition with a transition time at second precision and its generation', () => {
    const list = setCondition(
      undefined,
      {
        type: 'Ready',
        status: 'False',
        reason: REASONS.secretNotFound,
        message: 'Secret "ca" not found',
        observedGeneration: 1,
      },
      t0,
    );
    assert.deepEqual(list, [
      {
        type: 'Ready',
        status: 'False',
        observedGeneration: 1,
        lastTransitionTime: '2026-01-01T00:00:00Z',
        reason: 'SecretNotFound',
        message: 'Secret "ca" not found',
      },
    ]);
  });

  it('keeps lastTransitionTime when only reason, message or generation change', () => {
    const a = setCondition(
      [],
      {
        type: 'Ready',
        status: 'False',
        reason: REASONS.secretNotFound,
        message: 'm1',
        observedGeneration: 1,
      },
      t0,
    );
    const b = setCondition(
      a,
      {
        type: 'Ready',
        status: 'False',
        reason: REASONS.deploymentProgressing,
        message: 'm2',
        observedGeneration: 2,
      },
      t1,
    );
    assert.equal(b[0]?.lastTransitionTime, '2026-01-01T00:00:00Z');
    assert.equal(b[0].reason, 'DeploymentProgressing');
    assert.equal(b[0].observedGeneration, 2);
    assert.equal(a[0]?.reason, 'SecretNotFound', 'input not mutated');
  });

  it('moves lastTransitionTime when the status flips', () => {
    const a = setCondition(
      [],
      {
        type: 'Ready',
        status: 'False',
        reason: REASONS.secretNotFound,
        message: '',
        observedGeneration: 1,
      },
      t0,
    );
    const b = setCondition(
      a,
      {
        type: 'Ready',
        status: 'True',
        reason: REASONS.reconciled,
        message: '',
        observedGeneration: 1,
      },
      t1,
    );
    assert.equal(b[0]?.lastTransitionTime, '2026-01-01T00:05:00Z');
    assert.ok(isTrue(b, 'Ready'));
    assert.ok(!isTrue(a, 'Ready'));
  });

  it('returns the same array when nothing changes, so a status write can be skipped', () => {
    const a = setCondition(
      [],
      {
        type: 'Ready',
        status: 'True',
        reason: REASONS.reconciled,
        message: 'ok',
        observedGeneration: 1,
      },
      t0,
    );
    assert.equal(
      setCondition(
        a,
        {
          type: 'Ready',
          status: 'True',
          reason: REASONS.reconciled,
          message: 'ok',
          observedGeneration: 1,
        },
        t1,
      ),
      a,
    );
  });

  it('keeps other conditions and their order', () => {
    let list = setCondition(
      [],
      {
        type: 'Ready',
        status: 'True',
        reason: REASONS.reconciled,
        message: '',
        observedGeneration: 1,
      },
      t0,
    );
    list = setCondition(
      list,
      {
        type: 'CertificateReady',
        status: 'True',
        reason: REASONS.certificateIssued,
        message: '',
        observedGeneration: 1,
      },
      t0,
    );
    list = setCondition(
      list,
      {
        type: 'Ready',
        status: 'False',
        reason: REASONS.paused,
        message: '',
        observedGeneration: 2,
      },
      t1,
    );
    assert.deepEqual(
      list.map((c) => c.type),
      ['Ready', 'CertificateReady'],
    );
    assert.equal(getCondition(list, 'CertificateReady')?.reason, 'CertificateIssued');
    assert.equal(getCondition(list, 'Degraded'), undefined);
  });

  it('uses CamelCase reasons only', () => {
    for (const reason of Object.values(REASONS)) assert.match(reason, /^[A-Z][A-Za-z0-9]*$/);
  });
});
