import type { V1LabelSelector, V1ObjectMeta } from '@kubernetes/client-node';
import type { PulsarWebSocketGatewayDefaulted } from '../api/v1alpha1/types.ts';
import { selectorLabels } from './labels.ts';
import { childNames } from './names.ts';
import { childMetadata } from './object-meta.ts';

/** The part of the Prometheus Operator's ServiceMonitor (monitoring.coreos.com/v1) we write. */
export interface ServiceMonitor {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'ServiceMonitor';
  metadata: V1ObjectMeta;
  spec: {
    selector: V1LabelSelector;
    namespaceSelector: { matchNames: string[] };
    endpoints: { port: string; path: string; interval: string; scheme: 'http' }[];
  };
}

/**
 * A ServiceMonitor `<name>-gateway` scraping the gateway Service's `metrics` port. Undefined
 * unless metrics and the ServiceMonitor are both enabled; the caller also omits it when the
 * ServiceMonitor CRD is not installed.
 */
export function buildServiceMonitor(
  gw: PulsarWebSocketGatewayDefaulted,
): ServiceMonitor | undefined {
  const { metrics } = gw.spec;
  if (!metrics.enabled || !metrics.serviceMonitor.enabled) return undefined;
  const meta = childMetadata(gw, childNames(gw.metadata.name ?? '').serviceMonitor, {
    ...(metrics.serviceMonitor.labels !== undefined
      ? { labels: metrics.serviceMonitor.labels }
      : {}),
  });
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: meta,
    spec: {
      selector: { matchLabels: selectorLabels(gw.metadata) },
      namespaceSelector: { matchNames: [meta.namespace ?? 'default'] },
      endpoints: [
        {
          port: 'metrics',
          path: '/metrics',
          interval: metrics.serviceMonitor.interval,
          scheme: 'http',
        },
      ],
    },
  };
}
