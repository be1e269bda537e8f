import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { ENV_ERROR_CODE } from '../../../scripts/dev/node-agent/env.ts';
import {
  mountPlan,
  referencedObjects,
  tokenRequests,
  volumeContent,
  type VolumeContext,
} from '../../../scripts/dev/node-agent/volumes.ts';
import { mountScript, shQuote } from '../../../scripts/dev/node-agent/mount-script.ts';

/** The volumes of a gateway pod as the operator's Deployment renders them, plus an SA token. */
const pod: V1Pod = {
  metadata: { name: 'gw-1', namespace: 'ns', labels: { app: 'gw' } },
  spec: {
    containers: [
      {
        name: 'gateway',
        volumeMounts: [
          { name: 'tls', mountPath: '/etc/pulsar-ws-gateway/tls', readOnly: true },
          {
            name: 'config',
            mountPath: '/etc/pulsar-ws-gateway/gateway.yaml',
            subPath: 'gateway.yaml',
          },
          { name: 'tmp', mountPath: '/tmp' },
          { name: 'kube-api', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount/' },
        ],
      },
    ],
    volumes: [
      {
        name: 'config',
        configMap: { name: 'gw-config', items: [{ key: 'gateway.yaml', path: 'gateway.yaml' }] },
      },
      { name: 'tmp', emptyDir: {} },
      {
        name: 'tls',
        secret: {
          secretName: 'gw-tls',
          items: [
            { key: 'tls.crt', path: 'tls.crt' },
            { key: 'tls.key', path: 'tls.key' },
          ],
        },
      },
      {
        name: 'kube-api',
        projected: {
          sources: [
            { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            {
              downwardAPI: {
                items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }],
              },
            },
          ],
        },
      },
    ],
  },
};

const secrets: Record<string, Record<string, string>> = {
  'gw-tls': { 'tls.crt': 'CERT', 'tls.key': 'KEY', 'ca.crt': 'CA' },
};
const configMaps: Record<string, Record<string, string>> = {
  'gw-config': { 'gateway.yaml': 'version: 1\n' },
  'kube-root-ca.crt': { 'ca.crt': 'ROOTCA' },
};
const ctx: VolumeContext = {
  pod,
  podIP: '10.250.1.2',
  hostIP: '127.0.0.1',
  nodeName: 'n',
  secret: (n) => secrets[n],
  configMap: (n) => configMaps[n],
  token: (aud, secs) => (aud === '' && secs === 3607 ? 'TOKEN' : undefined),
};

function files(name: string): Record<string, string> {
  const v = pod.spec?.volumes?.find((x) => x.name === name);
  assert.ok(v);
  const c = volumeContent(v, ctx);
  assert.equal(c.kind, 'files');
  return Object.fromEntries([...c.files].map(([k, b]) => [k, b.toString()]));
}

describe('volume content', () => {
  it('Secret and ConfigMap volumes hold the selected keys at their paths', () => {
    assert.deepEqual(files('tls'), { 'tls.crt': 'CERT', 'tls.key': 'KEY' });
    assert.deepEqual(files('config'), { 'gateway.yaml': 'version: 1\n' });
  });

  it('a projected service-account volume holds the token, the root CA and the namespace', () => {
    assert.deepEqual(files('kube-api'), { token: 'TOKEN', 'ca.crt': 'ROOTCA', namespace: 'ns' });
    assert.deepEqual(tokenRequests(pod), [['', 3607]]);
  });

  it('emptyDir is an empty directory; a missing Secret or key is a config error', () => {
    assert.deepEqual(volumeContent({ name: 'tmp', emptyDir: {} }, ctx), { kind: 'emptyDir' });
    assert.throws(() => volumeContent({ name: 'x', secret: { secretName: 'absent' } }, ctx), {
      code: ENV_ERROR_CODE,
    });
    assert.throws(
      () =>
        volumeContent(
          { name: 'x', secret: { secretName: 'gw-tls', items: [{ key: 'nope', path: 'p' }] } },
          ctx,
        ),
      { code: ENV_ERROR_CODE },
    );
    const optional = volumeContent(
      { name: 'x', secret: { secretName: 'absent', optional: true } },
      ctx,
    );
    assert.equal(optional.kind === 'files' ? optional.files.size : -1, 0);
  });

  it('lists the Secrets and ConfigMaps to watch for updates', () => {
    const refs = referencedObjects(pod);
    assert.deepEqual([...refs.secrets], ['gw-tls']);
    assert.deepEqual([...refs.configMaps].sort(), ['gw-config', 'kube-root-ca.crt']);
  });
});

