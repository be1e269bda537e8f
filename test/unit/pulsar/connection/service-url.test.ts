import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBrokerUrl, parseServiceUrl } from '../../../../src/pulsar/connection/service-url.ts';

describe('service URLs', () => {
  it('parses plain and TLS URLs with default ports', () => {
    assert.deepEqual(parseBrokerUrl('pulsar://broker:6650'), {
      tls: false,
      host: 'broker',
      port: 6650,
      hostPort: 'broker:6650',
      url: 'pulsar://broker:6650',
    });
    assert.equal(parseBrokerUrl('pulsar://broker').port, 6650);
    assert.equal(parseBrokerUrl('pulsar+ssl://broker').port, 6651);
    assert.equal(parseBrokerUrl('PULSAR+SSL://broker:7000/').url, 'pulsar+ssl://broker:7000');
  });

  it('parses IPv6 literals and several hosts', () => {
    assert.equal(parseBrokerUrl('pulsar://[::1]:6650').hostPort, '[::1]:6650');
    assert.equal(parseBrokerUrl('pulsar://[::1]:6650').host, '::1');
    assert.deepEqual(
      parseServiceUrl('pulsar://a:1,b:2,c').map((a) => a.url),
      ['pulsar://a:1', 'pulsar://b:2', 'pulsar://c:6650'],
    );
  });

  for (const bad of [
    'http://broker:80',
    'pulsar://',
    'pulsar://a:0',
    'pulsar://a:99999',
    'broker:6650',
    'pulsar://a:1/x',
  ]) {
    it(`rejects ${bad}`, () => {
      assert.throws(() => parseServiceUrl(bad), { code: 'PULSAR_ERR_INVALID_URL' });
    });
  }

  it('requires exactly one host for a broker URL', () => {
    assert.throws(() => parseBrokerUrl('pulsar://a:1,b:2'), { code: 'PULSAR_ERR_INVALID_URL' });
  });
});
