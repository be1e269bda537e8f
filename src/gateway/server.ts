import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { STATUS_CODES, createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import { connect as netConnect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import type {
  ConsumerOptions as PulsarConsumerOptions,
  ForwardedIdentity,
  MessageConsumer,
  MessageId,
  PulsarClientOptions,
} from '../pulsar/index.ts';
import {
  Consumer,
  EARLIEST_MESSAGE_ID,
  LATEST_MESSAGE_ID,
  MultiTopicConsumer,
  Producer,
  Reader,
  TokenAuth,
  deadLetterProducerFactory,
  decodeMessageIdBase64,
} from '../pulsar/index.ts';
import type { Clock, Logger, TimerHandle } from '../shared/index.ts';
import { sleep, systemClock } from '../shared/index.ts';
import { extractToken, selectSubprotocol } from './auth/extract-token.ts';
import type { JwtVerifier } from './auth/jwt-verifier.ts';
import { createJwtVerifier, loadJwtKey } from './auth/jwt-verifier.ts';
import { BrokerClients } from './broker-clients.ts';
import type { ClientLease } from './broker-clients.ts';
import type { GatewayConfig } from './config/gateway-config.ts';
import { CLOSE_CODES, GatewayError, gatewayErrorFromPulsar, isGatewayError } from './errors.ts';
import { ConsumerSession } from './handlers/consumer-session.ts';
import { MultiConsumerSession } from './handlers/multi-consumer-session.ts';
import { ProducerSession } from './handlers/producer-session.ts';
import { ReaderSession } from './handlers/reader-session.ts';
import type { SessionBase, SessionContext } from './handlers/session-base.ts';
import { closeCodeLabel, createGatewayMetrics } from './metrics.ts';
import type { Endpoint, GatewayMetrics } from './metrics.ts';
import type { ConsumerOptions } from './routes/consumer-params.ts';
import { parseConsumerParams } from './routes/consumer-params.ts';
import { parseMultiConsumerParams } from './routes/multi-consumer-params.ts';
import { parseProducerParams } from './routes/producer-params.ts';
import type { QueryParams } from './routes/query-params.ts';
import { parseQueryString, splitRequestTarget, withDefaultParams } from './routes/query-params.ts';
import type { ReaderOptions } from './routes/reader-params.ts';
import { parseReaderParams } from './routes/reader-params.ts';
import { parseTopicPath } from './routes/topic-path.ts';
import type { ConsumerPath, MultiConsumerPath, SingleTopicPath } from './routes/topic-path.ts';

/** Options of {@link GatewayServer.start}. */
export interface GatewayServerOptions {
  config: GatewayConfig;
  logger: Logger;
  /** Registry for the gateway's and the Pulsar client's metrics (never the global one). */
  registry: Registry;
  clock?: Clock;
  /** Port overrides (tests listen on port 0, which the config does not allow). */
  ports?: { port?: number; tlsPort?: number; metricsPort?: number };
  /** JWT verifier; built from `auth.jwt` when absent and `auth.mode` is `jwt`. */
  jwtVerifier?: JwtVerifier;
  /** Register Node's default metrics. Default true (tests with several servers turn it off). */
  defaultMetrics?: boolean;
  /** Interval of the broker reachability probe behind `/readyz`. Default 10 s. */
  readinessProbeMs?: number;
}

/** Who the client is, after the gateway's authentication step. */
interface ClientIdentity {
  token: string | undefined;
  principal: string | undefined;
  /** Epoch ms when the token expires (JWT `exp`). */
  expiresAt: number | undefined;
}

const ANONYMOUS: ClientIdentity = {
  token: undefined,
  principal: undefined,
  expiresAt: undefined,
};

/** A broker-side object attached during the upgrade, waiting for its WebSocket. */
interface Attached {
  endpoint: Endpoint;
  identity: ClientIdentity;
  lease: ClientLease;
  makeSession(ctx: SessionContext): SessionBase & { start?: () => void };
  abort(): Promise<void>;
}

/** Per-WebSocket bookkeeping. */
interface Connection {
  session: SessionBase;
  endpoint: Endpoint;
  lease: ClientLease;
  /** False after a ping until the pong (ws README heartbeat recipe). */
  alive: boolean;
  /** Monotonic ms of the last frame either way (idle timeout, §8.4). */
  lastActivity: number;
  nextPingAt: number;
  expiryTimer: TimerHandle | undefined;
}

/** Housekeeping tick: idle timeouts and pings are checked this often. */
const SWEEP_MS = 1000;
/** Longest delay a Node timer takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function ignoreSocketError(): void {}

/**
 * The gateway's network side (issue 4): an `http.Server` (and an `https.Server` for
 * `server.tlsPort`, its certificate and key reloaded from their files when they change, via
 * `setSecureContext`, without dropping sessions) with a `ws.WebSocketServer({ noServer: true })`;
 * `/metrics`, `/healthz`, `/readyz` on their own port.
 *
 * Every upgrade **attaches to the broker before the handshake completes**, so failures are HTTP
 * statuses on the upgrade response (pulsar-websocket-api.md §3), in the reference's order: producer
 * auth then params; consumer params then auth; reader `receiverQueueSize`, auth, then the rest.
 * Limits: `maxConnections` (503), `maxFrameSizeBytes` (1009), idle timeout (1001), server pings
 * (dead peers terminated), allowed origins (403), token expiry (1008). SIGTERM → {@link drain}.
 */
export class GatewayServer {
  readonly metrics: GatewayMetrics;
  readonly clients: BrokerClients;
  readonly #config: GatewayConfig;
  readonly #logger: Logger;
  readonly #registry: Registry;
  readonly #clock: Clock;
  readonly #verifier: JwtVerifier | undefined;
  readonly #wss: WebSocketServer;
  readonly #http: HttpServer;
  readonly #https: HttpsServer | undefined;
  readonly #metricsServer: HttpServer;
  readonly #connections = new Map<WebSocket, Connection>();
  #reserved = 0;
  #nextConnId = 0;
  #draining = false;
  #brokerReachable = false;
  #sweepTimer: TimerHandle | undefined;
  #probeTimer: TimerHandle | undefined;
  #allClosed: (() => void) | undefined;
  #tlsFiles: string[] = [];
  /** Broker-side closes still running (awaited before the clients close). */
  readonly #closing = new Set<Promise<void>>();

  private constructor(
    options: GatewayServerOptions,
    verifier: JwtVerifier | undefined,
    tls: { cert: Buffer; key: Buffer } | undefined,
  ) {
    const { config } = options;
    this.#config = config;
    this.#logger = options.logger.child({ component: 'gateway' });
    this.#registry = options.registry;
    this.#clock = options.clock ?? systemClock;
    this.#verifier = verifier;
    this.metrics = createGatewayMetrics(options.registry, options.defaultMetrics ?? true);
    this.clients = new BrokerClients(clientOptions(config, options), this.#logger);
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: config.websocket.maxFrameSizeBytes,
      // The token may ride in Sec-WebSocket-Protocol (compatibility A1); never echo it.
      handleProtocols: (offered) => selectSubprotocol(offered),
      clientTracking: false,
    });
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      socket.on('error', ignoreSocketError);
      this.#upgrade(req, socket, head).catch((err: unknown) => {
        this.#logger.error({ err }, 'upgrade failed unexpectedly');
        socket.destroy();
      });
    };
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      // A plain request on a WebSocket path (reference: 405, §3.4, unconfirmed).
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      res.statusCode = path.startsWith('/ws/') ? 405 : 404;
      res.end();
    };
    this.#http = createHttpServer(onRequest);
    this.#http.on('upgrade', onUpgrade);
    if (tls !== undefined) {
      this.#https = createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest);
      this.#https.on('upgrade', onUpgrade);
    }
    this.#metricsServer = createHttpServer((req, res) => {
      this.#serveOps(req, res).catch((err: unknown) => {
        this.#logger.error({ err }, 'metrics endpoint failed');
        res.statusCode = 500;
        res.end();
      });
    });
  }

  /** Builds the server, loads keys and certificates, probes the broker and starts listening. */
  static async start(options: GatewayServerOptions): Promise<GatewayServer> {
    const { config } = options;
    let verifier = options.jwtVerifier;
    if (verifier === undefined && config.auth.mode === 'jwt') {
      const jwt = config.auth.jwt;
      if (jwt.keyFile === undefined) {
        throw new GatewayError('GW_ERR_CONFIG', 'auth.mode jwt needs auth.jwt.keyFile');
      }
      const key = await loadJwtKey(jwt.keyFile, jwt.algorithm, jwt.secretEncoding);
      verifier = createJwtVerifier({
        algorithm: jwt.algorithm,
        key,
        issuer: jwt.issuer,
        audience: jwt.audience.length === 0 ? undefined : jwt.audience,
        roleClaim: jwt.roleClaim,
      });
    }
    const tlsPort = options.ports?.tlsPort ?? config.server.tlsPort;
    let tls: { cert: Buffer; key: Buffer } | undefined;
    if (tlsPort !== undefined) {
      const { certFile, keyFile } = config.tls;
      if (certFile === undefined || keyFile === undefined) {
        throw new GatewayError(
          'GW_ERR_CONFIG',
          'server.tlsPort needs tls.certFile and tls.keyFile',
        );
      }
      const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
      tls = { cert, key };
    }
    const server = new GatewayServer(options, verifier, tls);
    await server.#listen(options, tlsPort);
    return server;
  }

  async #listen(options: GatewayServerOptions, tlsPort: number | undefined): Promise<void> {
    const host = this.#config.server.bindAddress;
    const listen = (s: HttpServer | HttpsServer, port: number): Promise<void> =>
      new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => {
          s.off('error', reject);
          resolve();
        });
      });
    await listen(this.#http, options.ports?.port ?? this.#config.server.port);
    if (this.#https !== undefined && tlsPort !== undefined) {
      await listen(this.#https, tlsPort);
      this.#watchTls();
    }
    await listen(this.#metricsServer, options.ports?.metricsPort ?? this.#config.metrics.port);
    this.#sweepTimer = this.#clock.setInterval(() => {
      this.#sweep();
    }, SWEEP_MS);
    this.#sweepTimer.unref();
    await this.#probe();
    this.#probeTimer = this.#clock.setInterval(() => {
      void this.#probe();
    }, options.readinessProbeMs ?? 10_000);
    this.#probeTimer.unref();
    this.#logger.info(
      { port: this.port, tlsPort: this.tlsPort, metricsPort: this.metricsPort },
      'gateway listening',
    );
  }

  /** Port of the plain WebSocket listener. */
  get port(): number {
    return (this.#http.address() as AddressInfo).port;
  }

  /** Port of the TLS listener, if any. */
  get tlsPort(): number | undefined {
    const a = this.#https?.address();
    return a === undefined || a === null || typeof a === 'string' ? undefined : a.port;
  }

  /** Port of `/metrics`, `/healthz`, `/readyz`. */
  get metricsPort(): number {
    return (this.#metricsServer.address() as AddressInfo).port;
  }

  /** True while the broker is reachable and the gateway is not draining (`/readyz`). */
  get ready(): boolean {
    return this.#brokerReachable && !this.#draining;
  }

  /** Open WebSocket sessions. */
  get sessionCount(): number {
    return this.#connections.size;
  }

  // ---- operations endpoints ----------------------------------------------------------------

  async #serveOps(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.end('ok');
    } else if (path === '/readyz') {
      res.statusCode = this.ready ? 200 : 503;
      res.end(this.ready ? 'ready' : this.#draining ? 'draining' : 'broker unreachable');
    } else if (path === '/metrics' && this.#config.metrics.enabled) {
      const body = await this.#registry.metrics();
      res.setHeader('Content-Type', this.#registry.contentType);
      res.end(body);
    } else {
      res.statusCode = 404;
      res.end();
    }
  }

  /** TCP reachability of the first broker in the service URL (no side effects on the broker). */
  async #probe(): Promise<void> {
    const target = firstBroker(this.#config.pulsar.serviceUrl);
    const reachable = await new Promise<boolean>((resolve) => {
      const s = netConnect({ host: target.host, port: target.port });
      const timer = this.#clock.setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 5000);
      s.once('connect', () => {
        this.#clock.clearTimeout(timer);
        s.end();
        resolve(true);
      });
      s.once('error', () => {
        this.#clock.clearTimeout(timer);
        resolve(false);
      });
    });
    if (reachable !== this.#brokerReachable) {
      this.#logger.info({ reachable }, 'broker reachability changed');
    }
    this.#brokerReachable = reachable;
  }

  #watchTls(): void {
    const { certFile, keyFile } = this.#config.tls;
    if (certFile === undefined || keyFile === undefined) return;
    this.#tlsFiles = [certFile, keyFile];
    const reload = (): void => {
      void this.#reloadTls(certFile, keyFile);
    };
    // watchFile stats the path, so it follows the symlink swap Kubernetes uses to update
    // mounted Secrets (docs/gateway-configuration.md: reload without restart).
    for (const f of this.#tlsFiles) watchFile(f, { interval: 1000, persistent: false }, reload);
  }

  async #reloadTls(certFile: string, keyFile: string): Promise<void> {
    try {
      const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
      this.#https?.setSecureContext({ cert, key });
      this.#logger.info({ certFile }, 'TLS certificate reloaded');
    } catch (err) {
      // A half-written pair (cert updated, key not yet) fails here; the next change retries.
      this.#logger.warn({ err, certFile }, 'TLS certificate reload failed; keeping the old one');
    }
  }

  // ---- upgrade ------------------------------------------------------------------------------

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (this.#draining) {
      this.#reject(socket, new GatewayError('GW_ERR_DRAINING', 'Gateway is shutting down'));
      return;
    }
    const max = this.#config.websocket.maxConnections;
    if (max > 0 && this.#connections.size + this.#reserved >= max) {
      this.#reject(socket, new GatewayError('GW_ERR_TOO_MANY_CONNECTIONS', 'Too many connections'));
      return;
    }
    const origins = this.#config.websocket.allowedOrigins;
    const origin = req.headers.origin;
    if (origins.length > 0 && origin !== undefined && !originAllowed(origin, origins)) {
      this.#reject(socket, new GatewayError('GW_ERR_ORIGIN_NOT_ALLOWED', 'Origin not allowed'));
      return;
    }
    this.#reserved++;
    let attached: Attached;
    try {
      attached = await this.#attach(req);
    } catch (err) {
      this.#reserved--;
      this.#reject(socket, toGatewayError(err, this.#logger));
      return;
    }
    this.#reserved--;
    // The drain may have begun while we were attaching.
    if (this.#isDraining() || socket.destroyed || !socket.writable) {
      await this.#abort(attached);
      if (!socket.destroyed) {
        this.#reject(socket, new GatewayError('GW_ERR_DRAINING', 'Gateway is shutting down'));
      }
      return;
    }
    const state = { started: false };
    // handleUpgrade completes synchronously (no verifyClient, no async extensions), so if the
    // callback has not run when it returns, ws refused the handshake and we release the attach.
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      state.started = true;
      this.#startSession(ws, attached, socket);
    });
    if (!state.started) await this.#abort(attached);
  }

  #isDraining(): boolean {
    return this.#draining;
  }

  async #abort(a: Attached): Promise<void> {
    try {
      await a.abort();
    } catch (err) {
      this.#logger.warn({ err }, 'closing an unused broker attachment failed');
    } finally {
      a.lease.release();
    }
  }

  /** Answers a refused upgrade with the status and the message as a plain-text body (§3, H6). */
  #reject(socket: Duplex, err: GatewayError): void {
    const status = err.httpStatus ?? 500;
    this.metrics.upgradeFailures.inc({ status: String(status) });
    if (socket.destroyed || !socket.writable) {
      socket.destroy();
      return;
    }
    const body = err.message;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  async #attach(req: IncomingMessage): Promise<Attached> {
    const { rawPath, rawQuery } = splitRequestTarget(req.url ?? '/');
    const query = parseQueryString(rawQuery);
    const path = parseTopicPath(rawPath, query);
    switch (path.endpoint) {
      case 'producer':
        return this.#attachProducer(req, query, path);
      case 'consumer':
        return this.#attachConsumer(req, query, path);
      case 'multi-consumer':
        return this.#attachMultiConsumer(req, query, path);
      case 'reader':
        return this.#attachReader(req, query, path);
    }
  }

  async #attachProducer(
    req: IncomingMessage,
    query: QueryParams,
    path: SingleTopicPath,
  ): Promise<Attached> {
    // §3.1: producer authenticates first, then builds from the parameters.
    const identity = await this.#authenticate(req, query);
    const p = parseProducerParams(
      withDefaultParams(query, this.#config.websocket.producerDefaults),
    );
    const { lease, forwarded } = this.#leaseFor(identity);
    let producer: Producer;
    try {
      producer = await Producer.create(lease.client, {
        topic: path.topic,
        ...(p.producerName === undefined ? {} : { producerName: p.producerName }),
        ...(p.initialSequenceId === undefined ? {} : { initialSequenceId: p.initialSequenceId }),
        sendTimeoutMs: p.sendTimeoutMs,
        maxPendingMessages: p.maxPendingMessages,
        batchingEnabled: p.batchingEnabled,
        batchingMaxMessages: p.batchingMaxMessages,
        batchingMaxPublishDelayMs: p.batchingMaxPublishDelayMs,
        compressionType: p.compressionType,
        routingMode: p.routingMode,
        hashingScheme: p.hashingScheme,
        ...(forwarded === undefined ? {} : { identity: forwarded }),
        registry: this.#registry,
      });
    } catch (err) {
      lease.release();
      throw gatewayErrorFromPulsar(err, 'producer');
    }
    // Stop reading the socket at the client's own maxPendingMessages (issue 4, flow control)
    // instead of failing the excess with queue-full errors, within the gateway's cap.
    const cap = this.#config.websocket.maxInflightSendsPerProducer;
    const maxInflightSends = p.maxPendingMessages > 0 ? Math.min(p.maxPendingMessages, cap) : cap;
    return {
      endpoint: 'producer',
      identity,
      lease,
      makeSession: (ctx) => new ProducerSession(ctx, producer, { maxInflightSends }),
      abort: () => producer.close(),
    };
  }

  async #attachConsumer(
    req: IncomingMessage,
    query: QueryParams,
    path: ConsumerPath,
  ): Promise<Attached> {
    // §3.1: consumers validate every parameter before authenticating.
    const o = parseConsumerParams(
      withDefaultParams(query, this.#config.websocket.consumerDefaults),
      {
        topic: path.topic,
        subscription: path.subscription,
      },
    );
    return this.#subscribe(req, query, o, path.subscription, 'consumer', (client, options) =>
      Consumer.create(client, { topic: path.topic, ...options }),
    );
  }

  async #attachMultiConsumer(
    req: IncomingMessage,
    query: QueryParams,
    path: MultiConsumerPath,
  ): Promise<Attached> {
    const o = parseMultiConsumerParams(
      withDefaultParams(query, this.#config.websocket.consumerDefaults),
      path,
    );
    return this.#subscribe(req, query, o, path.subscription, 'multi-consumer', (client, options) =>
      MultiTopicConsumer.create(client, {
        ...(o.topics === undefined ? {} : { topics: o.topics }),
        ...(o.topicsPattern === undefined ? {} : { topicsPattern: o.topicsPattern }),
        ...options,
      }),
    );
  }

  /**
   * The part of a consumer attach that single-topic and v3 consumers share: authenticate, lease
   * a client, subscribe through `create`, and map a broker failure to the reference's status.
   */
  async #subscribe(
    req: IncomingMessage,
    query: QueryParams,
    o: ConsumerOptions,
    subscription: string,
    endpoint: 'consumer' | 'multi-consumer',
    create: (
      client: ClientLease['client'],
      options: PulsarConsumerOptions,
    ) => Promise<MessageConsumer>,
  ): Promise<Attached> {
    const identity = await this.#authenticate(req, query);
    const { lease, forwarded } = this.#leaseFor(identity);
    let consumer: MessageConsumer;
    try {
      consumer = await create(
        lease.client,
        this.#consumerOptions(o, subscription, lease, forwarded),
      );
    } catch (err) {
      lease.release();
      throw gatewayErrorFromPulsar(err, 'consumer');
    }
    const flow = { pullMode: o.pullMode, maxPendingMessages: o.maxPendingMessages };
    const Session = endpoint === 'consumer' ? ConsumerSession : MultiConsumerSession;
    return {
      endpoint,
      identity,
      lease,
      makeSession: (ctx) => new Session(ctx, consumer, flow),
      abort: () => consumer.close(),
    };
  }

  #consumerOptions(
    o: ConsumerOptions,
    subscription: string,
    lease: ClientLease,
    forwarded: ForwardedIdentity | undefined,
  ): PulsarConsumerOptions {
    return {
      subscription,
      subscriptionType: o.subscriptionType,
      durable: o.subscriptionMode === 'Durable',
      initialPosition: o.initialPosition,
      ...(o.consumerName === undefined ? {} : { consumerName: o.consumerName }),
      priorityLevel: o.priorityLevel,
      // The client needs ≥ 1; the reference's Java client treats 0 as "no prefetch", which the
      // push window (1 when 0, §5.4) already gives the WebSocket client.
      receiverQueueSize: Math.max(1, o.receiverQueueSize),
      ackTimeoutMs: o.ackTimeoutMs,
      negativeAckRedeliveryDelayMs: o.negativeAckRedeliveryDelayMs,
      ...(o.maxRedeliverCount === undefined
        ? {}
        : {
            deadLetterPolicy: {
              maxRedeliverCount: o.maxRedeliverCount,
              ...(o.deadLetterTopic === undefined ? {} : { deadLetterTopic: o.deadLetterTopic }),
              producerFactory: deadLetterProducerFactory(
                lease.client,
                forwarded === undefined ? {} : { identity: forwarded },
              ),
            },
          }),
      ...(forwarded === undefined ? {} : { identity: forwarded }),
      registry: this.#registry,
    };
  }

  async #attachReader(
    req: IncomingMessage,
    query: QueryParams,
    path: SingleTopicPath,
  ): Promise<Attached> {
    // §3.1: the reader parses receiverQueueSize (400 here, H3) before authenticating; its
    // other failures (negative size, bad messageId) are the reference's 500 after auth.
    let o: ReaderOptions | undefined;
    let deferred: GatewayError | undefined;
    try {
      o = parseReaderParams(withDefaultParams(query, this.#config.websocket.consumerDefaults));
    } catch (err) {
      if (!isGatewayError(err, 'GW_ERR_READER_CREATE')) throw err;
      deferred = err;
    }
    const identity = await this.#authenticate(req, query);
    if (deferred !== undefined || o === undefined) {
      throw deferred ?? new GatewayError('GW_ERR_INTERNAL', 'Server error');
    }
    let start: MessageId;
    const s = o.startMessageId;
    if (s.kind === 'earliest') start = EARLIEST_MESSAGE_ID;
    else if (s.kind === 'latest') start = LATEST_MESSAGE_ID;
    else {
      try {
        start = decodeMessageIdBase64(s.base64);
      } catch (err) {
        throw new GatewayError(
          'GW_ERR_READER_CREATE',
          `Failed to create reader: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    const { lease, forwarded } = this.#leaseFor(identity);
    let reader: Reader;
    try {
      reader = await Reader.create(lease.client, {
        topic: path.topic,
        startMessageId: start,
        ...(o.readerName === undefined ? {} : { readerName: o.readerName }),
        receiverQueueSize: Math.max(1, o.receiverQueueSize),
        ...(forwarded === undefined ? {} : { identity: forwarded }),
        registry: this.#registry,
      });
    } catch (err) {
      lease.release();
      throw gatewayErrorFromPulsar(err, 'reader');
    }
    const max = o.maxPendingMessages;
    return {
      endpoint: 'reader',
      identity,
      lease,
      makeSession: (ctx) => new ReaderSession(ctx, reader, max),
      abort: () => reader.close(),
    };
  }

  /**
   * The gateway's authentication step (issue 4, Security): `none` lets everyone through;
   * `jwt` verifies the token here (401 on any failure, reason counted); `passthrough` requires
   * a token and leaves the verdict to the broker. Tokens are never logged.
   */
  async #authenticate(req: IncomingMessage, query: QueryParams): Promise<ClientIdentity> {
    const mode = this.#config.auth.mode;
    if (mode === 'none') return ANONYMOUS;
    const t = extractToken({
      authorization: req.headers.authorization,
      protocols: req.headers['sec-websocket-protocol'],
      query,
    });
    if (t.kind === 'malformed') {
      this.metrics.authFailures.inc({ reason: 'malformed' });
      throw new GatewayError('GW_ERR_UNAUTHENTICATED', 'Invalid HTTP Authorization header');
    }
    if (t.kind === 'missing') {
      this.metrics.authFailures.inc({ reason: 'missing' });
      throw new GatewayError('GW_ERR_UNAUTHENTICATED', 'Authentication required');
    }
    if (mode === 'passthrough')
      return { token: t.token, principal: undefined, expiresAt: undefined };
    const verifier = this.#verifier;
    if (verifier === undefined) throw new GatewayError('GW_ERR_INTERNAL', 'Server error');
    const r = await verifier(t.token);
    if (!r.ok) {
      this.metrics.authFailures.inc({ reason: r.reason });
      throw new GatewayError('GW_ERR_UNAUTHENTICATED', 'Failed to authenticate');
    }
    return { token: t.token, principal: r.value.principal, expiresAt: r.value.expiresAt };
  }

  /**
   * The client to attach through. With `originalPrincipal` forwarding, producers, consumers and
   * readers alike connect with the gateway's credentials and forward the verified principal;
   * otherwise they connect with the client's own token.
   */
  #leaseFor(identity: ClientIdentity): {
    lease: ClientLease;
    forwarded: ForwardedIdentity | undefined;
  } {
    const auth = this.#config.auth;
    if (auth.mode === 'none' || identity.token === undefined) {
      return { lease: this.clients.acquire(undefined), forwarded: undefined };
    }
    if (
      auth.mode === 'jwt' &&
      auth.identityForwarding === 'originalPrincipal' &&
      identity.principal !== undefined
    ) {
      return {
        lease: this.clients.acquire(undefined),
        forwarded: {
          originalPrincipal: identity.principal,
          originalAuthData: identity.token,
          originalAuthMethod: 'token',
        },
      };
    }
    return { lease: this.clients.acquire(identity.token), forwarded: undefined };
  }

  // ---- sessions -----------------------------------------------------------------------------

  #startSession(ws: WebSocket, a: Attached, socket: Duplex): void {
    const endpoint = a.endpoint;
    const logger = this.#logger.child({ component: 'session', endpoint, conn: ++this.#nextConnId });
    const session = a.makeSession({
      ws,
      endpoint,
      metrics: this.metrics,
      logger,
      clock: this.#clock,
      maxBufferedBytes: this.#config.websocket.maxBufferedBytesPerSession,
      slowClientTimeoutMs: this.#config.websocket.slowClientTimeoutSeconds * 1000,
      socket,
    });
    const now = this.#clock.monotonic();
    const conn: Connection = {
      session,
      endpoint,
      lease: a.lease,
      alive: true,
      lastActivity: now,
      nextPingAt: now + this.#config.websocket.pingIntervalSeconds * 1000,
      expiryTimer: undefined,
    };
    this.#connections.set(ws, conn);
    this.metrics.connections.inc({ endpoint });
    this.metrics.connectionsOpened.inc({ endpoint });
    const metrics = this.metrics;
    const received = metrics.messagesReceived.labels(endpoint);
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      conn.lastActivity = this.#clock.monotonic();
      // Binary frames are ignored, as the reference does (§1, compatibility L3).
      if (isBinary || session.closed) return;
      const text = rawText(data);
      received.inc();
      // The frame's byte length, without scanning the string again (text frames are valid UTF-8).
      metrics.bytesReceived.inc(Buffer.isBuffer(data) ? data.length : Buffer.byteLength(text));
      try {
        session.onText(text);
      } catch (err) {
        // The reference's uncaught handler exceptions end in 1011 (§4.5).
        logger.error({ err }, 'session handler failed');
        session.close(CLOSE_CODES.INTERNAL_ERROR, 'Server error');
      }
    });
    ws.on('pong', () => {
      conn.alive = true;
      conn.lastActivity = this.#clock.monotonic();
    });
    ws.on('ping', () => {
      conn.lastActivity = this.#clock.monotonic();
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // ws closes the socket itself on protocol errors; remember the code it sent, since the
      // 'close' event reports the peer's code (usually none: 1006).
      session.closed = true;
      session.sentCloseCode ??= wsErrorCloseCode(err.code);
      logger.debug({ err }, 'websocket error');
    });
    ws.on('close', (code: number) => {
      this.#onClose(ws, conn, code, logger);
    });
    if (a.identity.expiresAt !== undefined) this.#armExpiry(conn, a.identity.expiresAt);
    session.start?.();
  }

  /** Closes the session with 1008 when its token expires (compatibility A2). */
  #armExpiry(conn: Connection, expiresAt: number): void {
    const delay = expiresAt - this.#clock.now();
    if (delay <= 0) {
      conn.session.close(CLOSE_CODES.POLICY_VIOLATION, 'Token expired');
      return;
    }
    conn.expiryTimer = this.#clock.setTimeout(
      () => {
        conn.expiryTimer = undefined;
        this.#armExpiry(conn, expiresAt);
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    conn.expiryTimer.unref();
  }

  #onClose(ws: WebSocket, conn: Connection, code: number, logger: Logger): void {
    if (!this.#connections.delete(ws)) return;
    if (conn.expiryTimer !== undefined) this.#clock.clearTimeout(conn.expiryTimer);
    const endpoint = conn.endpoint;
    this.metrics.connections.dec({ endpoint });
    const label = closeCodeLabel(conn.session.sentCloseCode ?? code);
    this.metrics.connectionsClosed.inc({ endpoint, code: label });
    const closing = conn.session
      .onClosed()
      .catch((err: unknown) => {
        logger.warn({ err }, 'closing the broker side of a session failed');
      })
      .finally(() => {
        conn.lease.release();
        this.#closing.delete(closing);
      });
    this.#closing.add(closing);
    if (this.#connections.size === 0) this.#allClosed?.();
  }

  /** Idle timeouts (1001, as Jetty) and server pings; peers that missed a pong are terminated. */
  #sweep(): void {
    const now = this.#clock.monotonic();
    const idleMs = this.#config.websocket.idleTimeoutSeconds * 1000;
    const pingMs = this.#config.websocket.pingIntervalSeconds * 1000;
    for (const [ws, c] of this.#connections) {
      const last = Math.max(c.lastActivity, c.session.lastSendAt);
      if (idleMs > 0 && now - last >= idleMs) {
        c.session.close(CLOSE_CODES.GOING_AWAY, 'Idle timeout');
        continue;
      }
      if (pingMs > 0 && now >= c.nextPingAt) {
        if (!c.alive) {
          ws.terminate();
          continue;
        }
        c.alive = false;
        c.nextPingAt = now + pingMs;
        ws.ping();
      }
    }
  }

  /**
   * Graceful drain (SIGTERM, issue 4): readiness turns false, new upgrades get 503, producers
   * answer every in-flight publish, every session closes with 1001; whatever is still open when
   * `shutdown.drainTimeoutSeconds` runs out is terminated.
   */
  async drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    this.#logger.info({ sessions: this.#connections.size }, 'draining');
    const graceMs = this.#config.shutdown.drainTimeoutSeconds * 1000;
    const allClosed = new Promise<void>((resolve) => {
      if (this.#connections.size === 0) resolve();
      else this.#allClosed = resolve;
    });
    for (const c of this.#connections.values()) {
      c.session.drain().catch((err: unknown) => {
        this.#logger.warn({ err }, 'session drain failed');
      });
    }
    const abort = new AbortController();
    await Promise.race([
      allClosed,
      sleep(this.#clock, graceMs, abort.signal).catch(() => undefined),
    ]);
    abort.abort();
    for (const ws of this.#connections.keys()) ws.terminate();
  }

  /** Drains (if not yet), stops every listener and timer, and closes the Pulsar clients. */
  async close(): Promise<void> {
    await this.drain();
    if (this.#sweepTimer !== undefined) this.#clock.clearInterval(this.#sweepTimer);
    if (this.#probeTimer !== undefined) this.#clock.clearInterval(this.#probeTimer);
    for (const f of this.#tlsFiles) unwatchFile(f);
    const stop = (s: HttpServer | HttpsServer): Promise<void> =>
      new Promise((resolve) => {
        s.close(() => {
          resolve();
        });
        s.closeAllConnections();
      });
    await Promise.all([
      stop(this.#http),
      ...(this.#https === undefined ? [] : [stop(this.#https)]),
      stop(this.#metricsServer),
    ]);
    this.#wss.close();
    // Let producers and consumers close cleanly before their connections go away.
    await Promise.allSettled([...this.#closing]);
    await this.clients.close();
  }
}

function clientOptions(config: GatewayConfig, options: GatewayServerOptions): PulsarClientOptions {
  const t = config.pulsar.tls;
  const tokenFile = config.pulsar.authentication.tokenFile;
  return {
    serviceUrl: config.pulsar.serviceUrl,
    ...(tokenFile === undefined ? {} : { auth: TokenAuth.fromFile(tokenFile) }),
    ...(config.pulsar.serviceUrl.startsWith('pulsar+ssl://')
      ? {
          tls: {
            ...(t.trustCertsFile === undefined ? {} : { trustCertsFilePath: t.trustCertsFile }),
            allowInsecureConnection: t.allowInsecureConnection,
            validateHostname: t.hostnameVerification,
          },
        }
      : {}),
    logger: options.logger,
    registry: options.registry,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  };
}

function firstBroker(serviceUrl: string): { host: string; port: number } {
  const m = /^[a-z+]+:\/\/([^,/]+)/.exec(serviceUrl);
  const hostPort = m?.[1] ?? 'localhost:6650';
  const i = hostPort.lastIndexOf(':');
  const secure = serviceUrl.startsWith('pulsar+ssl');
  if (i < 0 || hostPort.endsWith(']')) return { host: hostPort, port: secure ? 6651 : 6650 };
  return {
    host: hostPort.slice(0, i).replace(/^\[|\]$/g, ''),
    port: Number(hostPort.slice(i + 1)),
  };
}

/** Exact match, or a `*` wildcard (`https://*.example.com`). */
function originAllowed(origin: string, allowed: readonly string[]): boolean {
  for (const a of allowed) {
    if (a === '*' || a === origin) return true;
    if (a.includes('*')) {
      const re = new RegExp('^' + a.split('*').map(escapeRegExp).join('[^/]*') + '$');
      if (re.test(origin)) return true;
    }
  }
  return false;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function toGatewayError(err: unknown, logger: Logger): GatewayError {
  if (err instanceof GatewayError) return err;
  logger.error({ err }, 'unexpected error while attaching');
  return new GatewayError('GW_ERR_INTERNAL', 'Server error', { cause: err });
}

/** The close code `ws` sends for its own errors (ws lib/receiver.js). */
function wsErrorCloseCode(code: string | undefined): number {
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return CLOSE_CODES.MESSAGE_TOO_BIG;
  if (code === 'WS_ERR_INVALID_UTF8') return CLOSE_CODES.INVALID_DATA;
  return 1002;
}

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
