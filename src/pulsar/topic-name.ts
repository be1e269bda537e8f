import { PulsarError } from './errors.ts';

/** Topic domains, the scheme part of a full topic name. */
export const TOPIC_DOMAIN = {
  PERSISTENT: 'persistent',
  NON_PERSISTENT: 'non-persistent',
} as const;

/** One of the {@link TOPIC_DOMAIN} values. */
export type TopicDomain = (typeof TOPIC_DOMAIN)[keyof typeof TOPIC_DOMAIN];

/** Separates a partitioned topic's name from the partition index. */
export const PARTITIONED_TOPIC_SUFFIX = '-partition-';

/** Tenant and namespace used for short names such as `my-topic`. */
export const DEFAULT_TENANT = 'public';
export const DEFAULT_NAMESPACE = 'default';

// Java NamedEntity: tenant, cluster and namespace names. Java's \w is ASCII-only, as in JS.
const NAMED_ENTITY = /^[-=:.\w]*$/;
const MAX_INT = 0x7fffffff;
/**
 * A parsed Pulsar topic name, following the Java `TopicName` class
 * (pulsar-common `org.apache.pulsar.common.naming.TopicName`):
 *
 * - `persistent://tenant/ns/topic`, `non-persistent://tenant/ns/topic`
 *   (domain matched case-insensitively, printed in lower case);
 * - legacy v1 `persistent://tenant/cluster/ns/topic`; everything after the
 *   fourth `/` belongs to the local name, so it may contain `/`;
 * - short forms `topic` (→ `persistent://public/default/topic`) and
 *   `tenant/ns/topic` (→ `persistent://tenant/ns/topic`); as in Java, empty
 *   `/`-segments are ignored when counting the short form's parts;
 * - a `-partition-N` suffix marks partition N of a partitioned topic when N
 *   is a canonical non-negative int (`-partition-01` and `-partition--1` are
 *   plain local names). Only ASCII digits count; Java's `Integer.parseInt`
 *   would also accept other Unicode decimal digits.
 *
 * Tenant, cluster and namespace must be non-empty and match `[-=:.\w]*`. The
 * local name must not be blank (Pulsar 4.0.7 rejects names made only of
 * whitespace) and is otherwise unrestricted. Checked against `TopicName.get`
 * of pulsar-common 4.0.7 on every case in the unit tests.
 */
export class TopicName {
  /** `persistent` or `non-persistent`. */
  readonly domain: TopicDomain;
  readonly tenant: string;
  /** Cluster of a legacy v1 name; undefined for v2 names. */
  readonly cluster: string | undefined;
  /** The namespace's own name, without tenant (and cluster). */
  readonly namespacePortion: string;
  /** Last part of the name, including any `-partition-N` suffix. */
  readonly localName: string;
  /** Partition index, or -1 when this is not a partition of a partitioned topic. */
  readonly partitionIndex: number;
  readonly #complete: string;

  private constructor(parts: {
    domain: TopicDomain;
    tenant: string;
    cluster: string | undefined;
    namespacePortion: string;
    localName: string;
    partitionIndex: number;
  }) {
    this.domain = parts.domain;
    this.tenant = parts.tenant;
    this.cluster = parts.cluster;
    this.namespacePortion = parts.namespacePortion;
    this.localName = parts.localName;
    this.partitionIndex = parts.partitionIndex;
    this.#complete = `${this.domain}://${this.namespace}/${this.localName}`;
  }

  /**
   * Parses a full or short topic name.
   *
   * @throws {PulsarError} `PULSAR_ERR_INVALID_TOPIC_NAME` with a message naming the problem.
   */
  static parse(name: string): TopicName {
    let complete = name;
    if (!name.includes('://')) {
      const parts = name.split('/').filter((p) => p !== '');
      if (parts.length === 3) {
        complete = `${TOPIC_DOMAIN.PERSISTENT}://${name}`;
      } else if (parts.length === 1) {
        complete = `${TOPIC_DOMAIN.PERSISTENT}://${DEFAULT_TENANT}/${DEFAULT_NAMESPACE}/${parts[0]!}`;
      } else {
        throw invalid(
          name,
          'a short topic name must have the form <topic> or <tenant>/<namespace>/<topic>',
        );
      }
    }
    const sep = complete.indexOf('://');
    const domain = parseDomain(complete.slice(0, sep));
    if (domain === undefined) {
      throw invalid(name, `unknown domain '${complete.slice(0, sep)}'`);
    }
    const rest = splitLimit(complete.slice(sep + 3), '/', 4);
    let tenant: string;
    let cluster: string | undefined;
    let namespacePortion: string;
    let localName: string;
    if (rest.length === 3) {
      [tenant, namespacePortion, localName] = rest as [string, string, string];
      checkNamedEntity(name, 'tenant', tenant);
      checkNamedEntity(name, 'namespace', namespacePortion);
    } else if (rest.length === 4) {
      [tenant, cluster, namespacePortion, localName] = rest as [string, string, string, string];
      checkNamedEntity(name, 'tenant', tenant);
      checkNamedEntity(name, 'cluster', cluster);
      checkNamedEntity(name, 'namespace', namespacePortion);
    } else {
      throw invalid(
        name,
        'expected <domain>://<tenant>/<namespace>/<topic> or <domain>://<tenant>/<cluster>/<namespace>/<topic>',
      );
    }
    if (isBlank(localName)) throw invalid(name, 'the topic part is empty or blank');
    return new TopicName({
      domain,
      tenant,
      cluster,
      namespacePortion,
      localName,
      partitionIndex: partitionIndexOf(complete),
    });
  }

