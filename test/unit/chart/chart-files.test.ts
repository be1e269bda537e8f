import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';
import { documentedValues, readmeWithValuesTable } from '../../../scripts/gen-deploy-manifests.ts';

const root = new URL('../../../', import.meta.url);
const chart = new URL('charts/pulsar-websocket-operator/', root);
const read = (url: URL): string => readFileSync(url, 'utf8');

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
}

/** Dotted paths of every key of the objects the schema closes (additionalProperties false). */
function closedSchemaKeys(schema: JsonSchema, prefix = ''): string[] {
  if (schema.additionalProperties !== false || schema.properties === undefined) return [];
  const out: string[] = [];
  for (const [k, sub] of Object.entries(schema.properties)) {
    out.push(`${prefix}${k}`);
    out.push(...closedSchemaKeys(sub, `${prefix}${k}.`));
  }
  return out;
}

function valueKeys(values: Record<string, unknown>, schema: JsonSchema, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    out.push(`${prefix}${k}`);
    const sub = schema.properties?.[k];
    if (sub?.additionalProperties === false && v !== null && typeof v === 'object') {
      out.push(...valueKeys(v as Record<string, unknown>, sub, `${prefix}${k}.`));
    }
  }
  return out;
}

describe('Helm chart files', () => {
  it('ships the CRDs of crds/ byte for byte, and no other', () => {
    const top = readdirSync(new URL('crds/', root)).sort();
    const ours = readdirSync(new URL('crds/', chart)).sort();
    assert.deepEqual(ours, top);
    for (const f of top) {
      assert.ok(
        read(new URL(`crds/${f}`, chart)) === read(new URL(`crds/${f}`, root)),
        `charts/pulsar-websocket-operator/crds/${f} differs from crds/${f}; copy it over`,
      );
    }
  });

  it('has the package version as appVersion and the operator image as default', () => {
    const pkg = JSON.parse(read(new URL('package.json', root))) as { version: string };
    const meta = load(read(new URL('Chart.yaml', chart))) as {
      name: string;
      appVersion: string;
    };
    assert.equal(meta.name, 'pulsar-websocket-operator');
    assert.equal(meta.appVersion, pkg.version);
    const values = load(read(new URL('values.yaml', chart))) as {
      image: { repository: string; tag: string };
    };
    assert.equal(
      values.image.repository,
      'ghcr.io/pulsar-websocket-operator/pulsar-websocket-operator',
    );
    assert.equal(values.image.tag, '', 'the tag defaults to appVersion in the template');
  });

  it('runs the operator as the user and with the command of the image (Dockerfile)', () => {
    const dockerfile = read(new URL('Dockerfile', root));
    const user = /^USER (\d+):(\d+)$/m.exec(dockerfile);
    assert.ok(user !== null, 'the Dockerfile sets a numeric USER');
    const values = load(read(new URL('values.yaml', chart))) as {
      podSecurityContext: { runAsUser: number; runAsGroup: number };
    };
    assert.equal(values.podSecurityContext.runAsUser, Number(user[1]));
    assert.equal(values.podSecurityContext.runAsGroup, Number(user[2]));
    const deployment = read(new URL('templates/deployment.yaml', chart));
    assert.match(deployment, /command: \["pulsar-ws-operator"\]/);
    assert.match(dockerfile, /\/usr\/local\/bin\/pulsar-ws-operator/);
  });

  it('declares in values.schema.json exactly the keys of values.yaml (closed objects)', () => {
    const schema = JSON.parse(read(new URL('values.schema.json', chart))) as JsonSchema;
    const values = load(read(new URL('values.yaml', chart))) as Record<string, unknown>;
    assert.equal(schema.additionalProperties, false, 'the top level must reject unknown keys');
    const declared = new Set(closedSchemaKeys(schema));
    const present = new Set(valueKeys(values, schema));
    // `global` is Helm's own; it may appear in any chart's values.
    declared.delete('global');
    assert.deepEqual(
      [...present].filter((k) => !declared.has(k)),
      [],
      'values.yaml keys missing from the schema',
    );
    assert.deepEqual(
      [...declared].filter((k) => !present.has(k)),
      [],
      'schema keys with no default in values.yaml',
    );
  });

  it('keeps the README values table in step with values.yaml', () => {
    const readme = read(new URL('README.md', chart));
    const values = read(new URL('values.yaml', chart));
    assert.ok(
      readmeWithValuesTable(readme, values) === readme,
      'charts/pulsar-websocket-operator/README.md is stale: run npm run gen:deploy',
    );
    const keys = documentedValues(values).map((r) => r.key);
    for (const k of ['replicaCount', 'watchNamespaces', 'grafanaDashboards.enabled']) {
      assert.ok(keys.includes(k), `${k} is in the table`);
    }
  });

  it('refuses to generate the table when a value has no description', () => {
    assert.throws(
      () => documentedValues('# -- documented\na: 1\nb:\n  c: 2\n'),
      /b\.c has no "# --" description/,
    );
    assert.deepEqual(documentedValues('# -- the A\n# continued\na: [1]\n'), [
      { key: 'a', type: 'list', defaultValue: '[1]', description: 'the A continued' },
    ]);
  });
});
