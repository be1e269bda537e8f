import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { GatewayError } from '../errors.ts';

/** Environment variable prefix of every key: `server.bindAddress` → `PULSAR_WS_GATEWAY_SERVER_BIND_ADDRESS`. */
export const ENV_PREFIX = 'PULSAR_WS_GATEWAY_';

/**
 * The gateway's configuration (frozen). The YAML layout is the operator's contract
 * (`src/operator/resources/gateway-config.ts`, docs/gateway-configuration.md): the operator
 * renders `gateway.yaml` in exactly this shape. Units are in the names; defaults in
 * {@link CONFIG_KEYS}.
 */
export interface GatewayConfig {
  /** Config format version; only 1 is known. */
  version: number;
  server: { bindAddress: string; port: number; tlsPort: number | undefined };
  /** Client-facing TLS files (PEM), watched and reloaded. Both set when `server.tlsPort` is. */
  tls: { certFile: string | undefined; keyFile: string | undefined };
  pulsar: {
    serviceUrl: string;
    tls: {
      trustCertsFile: string | undefined;
      hostnameVerification: boolean;
      allowInsecureConnection: boolean;
    };
    authentication: { tokenFile: string | undefined };
  };
  auth: {
    mode: 'none' | 'jwt' | 'passthrough';
    jwt: {
      keyFile: string | undefined;
      algorithm: 'HS256' | 'RS256' | 'ES256';
      secretEncoding: 'raw' | 'base64';
      issuer: string | undefined;
      audience: readonly string[];
      roleClaim: string;
    };
    identityForwarding: 'clientToken' | 'originalPrincipal';
  };
  websocket: {
    maxConnections: number;
    maxFrameSizeBytes: number;
    idleTimeoutSeconds: number;
    pingIntervalSeconds: number;
    allowedOrigins: readonly string[];
    /** Query-parameter defaults for producers (applied when the client omits the parameter). */
    producerDefaults: Readonly<Record<string, string>>;
    /** Query-parameter defaults for consumers and readers. */
    consumerDefaults: Readonly<Record<string, string>>;
    maxInflightSendsPerProducer: number;
    maxBufferedBytesPerSession: number;
    /** Seconds a client may stay above `maxBufferedBytesPerSession` before it is closed (1013). */
    slowClientTimeoutSeconds: number;
  };
  metrics: { port: number; enabled: boolean };
  shutdown: { drainTimeoutSeconds: number };
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' };
}

type Kind =
  | { type: 'string'; default: string | undefined }
  | { type: 'int'; default: number | undefined; min: number; max: number }
  | { type: 'bool'; default: boolean }
  | { type: 'enum'; default: string; values: readonly string[] }
  | { type: 'list'; default: readonly string[] }
  | { type: 'map'; default: Readonly<Record<string, string>> };

/** One configuration key. */
export type ConfigKey = { key: string; description: string } & Kind;

const PORT = { min: 1, max: 65535 } as const;
const INT_MAX = 2 ** 31 - 1;

/**
 * Every key, its type, default and meaning. The source of `--help`.
 */
