import { GatewayError } from '../errors.ts';
import { JavaParseError, isJavaBlank, javaTrim, javaUrlDecode } from './java-parse.ts';
import type { QueryParams } from './query-params.ts';
import { completeTopicName, isTopicDomain, validateNamespaceParts } from './topic-name.ts';

/** Path API version: v1 has a cluster segment, v3 is the multi-topic consumer. */
export type PathVersion = 'v1' | 'v2' | 'v3';

/** A producer or reader path (v1 or v2). */
export interface SingleTopicPath {
  endpoint: 'producer' | 'reader';
  version: 'v1' | 'v2';
  /** Complete topic name, e.g. `persistent://public/default/my-topic`. */
  topic: string;
}

/** A single-topic consumer path (v1 or v2). */
export interface ConsumerPath {
  endpoint: 'consumer';
  version: 'v1' | 'v2';
  topic: string;
  /** URL-decoded, non-empty subscription name. */
  subscription: string;
}

/** A v3 multi-topic consumer path; exactly one of `topics` / `topicsPattern` is set. */
export interface MultiConsumerPath {
  endpoint: 'multi-consumer';
  version: 'v3';
  /**
   * The reference's "main topic" (§2.2): the first `topics` entry, or the pattern string parsed
   * as a topic name. Used for the default dead-letter topic name and for authorization.
   */
  topic: string;
  subscription: string;
  /** Complete names of the listed topics (entries trimmed, short names expanded). */
  topics?: readonly string[];
  /** The regex as given (Java syntax in the reference; compiled by the client). */
  topicsPattern?: string;
}

/** Result of {@link parseTopicPath}. */
export type TopicPath = SingleTopicPath | ConsumerPath | MultiConsumerPath;

function badPath(message: string, cause?: unknown): GatewayError {
  return new GatewayError('GW_ERR_BAD_PATH', `Invalid topic path: ${message}`, { cause });
}

function invalidParam(message: string, cause?: unknown): GatewayError {
  return new GatewayError('GW_ERR_INVALID_PARAM', `Invalid query params: ${message}`, { cause });
}

function notFound(): GatewayError {
  return new GatewayError('GW_ERR_NOT_FOUND', 'Not Found');
}

/** Runs a reference step that throws JavaParseError and re-throws it as `wrap(message)`. */
function step<T>(fn: () => T, wrap: (message: string, cause: unknown) => GatewayError): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof JavaParseError) throw wrap(err.message, err);
    throw err;
  }
}

type Endpoint = 'producer' | 'consumer' | 'reader';

function isEndpoint(s: string | undefined): s is Endpoint {
  return s === 'producer' || s === 'consumer' || s === 'reader';
}

/**
 * Which servlet the reference would route the path to (§1: `/ws/{producer,consumer,reader}`,
 * `/ws/v2/...`, `/ws/v3/consumer`), or undefined (Jetty's 404).
 */
function route(parts: readonly string[]): { endpoint: Endpoint; version: PathVersion } | undefined {
  if (parts[0] !== '' || parts[1] !== 'ws') return undefined;
  const p2 = parts[2];
  if (isEndpoint(p2)) return { endpoint: p2, version: 'v1' };
  const p3 = parts[3];
  if (p2 === 'v2' && isEndpoint(p3)) return { endpoint: p3, version: 'v2' };
  if (p2 === 'v3' && p3 === 'consumer') return { endpoint: 'consumer', version: 'v3' };
  return undefined;
}

/**
 * Parses a request path exactly as the reference's `extractTopicName` /
 * `extractSubscription` do (pulsar-websocket-api.md §2.2), from the **raw, still
 * percent-encoded** path (no query).
 *
 * Statuses: a path no servlet serves → 404 `GW_ERR_NOT_FOUND`. Errors the reference raises in
 * its constructor (an escaped exception, likely a Jetty 500) → 400 `GW_ERR_BAD_PATH`
 * (docs/compatibility.md). Subscription errors, which the reference reports itself → 400
 * `GW_ERR_INVALID_PARAM` with its `Invalid query params: ...` wording.
 *
 * @param rawPath e.g. `/ws/v2/consumer/persistent/t/ns/my%20topic/sub`
 * @param query decoded query parameters (v3 reads `topics` / `topicsPattern`)
 * @throws GatewayError
 */
