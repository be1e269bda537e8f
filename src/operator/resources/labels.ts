import { createHash } from 'node:crypto';
import type { V1ObjectMeta } from '@kubernetes/client-node';
import {
  APP_NAME,
  COMPONENT_GATEWAY,
  LABEL_KEYS,
  OPERATOR_NAME,
} from '../api/v1alpha1/constants.ts';

/**
 * A label value for `value`: unchanged when it fits (63 characters), otherwise cut and suffixed
 * with a hash of the whole value, so long gateway names still give distinct, stable values.
 */
export function labelValue(value: string): string {
  if (value.length <= 63) return value;
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 8);
  return `${value.slice(0, 54).replace(/[-_.]+$/, '')}-${hash}`;
}

/**
 * The immutable subset of {@link gatewayLabels} used as the Deployment, Service, PDB and
 * ServiceMonitor selector (and `status.selector`). Never add keys here: a Deployment's selector
 * cannot change after creation.
 */
export function selectorLabels(meta: Pick<V1ObjectMeta, 'name'>): Record<string, string> {
  return {
    [LABEL_KEYS.name]: APP_NAME,
    [LABEL_KEYS.instance]: labelValue(meta.name ?? ''),
    [LABEL_KEYS.component]: COMPONENT_GATEWAY,
  };
}

/**
 * The `app.kubernetes.io/*` labels on every object the operator creates for the gateway
 * `meta.name`: name, instance, component, managed-by and part-of.
 */
export function gatewayLabels(meta: Pick<V1ObjectMeta, 'name'>): Record<string, string> {
  return {
    ...selectorLabels(meta),
    [LABEL_KEYS.managedBy]: OPERATOR_NAME,
    [LABEL_KEYS.partOf]: OPERATOR_NAME,
  };
}

/** {@link selectorLabels} as a label-selector string (`k=v,k=v`), for `status.selector`. */
export function selectorString(meta: Pick<V1ObjectMeta, 'name'>): string {
  return Object.entries(selectorLabels(meta))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
