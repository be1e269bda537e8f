import type { PulsarWebSocketGateway } from '../../../src/operator/api/v1alpha1/types.ts';
import type { DesiredStateContext } from '../../../src/operator/resources/desired-state.ts';

/** A gateway as read from the API server (uid set), with a minimal spec unless overridden. */
export function sampleGateway(
  spec: Partial<PulsarWebSocketGateway['spec']> = {},
  name = 'gw',
): PulsarWebSocketGateway {
  return {
    apiVersion: 'pulsarws.io/v1alpha1',
    kind: 'PulsarWebSocketGateway',
    metadata: {
      name,
      namespace: 'team-a',
      uid: '4b1c7a52-0d55-4d8e-9a39-1f3f8f7f0c11',
      generation: 3,
    },
    spec: { pulsar: { serviceUrl: 'pulsar://broker.pulsar.svc:6650' }, ...spec },
  };
}

/** A context with every optional CRD present and no TLS Secret yet. */
export function sampleContext(overrides: Partial<DesiredStateContext> = {}): DesiredStateContext {
  return {
    defaultImage: 'ghcr.io/example/pulsar-websocket-operator:0.1.0',
    secretHashes: {},
    certManagerAvailable: true,
    serviceMonitorAvailable: true,
    tlsSecretName: undefined,
    ...overrides,
  };
}
