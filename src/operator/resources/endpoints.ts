import type { PulsarWebSocketGatewayDefaulted } from '../api/v1alpha1/types.ts';
import { childNames } from './names.ts';

/** In-cluster URLs of a gateway, as reported in `status.endpoints`. */
export interface GatewayEndpoints {
  /** `ws://<svc>.<ns>.svc:<service.port>` */
  ws: string;
  /** `wss://<svc>.<ns>.svc:<service.tlsPort>`; only when TLS is served. */
  wss?: string;
}

/** The gateway's in-cluster URLs; `tlsEnabled` says whether the wss:// port is served. */
export function gatewayEndpoints(
  gw: PulsarWebSocketGatewayDefaulted,
  tlsEnabled: boolean,
): GatewayEndpoints {
  const host = `${childNames(gw.metadata.name ?? '').service}.${gw.metadata.namespace ?? 'default'}.svc`;
  const ws = `ws://${host}:${gw.spec.service.port}`;
  return tlsEnabled ? { ws, wss: `wss://${host}:${gw.spec.service.tlsPort}` } : { ws };
}
