import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { PulsarWebSocketGatewayDefaulted } from '../api/v1alpha1/types.ts';
import { selectorLabels } from './labels.ts';
import { childNames } from './names.ts';
import { childMetadata } from './object-meta.ts';

/**
 * The policy/v1 PodDisruptionBudget `<name>-gateway`: the given minAvailable or
 * maxUnavailable, else maxUnavailable 1 (one pod drained at a time; WebSocket clients
 * reconnect to the others). Undefined when disabled.
 */
export function buildPodDisruptionBudget(
  gw: PulsarWebSocketGatewayDefaulted,
): V1PodDisruptionBudget | undefined {
  const pdb = gw.spec.podDisruptionBudget;
  if (!pdb.enabled) return undefined;
  const budget =
    pdb.minAvailable !== undefined
      ? { minAvailable: pdb.minAvailable }
      : { maxUnavailable: pdb.maxUnavailable ?? 1 };
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMetadata(gw, childNames(gw.metadata.name ?? '').pdb),
    spec: { selector: { matchLabels: selectorLabels(gw.metadata) }, ...budget },
  };
}