export const CONFIG_KEYS: readonly ConfigKey[] = [
  {
    key: 'version',
    type: 'int',
    default: 1,
    min: 1,
    max: 1,
    description: 'Config format version.',
  },
  {
    key: 'server.bindAddress',
    type: 'string',
    default: '0.0.0.0',
    description: 'Address to listen on.',
  },
  {
    key: 'server.port',
    type: 'int',
    default: 8080,
    ...PORT,
    description: 'Plain WebSocket (ws://) port.',
  },
  {
    key: 'server.tlsPort',
    type: 'int',
    default: undefined,
    ...PORT,
    description: 'TLS (wss://) port; needs tls.certFile and tls.keyFile.',
  },
  {
    key: 'tls.certFile',
    type: 'string',
    default: undefined,
    description: 'PEM certificate chain for wss://, reloaded when it changes.',
  },
  {
    key: 'tls.keyFile',
    type: 'string',
    default: undefined,
    description: 'PEM private key for wss://, reloaded when it changes.',
  },
  {
    key: 'pulsar.serviceUrl',
    type: 'string',
    default: 'pulsar://localhost:6650',
    description: 'Broker URL, pulsar:// or pulsar+ssl://.',
  },
  {
    key: 'pulsar.tls.trustCertsFile',
    type: 'string',
    default: undefined,
    description: 'PEM CA bundle trusted for pulsar+ssl:// (default: system store).',
  },
  {
    key: 'pulsar.tls.hostnameVerification',
    type: 'bool',
    default: true,
    description: 'Check the broker certificate host name.',
  },
  {
    key: 'pulsar.tls.allowInsecureConnection',
    type: 'bool',
    default: false,
    description: 'Accept any broker certificate (testing only).',
  },
  {
    key: 'pulsar.authentication.tokenFile',
    type: 'string',
    default: undefined,
    description: "File with the gateway's own broker token (proxy role); re-read on change.",
  },
  {
    key: 'auth.mode',
    type: 'enum',
    default: 'none',
    values: ['none', 'jwt', 'passthrough'],
    description:
      'none: no client auth; jwt: verify client tokens here; passthrough: the broker alone authenticates.',
  },
  {
    key: 'auth.jwt.keyFile',
    type: 'string',
    default: undefined,
    description: 'HMAC secret (HS256) or PEM/DER public key (RS256/ES256). Required for mode jwt.',
  },
  {
    key: 'auth.jwt.algorithm',
    type: 'enum',
    default: 'HS256',
    values: ['HS256', 'RS256', 'ES256'],
    description: 'The only algorithm accepted.',
  },
  {
    key: 'auth.jwt.secretEncoding',
    type: 'enum',
    default: 'raw',
    values: ['raw', 'base64'],
    description: 'How the HS256 secret file is stored (Pulsar writes raw bytes).',
  },
  {
    key: 'auth.jwt.issuer',
    type: 'string',
    default: undefined,
    description: 'Required iss claim, if set.',
  },
  {
    key: 'auth.jwt.audience',
    type: 'list',
    default: [],
    description: 'Accepted aud values (comma-separated); empty = not checked.',
  },
  {
    key: 'auth.jwt.roleClaim',
    type: 'string',
    default: 'sub',
    description: 'Claim holding the role.',
  },
  {
    key: 'auth.identityForwarding',
    type: 'enum',
    default: 'clientToken',
    values: ['clientToken', 'originalPrincipal'],
    description: "How the client's identity reaches the broker.",
  },
  {
    key: 'websocket.maxConnections',
    type: 'int',
    default: 2048,
    min: 1,
    max: INT_MAX,
    description: 'Maximum concurrent WebSockets; more get 503.',
  },
  {
    key: 'websocket.maxFrameSizeBytes',
    type: 'int',
    default: 1048576,
    min: 1024,
    max: INT_MAX,
    description: 'Largest text message accepted; larger closes with 1009.',
  },
  {
    key: 'websocket.idleTimeoutSeconds',
    type: 'int',
    default: 300,
    min: 0,
    max: INT_MAX,
    description: 'Close idle sessions with 1001 after this long; 0 = never.',
  },
  {
    key: 'websocket.pingIntervalSeconds',
    type: 'int',
    default: 30,
    min: 0,
    max: INT_MAX,
    description: 'Server ping interval (keepalive); 0 = off.',
  },
  {
    key: 'websocket.allowedOrigins',
    type: 'list',
    default: [],
    description: 'Allowed Origin values (comma-separated); empty = any origin.',
  },
  {
    key: 'websocket.producerDefaults',
    type: 'map',
    default: {},
    description: 'Producer query-parameter defaults (k=v,k2=v2 on the command line).',
  },
  {
    key: 'websocket.consumerDefaults',
    type: 'map',
    default: {},
    description: 'Consumer/reader query-parameter defaults (k=v,k2=v2).',
  },
  {
    key: 'websocket.maxInflightSendsPerProducer',
    type: 'int',
    default: 1000,
    min: 1,
    max: INT_MAX,
    description: 'Stop reading a producer socket while this many sends are unanswered.',
  },
  {
    key: 'websocket.maxBufferedBytesPerSession',
    type: 'int',
    default: 4194304,
    min: 1024,
    max: INT_MAX,
    description: 'Stop delivering to a client whose socket buffers more than this.',
  },
  {
    key: 'websocket.slowClientTimeoutSeconds',
    type: 'int',
    default: 30,
    min: 1,
    max: 86400,
    description: 'Close (1013) a client still over maxBufferedBytesPerSession after this long.',
  },
  {
    key: 'metrics.port',
    type: 'int',
    default: 9090,
    ...PORT,
    description: 'Port of /healthz, /readyz and /metrics.',
  },
  { key: 'metrics.enabled', type: 'bool', default: true, description: 'Serve /metrics.' },
  {
    key: 'shutdown.drainTimeoutSeconds',
    type: 'int',
    default: 30,
    min: 0,
    max: INT_MAX,
    description: 'Time allowed for a graceful drain on SIGTERM.',
  },
  {
    key: 'log.level',
    type: 'enum',
    default: 'info',
    values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    description: 'Log level.',
  },
];

