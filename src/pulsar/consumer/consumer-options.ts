import { PulsarError } from '../errors.ts';
import { TopicName } from '../topic-name.ts';
import type { ConsumerOptions, FlowMode } from './consumer-types.ts';

/** Default of {@link ConsumerOptions.flowMode}. */
export const DEFAULT_FLOW_MODE: FlowMode = 'auto';
/** Default period of pattern topic discovery, in ms (Java `patternAutoDiscoveryPeriod`, 1 min). */
export const DEFAULT_PATTERN_DISCOVERY_PERIOD_MS = 60_000;

/** How a consumer names its topics: exactly one of the three. */
export interface TopicSelectionOptions {
  /** One topic, short or full (single-topic consumer). */
  topic?: string;
  /** Topic names, short or full (WS v3 `topics`); surrounding blanks are ignored. */
  topics?: readonly string[];
  /**
   * Regular expression over full topic names of one namespace (WS v3 `topicsPattern`), e.g.
   * `persistent://public/default/orders-.*`; a pattern without a scheme is taken relative to
   * `public/default`. Matched against the whole name without the scheme, as Java's `TopicList`.
   */
  topicsPattern?: string;
  /** How often a pattern consumer looks for new and deleted topics, in ms. Default 60 000 (Java). */
  patternAutoDiscoveryPeriodMs?: number;
}

/** A topics pattern split into what the namespace listing needs. */
export interface TopicsPattern {
  /** `tenant/namespace` to list. */
  namespace: string;
  /** Anchored regex over full names without the scheme. */
  regex: RegExp;
  /** 0 = persistent, 1 = non-persistent. */
  mode: 0 | 1;
  /** Discovery period in ms. */
  periodMs: number;
}

/** What {@link resolveConsumerOptions} derives: defaults applied, topics normalized. */
export interface ResolvedConsumerOptions {
  flowMode: FlowMode;
  /** Full, de-duplicated topic names; empty for a pattern. */
  topics: readonly string[];
  /** Set for a pattern consumer. */
  pattern: TopicsPattern | undefined;
}

/**
 * Validates the options of a single- or multi-topic consumer and applies the defaults they share
 * (pure: no I/O). Throws `PULSAR_ERR_INVALID_ARGUMENT` for a bad option, a bad pattern or not
 * exactly one of `topic`, `topics` and `topicsPattern`, and `PULSAR_ERR_INVALID_TOPIC_NAME` for
 * a bad topic name.
 */
export function resolveConsumerOptions(
  options: ConsumerOptions & TopicSelectionOptions,
): ResolvedConsumerOptions {
  validateConsumerOptions(options);
  const given = [options.topic, options.topics, options.topicsPattern].filter(
    (v) => v !== undefined,
  );
  if (given.length !== 1) {
    throw new PulsarError(
      'PULSAR_ERR_INVALID_ARGUMENT',
      options.topic === undefined
        ? 'exactly one of topics and topicsPattern is required'
        : 'topic excludes topics and topicsPattern',
    );
  }
  const flowMode = options.flowMode ?? DEFAULT_FLOW_MODE;
  if (options.topicsPattern !== undefined) {
    const period = options.patternAutoDiscoveryPeriodMs ?? DEFAULT_PATTERN_DISCOVERY_PERIOD_MS;
    return { flowMode, topics: [], pattern: parseTopicsPattern(options.topicsPattern, period) };
  }
  const topics =
    options.topic !== undefined
      ? [TopicName.parse(options.topic).toString()]
      : [...new Set((options.topics ?? []).map((t) => TopicName.parse(t.trim()).toString()))];
  return { flowMode, topics, pattern: undefined };
}

/**
 * Checks the options every consumer takes (also run by each partition consumer, which can be
 * created on its own). Throws `PULSAR_ERR_INVALID_ARGUMENT` naming the first bad option.
 */
export function validateConsumerOptions(o: ConsumerOptions): void {
  const bad = (what: string): never => {
    throw new PulsarError('PULSAR_ERR_INVALID_ARGUMENT', `invalid consumer option: ${what}`);
  };
  if (o.subscription === '') bad('subscription is empty');
  if (o.receiverQueueSize !== undefined && !(o.receiverQueueSize >= 1))
    bad('receiverQueueSize < 1');
  const ackTimeout = o.ackTimeoutMs ?? 0;
  if (ackTimeout !== 0 && !(ackTimeout >= 1000)) bad('ackTimeoutMs must be 0 or ≥ 1000');
  if ((o.negativeAckRedeliveryDelayMs ?? 0) < 0) bad('negativeAckRedeliveryDelayMs < 0');
  if ((o.priorityLevel ?? 0) < 0) bad('priorityLevel < 0');
  if (o.deadLetterPolicy !== undefined && !(o.deadLetterPolicy.maxRedeliverCount > 0)) {
    bad('maxRedeliverCount must be > 0');
  }
}

/**
 * Namespace, anchored regex and domain of a topics pattern (Java `TopicList.filterTopics`); a
 * pattern without a scheme is relative to `public/default`.
 */
function parseTopicsPattern(pattern: string, periodMs: number): TopicsPattern {
  const scheme = /^(persistent|non-persistent):\/\//.exec(pattern);
  const rest = scheme === null ? `public/default/${pattern}` : pattern.slice(scheme[0].length);
  const parts = rest.split('/');
  if (parts.length < 3 || parts[0] === '' || parts[1] === '') {
    throw new PulsarError('PULSAR_ERR_INVALID_ARGUMENT', `invalid topics pattern ${pattern}`);
  }
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${rest})$`);
  } catch (err) {
    throw new PulsarError('PULSAR_ERR_INVALID_ARGUMENT', `invalid topics pattern ${pattern}`, {
      cause: err,
    });
  }
  return {
    namespace: `${parts[0]}/${parts[1]}`,
    regex,
    mode: scheme?.[1] === 'non-persistent' ? 1 : 0,
    periodMs,
  };
}
