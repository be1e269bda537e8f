import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PULSAR_API_PROTO } from '../../../../src/pulsar/protocol/pulsar-api-schema.ts';

const PROTO_PATH = new URL('../../../../src/pulsar/protocol/pulsar-api.proto', import.meta.url);

describe('pulsar-api schema', () => {
  it('embeds exactly the text of pulsar-api.proto', () => {
    const onDisk = readFileSync(PROTO_PATH, 'utf8');
    assert.equal(
      PULSAR_API_PROTO.replace(/^\n/, ''),
      onDisk,
      'pulsar-api-schema.ts is stale: copy pulsar-api.proto into its PULSAR_API_PROTO constant',
    );
    assert.ok(!onDisk.includes('`'), 'the .proto must not contain backticks (String.raw template)');
  });
});
