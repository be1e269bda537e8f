import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Clock, Logger } from '../../shared/index.ts';
import type { KubeClient } from './kube-client.ts';

/** `Normal` for expected transitions, `Warning` for problems users should act on. */
export type EventType = 'Normal' | 'Warning';

/** One event to record about an object. */
export interface EventInput {
  type: EventType;
  /** Why it happened: UpperCamelCase, stable for automation (e.g. `SecretMissing`). */
  reason: string;
  /** What the controller did or failed to do: UpperCamelCase (e.g. `Reconcile`, `Apply`). */
  action: string;
  /** Human-readable message; truncated to 1024 bytes (the API's limit for `note`). */
  note: string;
}

/** Options of {@link EventRecorder}. Durations in milliseconds. */
export interface EventRecorderOptions {
  client: KubeClient;
  clock: Clock;
  logger: Logger;
  /** `reportingController` of every event, e.g. `pulsarws.io/pulsar-ws-operator`. */
  reportingController: string;
  /** `reportingInstance`: this replica, e.g. the pod name. */
  reportingInstance: string;
  /** Repeats of the same event within this window count into one series (default 6 min, client-go). */
  seriesWindowMs?: number;
  /** At most one series update per event per this interval (default 30 s). */
  seriesUpdateMs?: number;
  /** Events tracked for series; the oldest are forgotten beyond this (default 4096). */
  maxTracked?: number;
}

interface Tracked {
  namespace: string;
  name: string;
  count: number;
  lastObserved: number;
  lastWritten: number;
}

const NOTE_LIMIT = 1024;

/** RFC 3339 with microseconds, the `MicroTime` wire format. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

/**
 * Records `events.k8s.io/v1` Events about objects, de-duplicated like
 * client-go's `tools/events` recorder so that a reconcile failing in a tight
 * loop does not flood the API server: the first occurrence creates an Event;
 * repeats of the same (object, type, reason, action, note) within the series
 * window only bump a local count, which is written to the Event's `series`
 * at most once per `seriesUpdateMs`.
 *
 * Events are best effort, as in client-go: a failed write is logged and never
 * fails the reconcile (the state it reports is also in status conditions).
 */
export class EventRecorder {
  readonly #client: KubeClient;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #controller: string;
  readonly #instance: string;
  readonly #windowMs: number;
  readonly #updateMs: number;
  readonly #maxTracked: number;
  readonly #tracked = new Map<string, Tracked>();

  constructor(options: EventRecorderOptions) {
    this.#client = options.client;
    this.#clock = options.clock;
    this.#log = options.logger.child({ component: 'event-recorder' });
    this.#controller = options.reportingController;
    this.#instance = options.reportingInstance;
    this.#windowMs = options.seriesWindowMs ?? 6 * 60_000;
    this.#updateMs = options.seriesUpdateMs ?? 30_000;
    this.#maxTracked = options.maxTracked ?? 4096;
  }

  /**
   * Records `event` about `regarding` (which needs `apiVersion`, `kind` and
   * `metadata.name`/`namespace`/`uid`). Resolves `true` when a request was
   * sent; never rejects.
   */
  async record(regarding: KubernetesObject, event: EventInput): Promise<boolean> {
    const meta = regarding.metadata ?? {};
    const namespace = meta.namespace ?? 'default';
    const note = Buffer.from(event.note).subarray(0, NOTE_LIMIT).toString();
    const key = JSON.stringify([
      meta.uid ?? `${namespace}/${meta.name ?? ''}`,
      event.type,
      event.reason,
      event.action,
      note,
    ]);
    const now = this.#clock.now();
    const seen = this.#tracked.get(key);
    try {
      if (seen !== undefined && now - seen.lastObserved <= this.#windowMs) {
        seen.count++;
        seen.lastObserved = now;
        if (now - seen.lastWritten < this.#updateMs) return false;
        await this.#client.mergePatch('events.k8s.io/v1', 'Event', seen.namespace, seen.name, {
          series: { count: seen.count, lastObservedTime: microTime(now) },
        });
        seen.lastWritten = now;
        return true;
      }
      const name = `${meta.name ?? 'object'}.${(BigInt(Math.trunc(now)) * 1_000_000n).toString(16)}${randomBytes(2).toString('hex')}`;
      await this.#client.create({
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace },
        eventTime: microTime(now),
        reportingController: this.#controller,
        reportingInstance: this.#instance,
        action: event.action,
        reason: event.reason,
        note,
        type: event.type,
        regarding: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          name: meta.name,
          namespace: meta.namespace,
          uid: meta.uid,
        },
      } as KubernetesObject);
      this.#track(key, { namespace, name, count: 1, lastObserved: now, lastWritten: now });
      return true;
    } catch (err) {
      this.#log.warn(
        { err, reason: event.reason, name: meta.name, namespace },
        'Event not recorded',
      );
      return false;
    }
  }

  #track(key: string, entry: Tracked): void {
    this.#tracked.delete(key);
    this.#tracked.set(key, entry);
    // Map iteration order is insertion order: the first key is the oldest.
    while (this.#tracked.size > this.#maxTracked) {
      const oldest = this.#tracked.keys().next();
      if (oldest.done === true) break;
      this.#tracked.delete(oldest.value);
    }
  }
}
