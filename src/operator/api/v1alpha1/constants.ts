/**
 * Names shared by the operator's builders, reconciler and tests. API identity (group, version,
 * kind, plural) is generated from the CRD and re-exported here so there is one import site.
 */
export { CRD_API_VERSION, CRD_GROUP, CRD_KIND, CRD_PLURAL, CRD_VERSION } from './types.ts';

/** Server-side apply field manager for every object the operator writes. */
export const FIELD_MANAGER = 'pulsar-ws-operator';

/** Value of `app.kubernetes.io/name` on gateway objects. */
export const APP_NAME = 'pulsar-websocket-gateway';

/** Value of `app.kubernetes.io/managed-by` and `app.kubernetes.io/part-of`. */
export const OPERATOR_NAME = 'pulsar-websocket-operator';

/** Value of `app.kubernetes.io/component` on gateway objects. */
export const COMPONENT_GATEWAY = 'gateway';

/** Well-known label keys (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/). */
export const LABEL_KEYS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by',
  partOf: 'app.kubernetes.io/part-of',
  version: 'app.kubernetes.io/version',
} as const;

/** Annotation keys the operator owns. */
export const ANNOTATION_KEYS = {
  /**
   * On the pod template: hash over every input that is NOT hot-reloaded by the gateway (the
   * rendered gateway.yaml and the data of the broker CA, broker token and JWT key Secrets).
   * A change rolls the pods.
   */
  configHash: 'pulsarws.io/config-hash',
  /** On operator-managed TLS Secrets: the DNS names the server certificate was issued for. */
  tlsDnsNames: 'pulsarws.io/tls-dns-names',
  /** On operator-managed TLS Secrets: ISO-8601 time at which the operator renews the certificate. */
  tlsRenewAt: 'pulsarws.io/tls-renew-at',
} as const;
