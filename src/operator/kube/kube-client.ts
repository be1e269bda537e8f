import {
  ApiException,
  HttpMethod,
  KubernetesObjectApi,
  PatchStrategy,
  type Configuration,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type RequestContext,
  type ResponseContext,
  type V1APIGroup,
  type V1APIResourceList,
} from '@kubernetes/client-node';
import type { Counter, Registry } from 'prom-client';
import type { Logger } from '../../shared/index.ts';
import { silentLogger } from '../../shared/index.ts';
import { metricsOn } from '../../shared/index.ts';
import { isNotFound } from './api-errors.ts';
import { applyBody, applyReason } from './apply-diff.ts';
import { pooledDispatcher } from './pooled-dispatcher.ts';

/** The one field manager of everything the operator applies (docs/style.md §7.3). */
export const FIELD_MANAGER = 'pulsar-ws-operator';

/** Options of {@link KubeClient}. */
export interface KubeClientOptions {
  kubeConfig: KubeConfig;
  /** Field manager for apply and status writes (default {@link FIELD_MANAGER}). */
  fieldManager?: string;
  /** Registry for `rest_client_requests_total{method,code}`. */
  registry?: Registry;
  logger?: Logger;
}

/** Outcome of a conditional write. */
export interface WriteOutcome<T> {
  /** The object after the call: the server's answer, or `current` when nothing was written. */
  object: T;
  /** True when a request was sent. */
  wrote: boolean;
}

/** Object with a status, as read from the API server. */
export type WithStatus<S> = KubernetesObject & { status?: S };

/**
 * A response "type" of our own: client-node deserializes anything with an apiVersion and kind
 * into its models (see `ObjectApi.listJson` for what that loses); this one is left as JSON.
 */
const RAW_JSON = 'pulsar-ws-operator:raw-json';

const WRITE_METHODS = new Set<string>([
  HttpMethod.POST,
  HttpMethod.PUT,
  HttpMethod.PATCH,
  HttpMethod.DELETE,
]);

/**
 * `KubernetesObjectApi` plus raw JSON requests on a subresource and on
 * discovery paths, all through client-node's own auth, TLS and middleware
 * pipeline (never a second HTTP stack: docs/style.md §7.6 anti-pattern 12).
 */
class ObjectApi extends KubernetesObjectApi {
  onResponse: (method: string, code: string) => void = () => {};

  /** Makes every request share one keep-alive connection pool (see `pooledDispatcher`). */
  poolConnections(kubeConfig: KubeConfig): void {
    this.configuration.authMethods.default = pooledDispatcher(
      this.configuration.authMethods.default ?? kubeConfig,
    );
  }

  async patchJson<T extends KubernetesObject>(
    spec: KubernetesObject,
    subresource: string | undefined,
    body: unknown,
    contentType: string,
    query: Record<string, string>,
  ): Promise<T> {
    let path = await this.specUriPath(spec, 'patch');
    if (subresource !== undefined) path += `/${subresource}`;
    const ctx = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    ctx.setHeaderParam('Accept', 'application/json');
    ctx.setHeaderParam('Content-Type', contentType);
    for (const [k, v] of Object.entries(query)) ctx.setQueryParam(k, v);
    ctx.setBody(JSON.stringify(body));
    return this.requestPromise<T>(ctx);
  }

  /**
   * One page of a list as the API server's JSON, not client-node's models: its deserializer
   * drops `metadata.continue` from lists of custom resources (pagination would stop after the
   * first page), and plain objects match what the watch delivers.
   */
  async listJson<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    query: Record<string, string>,
  ): Promise<KubernetesListObject<T>> {
    const path = await this.specUriPath(
      { apiVersion, kind, metadata: namespace === undefined ? {} : { namespace } },
      'list',
    );
    const ctx = this.configuration.baseServer.makeRequestContext(path, HttpMethod.GET);
    ctx.setHeaderParam('Accept', 'application/json');
    for (const [k, v] of Object.entries(query)) ctx.setQueryParam(k, v);
    return (await this.requestPromise(ctx, RAW_JSON)) as unknown as KubernetesListObject<T>;
  }

  /** {@link RAW_JSON} answers are the parsed JSON as the API server sent it. */
  protected override async processResponse<T extends KubernetesObject>(
    response: ResponseContext,
    type?: string,
  ): Promise<T> {
    if (type !== RAW_JSON || response.httpStatusCode < 200 || response.httpStatusCode > 299) {
      return super.processResponse<T>(response, type);
    }
    return JSON.parse(await response.body.text()) as T;
  }

  async getPath<T extends KubernetesObject>(path: string, type: string): Promise<T> {
    const ctx = this.configuration.baseServer.makeRequestContext(path, HttpMethod.GET);
    ctx.setHeaderParam('Accept', 'application/json');
    return this.requestPromise<T>(ctx, type);
  }

  protected override async requestPromise<T extends KubernetesObject>(
    ctx: RequestContext,
    type?: string,
    options?: Configuration,
  ): Promise<T> {
    const method = ctx.getHttpMethod();
    try {
      const res = await super.requestPromise<T>(ctx, type, options);
      this.onResponse(method, '2xx');
      return res;
    } catch (err) {
      this.onResponse(method, err instanceof ApiException ? String(err.code) : '<error>');
      throw err;
    }
  }
}

