import type { CrdDefaultsNode } from './types.ts';
import {
  CRD_DEFAULTS,
  type PulsarWebSocketGateway,
  type PulsarWebSocketGatewayDefaulted,
  type PulsarWebSocketGatewaySpec,
  type PulsarWebSocketGatewaySpecDefaulted,
} from './types.ts';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Structural defaulting as the API server does it (apiextensions `structuraldefaulting.Default`):
 * an absent (or null) field with a default receives a deep copy of it, then defaulting recurses
 * into every present field, so `default: {}` on an object also fills the object's own defaults.
 */
function applyNode(value: unknown, node: CrdDefaultsNode): void {
  if (Array.isArray(value)) {
    if (node.items !== undefined) for (const item of value) applyNode(item, node.items);
    return;
  }
  if (!isPlainObject(value) || node.properties === undefined) return;
  for (const [key, child] of Object.entries(node.properties)) {
    if (child.default !== undefined && (value[key] === undefined || value[key] === null)) {
      value[key] = structuredClone(child.default);
    }
    if (value[key] !== undefined) applyNode(value[key], child);
  }
}

/**
 * Returns a copy of `spec` with every default of the CRD schema applied (the same result the API
 * server stores), for code paths that build from partial specs: tests, samples, and objects
 * read from an API server whose stored object predates a newer default. The input is not
 * modified. The defaults come from the generated `CRD_DEFAULTS`, so they cannot drift from
 * the schema.
 */
export function applyDefaults(
  spec: PulsarWebSocketGatewaySpec,
): PulsarWebSocketGatewaySpecDefaulted {
  const copy = structuredClone(spec);
  applyNode(copy, CRD_DEFAULTS);
  // applyNode filled exactly the fields the Defaulted type marks as required.
  return copy as PulsarWebSocketGatewaySpecDefaulted;
}

/** {@link applyDefaults} over a whole resource; metadata and status are copied unchanged. */
export function withDefaults(gw: PulsarWebSocketGateway): PulsarWebSocketGatewayDefaulted {
  const { spec, ...rest } = structuredClone(gw);
  return { ...rest, spec: applyDefaults(spec) };
}
