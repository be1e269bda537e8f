/**
 * `spec.websocket.slowClientTimeoutSeconds` against the real API server: admission enforces the
 * gateway's bounds, and the operator renders a set value into gateway.yaml, in a form the
 * gateway's own config loader reads, rolling the pods (config hash) when it changes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import {
  ANNOTATION_KEYS,
  CRD_API_VERSION,
  CRD_KIND,
} from '../../../src/operator/api/v1alpha1/constants.ts';
import { childNames } from '../../../src/operator/resources/names.ts';
import { loadGatewayConfig } from '../../../src/gateway/index.ts';
import { kubeConfig, uniqueName } from '../../helpers/test-env.ts';
import { eventually } from '../../helpers/eventually.ts';
import {
  gatewayManifest,
  operatorInNamespace,
  testClient,
} from '../../helpers/operator-harness.ts';

const kc = kubeConfig();
const client = testClient(kc);
const namespace = uniqueName('op-slow');
const NAME = 'slow';
const names = childNames(NAME);
operatorInNamespace(kc, namespace);

/** What the gateway would read from the rendered ConfigMap. */
async function gatewayTimeout(): Promise<{ seconds: number; rendered: string }> {
  const cm = await client.get<V1ConfigMap>('v1', 'ConfigMap', namespace, names.configMap);
  const rendered = cm?.data?.['gateway.yaml'];
  assert.ok(rendered !== undefined, 'the ConfigMap holds gateway.yaml');
  const r = loadGatewayConfig({
    argv: ['--config', 'gateway.yaml'],
    env: {},
    readFile: () => rendered,
  });
  assert.ok(r.kind === 'config');
  return { seconds: r.config.websocket.slowClientTimeoutSeconds, rendered };
}

async function podHash(): Promise<string> {
  const dep = await client.get<V1Deployment>('apps/v1', 'Deployment', namespace, names.deployment);
  const hash = dep?.spec?.template.metadata?.annotations?.[ANNOTATION_KEYS.configHash];
  assert.ok(hash !== undefined, 'the pod template carries the config hash');
  return hash;
}

describe('spec.websocket.slowClientTimeoutSeconds against the real control plane', () => {
  it('admission rejects values outside 1..86400', async () => {
    for (const [value, message] of [
      [0, 'should be greater than or equal to 1'],
      [86401, 'should be less than or equal to 86400'],
    ] as const) {
      await assert.rejects(
        client.create(
          gatewayManifest(namespace, uniqueName('bad'), {
            websocket: { slowClientTimeoutSeconds: value },
          }),
        ),
        (err: unknown) => {
          const text = JSON.stringify(err);
          assert.match(text, /422/);
          assert.ok(text.includes('slowClientTimeoutSeconds'), text);
          assert.ok(text.includes(message), text);
          return true;
        },
      );
    }
  });

  it('unset: absent from gateway.yaml (the gateway default, 30); set: rendered, and a change rolls the pods', async () => {
    await client.apply(gatewayManifest(namespace, NAME));
    const unset = await eventually(gatewayTimeout);
    assert.equal(unset.seconds, 30);
    assert.doesNotMatch(unset.rendered, /slowClientTimeoutSeconds/);
    const hash = await eventually(podHash);

    await client.mergePatch(CRD_API_VERSION, CRD_KIND, namespace, NAME, {
      spec: { websocket: { slowClientTimeoutSeconds: 120 } },
    });
    await eventually(async () => {
      assert.equal((await gatewayTimeout()).seconds, 120);
      assert.notEqual(await podHash(), hash, 'the gateway reads it at start: the pods roll');
    });
  });
});