export function parseTopicPath(rawPath: string, query: QueryParams): TopicPath {
  const parts = rawPath.split('/');
  const r = route(parts);
  if (r === undefined) throw notFound();
  if (r.version === 'v3') return parseV3(parts, query);

  // §2.2 steps 2-7 (AbstractWebSocketHandler.extractTopicName).
  if (parts.length < 8) throw badPath('Invalid topic name format');
  const v2 = r.version === 'v2';
  const domain = parts[v2 ? 4 : 3]!;
  if (!isTopicDomain(domain)) {
    throw badPath(`domain must be persistent or non-persistent, got '${domain}'`);
  }
  const nsParts = v2 ? [parts[5]!, parts[6]!] : [parts[4]!, parts[5]!, parts[6]!];
  step(() => {
    validateNamespaceParts(nsParts);
  }, badPath);
  const end = r.endpoint === 'consumer' ? parts.length - 1 : parts.length;
  // The first topic segment is always taken, even when empty; later empty segments are skipped.
  let joined = parts[7]!;
  for (let i = 8; i < end; i++) {
    const seg = parts[i]!;
    if (seg !== '') joined += '/' + seg;
  }
  const localName = step(() => javaUrlDecode(joined), badPath);
  const topic = step(
    () => completeTopicName(`${domain}://${nsParts.join('/')}/${localName}`),
    badPath,
  );

  if (r.endpoint !== 'consumer') return { endpoint: r.endpoint, version: r.version, topic };

  // ConsumerHandler.extractSubscription: exactly 9 parts, non-empty, URL-decoded. Inside the
  // handler's try, so the reference answers 400 itself.
  if (parts.length !== 9) throw invalidParam('Invalid topic name format');
  const rawSub = parts[8]!;
  if (rawSub.length === 0) throw invalidParam('Empty subscription name');
  const subscription = step(() => javaUrlDecode(rawSub), invalidParam);
  return { endpoint: 'consumer', version: r.version, topic, subscription };
}

function parseV3(parts: readonly string[], query: QueryParams): MultiConsumerPath {
  // MultiTopicConsumerHandler.extractTopicName (constructor, escapes in the reference).
  const topicsParam = query.get('topics');
  const pattern = query.get('topicsPattern');
  if (topicsParam === undefined && pattern === undefined) {
    throw badPath('Should set topics or topicsPattern');
  }
  if (topicsParam !== undefined && pattern !== undefined) {
    throw badPath('Topics must be null when use topicsPattern');
  }
  let topic: string;
  let topics: string[] | undefined;
  if (pattern !== undefined) {
    topic = step(() => completeTopicName(pattern), badPath);
  } else {
    const entries = topicsParam!.split(',');
    topic = step(() => completeTopicName(entries[0]!), badPath);
    topics = entries;
  }

  // MultiTopicConsumerHandler.extractSubscription (inside the try → 400).
  if (parts.length < 5) throw invalidParam('Invalid topic name format');
  const rawSub = parts[4]!;
  if (rawSub.length === 0) throw invalidParam('Empty subscription name');
  const subscription = step(() => javaUrlDecode(rawSub), invalidParam);

  if (topics !== undefined) {
    // ConsumerBuilder.topics(): blank entries are an IllegalArgumentException (→ 400).
    if (topics.some(isJavaBlank)) throw invalidParam('topicNames cannot have blank topic');
    const full = topics.map((t) => step(() => completeTopicName(javaTrim(t)), invalidParam));
    return { endpoint: 'multi-consumer', version: 'v3', topic, subscription, topics: full };
  }
  try {
    // The reference compiles a java.util.regex.Pattern (PatternSyntaxException is an
    // IllegalArgumentException → 400); JavaScript syntax differs in corners (compatibility.md).
    new RegExp(pattern!);
  } catch (err) {
    throw invalidParam(`Invalid topicsPattern: ${(err as Error).message}`, err);
  }
  return {
    endpoint: 'multi-consumer',
    version: 'v3',
    topic,
    subscription,
    topicsPattern: pattern!,
  };
}
