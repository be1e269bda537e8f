/**
 * Generates src/operator/api/v1alpha1/types.generated.ts from the CRD in crds/, which is the
 * single source of truth of the PulsarWebSocketGateway API.
 *
 *   node scripts/gen-crd-types.ts           # rewrite the generated file
 *   node scripts/gen-crd-types.ts --check   # exit 1 when the committed file is stale
 *
 * A small OpenAPI-v3 (structural schema) → TypeScript translator, enough for CRD schemas:
 * objects become interfaces (named after their path), string enums become union aliases,
 * `x-kubernetes-int-or-string` becomes `number | string`, and fields that the schema leaves
 * open with `x-kubernetes-preserve-unknown-fields` map to the client-node model named in
 * {@link K8S_TYPES}. For every object whose subtree carries defaults it also emits a
 * `…Defaulted` twin in which defaulted fields are required (what the API server stores),
 * and `CRD_DEFAULTS`, the defaults tree that `applyDefaults` walks at runtime.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { format, resolveConfig } from 'prettier';

/** The subset of JSONSchemaProps a structural CRD schema uses. */
interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
}

interface Crd {
  spec: {
    group: string;
    names: { kind: string; plural: string; singular?: string; shortNames?: string[] };
    versions: { name: string; storage?: boolean; schema: { openAPIV3Schema: Schema } }[];
  };
}

/** Repository-relative paths. */
export const CRD_PATH = 'crds/pulsarwebsocketgateways.pulsarws.io.yaml';
export const GENERATED_PATH = 'src/operator/api/v1alpha1/types.generated.ts';

/**
 * Open (preserve-unknown) fields that are upstream Kubernetes types, too large to inline in the
 * CRD, keyed by their dotted path from the root. The generator fails if a key stops matching
 * an open field, so this table cannot silently rot.
 */
const K8S_TYPES: Record<string, string> = {
  'spec.template.pod.tolerations': 'V1Toleration[]',
  'spec.template.pod.affinity': 'V1Affinity',
  'spec.template.pod.topologySpreadConstraints': 'V1TopologySpreadConstraint[]',
  'spec.template.pod.securityContext': 'V1PodSecurityContext',
  'spec.template.container.resources': 'V1ResourceRequirements',
  'spec.template.container.env': 'V1EnvVar[]',
  'spec.template.container.securityContext': 'V1SecurityContext',
  metadata: 'V1ObjectMeta',
};

