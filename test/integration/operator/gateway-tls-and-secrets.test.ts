/**
 * TLS and referenced Secrets, with the operator in-process against the real API server:
 * self-signed mode stores a CA and a server certificate whose SANs cover the Service's DNS
 * names and renews it before expiry on its own (a short certificate "day" makes that take
 * seconds); turning TLS off prunes those Secrets and clears the certificate status; a missing Secret gives
 * Ready=False SecretNotFound (then SecretKeyMissing) and recovers once the Secret is right; a
 * changed broker-token Secret rolls the pods through the config hash while a changed user TLS
 * Secret (hot-reloaded by the gateway) does not.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { CoreV1Api, type V1Deployment, type V1Secret } from '@kubernetes/client-node';
import { CRD_API_VERSION, CRD_KIND } from '../../../src/operator/api/v1alpha1/constants.ts';
import {
  createCa,
  createServerCertificate,
  parseCertificate,
} from '../../../src/operator/certs/self-signed.ts';
import { ANNOTATION_KEYS } from '../../../src/operator/api/v1alpha1/constants.ts';
import { childNames, serviceDnsNames } from '../../../src/operator/resources/names.ts';
import { kubeConfig, uniqueName } from '../../helpers/test-env.ts';
import { eventually } from '../../helpers/eventually.ts';
import {
  conditionOf,
  gatewayManifest,
  readGateway,
  operatorInNamespace,
  testClient,
} from '../../helpers/operator-harness.ts';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const client = testClient(kc);
const namespace = uniqueName('op-tls');
/** One certificate "day" lasts this many ms: validityDays 2 → 6 s, renewal 3 s after issue. */
const DAY_MS = 3000;
operatorInNamespace(kc, namespace, { dayMs: DAY_MS });

function pem(secret: V1Secret | undefined, key: string): string {
  const value = secret?.data?.[key];
  assert.ok(value !== undefined, `Secret ${secret?.metadata?.name ?? '?'} has ${key}`);
  return Buffer.from(value, 'base64').toString('utf8');
}

