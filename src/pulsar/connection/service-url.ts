import { PulsarError } from '../errors.ts';

/** One broker endpoint parsed from a `pulsar://` or `pulsar+ssl://` URL. */
export interface BrokerAddress {
  /** True for `pulsar+ssl://`. */
  readonly tls: boolean;
  /** Host name or IP address (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** Normalised URL, `pulsar[+ssl]://host:port`, used as the pool key. */
  readonly url: string;
  /** `host:port` (IPv6 bracketed), the form CONNECT.proxy_to_broker_url expects (§1.4). */
  readonly hostPort: string;
}

/** Default ports of the binary protocol. */
const DEFAULT_PORT = { plain: 6650, tls: 6651 } as const;

const URL_RE = /^(pulsar|pulsar\+ssl):\/\/([^/?#]+)\/?$/i;
const HOST_RE = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/;

function invalid(url: string, why: string): PulsarError {
  return new PulsarError(
    'PULSAR_ERR_INVALID_URL',
    `invalid Pulsar URL ${JSON.stringify(url)}: ${why}`,
  );
}

/**
 * Parses a service URL, which may list several hosts (`pulsar://h1:6650,h2:6650`). Ports default
 * to 6650 (plain) and 6651 (TLS). Throws PULSAR_ERR_INVALID_URL.
 */
export function parseServiceUrl(url: string): BrokerAddress[] {
  const m = URL_RE.exec(url.trim());
  if (m === null) throw invalid(url, 'expected pulsar://host:port or pulsar+ssl://host:port');
  const tls = m[1]!.toLowerCase() === 'pulsar+ssl';
  return m[2]!.split(',').map((part) => {
    const h = HOST_RE.exec(part.trim());
    if (h === null) throw invalid(url, `bad host ${JSON.stringify(part)}`);
    const v6 = h[1];
    const host = v6 ?? h[2]!;
    const port = h[3] === undefined ? (tls ? DEFAULT_PORT.tls : DEFAULT_PORT.plain) : Number(h[3]);
    if (port < 1 || port > 65535) throw invalid(url, `bad port ${port}`);
    const hostPort = v6 === undefined ? `${host}:${port}` : `[${host}]:${port}`;
    return Object.freeze({
      tls,
      host,
      port,
      hostPort,
      url: `${tls ? 'pulsar+ssl' : 'pulsar'}://${hostPort}`,
    });
  });
}

/** Parses a single-broker URL (as returned by LOOKUP). Throws PULSAR_ERR_INVALID_URL. */
export function parseBrokerUrl(url: string): BrokerAddress {
  const all = parseServiceUrl(url);
  if (all.length !== 1) throw invalid(url, 'expected exactly one host');
  return all[0]!;
}
