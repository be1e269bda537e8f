import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { PulsarWebSocketGatewayDefaulted } from '../api/v1alpha1/types.ts';
import { selectorLabels } from './labels.ts';
import { childNames } from './names.ts';
import { childMetadata } from './object-meta.ts';

/**
 * The gateway Service `<name>-gateway`: port `ws` (service.port → container 8080), `wss`
 * (service.tlsPort → 8443) when a TLS Secret is mounted, and `metrics` (the management port)
 * when metrics are enabled. Target ports are by name, so container port changes never need a
 * Service change. `loadBalancerSourceRanges` is set only for type LoadBalancer, the only type
 * that accepts it.
 */
export function buildService(gw: PulsarWebSocketGatewayDefaulted, tlsEnabled: boolean): V1Service {
  const { service, metrics } = gw.spec;
  const ports: V1ServicePort[] = [
    { name: 'ws', port: service.port, targetPort: 'ws', protocol: 'TCP' },
  ];
  if (tlsEnabled)
    ports.push({ name: 'wss', port: service.tlsPort, targetPort: 'wss', protocol: 'TCP' });
  if (metrics.enabled) {
    ports.push({ name: 'metrics', port: metrics.port, targetPort: 'metrics', protocol: 'TCP' });
  }
  const ranges = service.loadBalancerSourceRanges;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMetadata(gw, childNames(gw.metadata.name ?? '').service, {
      ...(service.annotations !== undefined ? { annotations: service.annotations } : {}),
    }),
    spec: {
      type: service.type,
      selector: selectorLabels(gw.metadata),
      ports,
      ...(service.type === 'LoadBalancer' && ranges !== undefined && ranges.length > 0
        ? { loadBalancerSourceRanges: [...ranges] }
        : {}),
    },
  };
}
