import { JavaParseError, isJavaBlank } from './java-parse.ts';

// NamedEntity's pattern for tenant, cluster and namespace names (§2.2 step 4). Java's \w without
// UNICODE_CHARACTER_CLASS is [A-Za-z0-9_], like JavaScript's.
const NAMED_ENTITY = /^[-=:.\w]*$/;

/** The two topic domains (§2.1). */
export const TOPIC_DOMAINS = ['persistent', 'non-persistent'] as const;

/** `persistent` or `non-persistent`. */
export type TopicDomain = (typeof TOPIC_DOMAINS)[number];

/** True for `persistent` and `non-persistent`. */
export function isTopicDomain(s: string): s is TopicDomain {
  return s === 'persistent' || s === 'non-persistent';
}

/**
 * Pulsar's `NamespaceName.validateNamespaceName`: every part non-empty and made of `[-=:.\w]`.
 *
 * @throws JavaParseError with the reference's message.
 */
export function validateNamespaceParts(parts: readonly string[]): void {
  if (parts.some((p) => p === '')) {
    throw new JavaParseError(`Invalid namespace format. namespace: ${parts.join('/')}`);
  }
  for (const p of parts) {
    if (!NAMED_ENTITY.test(p)) throw new JavaParseError(`Invalid named entity: ${p}`);
  }
}

/**
 * Pulsar's `TopicName.get(name)`: expands short names (`t` → `persistent://public/default/t`,
 * `a/b/c` → `persistent://a/b/c`), checks the domain, the namespace parts and a non-blank local
 * name, and returns the complete name. Legacy names with a cluster (`d://t/c/ns/local`) are
 * accepted, as the reference does; topic names containing `/` end up parsed that way (§2.2).
 *
 * @throws JavaParseError with the reference's message.
 */
export function completeTopicName(name: string): string {
  let complete = name;
  if (!complete.includes('://')) {
    // StringUtils.split drops empty tokens.
    const parts = complete.split('/').filter((p) => p !== '');
    if (parts.length === 3) complete = `persistent://${complete}`;
    else if (parts.length === 1) complete = `persistent://public/default/${parts[0]!}`;
    else {
      throw new JavaParseError(
        `Invalid short topic name '${name}', it should be in the format of <tenant>/<namespace>/<topic> or <topic>`,
      );
    }
  }
  const sep = complete.indexOf('://');
  const domain = complete.slice(0, sep);
  if (!isTopicDomain(domain)) throw new JavaParseError(`Invalid topic domain: '${domain}'`);
  const rest = complete.slice(sep + 3);
  // Guava Splitter.on("/").limit(4): at most four pieces, the last keeps the remainder.
  const pieces: string[] = [];
  let from = 0;
  while (pieces.length < 3) {
    const slash = rest.indexOf('/', from);
    if (slash < 0) break;
    pieces.push(rest.slice(from, slash));
    from = slash + 1;
  }
  pieces.push(rest.slice(from));
  if (pieces.length !== 3 && pieces.length !== 4) {
    throw new JavaParseError(`Invalid topic name: ${complete}`);
  }
  validateNamespaceParts(pieces.slice(0, -1));
  if (isJavaBlank(pieces[pieces.length - 1]!)) {
    throw new JavaParseError(
      `Invalid topic name: ${complete}. Topic local name must not be blank.`,
    );
  }
  return complete;
}
