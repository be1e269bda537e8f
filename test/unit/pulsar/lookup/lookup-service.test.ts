import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { FakeClock } from '../../../../src/shared/index.ts';
import { Backoff } from '../../../../src/pulsar/backoff.ts';
import { ConnectionPool } from '../../../../src/pulsar/connection/connection-pool.ts';
import { PulsarError } from '../../../../src/pulsar/errors.ts';
import {
  LookupService,
  type LookupConnection,
  type LookupConnectionProvider,
  type LookupServiceOptions,
} from '../../../../src/pulsar/lookup/lookup-service.ts';
import { createPulsarMetrics } from '../../../../src/pulsar/metrics.ts';
import type {
  BaseCommand,
  CommandLookupTopicResponse,
} from '../../../../src/pulsar/protocol/command-types.ts';
import { CommandType, LookupType, ServerError } from '../../../../src/pulsar/protocol/constants.ts';
import { fromServerError } from '../../../../src/pulsar/protocol/server-error.ts';
import { FakeBroker, lookupResponse } from '../../../helpers/fake-broker.ts';

// Style of pulsar-client-go lookup_service_test.go: a mocked RPC layer records the requests and
// pops scripted responses in order.

type Scripted =
  Omit<CommandLookupTopicResponse, 'requestId'> | PulsarError | ((cmd: BaseCommand) => BaseCommand);

interface Call {
  logical: string;
  physical: string;
  command: BaseCommand;
}

class ScriptedProvider implements LookupConnectionProvider {
  readonly calls: Call[] = [];
  readonly script: Scripted[];
  #requestId = 0n;

  constructor(script: Scripted[]) {
    this.script = script;
  }

  getConnection(logical: string, physical: string): Promise<LookupConnection> {
    const conn: LookupConnection = {
      newRequestId: () => this.#requestId++,
      sendRequest: (command) => {
        this.calls.push({ logical, physical, command });
        const next = this.script.length > 1 ? this.script.shift() : this.script[0];
        if (next === undefined) return Promise.reject(new Error('script exhausted'));
        if (next instanceof PulsarError) return Promise.reject(next);
        if (typeof next === 'function') return Promise.resolve(next(command));
        return Promise.resolve(lookupResponse(command.lookupTopic!.requestId, next));
      },
    };
    return Promise.resolve(conn);
  }
}

const SERVICE = 'pulsar://service:6650';
const connectTo = (url: string, extra: Partial<CommandLookupTopicResponse> = {}): Scripted => ({
  response: LookupType.Connect,
  brokerServiceUrl: url,
  ...extra,
});
const redirectTo = (url: string, extra: Partial<CommandLookupTopicResponse> = {}): Scripted => ({
  response: LookupType.Redirect,
  brokerServiceUrl: url,
  ...extra,
});

function service(
  provider: LookupConnectionProvider,
  extra: Partial<LookupServiceOptions> = {},
): LookupService {
  return new LookupService({
    serviceUrl: SERVICE,
    connections: provider,
    clock: new FakeClock(),
    backoff: () => new Backoff({ initialMs: 100, maxMs: 1_000, jitter: 'none' }),
    ...extra,
  });
}

/** Runs `promise` to completion, advancing `clock` whenever a timer (a backoff sleep) waits. */
async function drive<T>(clock: FakeClock, promise: Promise<T>): Promise<T> {
  const state = { done: false };
  const settled = promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  void settled.then(() => {
    state.done = true;
  });
  while (!state.done) {
    await new Promise((r) => setImmediate(r));
    if (clock.pending > 0) clock.advance(50);
  }
  const result = await settled;
  if (!result.ok) throw result.error;
  return result.value;
}