describe('gateway TLS and referenced Secrets against the real control plane', () => {
  it('self-signed: CA and server Secrets cover the Service DNS names and renew before expiry', async () => {
    const name = 'tls1';
    const names = childNames(name);
    await client.apply(
      gatewayManifest(namespace, name, {
        tls: {
          mode: 'selfSigned',
          validityDays: 2,
          renewBeforeDays: 1,
          dnsNames: ['gw.example.com'],
        },
      }),
    );
    const first = await eventually(async () => {
      const ca = await client.get<V1Secret>('v1', 'Secret', namespace, names.caSecret);
      const tls = await client.get<V1Secret>('v1', 'Secret', namespace, names.tlsSecret);
      assert.equal(tls?.type, 'kubernetes.io/tls');
      assert.equal(pem(tls, 'ca.crt'), pem(ca, 'tls.crt'), 'ca.crt is the operator CA');
      pem(tls, 'tls.key');
      return parseCertificate(pem(tls, 'tls.crt'));
    });
    const wanted = serviceDnsNames(names.service, namespace, ['gw.example.com']);
    assert.deepEqual([...first.dnsNames].sort(), [...wanted].sort());
    const gw = await eventually(async () => {
      const g = await readGateway(client, namespace, name);
      assert.equal(conditionOf(g, 'CertificateReady')?.status, 'True');
      assert.ok(g.status?.certificate?.notAfter !== undefined);
      assert.match(g.status.endpoints?.wss ?? '', /^wss:\/\//);
      return g;
    });
    assert.ok(gw.status?.certificate?.renewAt !== undefined);
    // Nobody touches anything: the operator renews on its own at the renewal time.
    const renewed = await eventually(
      async () => {
        const tls = await client.get<V1Secret>('v1', 'Secret', namespace, names.tlsSecret);
        const info = parseCertificate(pem(tls, 'tls.crt'));
        assert.ok(info.notAfter.getTime() > first.notAfter.getTime(), 'notAfter moved forward');
        return info;
      },
      20_000,
      250,
    );
    assert.deepEqual([...renewed.dnsNames].sort(), [...wanted].sort());
    await eventually(async () => {
      const g = await readGateway(client, namespace, name);
      const notAfter = new Date(g.status?.certificate?.notAfter ?? 0).getTime();
      assert.ok(notAfter > first.notAfter.getTime(), 'status.certificate.notAfter moved forward');
    });
  });

  it('self-signed: a deleted server Secret is re-issued from the same CA; a deleted CA Secret brings a new CA and server certificate; the pods do not roll', async () => {
    const name = 'tls2';
    const names = childNames(name);
    const wanted = serviceDnsNames(names.service, namespace, []);
    // The default validity (365 "days" of 3 s, renewal 30 "days" before) leaves ~16 minutes
    // before a scheduled renewal: every new certificate below comes from a deletion.
    await client.apply(gatewayManifest(namespace, name, { tls: { mode: 'selfSigned' } }));
    /** The current Secrets, once the server certificate chains to the CA in both places. */
    const settled = async (): Promise<{
      caPem: string;
      cert: X509Certificate;
      caSecret: V1Secret;
      tlsSecret: V1Secret;
    }> => {
      const caSecret = await client.get<V1Secret>('v1', 'Secret', namespace, names.caSecret);
      const tlsSecret = await client.get<V1Secret>('v1', 'Secret', namespace, names.tlsSecret);
      const caPem = pem(caSecret, 'tls.crt');
      assert.equal(pem(tlsSecret, 'ca.crt'), caPem, "ca.crt is the CA Secret's certificate");
      const caCert = new X509Certificate(caPem);
      const cert = new X509Certificate(pem(tlsSecret, 'tls.crt'));
      assert.ok(cert.checkIssued(caCert) && cert.verify(caCert.publicKey), 'chains to ca.crt');
      assert.ok(cert.checkPrivateKey(createPrivateKey(pem(tlsSecret, 'tls.key'))));
      assert.deepEqual([...parseCertificate(cert.toString()).dnsNames].sort(), [...wanted].sort());
      assert.ok(caSecret !== undefined && tlsSecret !== undefined);
      return { caPem, cert, caSecret, tlsSecret };
    };
    /** Status reports the expiry of exactly `cert`. */
    const statusFollows = async (cert: X509Certificate): Promise<void> => {
      await eventually(async () => {
        const g = await readGateway(client, namespace, name);
        assert.equal(conditionOf(g, 'CertificateReady')?.status, 'True');
        assert.equal(
          new Date(g.status?.certificate?.notAfter ?? 0).getTime(),
          new Date(cert.validTo).getTime(),
          "status.certificate.notAfter is the current certificate's",
        );
      });
    };
    const podTemplate = async (): Promise<{ generation: number; hash: string }> => {
      const dep = await client.get<V1Deployment>(
        'apps/v1',
        'Deployment',
        namespace,
        names.deployment,
      );
      const hash = dep?.spec?.template.metadata?.annotations?.[ANNOTATION_KEYS.configHash];
      assert.ok(dep?.metadata?.generation !== undefined && hash !== undefined);
      return { generation: dep.metadata.generation, hash };
    };

    const first = await eventually(settled);
    await statusFollows(first.cert);
    const template = await eventually(podTemplate);
    // notAfter has a 1 s resolution: a later issue must show a later expiry in status.
    await new Promise((r) => setTimeout(r, 1100));

    await core.deleteNamespacedSecret({ namespace, name: names.tlsSecret });
    const second = await eventually(async () => {
      const s = await settled();
      assert.notEqual(s.tlsSecret.metadata?.uid, first.tlsSecret.metadata?.uid, 're-created');
      return s;
    });
    assert.notEqual(second.cert.serialNumber, first.cert.serialNumber, 'a new certificate');
    assert.notEqual(pem(second.tlsSecret, 'tls.key'), pem(first.tlsSecret, 'tls.key'), 'a new key');
    assert.equal(second.caPem, first.caPem, 'the same CA signs it');
    assert.equal(
      second.caSecret.metadata?.resourceVersion,
      first.caSecret.metadata?.resourceVersion,
    );
    await statusFollows(second.cert);
    await new Promise((r) => setTimeout(r, 1100));

    await core.deleteNamespacedSecret({ namespace, name: names.caSecret });
    const third = await eventually(async () => {
      const s = await settled();
      assert.notEqual(s.caPem, first.caPem, 'a new CA');
      return s;
    });
    assert.notEqual(third.cert.serialNumber, second.cert.serialNumber, 'a new server certificate');
    assert.equal(
      third.tlsSecret.metadata?.uid,
      second.tlsSecret.metadata?.uid,
      'the server Secret was updated in place',
    );
    await statusFollows(third.cert);

    // Settled: later reconciles (status writes, Deployment events) issue nothing more.
    await new Promise((r) => setTimeout(r, 2000));
    const later = await settled();
    assert.equal(
      later.tlsSecret.metadata?.resourceVersion,
      third.tlsSecret.metadata?.resourceVersion,
    );
    assert.equal(
      later.caSecret.metadata?.resourceVersion,
      third.caSecret.metadata?.resourceVersion,
    );
    // Certificates are hot-reloaded: neither re-issue touched the pod template.
    assert.deepEqual(await podTemplate(), template, 'the pods do not roll');
    const events = await client.list('events.k8s.io/v1', 'Event', namespace);
    const notes = events.items
      .map((e) => e as { reason?: string; note?: string; regarding?: { name?: string } })
      .filter((e) => e.regarding?.name === name && e.reason === 'CertificateIssued')
      .map((e) => e.note ?? '');
    assert.ok(
      notes.some((n) => /^Issued the self-signed server certificate .*Secret was missing/.test(n)),
      notes.join('\n'),
    );
    assert.ok(
      notes.some((n) => /^Issued a new self-signed CA .*signed by the replaced CA/.test(n)),
      notes.join('\n'),
    );
    await client.delete(CRD_API_VERSION, CRD_KIND, namespace, name);
  });

  it('turning TLS off prunes the operator Secrets and clears the certificate status', async () => {
    const name = 'tls1';
    const names = childNames(name);
    await client.mergePatch(CRD_API_VERSION, CRD_KIND, namespace, name, {
      spec: { tls: { mode: 'none' } },
    });
    await eventually(async () => {
      assert.equal(await client.get('v1', 'Secret', namespace, names.tlsSecret), undefined);
      assert.equal(await client.get('v1', 'Secret', namespace, names.caSecret), undefined);
      const g = await readGateway(client, namespace, name);
      assert.equal(conditionOf(g, 'CertificateReady'), undefined);
      assert.equal(g.status?.certificate, undefined);
      assert.equal(g.status?.endpoints?.wss, undefined);
      assert.match(g.status?.endpoints?.ws ?? '', /^ws:\/\//);
    });
  });

  it('a missing Secret gives Ready=False SecretNotFound, and the gateway recovers once it is created', async () => {
    const name = 'sec1';
    await client.apply(
      gatewayManifest(namespace, name, {
        pulsar: {
          serviceUrl: 'pulsar://broker.pulsar.svc:6650',
          authentication: { token: { secretKeyRef: { name: 'broker-token' } } },
        },
      }),
    );
    await eventually(async () => {
      const g = await readGateway(client, namespace, name);
      const ready = conditionOf(g, 'Ready');
      assert.equal(ready?.status, 'False');
      assert.equal(ready.reason, 'SecretNotFound');
      assert.match(ready.message, /"broker-token"/);
      assert.equal(conditionOf(g, 'Degraded')?.status, 'True');
    });
    const events = await client.list('events.k8s.io/v1', 'Event', namespace);
    assert.ok(
      events.items.some(
        (e) =>
          (e as { reason?: string; regarding?: { name?: string } }).reason === 'SecretNotFound',
      ),
      'a Warning event was recorded',
    );
    assert.equal(
      await client.get('apps/v1', 'Deployment', namespace, childNames(name).deployment),
      undefined,
      'no Deployment while its Secret is missing',
    );

    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'broker-token' }, stringData: { wrong: 'x' } },
    });
    await eventually(async () => {
      const g = await readGateway(client, namespace, name);
      assert.equal(conditionOf(g, 'Ready')?.reason, 'SecretKeyMissing');
      assert.match(conditionOf(g, 'Ready')?.message ?? '', /"token"/);
    });

    await client.mergePatch('v1', 'Secret', namespace, 'broker-token', {
      stringData: { token: 'eyJhbGciOiJub25lIn0.e30.' },
    });
    await eventually(async () => {
      const g = await readGateway(client, namespace, name);
      const ready = conditionOf(g, 'Ready');
      assert.notEqual(ready?.reason, 'SecretKeyMissing');
      assert.notEqual(ready?.reason, 'SecretNotFound');
      assert.equal(conditionOf(g, 'Degraded')?.status, 'False');
      const dep = await client.get<V1Deployment>(
        'apps/v1',
        'Deployment',
        namespace,
        childNames(name).deployment,
      );
      assert.ok(dep, 'Deployment created once the Secret is complete');
    });
  });

  it('a changed referenced Secret rolls the pods (config hash); a changed user TLS Secret does not (hot-reloaded)', async () => {
    const hashOf = async (name: string): Promise<string> => {
      const dep = await client.get<V1Deployment>(
        'apps/v1',
        'Deployment',
        namespace,
        childNames(name).deployment,
      );
      const hash = dep?.spec?.template.metadata?.annotations?.[ANNOTATION_KEYS.configHash];
      assert.ok(hash !== undefined, 'the pod template carries the config hash');
      return hash;
    };
    // sec1's broker token (not hot-reloaded): a new value changes the pod template.
    const tokenHash = await eventually(() => hashOf('sec1'));
    await client.mergePatch('v1', 'Secret', namespace, 'broker-token', {
      stringData: { token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
    });
    await eventually(async () => {
      assert.notEqual(await hashOf('sec1'), tokenHash, 'token change rolls the pods');
    });

    // A user-provided TLS Secret (tls.mode secret) is reloaded by the gateway in place.
    const ca = await createCa('user ca', { now: new Date(), validityDays: 30 });
    const tlsData = async (): Promise<Record<string, string>> => {
      const pair = await createServerCertificate(ca, ['gw.example.com'], {
        now: new Date(),
        validityDays: 10,
      });
      return {
        'tls.crt': Buffer.from(pair.certPem).toString('base64'),
        'tls.key': Buffer.from(pair.keyPem).toString('base64'),
      };
    };
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'user-tls', namespace },
      data: await tlsData(),
    });
    await client.apply(
      gatewayManifest(namespace, 'usertls', { tls: { mode: 'secret', secretName: 'user-tls' } }),
    );
    const userHash = await eventually(async () => {
      const g = await readGateway(client, namespace, 'usertls');
      assert.equal(conditionOf(g, 'CertificateReady')?.status, 'True');
      return hashOf('usertls');
    });
    const firstNotAfter = (await readGateway(client, namespace, 'usertls')).status?.certificate
      ?.notAfter;
    await new Promise((r) => setTimeout(r, 1100)); // a later notAfter (1 s resolution)
    await client.mergePatch('v1', 'Secret', namespace, 'user-tls', { data: await tlsData() });
    // The operator saw the new certificate (status follows it) but left the pods alone.
    await eventually(async () => {
      const g = await readGateway(client, namespace, 'usertls');
      assert.notEqual(g.status?.certificate?.notAfter, firstNotAfter, 'status follows the Secret');
    });
    assert.equal(await hashOf('usertls'), userHash, 'a hot-reloaded Secret does not roll the pods');
  });
});