/**
 * A thin typed client over `KubernetesObjectApi` for any kind, built-in or
 * custom (kinds are resolved through discovery, cached per apiVersion).
 *
 * - `apply` is server-side apply with one field manager and `force: true`:
 *   the operator owns the fields it sets and takes them back from anyone who
 *   edited them (kubebuilder `reference/server-side-apply.md`).
 * - `applyIfChanged` skips the request when the current object already
 *   matches (see `applyReason`), so an idle resync writes nothing.
 * - Status goes through the `/status` subresource with a merge patch, never
 *   mixed with spec writes (docs/style.md §7.6 anti-pattern 11).
 * - Reads return `undefined` on 404 only; every other error propagates.
 *
 * Every request is counted in `rest_client_requests_total{method,code}`
 * (`code` is the HTTP status of failures, `2xx` for successes, `<error>` for
 * network errors), and successful writes in {@link KubeClient.writes}.
 */
export class KubeClient {
  /** The field manager of every write. */
  readonly fieldManager: string;
  readonly #api: ObjectApi;
  readonly #log: Logger;
  readonly #requests: Counter<'method' | 'code'> | undefined;
  #writes = 0;

  constructor(options: KubeClientOptions) {
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
    this.#log = (options.logger ?? silentLogger).child({ component: 'kube-client' });
    const api = options.kubeConfig.makeApiClient(ObjectApi);
    // makeApiClient skips the context's default namespace; KubernetesObjectApi.makeApiClient sets it.
    (api as unknown as { setDefaultNamespace(kc: KubeConfig): string }).setDefaultNamespace(
      options.kubeConfig,
    );
    api.poolConnections(options.kubeConfig);
    if (options.registry !== undefined) {
      this.#requests = metricsOn.counter(options.registry, {
        name: 'rest_client_requests_total',
        help: 'Number of HTTP requests to the Kubernetes API server, partitioned by method and code.',
        labelNames: ['method', 'code'] as const,
      });
    }
    api.onResponse = (method, code) => {
      this.#requests?.inc({ method, code });
      if (code === '2xx' && WRITE_METHODS.has(method)) this.#writes++;
    };
    this.#api = api;
  }

  /** Successful write requests (POST, PUT, PATCH, DELETE) sent so far. */
  get writes(): number {
    return this.#writes;
  }

  /**
   * Server-side applies `obj` (its `apiVersion`, `kind`, `metadata.name`, and
   * `metadata.namespace` for namespaced kinds, are required) and returns the
   * object the server stored. Server-set metadata (`resourceVersion`,
   * `managedFields`, …) is stripped from the request.
   */
  async apply<T extends KubernetesObject>(obj: T): Promise<T> {
    return this.#api.patchJson<T>(obj, undefined, applyBody(obj), PatchStrategy.ServerSideApply, {
      fieldManager: this.fieldManager,
      force: 'true',
    });
  }

  /**
   * Applies `desired` only when `current` (the live object, from a read or an
   * informer cache, or `undefined` when absent) differs from it in a field we
   * set, or still has a field we set earlier and no longer want. Returns the
   * resulting object and whether a request was sent.
   */
  async applyIfChanged<T extends KubernetesObject>(
    desired: T,
    current: T | undefined,
  ): Promise<WriteOutcome<T>> {
    const reason = applyReason(desired, current, this.fieldManager);
    if (reason === undefined && current !== undefined) return { object: current, wrote: false };
    this.#log.debug(
      {
        kind: desired.kind,
        namespace: desired.metadata?.namespace,
        name: desired.metadata?.name,
        reason,
      },
      'Applying object',
    );
    return { object: await this.apply(desired), wrote: true };
  }

  /** Reads one object; `undefined` when it does not exist (404), other errors throw. */
  async get<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.#api.read<T>({
        apiVersion,
        kind,
        metadata: namespace === undefined ? { name } : { name, namespace },
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Lists objects of a kind (all namespaces when `namespace` is undefined), as plain JSON; with
   * `page.limit`, one page (its `metadata.continue` asks for the next).
   */
  async list<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace?: string,
    labelSelector?: string,
    page: { fieldSelector?: string; limit?: number; continueToken?: string } = {},
  ): Promise<KubernetesListObject<T>> {
    const query: Record<string, string> = {};
    if (labelSelector !== undefined) query['labelSelector'] = labelSelector;
    if (page.fieldSelector !== undefined) query['fieldSelector'] = page.fieldSelector;
    if (page.limit !== undefined) query['limit'] = String(page.limit);
    if (page.continueToken !== undefined) query['continue'] = page.continueToken;
    return this.#api.listJson<T>(apiVersion, kind, namespace, query);
  }

  /** Creates `obj`; a 409 (already exists) propagates. */
  async create<T extends KubernetesObject>(obj: T): Promise<T> {
    return this.#api.create<T>(obj, undefined, undefined, this.fieldManager);
  }

  /**
   * Deletes an object with background propagation (owned children are then
   * removed by the garbage collector). Resolves `false` when it was already
   * gone. With `uid`, deletes only that incarnation of the name.
   */
  async delete(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    options: { uid?: string; propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' } = {},
  ): Promise<boolean> {
    try {
      await this.#api.delete(
        { apiVersion, kind, metadata: namespace === undefined ? { name } : { name, namespace } },
        undefined,
        undefined,
        undefined,
        undefined,
        options.propagationPolicy ?? 'Background',
        options.uid === undefined ? undefined : { preconditions: { uid: options.uid } },
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** JSON merge patch (RFC 7386) of the main resource. */
  async mergePatch<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    patch: Record<string, unknown>,
  ): Promise<T> {
    return this.#api.patchJson<T>(
      { apiVersion, kind, metadata: namespace === undefined ? { name } : { name, namespace } },
      undefined,
      patch,
      PatchStrategy.MergePatch,
      { fieldManager: this.fieldManager },
    );
  }

  /**
   * Replaces `status` through the status subresource with a JSON merge patch
   * `{ status }`. A merge patch replaces lists whole, so pass the complete
   * `conditions` list; fields set to `null` are removed.
   */
  async patchStatus<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    status: object,
  ): Promise<T> {
    return this.#api.patchJson<T>(
      { apiVersion, kind, metadata: namespace === undefined ? { name } : { name, namespace } },
      'status',
      { status },
      PatchStrategy.MergePatch,
      { fieldManager: this.fieldManager },
    );
  }

  /**
   * {@link patchStatus} unless `current.status` already holds every value of
   * `status` (nested, lists element by element). `current` must carry
   * `apiVersion`, `kind` and `metadata`.
   */
  async patchStatusIfChanged<T extends WithStatus<S>, S extends object>(
    current: T,
    status: S,
  ): Promise<WriteOutcome<T>> {
    const probe = { status } as KubernetesObject;
    const diff = applyReason(probe, { status: current.status } as KubernetesObject, '');
    if (diff === undefined) return { object: current, wrote: false };
    const object = await this.patchStatus<T>(
      current.apiVersion ?? '',
      current.kind ?? '',
      current.metadata?.namespace,
      current.metadata?.name ?? '',
      status,
    );
    return { object, wrote: true };
  }

  /**
   * True when the API server serves resource `plural` in API group `group`
   * (e.g. `certificates`, `cert-manager.io`), i.e. its CRD is installed and
   * established. Uses discovery, which every authenticated client may read,
   * so no RBAC on CustomResourceDefinitions is needed.
   */
  async crdExists(group: string, plural: string): Promise<boolean> {
    let apiGroup: V1APIGroup;
    try {
      apiGroup = (await this.#api.getPath(
        `/apis/${encodeURIComponent(group)}`,
        'V1APIGroup',
      )) as unknown as V1APIGroup;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    for (const v of apiGroup.versions) {
      try {
        const list = (await this.#api.getPath(
          `/apis/${v.groupVersion}`,
          'V1APIResourceList',
        )) as unknown as V1APIResourceList;
        if (list.resources.some((r) => r.name === plural)) return true;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return false;
  }
}