describe('LookupService.lookup (scripted)', () => {
  it('returns the broker of a Connect answer, normalising the topic name', async () => {
    const provider = new ScriptedProvider([connectTo('pulsar://b1:6650')]);
    const result = await service(provider).lookup('my-topic');
    assert.deepEqual(result, {
      logicalAddress: 'pulsar://b1:6650',
      physicalAddress: 'pulsar://b1:6650',
    });
    const [call] = provider.calls;
    assert.equal(call?.logical, SERVICE);
    assert.equal(call.command.lookupTopic?.topic, 'persistent://public/default/my-topic');
    assert.equal(call.command.lookupTopic.authoritative, undefined);
  });

  it('follows redirects, copying authoritative from each answer', async () => {
    const provider = new ScriptedProvider([
      redirectTo('pulsar://b1:6650', { authoritative: true }),
      redirectTo('pulsar://b2:6650'),
      connectTo('pulsar://b3:6650'),
    ]);
    const result = await service(provider).lookup('persistent://t/n/x');
    assert.equal(result.logicalAddress, 'pulsar://b3:6650');
    assert.deepEqual(
      provider.calls.map((c) => [c.logical, c.command.lookupTopic?.authoritative ?? false]),
      [
        [SERVICE, false],
        ['pulsar://b1:6650', true],
        ['pulsar://b2:6650', false],
      ],
    );
  });

  it('connects through the service URL when proxy_through_service_url is set', async () => {
    const provider = new ScriptedProvider([
      redirectTo('pulsar://b1:6650', { proxyThroughServiceUrl: true }),
      connectTo('pulsar://b2:6650', { proxyThroughServiceUrl: true }),
    ]);
    const result = await service(provider).lookup('t');
    assert.deepEqual(result, { logicalAddress: 'pulsar://b2:6650', physicalAddress: SERVICE });
    assert.deepEqual(
      provider.calls.map((c) => [c.logical, c.physical]),
      [
        [SERVICE, SERVICE],
        ['pulsar://b1:6650', SERVICE],
      ],
    );
  });

  it('bounds a redirect loop at 20 redirects', async () => {
    const provider = new ScriptedProvider([redirectTo('pulsar://loop:6650')]);
    await assert.rejects(service(provider).lookup('t'), {
      code: 'PULSAR_ERR_TOO_MANY_REDIRECTS',
      retryable: false,
    });
    assert.equal(provider.calls.length, 21);
  });

  it('honours a custom redirect cap', async () => {
    const provider = new ScriptedProvider([redirectTo('pulsar://loop:6650')]);
    await assert.rejects(service(provider, { maxRedirects: 2 }).lookup('t'), {
      code: 'PULSAR_ERR_TOO_MANY_REDIRECTS',
    });
    assert.equal(provider.calls.length, 3);
  });

  it('picks the TLS URL for a pulsar+ssl service URL', async () => {
    const provider = new ScriptedProvider([
      connectTo('pulsar://b1:6650', { brokerServiceUrlTls: 'pulsar+ssl://b1:6651' }),
    ]);
    const lookups = service(provider, { serviceUrl: 'pulsar+ssl://service:6651' });
    assert.equal((await lookups.lookup('t')).logicalAddress, 'pulsar+ssl://b1:6651');
  });

  it('fails when the answer lacks a URL for the configured scheme', async () => {
    const provider = new ScriptedProvider([connectTo('pulsar://b1:6650')]);
    const lookups = service(provider, {
      serviceUrl: 'pulsar+ssl://service:6651',
      operationTimeoutMs: 0,
    });
    await assert.rejects(lookups.lookup('t'), { code: 'PULSAR_ERR_LOOKUP_FAILED' });
  });

  it('passes the advertised listener name', async () => {
    const provider = new ScriptedProvider([connectTo('pulsar://b1:6650')]);
    await service(provider, { advertisedListenerName: 'internal' }).lookup('t');
    assert.equal(provider.calls[0]?.command.lookupTopic?.advertisedListenerName, 'internal');
  });

  it('retries retryable errors with backoff, then succeeds', async () => {
    const clock = new FakeClock();
    const provider = new ScriptedProvider([
      fromServerError(ServerError.ServiceNotReady, 'loading'),
      fromServerError(ServerError.TooManyRequests, 'slow down'),
      connectTo('pulsar://b1:6650'),
    ]);
    const start = clock.now();
    const result = await drive(clock, service(provider, { clock }).lookup('t'));
    assert.equal(result.logicalAddress, 'pulsar://b1:6650');
    assert.equal(provider.calls.length, 3);
    assert.ok(clock.now() - start >= 300, 'waited 100 ms + 200 ms of backoff');
  });

  it('gives up at the operation deadline with the last error', async () => {
    const clock = new FakeClock();
    const provider = new ScriptedProvider([fromServerError(ServerError.ServiceNotReady, 'x')]);
    await assert.rejects(
      drive(clock, service(provider, { clock, operationTimeoutMs: 2_000 }).lookup('t')),
      { code: 'PULSAR_ERR_SERVICE_NOT_READY' },
    );
    // 100 + 200 + 400 + 800 = 1500 ms; the next 1000 ms sleep would cross the deadline.
    assert.equal(provider.calls.length, 5);
  });

  it('does not retry terminal errors', async () => {
    const provider = new ScriptedProvider([
      fromServerError(ServerError.AuthorizationError, 'no'),
      connectTo('pulsar://b1:6650'),
    ]);
    await assert.rejects(service(provider).lookup('t'), { code: 'PULSAR_ERR_AUTHORIZATION' });
    assert.equal(provider.calls.length, 1);
  });

  it('rejects invalid topic names before sending anything', async () => {
    const provider = new ScriptedProvider([connectTo('pulsar://b1:6650')]);
    await assert.rejects(service(provider).lookup('persistent://only-tenant/x'), {
      code: 'PULSAR_ERR_INVALID_TOPIC_NAME',
    });
    assert.equal(provider.calls.length, 0);
  });

  it('counts lookups by result on an injected registry', async () => {
    const registry = new Registry();
    const metrics = createPulsarMetrics(registry);
    const ok = new ScriptedProvider([connectTo('pulsar://b1:6650')]);
    await service(ok, { metrics }).lookup('t');
    const bad = new ScriptedProvider([fromServerError(ServerError.TopicNotFound, 'x')]);
    await assert.rejects(service(bad, { metrics }).lookup('t'));
    const text = await registry.metrics();
    assert.match(text, /pulsar_client_lookups_total\{result="success"\} 1/);
    assert.match(text, /pulsar_client_lookups_total\{result="failure"\} 1/);
  });
});

