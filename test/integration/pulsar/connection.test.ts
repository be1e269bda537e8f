/**
 * The client's lower layers against the suite's real Pulsar standalone: handshake, LOOKUP and
 * PARTITIONED_METADATA answers for fresh topics. This is the check on the fake broker's reading of
 * the protocol (docs/pulsar-binary-protocol.md §5.4 risk 1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PulsarClient } from '../../../src/pulsar/index.ts';
import { pulsarEnv, uniqueName } from '../../helpers/test-env.ts';

describe('Pulsar client against a real broker', () => {
  let client: PulsarClient;

  before(() => {
    client = new PulsarClient({ serviceUrl: pulsarEnv().serviceUrl });
  });

  after(async () => {
    await client.close();
  });

  it('connects at protocol v20 and looks up a fresh topic', async () => {
    const topic = `persistent://public/default/${uniqueName('conn')}`;
    const found = await client.getConnection(topic);
    assert.match(found.logicalAddress, /^pulsar:\/\/[^/]+:\d+$/);
    assert.equal(found.connection.state, 'ready');
    assert.equal(found.connection.protocolVersion, 20);
    assert.match(found.connection.serverVersion, /^Pulsar Server/);
    assert.ok(found.connection.maxMessageSize >= 1024 * 1024);
  });

  it('reports 0 partitions for a fresh non-partitioned topic', async () => {
    const topic = `persistent://public/default/${uniqueName('plain')}`;
    assert.equal(await client.getPartitionedTopicMetadata(topic), 0);
  });

  it('reports the partition count of a partitioned topic and looks up its partitions', async () => {
    const name = uniqueName('parted');
    const res = await fetch(
      `${pulsarEnv().adminUrl}/admin/v2/persistent/public/default/${name}/partitions`,
      { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '3' },
    );
    assert.equal(res.status, 204, await res.text());
    const topic = `persistent://public/default/${name}`;
    assert.equal(await client.getPartitionedTopicMetadata(topic), 3);
    const partition = await client.lookup(`${topic}-partition-2`);
    assert.match(partition.logicalAddress, /^pulsar:\/\//);
  });

  it('rejects a lookup for an invalid namespace with a typed error', async () => {
    await assert.rejects(
      client.lookup(`persistent://no-such-tenant/no-such-ns/${uniqueName('x')}`),
      (err: Error & { code?: string }) => {
        assert.match(err.code ?? '', /^PULSAR_ERR_/);
        return true;
      },
    );
  });

  it('lists the topics of a namespace', async () => {
    const topics = await client.getTopicsOfNamespace('public/default');
    assert.ok(Array.isArray(topics));
  });
});
