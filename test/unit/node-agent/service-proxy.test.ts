import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1EndpointSlice } from '@kubernetes/client-node';
import { readyBackends } from '../../../scripts/dev/node-agent/service-proxy.ts';

const slice = (endpoints: V1EndpointSlice['endpoints'], addressType = 'IPv4'): V1EndpointSlice => ({
  addressType,
  endpoints,
  ports: [
    { name: 'ws', port: 8080 },
    { name: 'metrics', port: 9090 },
  ],
});

describe('readyBackends', () => {
  it('keeps ready endpoints on the named port; drops not-ready (terminating) ones and other families', () => {
    const slices = [
      slice([
        { addresses: ['10.250.1.2'], conditions: { ready: true } },
        { addresses: ['10.250.1.3'], conditions: { ready: false, terminating: true } },
        { addresses: ['10.250.1.4'] },
      ]),
      slice([{ addresses: ['fd00::1'], conditions: { ready: true } }], 'IPv6'),
    ];
    assert.deepEqual(readyBackends(slices, 'ws'), [
      { ip: '10.250.1.2', port: 8080 },
      { ip: '10.250.1.4', port: 8080 },
    ]);
    assert.deepEqual(
      readyBackends(slices, 'metrics').map((b) => b.port),
      [9090, 9090],
    );
    assert.deepEqual(readyBackends(slices, 'wss'), []);
  });

  it('treats a slice with no endpoints (the controller has not filled it yet) as no backends', () => {
    assert.deepEqual(readyBackends([{ addressType: 'IPv4', endpoints: [] }], 'ws'), []);
  });
});
