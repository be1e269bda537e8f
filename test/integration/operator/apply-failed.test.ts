/**
 * The ApplyFailed path against the real API server: a ValidatingAdmissionPolicy (GA since
 * Kubernetes 1.30), bound to this test's namespace only, denies Deployments. The gateway then
 * reports Ready=False ApplyFailed with the API server's message and a Warning Event, the
 * operator keeps running, and once the policy binding is removed the Deployment is created
 * and the condition clears without any change to the gateway.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import type { Manager } from '../../../src/operator/manager.ts';
import { childNames } from '../../../src/operator/resources/names.ts';
import { kubeConfig, uniqueName } from '../../helpers/test-env.ts';
import { eventually } from '../../helpers/eventually.ts';
import { installGatewayCrd } from '../../helpers/install-crd.ts';
import {
  conditionOf,
  gatewayManifest,
  readGateway,
  startManager,
  testClient,
} from '../../helpers/operator-harness.ts';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const client = testClient(kc);
const namespace = uniqueName('op-applyfail');
// Cluster-scoped objects, named after the namespace so parallel runs do not collide.
const policyName = `${namespace}-deny-deployments`;
const POLICY_MESSAGE = 'Deployments are denied in this namespace by the test policy';
let manager: Manager;

const policy: KubernetesObject = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: policyName },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [
        {
          apiGroups: ['apps'],
          apiVersions: ['v1'],
          operations: ['CREATE', 'UPDATE'],
          resources: ['deployments'],
        },
      ],
    },
    validations: [{ expression: 'false', message: POLICY_MESSAGE }],
  },
} as KubernetesObject;

const binding: KubernetesObject = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicyBinding',
  metadata: { name: policyName },
  spec: {
    policyName,
    validationActions: ['Deny'],
    matchResources: {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    },
  },
} as KubernetesObject;

/** A dry-run Deployment create: is the policy enforced (yet / still)? */
async function deploymentDenied(): Promise<boolean> {
  try {
    await client.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'probe', namespace },
      spec: {
        selector: { matchLabels: { app: 'probe' } },
        template: {
          metadata: { labels: { app: 'probe' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    });
    await client.delete('apps/v1', 'Deployment', namespace, 'probe');
    return false;
  } catch (err) {
    if ((err as { code?: number }).code === 422) return true;
    throw err;
  }
}

describe('ApplyFailed: a child rejected by a ValidatingAdmissionPolicy', () => {
  before(async () => {
    await installGatewayCrd(kc);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await client.create(policy);
    await client.create(binding);
    // The policy takes effect once the API server's admission informers saw it.
    await eventually(async () => {
      assert.equal(await deploymentDenied(), true, 'policy enforced');
    }, 30_000);
    manager = await startManager(kc, namespace, { applyRetryMs: 1000 });
  });
  after(async () => {
    await manager.stop();
    await client.delete(
      'admissionregistration.k8s.io/v1',
      'ValidatingAdmissionPolicyBinding',
      undefined,
      policyName,
    );
    await client.delete(
      'admissionregistration.k8s.io/v1',
      'ValidatingAdmissionPolicy',
      undefined,
      policyName,
    );
    await core.deleteNamespace({ name: namespace });
  });

  it('reports Ready=False ApplyFailed with the API server message and a Warning Event, then recovers when the policy goes', async () => {
    const name = 'af1';
    const names = childNames(name);
    await client.apply(gatewayManifest(namespace, name));
    await eventually(async () => {
      const g = await readGateway(client, namespace, name);
      const ready = conditionOf(g, 'Ready');
      assert.equal(ready?.status, 'False');
      assert.equal(ready.reason, 'ApplyFailed');
      assert.match(ready.message, new RegExp(`Deployment "${names.deployment}".*HTTP 422`));
      assert.ok(ready.message.includes(POLICY_MESSAGE), ready.message);
      const events = await core.listNamespacedEvent({ namespace });
      const warning = events.items.find((e) => e.reason === 'ApplyFailed');
      assert.equal(warning?.type, 'Warning');
      assert.equal(warning.involvedObject.name, name);
    }, 30_000);
    // The children applied before the Deployment exist; the Deployment does not.
    assert.ok(await client.get('v1', 'ConfigMap', namespace, names.configMap));
    assert.equal(await client.get('apps/v1', 'Deployment', namespace, names.deployment), undefined);
    // Still running and retrying on its own (applyRetryMs), with no event to trigger it.
    const before = manager.reconciles;
    await eventually(() => {
      assert.ok(manager.reconciles > before, 'the operator retries the rejected apply');
    });

    await client.delete(
      'admissionregistration.k8s.io/v1',
      'ValidatingAdmissionPolicyBinding',
      undefined,
      policyName,
    );
    await eventually(async () => {
      assert.equal(await deploymentDenied(), false, 'policy no longer enforced');
    }, 30_000);
    // Nothing about the gateway changed: the operator's retry applies the Deployment.
    await eventually(async () => {
      assert.ok(await client.get('apps/v1', 'Deployment', namespace, names.deployment));
      const g = await readGateway(client, namespace, name);
      const ready = conditionOf(g, 'Ready');
      assert.notEqual(ready?.reason, 'ApplyFailed');
      assert.equal(conditionOf(g, 'Degraded')?.reason === 'ApplyFailed', false);
    }, 30_000);
  });
});
