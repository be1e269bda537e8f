import type { V1ConfigMap } from '@kubernetes/client-node';
import type { PulsarWebSocketGatewayDefaulted } from '../api/v1alpha1/types.ts';
import { GATEWAY_CONFIG_KEY } from './gateway-config.ts';
import { childNames } from './names.ts';
import { childMetadata } from './object-meta.ts';

/** The ConfigMap `<name>-gateway-config` holding the rendered `gateway.yaml`. */
export function buildConfigMap(
  gw: PulsarWebSocketGatewayDefaulted,
  renderedConfig: string,
): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMetadata(gw, childNames(gw.metadata.name ?? '').configMap),
    data: { [GATEWAY_CONFIG_KEY]: renderedConfig },
  };
}