describe('mount plan', () => {
  it('orders parents first, strips trailing slashes, and mounts Secret/ConfigMap/projected read-only', () => {
    const container = pod.spec?.containers[0];
    assert.ok(container);
    assert.deepEqual(
      mountPlan(pod, container).map((s) => [s.mountPath, s.volume, s.subPath, s.readOnly]),
      [
        ['/tmp', 'tmp', '', false],
        ['/etc/pulsar-ws-gateway/tls', 'tls', '', true],
        ['/etc/pulsar-ws-gateway/gateway.yaml', 'config', 'gateway.yaml', true],
        ['/var/run/secrets/kubernetes.io/serviceaccount', 'kube-api', '', true],
      ],
    );
  });

  it('refuses unknown volumes and escaping subPaths', () => {
    const bad = (m: object): unknown => mountPlan(pod, { name: 'c', volumeMounts: [m as never] });
    assert.throws(() => bad({ name: 'nope', mountPath: '/x' }), { code: ENV_ERROR_CODE });
    assert.throws(() => bad({ name: 'tmp', mountPath: '/x', subPath: '../etc' }), {
      code: ENV_ERROR_CODE,
    });
    assert.throws(() => bad({ name: 'tmp', mountPath: 'relative' }), { code: ENV_ERROR_CODE });
  });

  it('renders a shell script of bind mounts (file mount points for file subPaths) ending in exec', () => {
    const container = pod.spec?.containers[0];
    assert.ok(container);
    const script = mountScript(
      mountPlan(pod, container),
      (v) => `/state/${v}`,
      (s) => s.subPath !== '',
      '/',
    );
    const lines = script.split('\n');
    assert.equal(lines[0], 'set -e');
    assert.ok(
      lines.includes(
        "mount --bind '/state/config/gateway.yaml' '/etc/pulsar-ws-gateway/gateway.yaml'",
      ),
    );
    assert.ok(
      lines.includes(
        "[ -e '/etc/pulsar-ws-gateway/gateway.yaml' ] || : > '/etc/pulsar-ws-gateway/gateway.yaml'",
      ),
    );
    assert.ok(lines.includes("mount -o remount,bind,ro '/etc/pulsar-ws-gateway/tls'"));
    assert.ok(!lines.includes("mount -o remount,bind,ro '/tmp'"));
    assert.equal(lines.at(-1), 'exec "$@"');
    const asUser = mountScript(
      [],
      () => '',
      () => false,
      '/',
      { uid: 65532, gid: 65533 },
    );
    assert.equal(
      asUser.split('\n').at(-1),
      'exec setpriv --reuid=65532 --regid=65533 --clear-groups -- "$@"',
    );
    assert.equal(shQuote("it's"), `'it'\\''s'`);
  });

  it("keeps the program's host directories visible under a volume mounted over an ancestor", () => {
    const steps = [
      { volume: 'tmp', mountPath: '/tmp', subPath: '', readOnly: false },
      { volume: 'tls', mountPath: '/etc/tls', subPath: '', readOnly: true },
    ];
    const script = mountScript(
      steps,
      (v) => `/state/${v}`,
      () => false,
      '/',
      undefined,
      { paths: ['/tmp/checkout', '/usr/local/bin', '/tmpfoo'], keepDir: '/state/keep' },
    );
    const lines = script.split('\n');
    const at = (line: string): number => {
      const i = lines.indexOf(line);
      assert.ok(i >= 0, `missing: ${line}`);
      return i;
    };
    // Staged before any volume hides it, bound back after all of them.
    const stage = at("mount --bind '/tmp/checkout' '/state/keep/0'");
    const tmp = at("mount --bind '/state/tmp' '/tmp'");
    const restore = at("mount --bind '/state/keep/0' '/tmp/checkout'");
    assert.ok(stage < tmp && tmp < restore);
    assert.ok(at("mount -o remount,bind,ro '/etc/tls'") < restore);
    // Paths no volume covers ('/tmpfoo' is not under '/tmp') are left alone.
    assert.ok(!script.includes('/usr/local/bin'));
    assert.ok(!script.includes('/tmpfoo'));
    assert.equal(lines.at(-1), 'exec "$@"');
  });
});
