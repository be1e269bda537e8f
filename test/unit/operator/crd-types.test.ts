/**
 * The CRD in crds/ is the single source of truth: the committed TypeScript types must be exactly
 * what scripts/gen-crd-types.ts makes of it today. A CRD edit without regeneration fails here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { CRD_PATH, GENERATED_PATH, generateCrdTypes } from '../../../scripts/gen-crd-types.ts';
import {
  CRD_GROUP,
  CRD_KIND,
  CRD_PLURAL,
  CRD_VERSION,
} from '../../../src/operator/api/v1alpha1/constants.ts';

const repo = new URL('../../../', import.meta.url);

describe('CRD → TypeScript types', () => {
  it('the committed types.generated.ts equals a fresh generation from the CRD', async () => {
    const crdYaml = readFileSync(new URL(CRD_PATH, repo), 'utf8');
    const target = fileURLToPath(new URL(GENERATED_PATH, repo));
    const fresh = await generateCrdTypes(crdYaml, target);
    const committed = readFileSync(target, 'utf8');
    assert.ok(
      fresh === committed,
      `${GENERATED_PATH} is stale; run: node_modules/.bin/node scripts/gen-crd-types.ts`,
    );
  });

  it('detects a drifted CRD (a changed default changes the output)', async () => {
    const crdYaml = readFileSync(new URL(CRD_PATH, repo), 'utf8');
    const target = fileURLToPath(new URL(GENERATED_PATH, repo));
    const changed = crdYaml.replace('default: 1048576', 'default: 2097152');
    assert.notEqual(changed, crdYaml);
    assert.notEqual(
      await generateCrdTypes(changed, target),
      await generateCrdTypes(crdYaml, target),
    );
  });

  it('exports the API identity the CRD declares', () => {
    const crd = load(readFileSync(new URL(CRD_PATH, repo), 'utf8')) as {
      metadata: { name: string };
      spec: { group: string; names: { kind: string; plural: string; shortNames: string[] } };
    };
    assert.equal(crd.metadata.name, `${CRD_PLURAL}.${CRD_GROUP}`);
    assert.equal(crd.spec.group, 'pulsarws.io');
    assert.equal(CRD_VERSION, 'v1alpha1');
    assert.equal(CRD_KIND, 'PulsarWebSocketGateway');
    assert.equal(CRD_PLURAL, 'pulsarwebsocketgateways');
    assert.deepEqual(crd.spec.names.shortNames, ['pwsg']);
  });
});