/** `server.bindAddress` → `PULSAR_WS_GATEWAY_SERVER_BIND_ADDRESS`. */
export function envName(key: string): string {
  return (
    ENV_PREFIX +
    key
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/\./g, '_')
      .toUpperCase()
  );
}

/** Result of {@link loadGatewayConfig}. */
export type ConfigResult =
  { kind: 'help'; text: string } | { kind: 'config'; config: GatewayConfig };

/** Inputs of {@link loadGatewayConfig}. */
export interface ConfigSources {
  /** Command-line arguments after the program name. */
  argv: readonly string[];
  /** Environment (only `PULSAR_WS_GATEWAY_*` names are read). */
  env: Readonly<Record<string, string | undefined>>;
  /** Reads the YAML file; defaults to `fs.readFileSync(path, 'utf8')`. */
  readFile?: (path: string) => string;
}

function configError(message: string): GatewayError {
  return new GatewayError('GW_ERR_CONFIG', message);
}

type RawValue = { value: unknown; origin: string };

/**
 * Loads the configuration: command-line flags > environment (`PULSAR_WS_GATEWAY_*`) > YAML file
 * (`--config <file>` or `PULSAR_WS_GATEWAY_CONFIG`) > defaults. Flags are `--<key> <value>` or
 * `--<key>=<value>` with the dotted key (`--server.port=8080`); a boolean flag alone means true.
 * Unknown flags and unknown file keys are errors; unknown `PULSAR_WS_GATEWAY_*` variables are
 * ignored, because Kubernetes service links inject names such as `PULSAR_WS_GATEWAY_PORT` for a
 * Service called `pulsar-ws-gateway` (the operator should also set `enableServiceLinks: false`).
 *
 * @throws GatewayError `GW_ERR_CONFIG` naming the key, where it came from and the bad value.
 */
export function loadGatewayConfig(sources: ConfigSources): ConfigResult {
  const flags = parseFlags(sources.argv);
  if (flags.help) return { kind: 'help', text: helpText() };
  const raw = new Map<string, RawValue>();

  const file = flags.config ?? sources.env[ENV_PREFIX + 'CONFIG'];
  if (file !== undefined && file !== '') {
    const read = sources.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
    let text: string;
    try {
      text = read(file);
    } catch (err) {
      throw configError(`Cannot read config file ${file}: ${(err as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = load(text);
    } catch (err) {
      throw configError(`Config file ${file} is not valid YAML: ${(err as Error).message}`);
    }
    if (doc !== undefined && doc !== null) flatten(doc, '', file, raw);
  }
  for (const def of CONFIG_KEYS) {
    const v = sources.env[envName(def.key)];
    if (v !== undefined) raw.set(def.key, { value: v, origin: `env ${envName(def.key)}` });
  }
  for (const [key, value] of flags.values) raw.set(key, { value, origin: `flag --${key}` });

  const out: Record<string, unknown> = {};
  for (const def of CONFIG_KEYS) {
    const r = raw.get(def.key);
    setPath(out, def.key, r === undefined ? def.default : convert(def, r));
  }
  const config = out as unknown as GatewayConfig;
  crossCheck(config);
  return { kind: 'config', config: deepFreeze(config) };
}

const KNOWN = new Map(CONFIG_KEYS.map((d) => [d.key, d]));

function parseFlags(argv: readonly string[]): {
  help: boolean;
  config: string | undefined;
  values: Map<string, string | boolean>;
} {
  const values = new Map<string, string | boolean>();
  let config: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw configError(`Unexpected argument "${arg}" (see --help)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    let value: string | boolean | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    const def = KNOWN.get(name);
    if (name !== 'config' && def === undefined) {
      throw configError(`Unknown flag --${name} (see --help)`);
    }
    if (value === undefined) {
      const next = argv[i + 1];
      if (def?.type === 'bool' && (next === undefined || next.startsWith('--'))) value = true;
      else if (next === undefined) throw configError(`Flag --${name} needs a value`);
      else {
        value = next;
        i++;
      }
    }
    if (name === 'config') config = String(value);
    else values.set(name, value);
  }
  return { help, config, values };
}

function flatten(node: unknown, prefix: string, file: string, into: Map<string, RawValue>): void {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    throw configError(`Config file ${file}: ${prefix || 'the document'} must be a mapping`);
  }
  for (const [k, v] of Object.entries(node)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (KNOWN.has(key)) into.set(key, { value: v, origin: `file ${file}` });
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) flatten(v, key, file, into);
    else throw configError(`Config file ${file}: unknown key ${key}`);
  }
}

