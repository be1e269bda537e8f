import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { certManagerCertificateState } from '../../../src/operator/reconcilers/cert-manager-state.ts';

const meta = { name: 'gw-gateway-tls', namespace: 'ns' };

describe('certManagerCertificateState', () => {
  it('no Certificate or no status yet: False/CertificatePending, waiting for cert-manager', () => {
    for (const cert of [undefined, { metadata: meta }, { metadata: meta, status: {} }]) {
      const s = certManagerCertificateState(cert, 'gw-gateway-tls');
      assert.equal(s.status, 'False');
      assert.equal(s.reason, 'CertificatePending');
      assert.match(s.message, /no Ready condition yet/);
      assert.equal(s.notAfter, undefined);
    }
  });

  it("Ready=False carries cert-manager's reason and message", () => {
    const s = certManagerCertificateState(
      {
        metadata: meta,
        status: {
          conditions: [
            { type: 'Issuing', status: 'True' },
            {
              type: 'Ready',
              status: 'False',
              reason: 'DoesNotExist',
              message: 'Issuer x not found',
            },
          ],
        },
      },
      'gw-gateway-tls',
    );
    assert.equal(s.status, 'False');
    assert.equal(s.reason, 'CertificatePending');
    assert.match(s.message, /Ready=False \(DoesNotExist\): Issuer x not found/);
  });

  it('Ready=True: True/CertificateIssued with notAfter and renewalTime; bad dates are ignored', () => {
    const s = certManagerCertificateState(
      {
        metadata: meta,
        status: {
          conditions: [{ type: 'Ready', status: 'True', reason: 'Ready' }],
          notAfter: '2030-01-02T03:04:05Z',
          renewalTime: '2029-12-01T00:00:00Z',
        },
      },
      'gw-gateway-tls',
    );
    assert.equal(s.status, 'True');
    assert.equal(s.reason, 'CertificateIssued');
    assert.equal(s.notAfter?.toISOString(), '2030-01-02T03:04:05.000Z');
    assert.equal(s.renewAt?.toISOString(), '2029-12-01T00:00:00.000Z');
    const bad = certManagerCertificateState(
      {
        metadata: meta,
        status: { conditions: [{ type: 'Ready', status: 'True' }], notAfter: 'soon' },
      },
      'gw-gateway-tls',
    );
    assert.equal(bad.notAfter, undefined);
    assert.doesNotMatch(bad.message, /valid until/);
  });
});
