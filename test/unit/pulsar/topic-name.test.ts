import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isPulsarError } from '../../../src/pulsar/errors.ts';
import { TopicName } from '../../../src/pulsar/topic-name.ts';

// Every valid/invalid verdict, normalised name, cluster, namespace, local name,
// partition index and base name below was checked against TopicName.get() of the
// real pulsar-common 4.0.7 jar (the one the dev standalone broker runs), called from a
// throwaway Java 17 program on this machine.

interface Expected {
  full: string;
  domain: string;
  tenant: string;
  cluster?: string;
  namespacePortion: string;
  namespace: string;
  localName: string;
  partitionIndex: number;
  partitionedTopicName: string;
}

function assertParsed(input: string, e: Expected): void {
  const t = TopicName.parse(input);
  assert.equal(t.toString(), e.full);
  assert.equal(t.domain, e.domain);
  assert.equal(t.tenant, e.tenant);
  assert.equal(t.cluster, e.cluster);
  assert.equal(t.namespacePortion, e.namespacePortion);
  assert.equal(t.namespace, e.namespace);
  assert.equal(t.localName, e.localName);
  assert.equal(t.partitionIndex, e.partitionIndex);
  assert.equal(t.isPartitioned, e.partitionIndex !== -1);
  assert.equal(t.partitionedTopicName, e.partitionedTopicName);
  assert.equal(t.isV2, e.cluster === undefined);
  assert.equal(t.isPersistent, e.domain === 'persistent');
}

function assertInvalid(input: string, reason: RegExp): void {
  assert.throws(
    () => TopicName.parse(input),
    (err: unknown) => {
      assert.ok(isPulsarError(err, 'PULSAR_ERR_INVALID_TOPIC_NAME'), String(err));
      assert.equal(err.retryable, false);
      assert.match(err.message, reason);
      return true;
    },
  );
  assert.equal(TopicName.isValid(input), false);
}

describe('TopicName.parse', () => {
  it('parses a full v2 persistent name', () => {
    assertParsed('persistent://my-tenant/my-ns/my-topic', {
      full: 'persistent://my-tenant/my-ns/my-topic',
      domain: 'persistent',
      tenant: 'my-tenant',
      namespacePortion: 'my-ns',
      namespace: 'my-tenant/my-ns',
      localName: 'my-topic',
      partitionIndex: -1,
      partitionedTopicName: 'persistent://my-tenant/my-ns/my-topic',
    });
  });

  it('parses a non-persistent name', () => {
    assertParsed('non-persistent://t/ns/events', {
      full: 'non-persistent://t/ns/events',
      domain: 'non-persistent',
      tenant: 't',
      namespacePortion: 'ns',
      namespace: 't/ns',
      localName: 'events',
      partitionIndex: -1,
      partitionedTopicName: 'non-persistent://t/ns/events',
    });
  });

  it('expands a bare topic to persistent://public/default', () => {
    assertParsed('my-topic', {
      full: 'persistent://public/default/my-topic',
      domain: 'persistent',
      tenant: 'public',
      namespacePortion: 'default',
      namespace: 'public/default',
      localName: 'my-topic',
      partitionIndex: -1,
      partitionedTopicName: 'persistent://public/default/my-topic',
    });
  });

  it('expands tenant/ns/topic to a persistent name', () => {
    assertParsed('acme/orders/created', {
      full: 'persistent://acme/orders/created',
      domain: 'persistent',
      tenant: 'acme',
      namespacePortion: 'orders',
      namespace: 'acme/orders',
      localName: 'created',
      partitionIndex: -1,
      partitionedTopicName: 'persistent://acme/orders/created',
    });
  });

  it('ignores empty segments when counting short-name parts, like StringUtils.split', () => {
    assert.equal(TopicName.parse('/my-topic').toString(), 'persistent://public/default/my-topic');
    assert.equal(TopicName.parse('my-topic/').toString(), 'persistent://public/default/my-topic');
  });

  it('parses a legacy v1 name with a cluster', () => {
    assertParsed('persistent://tenant/us-west/ns/topic', {
      full: 'persistent://tenant/us-west/ns/topic',
      domain: 'persistent',
      tenant: 'tenant',
      cluster: 'us-west',
      namespacePortion: 'ns',
      namespace: 'tenant/us-west/ns',
      localName: 'topic',
      partitionIndex: -1,
      partitionedTopicName: 'persistent://tenant/us-west/ns/topic',
    });
  });

  it('keeps further slashes in the local name of a v1 name (split limit 4)', () => {
    const t = TopicName.parse('persistent://t/c/ns/a/b/c');
    assert.equal(t.cluster, 'c');
    assert.equal(t.localName, 'a/b/c');
    // And a v2-looking name with a slash in the topic therefore reads as v1, as in Java.
    const v1 = TopicName.parse('persistent://t/ns/a/b');
    assert.equal(v1.cluster, 'ns');
    assert.equal(v1.namespacePortion, 'a');
    assert.equal(v1.localName, 'b');
  });

  it('matches the domain case-insensitively and prints it in lower case', () => {
    assert.equal(TopicName.parse('PERSISTENT://t/ns/x').toString(), 'persistent://t/ns/x');
    assert.equal(TopicName.parse('Non-Persistent://t/ns/x').domain, 'non-persistent');
  });

  it('allows any characters in the local name', () => {
    const t = TopicName.parse('persistent://t/ns/topic with spaces ✓ %20?#');
    assert.equal(t.localName, 'topic with spaces ✓ %20?#');
  });

  it('allows = : . _ in tenant, cluster and namespace', () => {
    const t = TopicName.parse('persistent://a=b:c.d_e/x.y/z');
    assert.equal(t.tenant, 'a=b:c.d_e');
    assert.equal(t.namespacePortion, 'x.y');
  });
});

