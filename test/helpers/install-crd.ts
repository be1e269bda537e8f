import { readFileSync } from 'node:fs';
import {
  ApiextensionsV1Api,
  loadYaml,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { eventually } from './eventually.ts';

/**
 * The PulsarWebSocketGateway CRD exactly as committed in crds/, as a client-node model.
 * It must go through client-node's `loadYaml` (model deserialisation): the typed API clients
 * serialise by model attribute, so a plain `js-yaml` object would silently lose every
 * `x-kubernetes-*` key (validations, int-or-string, preserve-unknown-fields, list types).
 */
export function loadGatewayCrd(): V1CustomResourceDefinition {
  const url = new URL('../../crds/pulsarwebsocketgateways.pulsarws.io.yaml', import.meta.url);
  return loadYaml<V1CustomResourceDefinition>(readFileSync(url, 'utf8'));
}

/**
 * Installs (or updates to the committed version) the PulsarWebSocketGateway CRD and waits until
 * it is Established and its REST endpoint is served. Safe to call from several test files
 * sharing one API server.
 */
export async function installGatewayCrd(kc: KubeConfig): Promise<V1CustomResourceDefinition> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const crd = loadGatewayCrd();
  const name = crd.metadata!.name!;
  await eventually(async () => {
    try {
      await ext.createCustomResourceDefinition({ body: crd });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
      const current = await ext.readCustomResourceDefinition({ name });
      crd.metadata!.resourceVersion = current.metadata!.resourceVersion!;
      await ext.replaceCustomResourceDefinition({ name, body: crd });
    }
  }, 10_000);
  return eventually(async () => {
    const got = await ext.readCustomResourceDefinition({ name });
    const established = got.status?.conditions?.some(
      (c) => c.type === 'Established' && c.status === 'True',
    );
    if (established !== true) throw new Error(`CRD ${name} is not Established yet`);
    return got;
  });
}
