import type { KubeConfig, KubernetesObject, V1Secret } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { systemClock, type Clock, type Logger } from '../shared/index.ts';
import {
  CRD_API_VERSION,
  CRD_KIND,
  CRD_PLURAL,
  LABEL_KEYS,
  OPERATOR_NAME,
} from './api/v1alpha1/constants.ts';
import type { PulsarWebSocketGateway } from './api/v1alpha1/types.ts';
import { EventRecorder } from './kube/event-recorder.ts';
import { KubeClient } from './kube/kube-client.ts';
import {
  GatewayReconciler,
  kindKey,
  type GatewayCaches,
  type ObjectCache,
} from './reconcilers/gateway-reconciler.ts';
import { childName } from './resources/names.ts';
import { Controller } from './runtime/controller.ts';
import { HealthServer } from './runtime/health-server.ts';
import { stripManagedFields } from './runtime/strip-managed-fields.ts';
import { secretForCache } from './kube/secret-for-cache.ts';
import {
  forObjectWhenChanged,
  forOwner,
  Informer,
  objectKey,
  resourcePath,
  type KeySink,
} from './runtime/informer.ts';
import { defaultIdentity, kubeLeaseStore, LeaderElector } from './runtime/leader-election.ts';
import { OptionalInformer } from './runtime/optional-informer.ts';
import { registerGatewayStateMetrics } from './metrics/gateway-state-metrics.ts';

/** Name of the controller (metric label, work-queue name). */
export const CONTROLLER_NAME = 'pulsarwebsocketgateway';

/** Default name of the leader-election Lease. */
export const DEFAULT_LEASE_NAME = 'pulsar-ws-operator-leader';

/** Leader-election settings of {@link ManagerOptions}. Durations in milliseconds. */
export interface LeaderElectionOptions {
  /** Namespace of the Lease (the operator's own namespace). */
  namespace: string;
  /** Lease name (default {@link DEFAULT_LEASE_NAME}). */
  name?: string;
  /** Default 15 000 (controller-runtime). */
  leaseDurationMs?: number;
  /** Default 10 000. */
  renewDeadlineMs?: number;
  /** Default 2000. */
  retryPeriodMs?: number;
  /** Hand the lease back on graceful stop so a standby takes over at once (default true). */
  releaseOnCancel?: boolean;
}

/** Options of {@link Manager}. */
export interface ManagerOptions {
  kubeConfig: KubeConfig;
  /** Gateway image when a resource sets no `spec.image`. */
  defaultImage: string;
  logger: Logger;
  /** Namespaces to watch; all namespaces when absent or empty (the default). */
  namespaces?: readonly string[];
  clock?: Clock;
  /** Registry for every operator metric (served on `/metrics`). */
  registry?: Registry;
  /** This replica's identity in the Lease and in Events (default `<hostname>_<random>`). */
  identity?: string;
  /** Leader election; absent: this instance always runs the controller. */
  leaderElection?: LeaderElectionOptions;
  /** Periodic resync of the gateway informer (default 600 000 ms; 0 disables); the other informers never resync. */
  resyncPeriodMs?: number;
  /** Parallel reconciles of different gateways (default 16). */
  maxConcurrentReconciles?: number;
  /** Port of `/healthz` and `/readyz`; not served when absent (0: any free port). */
  healthPort?: number;
  /** Port of `/metrics`; not served when absent. May equal `healthPort` (one server). */
  metricsPort?: number;
  /** Bind address of both servers (default all interfaces). */
  bindAddress?: string;
  /** Certificate day length for tests (see {@link GatewayReconcilerOptions.dayMs}). */
  dayMs?: number;
  /** How long in-flight reconciles may finish after stop (default 30 000 ms). */
  shutdownGraceMs?: number;
  /** See `GatewayReconcilerOptions.discoveryTtlMs` (default 60 000 ms). */
  discoveryTtlMs?: number;
  /** See `GatewayReconcilerOptions.certificatePollMs` (default 10 000 ms). */
  certificatePollMs?: number;
  /** See `GatewayReconcilerOptions.applyRetryMs` (default 60 000 ms). */
  applyRetryMs?: number;
}