function bad(def: ConfigKey, r: RawValue, why: string): GatewayError {
  return configError(`Invalid ${def.key} (from ${r.origin}): ${JSON.stringify(r.value)} ${why}`);
}

function convert(def: ConfigKey, r: RawValue): unknown {
  const v = r.value;
  switch (def.type) {
    case 'string':
      if (typeof v !== 'string' && typeof v !== 'number') throw bad(def, r, 'is not a string');
      return String(v) === '' ? undefined : String(v);
    case 'int': {
      const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
      if (!/^-?\d+$/.test(text)) throw bad(def, r, 'is not an integer');
      const n = Number(text);
      if (n < def.min || n > def.max) {
        throw bad(def, r, `is out of range (${def.min}..${def.max})`);
      }
      return n;
    }
    case 'bool':
      if (v === true || v === 'true') return true;
      if (v === false || v === 'false') return false;
      throw bad(def, r, 'is not true or false');
    case 'enum':
      if (typeof v !== 'string' || !def.values.includes(v)) {
        throw bad(def, r, `is not one of ${def.values.join(', ')}`);
      }
      return v;
    case 'map':
      return convertMap(def, r);
    case 'list':
      if (Array.isArray(v)) {
        if (!v.every((x) => typeof x === 'string')) throw bad(def, r, 'is not a list of strings');
        return v.filter((x) => x !== '');
      }
      if (typeof v !== 'string') throw bad(def, r, 'is not a list');
      return v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
  }
}

function convertMap(def: ConfigKey, r: RawValue): Record<string, string> {
  const v = r.value;
  const out: Record<string, string> = {};
  if (typeof v === 'string') {
    for (const pair of v.split(',')) {
      if (pair.trim() === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) throw bad(def, r, 'is not a list of key=value pairs');
      out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
    return out;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw bad(def, r, 'is not a mapping');
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') {
      throw bad(def, r, `has a non-scalar value for ${k}`);
    }
    out[k] = String(x);
  }
  return out;
}

function crossCheck(c: GatewayConfig): void {
  if (c.server.tlsPort !== undefined && (!c.tls.certFile || !c.tls.keyFile)) {
    throw configError('server.tlsPort needs tls.certFile and tls.keyFile');
  }
  if (c.server.tlsPort === c.server.port || c.metrics.port === c.server.port) {
    throw configError('server.port, server.tlsPort and metrics.port must differ');
  }
  if (c.auth.mode === 'jwt' && c.auth.jwt.keyFile === undefined) {
    throw configError('auth.mode jwt needs auth.jwt.keyFile');
  }
  if (!/^pulsar(\+ssl)?:\/\/./.test(c.pulsar.serviceUrl)) {
    throw configError(
      `Invalid pulsar.serviceUrl: ${JSON.stringify(c.pulsar.serviceUrl)} is not pulsar:// or pulsar+ssl://`,
    );
  }
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    node[p] ??= {};
    node = node[p] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** The `--help` text: usage, precedence, and every key with its flag, variable and default. */
export function helpText(): string {
  const lines = [
    'Usage: pulsar-ws-gateway [--config <file.yaml>] [--<key> <value> ...]',
    '',
    "Apache Pulsar's WebSocket API, wire-compatible with Pulsar's WebSocket proxy.",
    'Precedence: flags > environment > YAML file > defaults. The file may also be given as',
    `${ENV_PREFIX}CONFIG. YAML keys nest on the dots (server: {port: 8080}); the operator renders this file.`,
    '',
    'Keys:',
  ];
  for (const d of CONFIG_KEYS) {
    const def =
      d.type === 'list'
        ? d.default.join(',')
        : d.type === 'map'
          ? Object.entries(d.default)
              .map(([k, v]) => `${k}=${v}`)
              .join(',')
          : d.default === undefined
            ? ''
            : String(d.default);
    const kind = d.type === 'enum' ? d.values.join('|') : d.type;
    lines.push(`  --${d.key} <${kind}>${def === '' ? '' : ` (default ${def})`}`);
    lines.push(`      ${d.description} Env: ${envName(d.key)}`);
  }
  lines.push('', '  -h, --help  Show this text.');
  return lines.join('\n') + '\n';
}
