import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import {
  createCa,
  createServerCertificate,
  DAY_MS,
  needsReissue,
  parseCertificate,
  renewalTime,
  type KeyPairPem,
} from '../../../src/operator/certs/self-signed.ts';

const now = new Date('2026-03-01T12:00:00Z');
const dnsNames = [
  'gw-gateway',
  'gw-gateway.ns',
  'gw-gateway.ns.svc',
  'gw-gateway.ns.svc.cluster.local',
  'ws.example.com',
];

describe('self-signed certificates', () => {
  let ca: KeyPairPem;
  let server: KeyPairPem;
  before(async () => {
    ca = await createCa('ns/gw pulsar-ws-gateway CA', { now, validityDays: 3650 });
    server = await createServerCertificate(ca, dnsNames, { now, validityDays: 365 });
  });

  it('creates a P-256 CA that node:crypto accepts as a CA', () => {
    const cert = new X509Certificate(ca.certPem);
    assert.equal(cert.ca, true);
    assert.equal(cert.subject, 'CN=ns/gw pulsar-ws-gateway CA');
    assert.ok(cert.verify(cert.publicKey), 'self-signature verifies');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(cert.checkPrivateKey(createPrivateKey(ca.keyPem)));
  });

  it('signs a server certificate whose chain verifies and whose SANs are the DNS names', () => {
    const caCert = new X509Certificate(ca.certPem);
    const cert = new X509Certificate(server.certPem);
    assert.equal(cert.ca, false);
    assert.ok(cert.checkIssued(caCert));
    assert.ok(cert.verify(caCert.publicKey));
    for (const name of dnsNames) assert.equal(cert.checkHost(name), name);
    assert.equal(cert.checkHost('other.example.com'), undefined);
    assert.ok(cert.checkPrivateKey(createPrivateKey(server.keyPem)));
    assert.ok(server.keyPem.startsWith('-----BEGIN PRIVATE KEY-----'));
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  });

  it('parses validity and DNS names back', () => {
    const info = parseCertificate(server.certPem);
    assert.deepEqual(info.dnsNames, dnsNames);
    assert.equal(info.notAfter.getTime(), now.getTime() + 365 * DAY_MS);
    assert.equal(info.notBefore.getTime(), now.getTime() - 5 * 60_000);
    assert.equal(info.issuer, 'CN=ns/gw pulsar-ws-gateway CA');
  });

  it('computes the renewal time as notAfter minus renewBeforeDays', () => {
    const notAfter = new Date('2027-03-01T12:00:00Z');
    assert.equal(renewalTime(notAfter, 30).toISOString(), '2027-01-30T12:00:00.000Z');
    assert.equal(renewalTime(notAfter, 2, 1000).toISOString(), '2027-03-01T11:59:58.000Z');
  });

  it('keeps a valid certificate and says why one must be reissued', async () => {
    const check = { now, renewBeforeDays: 30, dnsNames, caPem: ca.certPem };
    assert.equal(needsReissue(server, check), undefined);
    assert.equal(
      needsReissue(server, { ...check, dnsNames: [...dnsNames].reverse() }),
      undefined,
      'order ignored',
    );
    assert.equal(needsReissue(undefined, check), 'Missing');
    assert.equal(needsReissue({ certPem: server.certPem }, check), 'Missing');
    assert.equal(needsReissue({ certPem: 'garbage', keyPem: server.keyPem }, check), 'Unparseable');
    assert.equal(
      needsReissue({ certPem: server.certPem, keyPem: ca.keyPem }, check),
      'KeyMismatch',
    );
    assert.equal(
      needsReissue(server, { ...check, dnsNames: [...dnsNames, 'new.example.com'] }),
      'DnsNamesChanged',
    );
    const otherCa = await createCa('other', { now, validityDays: 10 });
    assert.equal(needsReissue(server, { ...check, caPem: otherCa.certPem }), 'NotSignedByCa');
    const renewAt = renewalTime(parseCertificate(server.certPem).notAfter, 30);
    assert.equal(
      needsReissue(server, { ...check, now: new Date(renewAt.getTime() - 1) }),
      undefined,
    );
    assert.equal(needsReissue(server, { ...check, now: renewAt }), 'RenewalDue');
    assert.equal(
      needsReissue(ca, { now, renewBeforeDays: 30 }),
      undefined,
      'a CA is checked without SANs or issuer',
    );
  });

  it('supports short "days" so renewal can be tested in seconds', async () => {
    const t = new Date();
    const short = await createServerCertificate(ca, ['a'], {
      now: t,
      validityDays: 10,
      dayMs: 1000,
    });
    const info = parseCertificate(short.certPem);
    assert.equal(info.notAfter.getTime(), Math.floor((t.getTime() + 10_000) / 1000) * 1000);
    const check = { renewBeforeDays: 3, dnsNames: ['a'], caPem: ca.certPem, dayMs: 1000 };
    assert.equal(needsReissue(short, { ...check, now: t }), undefined);
    assert.equal(
      needsReissue(short, { ...check, now: new Date(t.getTime() + 8000) }),
      'RenewalDue',
    );
  });
});