  /** True when {@link TopicName.parse} accepts `name`. */
  static isValid(name: string): boolean {
    try {
      TopicName.parse(name);
      return true;
    } catch {
      return false;
    }
  }

  /** `tenant/namespace`, or `tenant/cluster/namespace` for v1 names. */
  get namespace(): string {
    return this.cluster === undefined
      ? `${this.tenant}/${this.namespacePortion}`
      : `${this.tenant}/${this.cluster}/${this.namespacePortion}`;
  }

  get isPersistent(): boolean {
    return this.domain === TOPIC_DOMAIN.PERSISTENT;
  }

  /** True for names without a cluster part. */
  get isV2(): boolean {
    return this.cluster === undefined;
  }

  /** True when this names one partition (`-partition-N`) of a partitioned topic. */
  get isPartitioned(): boolean {
    return this.partitionIndex !== -1;
  }

  /**
   * Full name of the partitioned topic this partition belongs to
   * (`…/my-topic-partition-3` → `…/my-topic`); the full name itself otherwise.
   */
  get partitionedTopicName(): string {
    return this.isPartitioned
      ? this.#complete.slice(0, this.#complete.lastIndexOf(PARTITIONED_TOPIC_SUFFIX))
      : this.#complete;
  }

  /**
   * Name of partition `index` of this topic. As in Java, returns `this` for
   * index -1 or when the name already ends with that partition's suffix.
   *
   * @throws {PulsarError} `PULSAR_ERR_INVALID_ARGUMENT` unless index is -1 or an int >= 0.
   */
  partition(index: number): TopicName {
    if (!Number.isInteger(index) || index < -1 || index > MAX_INT) {
      throw new PulsarError('PULSAR_ERR_INVALID_ARGUMENT', `Invalid partition index ${index}`);
    }
    if (index === -1 || this.#complete.endsWith(`${PARTITIONED_TOPIC_SUFFIX}${index}`)) {
      return this;
    }
    return TopicName.parse(`${this.#complete}${PARTITIONED_TOPIC_SUFFIX}${index}`);
  }

  /** Same full name. */
  equals(other: TopicName): boolean {
    return this.#complete === other.#complete;
  }

  /** The normalised full name, e.g. `persistent://public/default/my-topic`. */
  toString(): string {
    return this.#complete;
  }
}

function parseDomain(value: string): TopicDomain | undefined {
  // Java matches with equalsIgnoreCase; the same for ASCII input.
  const lower = value.toLowerCase();
  return Object.values(TOPIC_DOMAIN).find((d) => d === lower);
}

/** Guava `Splitter.on(sep).limit(n)`: at most n parts, the last keeps the rest; empty parts kept. */
function splitLimit(value: string, sep: string, limit: number): string[] {
  const out: string[] = [];
  let from = 0;
  while (out.length < limit - 1) {
    const at = value.indexOf(sep, from);
    if (at < 0) break;
    out.push(value.slice(from, at));
    from = at + sep.length;
  }
  out.push(value.slice(from));
  return out;
}

/**
 * commons-lang `StringUtils.isBlank`: true when every character is whitespace
 * for Java's `Character.isWhitespace` (Unicode spaces except the no-break
 * ones U+00A0, U+2007, U+202F; line and paragraph separators; \t \n \v \f \r;
 * U+001C..U+001F).
 */
function isBlank(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const space =
      (c >= 0x09 && c <= 0x0d) ||
      (c >= 0x1c && c <= 0x20) ||
      c === 0x1680 ||
      (c >= 0x2000 && c <= 0x200a && c !== 0x2007) ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0x205f ||
      c === 0x3000;
    if (!space) return false;
  }
  return true;
}

function checkNamedEntity(name: string, what: string, value: string): void {
  if (value === '') throw invalid(name, `the ${what} is empty`);
  if (!NAMED_ENTITY.test(value)) {
    throw invalid(name, `the ${what} '${value}' may only contain letters, digits and _-=:.`);
  }
}

/**
 * Java `TopicName.getPartitionIndex(String)`: the text after the last
 * `-partition-`, when it is a canonical non-negative int; -1 otherwise.
 */
function partitionIndexOf(complete: string): number {
  const at = complete.lastIndexOf(PARTITIONED_TOPIC_SUFFIX);
  if (at < 0) return -1;
  const digits = complete.slice(at + PARTITIONED_TOPIC_SUFFIX.length);
  if (!/^(0|[1-9][0-9]{0,9})$/.test(digits)) return -1;
  const index = Number(digits);
  return index <= MAX_INT ? index : -1;
}

function invalid(name: string, reason: string): PulsarError {
  return new PulsarError(
    'PULSAR_ERR_INVALID_TOPIC_NAME',
    `Invalid topic name ${JSON.stringify(name)}: ${reason}`,
  );
}
