import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import {
  assessSelfSigned,
  reissueReasonText,
  type SelfSignedRequirements,
} from '../../../src/operator/certs/assess-self-signed.ts';
import {
  createCa,
  createServerCertificate,
  type KeyPairPem,
} from '../../../src/operator/certs/self-signed.ts';

const now = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const dnsNames = ['gw-gateway', 'gw-gateway.ns', 'gw-gateway.ns.svc'];
const req: SelfSignedRequirements = {
  now,
  dnsNames,
  renewBeforeDays: 30,
  caRenewBeforeDays: 365,
  dayMs: DAY,
};

describe('assessSelfSigned: which self-signed key pairs the cluster lets us keep', () => {
  let ca: KeyPairPem;
  let server: KeyPairPem;
  before(async () => {
    ca = await createCa('gw.ns gateway CA', { now, validityDays: 3650 });
    server = await createServerCertificate(ca, dnsNames, { now, validityDays: 365 });
  });

  it('keeps both when both Secrets hold valid, chaining material', () => {
    const r = assessSelfSigned({ ca, server }, req);
    assert.deepEqual(r, { ca, server });
  });

  it('a deleted server Secret: keep the CA, issue a new server certificate', () => {
    for (const observed of [
      { ca },
      { ca, server: {} },
      { ca, server: { certPem: server.certPem } },
    ]) {
      const r = assessSelfSigned(observed, req);
      assert.equal(r.ca, ca, 'the existing CA is kept');
      assert.equal(r.server, undefined);
      assert.ok('serverReason' in r);
      assert.equal(r.serverReason, 'Missing');
      assert.ok(!('caReason' in r));
    }
  });

  it('a deleted CA Secret: issue a new CA and, since the old one would not chain, a new server certificate', () => {
    const r = assessSelfSigned({ server }, req);
    assert.equal(r.ca, undefined);
    assert.equal(r.server, undefined);
    assert.ok('caReason' in r);
    assert.equal(r.caReason, 'Missing');
    assert.equal(r.serverReason, 'CaReplaced');
  });

  it('both deleted (first reconcile): both missing', () => {
    const r = assessSelfSigned({}, req);
    assert.ok('caReason' in r);
    assert.equal(r.caReason, 'Missing');
    assert.equal(r.serverReason, 'Missing');
  });

  it('a server certificate from another CA is replaced', async () => {
    const otherCa = await createCa('other', { now, validityDays: 3650 });
    const foreign = await createServerCertificate(otherCa, dnsNames, { now, validityDays: 365 });
    const r = assessSelfSigned({ ca, server: foreign }, req);
    assert.equal(r.ca, ca);
    assert.ok('serverReason' in r);
    assert.equal(r.serverReason, 'NotSignedByCa');
  });

  it('renewal and DNS-name changes replace only the server certificate', () => {
    const due = assessSelfSigned(
      { ca, server },
      { ...req, now: new Date(now.getTime() + 340 * DAY) },
    );
    assert.equal(due.ca, ca);
    assert.ok('serverReason' in due);
    assert.equal(due.serverReason, 'RenewalDue');
    const renamed = assessSelfSigned({ ca, server }, { ...req, dnsNames: [...dnsNames, 'x.io'] });
    assert.equal(renamed.ca, ca);
    assert.ok('serverReason' in renamed);
    assert.equal(renamed.serverReason, 'DnsNamesChanged');
  });

  it('a CA due for renewal is replaced together with the server certificate', () => {
    const r = assessSelfSigned(
      { ca, server },
      { ...req, now: new Date(now.getTime() + 3300 * DAY) },
    );
    assert.ok('caReason' in r);
    assert.equal(r.caReason, 'RenewalDue');
    assert.equal(r.serverReason, 'CaReplaced');
  });

  it('a CA with a key that does not match is replaced', () => {
    const r = assessSelfSigned({ ca: { certPem: ca.certPem, keyPem: server.keyPem }, server }, req);
    assert.ok('caReason' in r);
    assert.equal(r.caReason, 'KeyMismatch');
  });

  it('a re-issued server certificate from the kept CA has a new serial and key and still chains', async () => {
    const again = await createServerCertificate(ca, dnsNames, { now, validityDays: 365 });
    const a = new X509Certificate(server.certPem);
    const b = new X509Certificate(again.certPem);
    assert.notEqual(a.serialNumber, b.serialNumber);
    assert.notEqual(server.keyPem, again.keyPem);
    assert.ok(b.checkIssued(new X509Certificate(ca.certPem)));
    assert.deepEqual(assessSelfSigned({ ca, server: again }, req), { ca, server: again });
  });

  it('explains every reason in words for Event notes', () => {
    assert.match(reissueReasonText('Missing'), /Secret was missing/);
    assert.match(reissueReasonText('CaReplaced'), /replaced CA/);
    assert.match(reissueReasonText('RenewalDue'), /renewal time/);
  });
});
