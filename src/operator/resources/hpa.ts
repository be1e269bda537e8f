import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { PulsarWebSocketGatewayDefaulted } from '../api/v1alpha1/types.ts';
import { childNames } from './names.ts';
import { childMetadata } from './object-meta.ts';

/**
 * The autoscaling/v2 HorizontalPodAutoscaler `<name>-gateway` on the gateway Deployment,
 * targeting average CPU utilisation (percent of requests). Undefined when autoscaling is off.
 */
export function buildHorizontalPodAutoscaler(
  gw: PulsarWebSocketGatewayDefaulted,
): V2HorizontalPodAutoscaler | undefined {
  const { autoscaling } = gw.spec;
  if (!autoscaling.enabled) return undefined;
  const names = childNames(gw.metadata.name ?? '');
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: childMetadata(gw, names.hpa),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: names.deployment },
      minReplicas: autoscaling.minReplicas,
      // Admission requires maxReplicas when enabled; the fallback only serves partial specs.
      maxReplicas: autoscaling.maxReplicas ?? Math.max(autoscaling.minReplicas, gw.spec.replicas),
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: {
              type: 'Utilization',
              averageUtilization: autoscaling.targetCPUUtilizationPercentage,
            },
          },
        },
      ],
    },
  };
}