function pascal(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** "conditions" → "Condition", "imagePullSecrets" → "ImagePullSecret"; keeps "Status", "Tls". */
function singular(word: string): string {
  return word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us')
    ? word.slice(0, -1)
    : word;
}

function hasDefaults(s: Schema): boolean {
  if (s.default !== undefined) return true;
  if (s.items !== undefined && hasDefaults(s.items)) return true;
  return Object.values(s.properties ?? {}).some(hasDefaults);
}

function quoteKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

/** Greedy word wrap, so generated JSDoc stays within prettier's print width. */
function wrap(line: string, width: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      out.push(current);
      current = word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  out.push(current);
  return out;
}

function jsDoc(lines: string[], indent: string): string {
  const width = 100 - indent.length - 3;
  const body = lines
    .flatMap((l) => l.split('\n'))
    .flatMap((l) => (l.startsWith('@') ? [l] : wrap(l.trimEnd(), width)));
  if (body.length === 0) return '';
  if (body.length === 1 && body[0]!.length <= width - 4)
    return `${indent}/** ${body[0]!.replaceAll('*/', '*\\/')} */\n`;
  return `${indent}/**\n${body.map((l) => `${indent} *${l === '' ? '' : ` ${l.replaceAll('*/', '*\\/')}`}`).join('\n')}\n${indent} */\n`;
}

function fieldDoc(s: Schema): string[] {
  const lines: string[] = [];
  if (s.description !== undefined) lines.push(s.description.trim());
  const bounds: string[] = [];
  if (s.minimum !== undefined) bounds.push(`minimum ${s.minimum}`);
  if (s.maximum !== undefined) bounds.push(`maximum ${s.maximum}`);
  if (s.pattern !== undefined) bounds.push(`pattern \`${s.pattern}\``);
  if (bounds.length > 0) lines.push(`Schema: ${bounds.join(', ')}.`);
  for (const v of s['x-kubernetes-validations'] ?? []) {
    lines.push(`Admission rule: ${v.message ?? v.rule}.`);
  }
  if (s.default !== undefined) lines.push(`@defaultValue \`${JSON.stringify(s.default)}\``);
  return lines;
}

/** Emits declarations for one CRD version. */
class Emitter {
  readonly #decls: string[] = [];
  readonly #imports = new Set<string>();
  readonly #usedOverrides = new Set<string>();

  readonly rootName: string;

  constructor(rootName: string) {
    this.rootName = rootName;
  }

  /** The TS type expression for `s` at `path`; emits named declarations as a side effect. */
  typeOf(s: Schema, path: string[], name: string, defaulted: boolean): string {
    const dotted = path.join('.');
    const override = K8S_TYPES[dotted];
    if (override !== undefined) {
      const open =
        s['x-kubernetes-preserve-unknown-fields'] === true ||
        s.items?.['x-kubernetes-preserve-unknown-fields'] === true ||
        dotted === 'metadata';
      if (!open) throw new Error(`K8S_TYPES: ${dotted} is not an open (preserve-unknown) field`);
      this.#usedOverrides.add(dotted);
      this.#imports.add(override.replace('[]', ''));
      return override;
    }
    if (s['x-kubernetes-int-or-string'] === true) return 'number | string';
    if (s.enum !== undefined) {
      const alias = name;
      const union = s.enum.map((v) => JSON.stringify(v)).join(' | ');
      if (!defaulted)
        this.#decls.push(
          `${jsDoc(fieldDoc({ description: s.description }), '')}export type ${alias} = ${union};\n`,
        );
      return alias;
    }
    switch (s.type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array': {
        if (s.items === undefined) return 'unknown[]';
        const inner = this.typeOf(s.items, [...path, '[]'], singular(name), defaulted);
        return inner.includes(' ') ? `(${inner})[]` : `${inner}[]`;
      }
      case 'object':
      case undefined: {
        if (s.properties !== undefined) return this.#object(s, path, name, defaulted);
        if (typeof s.additionalProperties === 'object') {
          return `Record<string, ${this.typeOf(s.additionalProperties, [...path, '*'], `${name}Value`, defaulted)}>`;
        }
        return 'Record<string, unknown>';
      }
      default:
        throw new Error(`unsupported schema type ${s.type} at ${dotted}`);
    }
  }

  #object(s: Schema, path: string[], name: string, defaulted: boolean): string {
    // The plain twin was emitted by the first pass; only subtrees with defaults get a second one.
    if (defaulted && !hasDefaults(s)) return name;
    const useDefaulted = defaulted;
    const typeName = useDefaulted ? `${name}Defaulted` : name;
    const required = new Set(s.required ?? []);
    let body = '';
    for (const [key, prop] of Object.entries(s.properties ?? {})) {
      const childName = this.#childName(path, name, key);
      const t = this.typeOf(prop, [...path, key], childName, useDefaulted);
      const optional = !(required.has(key) || (useDefaulted && prop.default !== undefined));
      body += jsDoc(fieldDoc(prop), '  ');
      body += `  ${quoteKey(key)}${optional ? '?' : ''}: ${t};\n`;
    }
    const doc = useDefaulted
      ? [
          `{@link ${name}} after the API server (or \`applyDefaults\`) filled in every schema default.`,
        ]
      : fieldDoc({
          description: s.description,
          'x-kubernetes-validations': s['x-kubernetes-validations'],
        });
    this.#decls.push(`${jsDoc(doc, '')}export interface ${typeName} {\n${body}}\n`);
    return typeName;
  }

  #childName(path: string[], name: string, key: string): string {
    // Root fields read as PulsarWebSocketGatewaySpec/Status; nested ones drop the long prefix.
    if (path.length === 0) return `${this.rootName}${pascal(key)}`;
    if (path.length === 1 && path[0] === 'spec') return `Gateway${pascal(key)}`;
    if (path.length === 1 && path[0] === 'status') return `GatewayStatus${pascal(key)}`;
    return `${name}${pascal(key)}`;
  }

  checkOverridesUsed(): void {
    for (const key of Object.keys(K8S_TYPES)) {
      if (!this.#usedOverrides.has(key)) throw new Error(`K8S_TYPES: no field at ${key}`);
    }
  }

  get declarations(): string[] {
    return this.#decls;
  }

  get imports(): string[] {
    return [...this.#imports].sort();
  }
}

/** The defaults tree: only the nodes whose subtree carries a default. */
function defaultsTree(s: Schema): Record<string, unknown> | undefined {
  if (!hasDefaults(s)) return undefined;
  const node: Record<string, unknown> = {};
  if (s.default !== undefined) node['default'] = s.default;
  const props: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(s.properties ?? {})) {
    const child = defaultsTree(prop);
    if (child !== undefined) props[key] = child;
  }
  if (Object.keys(props).length > 0) node['properties'] = props;
  if (s.items !== undefined) {
    const items = defaultsTree(s.items);
    if (items !== undefined) node['items'] = items;
  }
  return node;
}