describe('partitions', () => {
  it('reads the -partition-N suffix', () => {
    assertParsed('persistent://t/ns/orders-partition-3', {
      full: 'persistent://t/ns/orders-partition-3',
      domain: 'persistent',
      tenant: 't',
      namespacePortion: 'ns',
      namespace: 't/ns',
      localName: 'orders-partition-3',
      partitionIndex: 3,
      partitionedTopicName: 'persistent://t/ns/orders',
    });
    assert.equal(TopicName.parse('orders-partition-0').partitionIndex, 0);
    assert.equal(
      TopicName.parse('orders-partition-0').partitionedTopicName,
      'persistent://public/default/orders',
    );
    assert.equal(TopicName.parse('persistent://t/c/ns/x-partition-12').partitionIndex, 12);
  });

  it('uses the last suffix when the name contains several', () => {
    const t = TopicName.parse('persistent://t/ns/a-partition-1-partition-2');
    assert.equal(t.partitionIndex, 2);
    assert.equal(t.partitionedTopicName, 'persistent://t/ns/a-partition-1');
  });

  it('treats non-canonical suffixes as part of a plain name', () => {
    for (const local of [
      'x-partition-01',
      'x-partition--1',
      'x-partition-+1',
      'x-partition-',
      'x-partition-1a',
      'x-partition- 1',
      'x-partition-2147483648',
      'x-partition-99999999999',
    ]) {
      const t = TopicName.parse(`persistent://t/ns/${local}`);
      assert.equal(t.partitionIndex, -1, local);
      assert.equal(t.partitionedTopicName, `persistent://t/ns/${local}`);
    }
    assert.equal(TopicName.parse('x-partition-2147483647').partitionIndex, 2147483647);
  });

  it('ignores -partition- in the tenant or namespace', () => {
    assert.equal(TopicName.parse('persistent://t-partition-1/ns/x').partitionIndex, -1);
  });

  it('builds partition names with partition(n)', () => {
    const base = TopicName.parse('persistent://t/ns/orders');
    const p2 = base.partition(2);
    assert.equal(p2.toString(), 'persistent://t/ns/orders-partition-2');
    assert.equal(p2.partitionIndex, 2);
    assert.equal(p2.partitionedTopicName, base.toString());
    assert.ok(TopicName.parse(p2.partitionedTopicName).equals(base));
  });

  it('partition(-1) and partition(own index) return the same name, as in Java', () => {
    const base = TopicName.parse('persistent://t/ns/orders');
    assert.equal(base.partition(-1), base);
    const p2 = base.partition(2);
    assert.equal(p2.partition(2), p2);
    // Java appends blindly otherwise.
    assert.equal(p2.partition(3).toString(), 'persistent://t/ns/orders-partition-2-partition-3');
  });

  it('rejects bad partition indexes', () => {
    const base = TopicName.parse('persistent://t/ns/orders');
    for (const i of [-2, 1.5, Number.NaN, 2 ** 31]) {
      assert.throws(() => base.partition(i), { code: 'PULSAR_ERR_INVALID_ARGUMENT' });
    }
  });
});