/** How the manager's run ended. */
export type ManagerExit = 'stopped' | 'leadership-lost';

type AnyInformer = Informer<KubernetesObject>;

/** Secrets the operator never needs to see (Helm release records). */
export const SECRET_FIELD_SELECTOR = 'type!=helm.sh/release.v1';

/** Owned kinds watched through informers, mapped to their controlling gateway. */
const OWNED_INFORMERS = [
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
  },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets' },
] as const;

/**
 * Owned kinds of optional CRDs, watched like {@link OWNED_INFORMERS} but only while discovery
 * says they are served (see {@link OptionalInformer}). Until their informer has synced, the
 * reconciler reads them from the API server (it has no cache for them then).
 */
const OPTIONAL_INFORMERS = [
  {
    group: 'cert-manager.io',
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    plural: 'certificates',
  },
  {
    group: 'monitoring.coreos.com',
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    plural: 'servicemonitors',
  },
] as const;

/**
 * The Secret names a gateway reads, from its raw spec (no defaulting: this runs for every
 * Secret event against every gateway of the namespace, so it must be cheap).
 */
function secretNamesOf(gw: PulsarWebSocketGateway): string[] {
  const { spec } = gw;
  const names: (string | undefined)[] = [
    spec.pulsar.tls?.trustedCaSecret?.name,
    spec.pulsar.authentication?.token.secretKeyRef.name,
    spec.auth?.jwt?.keySecretRef?.name,
    spec.tls?.mode === 'secret' ? spec.tls.secretName : undefined,
    // cert-manager writes this Secret without an ownerReference to the gateway.
    spec.tls?.mode === 'certManager' ? childName(gw.metadata.name ?? '', 'gateway-tls') : undefined,
  ];
  return names.filter((n): n is string => n !== undefined);
}

/**
 * Runs the operator: informers on PulsarWebSocketGateways, their owned children (Deployments,
 * Services, ConfigMaps, Secrets, HPAs, PDBs, and cert-manager Certificates and
 * ServiceMonitors while their optional CRDs are served, mapped to the controlling gateway) and the
 * Secrets gateways reference (mapped to every gateway that references them); one
 * {@link Controller} with the {@link GatewayReconciler}; `/healthz`, `/readyz` and
 * `/metrics`; and leader election on a Lease, so that of several replicas only the leader
 * runs informers and controller (controller-runtime's manager).
 *
 * Lifecycle: {@link start} serves the probes and starts campaigning (or running, without
 * leader election); {@link stop} stops the controller (in-flight reconciles finish within the
 * grace period), the informers, releases the Lease and closes the servers. {@link done}
 * resolves with `leadership-lost` when leadership ended without `stop`: as in
 * controller-runtime the process should then exit instead of campaigning again.
 */
export class Manager {
  /** The client every reconcile writes through; `client.writes` counts writes. */
  readonly client: KubeClient;
  readonly identity: string;
  /** Resolves once the manager stopped, and why. */
  readonly done: Promise<ManagerExit>;
  readonly #o: ManagerOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  readonly #servers: HealthServer[] = [];
  readonly #elector: LeaderElector | undefined;
  #resolveDone: (exit: ManagerExit) => void = () => {};
  #informers: AnyInformer[] = [];
  #optionalInformers: OptionalInformer<KubernetesObject>[] = [];
  #controller: Controller | undefined;
  #leading = false;
  #reconciles = 0;
  #started = false;
  #healthPort: number | undefined;
  #metricsPort: number | undefined;
  /** The gateway informer of the current leadership term, read by the gateway-state gauges. */
  #gatewayCache: Informer<PulsarWebSocketGateway> | undefined;
  readonly #unregisterStateMetrics: () => void;