describe('LookupService metadata (scripted)', () => {
  it('reads the partition count from the service URL', async () => {
    const provider = new ScriptedProvider([
      (cmd) => ({
        type: CommandType.PARTITIONED_METADATA_RESPONSE,
        partitionedMetadataResponse: {
          requestId: cmd.partitionedMetadata!.requestId,
          partitions: 4,
        },
      }),
    ]);
    assert.equal(await service(provider).getPartitionedTopicMetadata('t'), 4);
    assert.equal(provider.calls[0]?.logical, SERVICE);
    assert.equal(
      provider.calls[0].command.partitionedMetadata?.topic,
      'persistent://public/default/t',
    );
  });

  it('treats an absent partition count as 0', async () => {
    const provider = new ScriptedProvider([
      (cmd) => ({
        type: CommandType.PARTITIONED_METADATA_RESPONSE,
        partitionedMetadataResponse: { requestId: cmd.partitionedMetadata!.requestId },
      }),
    ]);
    assert.equal(await service(provider).getPartitionedTopicMetadata('t'), 0);
  });

  it('lists the topics of a namespace', async () => {
    const provider = new ScriptedProvider([
      (cmd) => ({
        type: CommandType.GET_TOPICS_OF_NAMESPACE_RESPONSE,
        getTopicsOfNamespaceResponse: {
          requestId: cmd.getTopicsOfNamespace!.requestId,
          topics: ['persistent://public/default/a'],
        },
      }),
    ]);
    assert.deepEqual(await service(provider).getTopicsOfNamespace('public/default'), [
      'persistent://public/default/a',
    ]);
    assert.equal(provider.calls[0]?.command.getTopicsOfNamespace?.namespace, 'public/default');
  });
});

describe('LookupService over real connections (fake brokers)', () => {
  const brokers: FakeBroker[] = [];
  let pool: ConnectionPool | undefined;

  afterEach(async () => {
    await pool?.close();
    await Promise.all(brokers.splice(0).map((b) => b.close()));
  });

  async function startBroker(): Promise<FakeBroker> {
    const b = await FakeBroker.start();
    brokers.push(b);
    return b;
  }

  it('follows a redirect to a second broker and connects there', async () => {
    const front = await startBroker();
    const owner = await startBroker();
    front.on('LOOKUP', (cmd, conn) => {
      conn.send(
        lookupResponse(cmd.lookupTopic!.requestId, {
          response: LookupType.Redirect,
          brokerServiceUrl: owner.url,
          authoritative: true,
        }),
      );
    });
    pool = new ConnectionPool({ clock: new FakeClock() });
    const lookups = new LookupService({ serviceUrl: front.url, connections: pool });
    const result = await lookups.lookup('t');
    assert.equal(result.logicalAddress, owner.url);
    const second = await owner.waitForType('LOOKUP');
    assert.equal(second.lookupTopic?.authoritative, true);
  });

  it('bounds a redirect loop between two brokers', async () => {
    const a = await startBroker();
    const b = await startBroker();
    a.on('LOOKUP', (cmd, conn) => {
      conn.send(
        lookupResponse(cmd.lookupTopic!.requestId, {
          response: LookupType.Redirect,
          brokerServiceUrl: b.url,
        }),
      );
    });
    b.on('LOOKUP', (cmd, conn) => {
      conn.send(
        lookupResponse(cmd.lookupTopic!.requestId, {
          response: LookupType.Redirect,
          brokerServiceUrl: a.url,
        }),
      );
    });
    pool = new ConnectionPool({ clock: new FakeClock() });
    const lookups = new LookupService({ serviceUrl: a.url, connections: pool });
    await assert.rejects(lookups.lookup('t'), { code: 'PULSAR_ERR_TOO_MANY_REDIRECTS' });
    const count = (x: FakeBroker): number =>
      x.received.filter((c) => c.type === CommandType.LOOKUP).length;
    assert.equal(count(a) + count(b), 21);
    assert.equal(a.connections.length + b.connections.length, 2, 'pooled connections reused');
  });

  it('retries on a new connection when the broker drops the socket mid-lookup', async () => {
    const front = await startBroker();
    let dropped = false;
    front.on('LOOKUP', (cmd, conn) => {
      if (!dropped) {
        dropped = true;
        conn.destroy();
        return;
      }
      conn.send(
        lookupResponse(cmd.lookupTopic!.requestId, {
          response: LookupType.Connect,
          brokerServiceUrl: front.url,
        }),
      );
    });
    // Real time here: connection timers must not be fast-forwarded along with the backoff.
    pool = new ConnectionPool();
    const lookups = new LookupService({
      serviceUrl: front.url,
      connections: pool,
      backoff: () => new Backoff({ initialMs: 10, jitter: 'none' }),
    });
    const result = await lookups.lookup('t');
    assert.equal(result.logicalAddress, front.url);
    assert.equal(front.connections.length, 2);
  });
});