describe('TopicName equality', () => {
  it('compares normalised full names', () => {
    const a = TopicName.parse('my-topic');
    assert.ok(a.equals(TopicName.parse('persistent://public/default/my-topic')));
    assert.ok(a.equals(TopicName.parse('public/default/my-topic')));
    assert.ok(!a.equals(TopicName.parse('non-persistent://public/default/my-topic')));
  });
});

describe('invalid names', () => {
  it('rejects empty and malformed short names', () => {
    assertInvalid('', /short topic name/);
    assertInvalid('/', /short topic name/);
    assertInvalid('ns/topic', /short topic name/);
    assertInvalid('a/b/c/d', /short topic name/);
  });

  it('rejects unknown domains', () => {
    assertInvalid('http://t/ns/x', /unknown domain 'http'/);
    assertInvalid('://t/ns/x', /unknown domain ''/);
    assertInvalid('persistentx://t/ns/x', /unknown domain/);
  });

  it('rejects too few parts', () => {
    assertInvalid('persistent://t/x', /expected <domain>/);
    assertInvalid('persistent://x', /expected <domain>/);
    assertInvalid('persistent://', /expected <domain>/);
  });

  it('rejects empty parts', () => {
    assertInvalid('persistent://t/ns/', /topic part is empty/);
    assertInvalid(' ', /topic part is empty or blank/);
    assertInvalid('persistent:///ns/x', /tenant is empty/);
    assertInvalid('persistent://t//x', /namespace is empty/);
    assertInvalid('persistent://t//ns/x', /cluster is empty/);
    assertInvalid('a//b/c', /cluster is empty/);
  });

  it('rejects a local name made only of whitespace (Java Character.isWhitespace)', () => {
    for (const blank of [' ', '\t', '  \n', '\u3000', '\u2003', '\u001f']) {
      assertInvalid(`persistent://t/ns/${blank}`, /blank/);
    }
    assertInvalid('persistent://t/c/ns/ ', /blank/);
    // No-break spaces and zero-width spaces are not whitespace for Java.
    for (const ok of ['\u00a0', '\u200b', 'a b']) {
      assert.equal(TopicName.parse(`persistent://t/ns/${ok}`).localName, ok);
    }
  });

  it('rejects characters outside [-=:.\\w] in tenant, cluster and namespace', () => {
    assertInvalid('persistent://te nant/ns/x', /tenant 'te nant'/);
    assertInvalid('persistent://t/n$s/x', /namespace 'n\$s'/);
    assertInvalid('persistent://t/c?/ns/x', /cluster 'c\?'/);
    assertInvalid('persistent://tenänt/ns/x', /tenant/);
  });

  it('accepts what parse accepts in isValid', () => {
    assert.equal(TopicName.isValid('my-topic'), true);
    assert.equal(TopicName.isValid('persistent://t/c/ns/x'), true);
  });
});
