import { parseConsumerParams } from './consumer-params.ts';
import type { ConsumerOptions } from './consumer-params.ts';
import type { QueryParams } from './query-params.ts';
import type { MultiConsumerPath } from './topic-path.ts';

/** Options of a v3 multi-topic consumer: the §5.1 consumer options plus its topic selection. */
export interface MultiConsumerOptions extends ConsumerOptions {
  /** Complete topic names; set when the client gave `topics`. */
  topics: readonly string[] | undefined;
  /** Regex; set when the client gave `topicsPattern`. Auto-discovery uses client defaults (§6). */
  topicsPattern: string | undefined;
}

/**
 * Builds v3 consumer options: every consumer parameter of §5.1 applies (§6); the default
 * dead-letter topic is built from the main topic (the first of `topics`, or the pattern).
 *
 * @param path the parsed v3 path (topics / topicsPattern already validated there).
 * @throws GatewayError `GW_ERR_INVALID_PARAM` (400).
 */
export function parseMultiConsumerParams(
  query: QueryParams,
  path: MultiConsumerPath,
): MultiConsumerOptions {
  const base = parseConsumerParams(query, { topic: path.topic, subscription: path.subscription });
  return { ...base, topics: path.topics, topicsPattern: path.topicsPattern };
}
