/**
 * Informer lists in pages against the real API server. The operator's Secret informer as the
 * manager builds it: pages (each transformed before the next is asked for), Helm release
 * Secrets left out by the API server in the list and in the watch (the field selector), and
 * every foreign Secret cached as digests, never as its value. And a custom resource's list
 * through KubeClient pages too (client-node's model deserializer drops `metadata.continue` of
 * custom-resource lists, which once left an informer with the first page only).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, type V1Secret } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { silentLogger, systemClock } from '../../../../src/shared/index.ts';
import { Informer, forObject, resourcePath } from '../../../../src/operator/runtime/informer.ts';
import { SECRET_FIELD_SELECTOR } from '../../../../src/operator/manager.ts';
import { DIGEST_PREFIX, secretForCache } from '../../../../src/operator/kube/secret-for-cache.ts';
import { kubeConfig, uniqueName } from '../../../helpers/test-env.ts';
import { eventually } from '../../../helpers/eventually.ts';
import { gatewayManifest, testClient } from '../../../helpers/operator-harness.ts';
import { installGatewayCrd } from '../../../helpers/install-crd.ts';
import {
  CRD_API_VERSION,
  CRD_KIND,
  CRD_PLURAL,
} from '../../../../src/operator/api/v1alpha1/constants.ts';
import type { PulsarWebSocketGateway } from '../../../../src/operator/api/v1alpha1/types.ts';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const client = testClient(kc);
const namespace = uniqueName('secret-informer');
const OPAQUE = 5;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

function secret(name: string, type: string, value: string): V1Secret {
  return { metadata: { name, namespace }, type, data: { value: b64(value) } };
}

describe('the Secret informer against the real API server', () => {
  let informer: Informer<V1Secret>;
  const pages: (string | undefined)[] = [];
  const keys: string[] = [];

  before(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    // A Helm release record is large (here 256 KiB) and never a gateway's input.
    await core.createNamespacedSecret({
      namespace,
      body: secret('sh.helm.release.v1.app.v1', 'helm.sh/release.v1', 'x'.repeat(256 * 1024)),
    });
    for (let i = 0; i < OPAQUE; i++) {
      await core.createNamespacedSecret({
        namespace,
        body: secret(`user-${String(i)}`, 'Opaque', `password-${String(i)}`),
      });
    }
    informer = new Informer<V1Secret>({
      name: 'secrets',
      kubeConfig: kc,
      namespaces: [namespace],
      path: (ns) => resourcePath('v1', 'secrets', ns),
      list: (ns, selector, page) => {
        pages.push(page.continueToken);
        return client.list<V1Secret>('v1', 'Secret', ns, selector, page);
      },
      fieldSelector: SECRET_FIELD_SELECTOR,
      listPageSize: 2,
      transform: (obj) => secretForCache(obj, 'pulsar-ws-operator'),
      clock: systemClock,
      logger: silentLogger,
      registry: new Registry(),
      resyncPeriodMs: 0,
    });
    informer.addEventHandler(forObject(), {
      add: (k) => {
        keys.push(k);
      },
    });
    await informer.start();
    await informer.waitForSync();
  });
  after(async () => {
    await informer.stop();
    await core.deleteNamespace({ name: namespace });
  });

  it('lists in pages and caches every Opaque Secret, but not the Helm release', () => {
    // 5 Secrets pass the field selector: pages of 2, 2 and 1, the later ones by continue token.
    assert.equal(pages.length, 3, `list requests: ${JSON.stringify(pages)}`);
    assert.equal(pages[0], undefined);
    assert.ok(pages.slice(1).every((t) => t !== undefined && t !== ''));
    const names = informer
      .list(namespace)
      .map((s) => s.metadata?.name)
      .sort();
    assert.deepEqual(
      names,
      Array.from({ length: OPAQUE }, (_, i) => `user-${String(i)}`),
    );
  });

  it('holds digests, not the values', () => {
    for (const s of informer.list(namespace)) {
      const value = s.data?.['value'];
      assert.ok(value?.startsWith(DIGEST_PREFIX), `${String(s.metadata?.name)}: ${String(value)}`);
      assert.equal(JSON.stringify(s).includes(b64('password-')), false);
    }
  });

  it('watches new Opaque Secrets and never sees new Helm releases', async () => {
    await core.createNamespacedSecret({
      namespace,
      body: secret('sh.helm.release.v1.app.v2', 'helm.sh/release.v1', 'y'.repeat(1024)),
    });
    await core.createNamespacedSecret({
      namespace,
      body: secret('user-late', 'Opaque', 'late-password'),
    });
    await eventually(() => {
      assert.ok(informer.get(namespace, 'user-late'), 'the new Opaque Secret arrived');
    });
    // Watch events arrive in order: the Helm Secret was created first, so it would be here.
    assert.equal(informer.get(namespace, 'sh.helm.release.v1.app.v2'), undefined);
    assert.equal(informer.get(namespace, 'sh.helm.release.v1.app.v1'), undefined);
    assert.ok(!keys.some((k) => k.includes('sh.helm.release')), keys.join(', '));
    assert.ok(informer.get(namespace, 'user-late')?.data?.['value']?.startsWith(DIGEST_PREFIX));
  });
});

describe('a custom resource informer against the real API server', () => {
  const ns = uniqueName('cr-pages');
  const COUNT = 5;
  let informer: Informer<PulsarWebSocketGateway>;
  const pages: (string | undefined)[] = [];

  before(async () => {
    await installGatewayCrd(kc);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    for (let i = 0; i < COUNT; i++) await client.apply(gatewayManifest(ns, `gw-${String(i)}`));
    informer = new Informer<PulsarWebSocketGateway>({
      name: 'pulsarwebsocketgateways',
      kubeConfig: kc,
      namespaces: [ns],
      path: (n) => resourcePath(CRD_API_VERSION, CRD_PLURAL, n),
      list: (n, selector, page) => {
        pages.push(page.continueToken);
        return client.list<PulsarWebSocketGateway>(CRD_API_VERSION, CRD_KIND, n, selector, page);
      },
      listPageSize: 2,
      clock: systemClock,
      logger: silentLogger,
      registry: new Registry(),
      resyncPeriodMs: 0,
    });
    await informer.start();
    await informer.waitForSync();
  });
  after(async () => {
    await informer.stop();
    await core.deleteNamespace({ name: ns });
  });

  it('follows the continue token to the last page', () => {
    assert.equal(pages.length, 3, `list requests: ${JSON.stringify(pages)}`);
    assert.equal(informer.list(ns).length, COUNT);
  });
});