/**
 * Translates the CRD YAML text into the (prettier-formatted) TypeScript module text.
 * Pure apart from reading the prettier config, so the drift test can call it in memory.
 */
export async function generateCrdTypes(
  crdYaml: string,
  prettierConfigFile: string,
): Promise<string> {
  const crd = load(crdYaml) as Crd;
  const version = crd.spec.versions.find((v) => v.storage === true) ?? crd.spec.versions[0];
  if (version === undefined) throw new Error('CRD has no versions');
  const root = version.schema.openAPIV3Schema;
  const { kind, plural } = crd.spec.names;
  const emitter = new Emitter(kind);

  const rootProps = root.properties ?? {};
  const spec = rootProps['spec'];
  const status = rootProps['status'];
  if (spec === undefined || status === undefined)
    throw new Error('CRD schema lacks spec or status');
  emitter.typeOf(rootProps['metadata'] ?? { type: 'object' }, ['metadata'], 'Metadata', false);
  const specType = emitter.typeOf(spec, ['spec'], `${kind}Spec`, false);
  const specDefaulted = emitter.typeOf(spec, ['spec'], `${kind}Spec`, true);
  const statusType = emitter.typeOf(status, ['status'], `${kind}Status`, false);
  emitter.checkOverridesUsed();

  const apiVersion = `${crd.spec.group}/${version.name}`;
  const resource = (name: string, specT: string, doc: string): string =>
    `${jsDoc([doc], '')}export interface ${name} {\n` +
    `  apiVersion: ${JSON.stringify(apiVersion)};\n  kind: ${JSON.stringify(kind)};\n` +
    `  metadata: V1ObjectMeta;\n  spec: ${specT};\n  status?: ${statusType};\n}\n`;

  const out: string[] = [
    `// Code generated by scripts/gen-crd-types.ts from ${CRD_PATH}. DO NOT EDIT.`,
    `// Regenerate with: node scripts/gen-crd-types.ts\n\n`,
    `import type { ${emitter.imports.join(', ')} } from '@kubernetes/client-node';\n\n`,
    `/** API group of the resource. */\nexport const CRD_GROUP = ${JSON.stringify(crd.spec.group)};\n`,
    `/** Served and stored version. */\nexport const CRD_VERSION = ${JSON.stringify(version.name)};\n`,
    `/** \`apiVersion\` of the resource. */\nexport const CRD_API_VERSION = ${JSON.stringify(apiVersion)};\n`,
    `/** Kind of the resource. */\nexport const CRD_KIND = ${JSON.stringify(kind)};\n`,
    `/** Plural (the REST path segment). */\nexport const CRD_PLURAL = ${JSON.stringify(plural)};\n\n`,
    resource(kind, specType, (root.description ?? kind).trim()),
    resource(
      `${kind}Defaulted`,
      specDefaulted,
      `{@link ${kind}} whose spec carries every schema default, as stored by the API server.`,
    ),
    ...emitter.declarations,
    `/** A node of {@link CRD_DEFAULTS}. */\nexport interface CrdDefaultsNode {\n  default?: unknown;\n  properties?: Record<string, CrdDefaultsNode>;\n  items?: CrdDefaultsNode;\n}\n\n`,
    `/** Every default of the spec schema, for structural defaulting outside the API server. */\n`,
    `export const CRD_DEFAULTS: CrdDefaultsNode = ${JSON.stringify(defaultsTree(spec) ?? {})};\n`,
  ];
  const options = (await resolveConfig(prettierConfigFile)) ?? {};
  return format(out.join('\n'), { ...options, filepath: prettierConfigFile, parser: 'typescript' });
}

async function main(): Promise<void> {
  const repo = new URL('../', import.meta.url);
  const crdYaml = readFileSync(new URL(CRD_PATH, repo), 'utf8');
  const target = fileURLToPath(new URL(GENERATED_PATH, repo));
  const text = await generateCrdTypes(crdYaml, target);
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== text) {
      process.stderr.write(`${GENERATED_PATH} is stale: run node scripts/gen-crd-types.ts\n`);
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(target, text);
  process.stdout.write(`wrote ${GENERATED_PATH}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
