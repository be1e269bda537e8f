import { sleep } from '../shared/index.ts';
import type { Clock } from '../shared/index.ts';
import { PulsarError } from './errors.ts';

/** How {@link Backoff} randomises each delay. */
export const JITTER = {
  /** The exact exponential delay. */
  NONE: 'none',
  /** Uniform in [0, delay] ("full jitter"): best at spreading out many clients. */
  FULL: 'full',
  /** Uniform in [delay × (1 − ratio), delay × (1 + ratio)], capped at `maxMs`. */
  PROPORTIONAL: 'proportional',
} as const;

/** One of the {@link JITTER} values. */
export type Jitter = (typeof JITTER)[keyof typeof JITTER];

/** Options of {@link Backoff}. All durations are milliseconds. */
export interface BackoffOptions {
  /** First delay. Default 100 (the Java client's initial reconnect backoff). */
  initialMs?: number;
  /** Largest delay before jitter. Default 60 000 (the Java client's max backoff). */
  maxMs?: number;
  /** Growth factor between attempts, >= 1. Default 2. */
  multiplier?: number;
  /** Default {@link JITTER.PROPORTIONAL}. */
  jitter?: Jitter;
  /** Half-width of the proportional jitter band, in [0, 1]. Default 0.2 (±20 %). */
  jitterRatio?: number;
  /** Uniform random source in [0, 1). Default `Math.random`; inject one in tests. */
  random?: () => number;
}

/**
 * Exponential backoff for reconnects and retried requests: the un-jittered
 * delay starts at `initialMs` and is multiplied by `multiplier` after each
 * {@link Backoff.next} call until it reaches `maxMs`. Jitter keeps many
 * clients that failed together from retrying together. Delays are whole
 * milliseconds.
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #multiplier: number;
  readonly #jitter: Jitter;
  readonly #jitterRatio: number;
  readonly #random: () => number;
  #nextBaseMs: number;
  #lastBaseMs = 0;
  #attempts = 0;

  /** @throws {PulsarError} `PULSAR_ERR_INVALID_ARGUMENT` on inconsistent options. */
  constructor(options: BackoffOptions = {}) {
    const initialMs = options.initialMs ?? 100;
    const maxMs = options.maxMs ?? 60_000;
    const multiplier = options.multiplier ?? 2;
    const jitterRatio = options.jitterRatio ?? 0.2;
    const jitter = options.jitter ?? JITTER.PROPORTIONAL;
    if (!(Number.isFinite(initialMs) && initialMs > 0)) invalid(`initialMs ${initialMs}`);
    if (!(Number.isFinite(maxMs) && maxMs >= initialMs)) invalid(`maxMs ${maxMs}`);
    if (!(Number.isFinite(multiplier) && multiplier >= 1)) invalid(`multiplier ${multiplier}`);
    if (!(jitterRatio >= 0 && jitterRatio <= 1)) invalid(`jitterRatio ${jitterRatio}`);
    if (!Object.values(JITTER).includes(jitter)) invalid(`jitter ${JSON.stringify(jitter)}`);
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
    this.#multiplier = multiplier;
    this.#jitter = jitter;
    this.#jitterRatio = jitterRatio;
    this.#random = options.random ?? Math.random;
    this.#nextBaseMs = initialMs;
  }

  /** Delay to wait before the next attempt, in ms; advances the backoff. */
  next(): number {
    const base = this.#nextBaseMs;
    this.#lastBaseMs = base;
    this.#attempts++;
    this.#nextBaseMs = Math.min(base * this.#multiplier, this.#maxMs);
    return Math.round(this.#jittered(base));
  }

  /** Back to `initialMs`, e.g. once a connection succeeded. */
  reset(): void {
    this.#nextBaseMs = this.#initialMs;
    this.#lastBaseMs = 0;
    this.#attempts = 0;
  }

  /** True once the un-jittered delay returned by {@link next} has reached `maxMs`. */
  get isMaxReached(): boolean {
    return this.#lastBaseMs >= this.#maxMs;
  }

  /** Number of {@link next} calls since creation or the last {@link reset}. */
  get attempts(): number {
    return this.#attempts;
  }

  /**
   * Waits for the next delay on `clock`.
   *
   * @returns the delay waited, in ms
   * @throws the abort reason when `signal` aborts first
   */
  async sleep(clock: Clock, signal?: AbortSignal): Promise<number> {
    const ms = this.next();
    await sleep(clock, ms, signal);
    return ms;
  }

  #jittered(base: number): number {
    switch (this.#jitter) {
      case JITTER.NONE:
        return base;
      case JITTER.FULL:
        return this.#random() * base;
      case JITTER.PROPORTIONAL: {
        const factor = 1 + this.#jitterRatio * (2 * this.#random() - 1);
        return Math.min(base * factor, this.#maxMs);
      }
    }
  }
}

function invalid(what: string): never {
  throw new PulsarError('PULSAR_ERR_INVALID_ARGUMENT', `Invalid backoff option: ${what}`);
}