  constructor(options: ManagerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.identity = options.identity ?? defaultIdentity();
    this.#log = options.logger.child({ component: 'manager', identity: this.identity });
    this.client = new KubeClient({
      kubeConfig: options.kubeConfig,
      logger: options.logger,
      ...(options.registry === undefined ? {} : { registry: options.registry }),
    });
    this.#unregisterStateMetrics =
      options.registry === undefined
        ? () => {}
        : registerGatewayStateMetrics(options.registry, () => this.#gatewayCache?.list() ?? []);
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    const le = options.leaderElection;
    if (le !== undefined) {
      this.#elector = new LeaderElector({
        store: kubeLeaseStore(options.kubeConfig, le.namespace, le.name ?? DEFAULT_LEASE_NAME),
        clock: this.#clock,
        logger: options.logger,
        identity: this.identity,
        ...(le.leaseDurationMs === undefined ? {} : { leaseDurationMs: le.leaseDurationMs }),
        ...(le.renewDeadlineMs === undefined ? {} : { renewDeadlineMs: le.renewDeadlineMs }),
        ...(le.retryPeriodMs === undefined ? {} : { retryPeriodMs: le.retryPeriodMs }),
        ...(le.releaseOnCancel === undefined ? {} : { releaseOnCancel: le.releaseOnCancel }),
        ...(options.registry === undefined ? {} : { registry: options.registry }),
        name: le.name ?? DEFAULT_LEASE_NAME,
        onStartedLeading: (signal) => this.#runControllers(signal),
      });
    }
  }

  /** True while this instance runs the controller. */
  isLeader(): boolean {
    return this.#leading;
  }

  /** Reconciles started so far (for tests and logs). */
  get reconciles(): number {
    return this.#reconciles;
  }

  /** Keys waiting in the work queue (0 when not leading). */
  get queueLength(): number {
    return this.#controller?.queue.length ?? 0;
  }

  /** Bound port of `/healthz` + `/readyz`, once started. */
  get healthPort(): number | undefined {
    return this.#healthPort;
  }

  /** Bound port of `/metrics`, once started. */
  get metricsPort(): number | undefined {
    return this.#metricsPort;
  }

  /**
   * True when the informers have synced. A standby replica (not leading) reports ready too:
   * it is healthy, and an unready standby would stall rolling updates of the operator.
   */
  isReady(): boolean {
    if (!this.#leading) return this.#elector !== undefined;
    // An optional informer whose CRD is absent counts as synced (OptionalInformer.hasSynced).
    return (
      this.#informers.length > 0 &&
      this.#informers.every((i) => i.hasSynced()) &&
      this.#optionalInformers.every((i) => i.hasSynced())
    );
  }

  /** Serves the probes, then campaigns for the lease (or runs at once). Call once. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#listen();
    const run = async (): Promise<ManagerExit> => {
      if (this.#elector === undefined) {
        await this.#runControllers(this.#abort.signal);
        return 'stopped';
      }
      await this.#elector.run(this.#abort.signal);
      return this.#abort.signal.aborted ? 'stopped' : 'leadership-lost';
    };
    run().then(
      (exit) => {
        this.#resolveDone(exit);
      },
      (err: unknown) => {
        this.#log.error({ err }, 'Manager failed');
        this.#resolveDone('leadership-lost');
      },
    );
  }

  /** Re-enqueues every cached gateway and child now, as the periodic resync does. */
  resync(): void {
    for (const informer of this.#informers) informer.resync();
    for (const informer of this.#optionalInformers) informer.resync();
  }

  /**
   * Graceful shutdown: stops the controller (in-flight reconciles get the grace period) and
   * the informers, releases the Lease when configured to, and closes the servers.
   */
  async stop(): Promise<void> {
    this.#abort.abort(new Error('manager stopping'));
    if (this.#started) await this.done;
    this.#unregisterStateMetrics();
    await Promise.all(this.#servers.map((s) => s.close()));
    this.#servers.length = 0;
  }

  async #listen(): Promise<void> {
    const { healthPort, metricsPort, bindAddress, registry, logger } = this.#o;
    const same = healthPort !== undefined && healthPort === metricsPort && healthPort !== 0;
    if (healthPort !== undefined) {
      const health = new HealthServer({
        logger,
        ...(same && registry !== undefined ? { registry } : {}),
      });
      health.addReadyzCheck('informers-synced', () => this.isReady());
      this.#servers.push(health);
      this.#healthPort = await health.listen(healthPort, bindAddress);
      if (same) this.#metricsPort = this.#healthPort;
    }
    if (metricsPort !== undefined && !same) {
      const metrics = new HealthServer({
        logger,
        ...(registry === undefined ? {} : { registry }),
      });
      this.#servers.push(metrics);
      this.#metricsPort = await metrics.listen(metricsPort, bindAddress);
    }
  }

  /** Runs informers and controller until `signal` aborts (one leadership term). */
  async #runControllers(signal: AbortSignal): Promise<void> {
    const { kubeConfig, registry, namespaces, logger } = this.#o;
    const clock = this.#clock;
    this.#leading = true;
    const common = {
      kubeConfig,
      clock,
      logger,
      resyncPeriodMs: this.#o.resyncPeriodMs ?? 600_000,
      ...(namespaces === undefined || namespaces.length === 0 ? {} : { namespaces }),
      ...(registry === undefined ? {} : { registry }),
    };
    const client = this.client;
    const informer = <T extends KubernetesObject>(
      name: string,
      apiVersion: string,
      kind: string,
      plural: string,
      labelSelector: string | undefined,
      transform: (obj: T) => T,
      resync = false,
      fieldSelector?: string,
    ): Informer<T> =>
      new Informer<T>({
        ...common,
        // Only the gateway informer resyncs: a gateway's reconcile reads every cache anyway, so
        // re-delivering children and Secrets would only enqueue the same gateways again (four
        // to five times per period at 1,000 gateways) and map each Secret over every gateway.
        resyncPeriodMs: resync ? common.resyncPeriodMs : 0,
        name,
        transform,
        path: (ns) => resourcePath(apiVersion, plural, ns),
        list: (ns, selector, page) => client.list<T>(apiVersion, kind, ns, selector, page),
        ...(labelSelector === undefined ? {} : { labelSelector }),
        ...(fieldSelector === undefined ? {} : { fieldSelector }),
      });
    const managedBy = `${LABEL_KEYS.managedBy}=${OPERATOR_NAME}`;
    const gateways = informer<PulsarWebSocketGateway>(
      'pulsarwebsocketgateways',
      CRD_API_VERSION,
      CRD_KIND,
      CRD_PLURAL,
      undefined,
      // The reconciler reads a gateway's spec and status, never its managedFields.
      (obj) => stripManagedFields(obj),
      true,
    );
    // Every Secret, not only ours: gateways reference user Secrets that carry no label. Only
    // the Secrets our gateways control keep their data (and our apply entries, which
    // apply-diff's ownership check reads); the others are cached as digests.
    // Helm's release Secrets (up to 1 MiB each, one per release revision) are never a
    // gateway's input: the API server leaves them out, so they are not even transferred.
    const secrets = informer<V1Secret>(
      'secrets',
      'v1',
      'Secret',
      'secrets',
      undefined,
      (obj) => secretForCache(obj, client.fieldManager),
      false,
      SECRET_FIELD_SELECTOR,
    );
    // Mutable: optional kinds enter once their informer synced and leave when it stops.
    const owned = new Map<string, ObjectCache<KubernetesObject>>();
    const ownedInformers: AnyInformer[] = [];
    // Children: only ours (by label), with our own apply entries kept for apply-diff.
    const childInformer = (k: { apiVersion: string; kind: string; plural: string }) =>
      informer<KubernetesObject>(k.plural, k.apiVersion, k.kind, k.plural, managedBy, (obj) =>
        stripManagedFields(obj, client.fieldManager),
      );
    for (const k of OWNED_INFORMERS) {
      const inf = childInformer(k);
      owned.set(kindKey(k.apiVersion, k.kind), inf);
      ownedInformers.push(inf);
    }
    const caches: GatewayCaches = { gateways, secrets, owned };
    this.#gatewayCache = gateways;
    const reconciler = new GatewayReconciler({
      client,
      caches,
      events: new EventRecorder({
        client,
        clock,
        logger,
        reportingController: `pulsarws.io/${OPERATOR_NAME}`,
        reportingInstance: this.identity,
      }),
      clock,
      logger,
      defaultImage: this.#o.defaultImage,
      ...(this.#o.dayMs === undefined ? {} : { dayMs: this.#o.dayMs }),
      ...(this.#o.discoveryTtlMs === undefined ? {} : { discoveryTtlMs: this.#o.discoveryTtlMs }),
      ...(this.#o.certificatePollMs === undefined
        ? {}
        : { certificatePollMs: this.#o.certificatePollMs }),
      ...(this.#o.applyRetryMs === undefined ? {} : { applyRetryMs: this.#o.applyRetryMs }),
    });
    const controller = new Controller({
      name: CONTROLLER_NAME,
      clock,
      logger,
      maxConcurrentReconciles: this.#o.maxConcurrentReconciles ?? 16,
      ...(registry === undefined ? {} : { registry }),
      reconcile: (key) => {
        this.#reconciles++;
        return reconciler.reconcile(key);
      },
    });
    const queue = controller.queue;
    const toOwner = forOwner(CRD_KIND, CRD_API_VERSION);
    // Not on our own status writes: they change no input of the reconcile.
    gateways.addEventHandler(forObjectWhenChanged(), queue);
    for (const inf of ownedInformers) inf.addEventHandler(toOwner, queue);
    const optional = OPTIONAL_INFORMERS.map(
      (k) =>
        new OptionalInformer<KubernetesObject>({
          name: k.plural,
          clock,
          logger,
          // The reconciler's discovery TTL: the informer appears about when the reconciler
          // starts creating objects of the kind.
          checkMs: this.#o.discoveryTtlMs ?? 60_000,
          served: () => client.crdExists(k.group, k.plural),
          create: () => {
            const inf = childInformer(k);
            inf.addEventHandler(toOwner, queue);
            return inf;
          },
          onSynced: (inf) => owned.set(kindKey(k.apiVersion, k.kind), inf),
          onStopped: () => owned.delete(kindKey(k.apiVersion, k.kind)),
        }),
    );
    secrets.addEventHandler(toOwner, queue);
    const referencing: KeySink = {
      add: (secretKey) => {
        const slash = secretKey.indexOf('/');
        const ns = secretKey.slice(0, slash);
        const name = secretKey.slice(slash + 1);
        for (const gw of gateways.list(ns)) {
          if (gw.metadata.namespace === ns && secretNamesOf(gw).includes(name)) {
            const key = objectKey(gw);
            if (key !== undefined) queue.add(key);
          }
        }
      },
    };
    secrets.addEventHandler(objectKey, referencing);

    const all: AnyInformer[] = [gateways as unknown as AnyInformer, secrets, ...ownedInformers];
    this.#informers = all;
    this.#optionalInformers = optional;
    this.#controller = controller;
    try {
      // Optional informers start only when their CRD is served now; else they resolve at once
      // and keep checking discovery in the background.
      await Promise.all([...all, ...optional].map((i) => i.start()));
      // Reconciling before every cache synced would see children as missing and re-create them.
      await Promise.all([...all, ...optional].map((i) => i.waitForSync(signal)));
      this.#log.info(
        { namespaces: namespaces === undefined || namespaces.length === 0 ? 'all' : namespaces },
        'Caches synced, starting controller',
      );
      controller.start();
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else
          signal.addEventListener(
            'abort',
            () => {
              resolve();
            },
            { once: true },
          );
      });
    } catch (err) {
      // waitForSync rejects when the term ends before the caches synced: not a failure.
      if (!signal.aborted) throw err;
    } finally {
      this.#leading = false;
      await controller.stop(this.#o.shutdownGraceMs ?? 30_000);
      await Promise.all([...all, ...optional].map((i) => i.stop()));
      this.#informers = [];
      this.#optionalInformers = [];
      this.#controller = undefined;
      this.#gatewayCache = undefined;
      this.#log.info({}, 'Controller and informers stopped');
    }
  }
}
