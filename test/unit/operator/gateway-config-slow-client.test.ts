/**
 * `spec.websocket.slowClientTimeoutSeconds` reaches the gateway: rendered into gateway.yaml only
 * when set, and what is rendered is what the gateway's own config loader reads.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { withDefaults } from '../../../src/operator/api/v1alpha1/defaults.ts';
import {
  buildGatewayConfig,
  renderGatewayConfig,
} from '../../../src/operator/resources/gateway-config.ts';
import { buildDesiredState } from '../../../src/operator/resources/desired-state.ts';
import { loadGatewayConfig } from '../../../src/gateway/index.ts';
import { sampleContext, sampleGateway } from './fixtures.ts';

interface FieldSchema {
  minimum?: number;
  maximum?: number;
  default?: unknown;
}

/** The schema of `spec.websocket.<name>` in the committed CRD. */
function crdWebsocketField(name: string): FieldSchema {
  const crd = load(
    readFileSync(
      new URL('../../../crds/pulsarwebsocketgateways.pulsarws.io.yaml', import.meta.url),
      'utf8',
    ),
  ) as {
    spec: {
      versions: {
        schema: {
          openAPIV3Schema: {
            properties: {
              spec: { properties: { websocket: { properties: Record<string, FieldSchema> } } };
            };
          };
        };
      }[];
    };
  };
  const field =
    crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties.websocket.properties[
      name
    ];
  assert.ok(field !== undefined, `spec.websocket.${name} is in the CRD`);
  return field;
}

/** The websocket settings the gateway ends up with for `rendered` (its own loader, its defaults). */
function gatewayReads(rendered: string): { slowClientTimeoutSeconds: number } {
  const r = loadGatewayConfig({
    argv: ['--config', 'gateway.yaml'],
    env: {},
    readFile: () => rendered,
  });
  assert.ok(r.kind === 'config');
  return r.config.websocket;
}

function podHash(gw: ReturnType<typeof sampleGateway>): string | undefined {
  const dep = buildDesiredState(gw, sampleContext()).find((o) => o.kind === 'Deployment') as
    { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } } | undefined;
  return dep?.spec?.template?.metadata?.annotations?.['pulsarws.io/config-hash'];
}

describe('websocket.slowClientTimeoutSeconds in the rendered gateway config', () => {
  it('is rendered when set, and the gateway reads that value', () => {
    const g = withDefaults(sampleGateway({ websocket: { slowClientTimeoutSeconds: 120 } }));
    const config = buildGatewayConfig(g, false);
    assert.equal(config.websocket.slowClientTimeoutSeconds, 120);
    const rendered = renderGatewayConfig(config);
    const parsed = load(rendered) as { websocket: Record<string, unknown> };
    assert.equal(parsed.websocket['slowClientTimeoutSeconds'], 120);
    assert.equal(gatewayReads(rendered).slowClientTimeoutSeconds, 120);
  });

  it('is left out when unset, so the gateway keeps its default (30) and existing pods do not roll', () => {
    const g = withDefaults(sampleGateway());
    const config = buildGatewayConfig(g, false);
    assert.equal('slowClientTimeoutSeconds' in config.websocket, false);
    const rendered = renderGatewayConfig(config);
    assert.doesNotMatch(rendered, /slowClientTimeoutSeconds/);
    assert.equal(gatewayReads(rendered).slowClientTimeoutSeconds, 30);
  });

  it('changing it changes the config hash (the gateway reads it at start, so pods roll)', () => {
    const base = podHash(sampleGateway());
    const set = podHash(sampleGateway({ websocket: { slowClientTimeoutSeconds: 120 } }));
    const other = podHash(sampleGateway({ websocket: { slowClientTimeoutSeconds: 60 } }));
    assert.ok(base !== undefined && set !== undefined && other !== undefined);
    assert.notEqual(set, base);
    assert.notEqual(set, other);
  });

  it("the CRD's bounds are the gateway's: its minimum and maximum load, one beyond fails", () => {
    const field = crdWebsocketField('slowClientTimeoutSeconds');
    assert.ok(field.minimum !== undefined && field.maximum !== undefined, 'the CRD bounds it');
    assert.equal(field.default, undefined, 'no CRD default: unset keeps the gateway default');
    const render = (value: number): string =>
      renderGatewayConfig(
        buildGatewayConfig(
          withDefaults(sampleGateway({ websocket: { slowClientTimeoutSeconds: value } })),
          false,
        ),
      );
    for (const value of [field.minimum, field.maximum]) {
      assert.equal(gatewayReads(render(value)).slowClientTimeoutSeconds, value);
    }
    for (const value of [field.minimum - 1, field.maximum + 1]) {
      assert.throws(() => gatewayReads(render(value)), /out of range/);
    }
  });
});
