/**
 * The smallest Reflect metadata API that lets `@peculiar/x509` load. Its dependency tsyringe
 * throws at import time unless `Reflect.getMetadata` exists ("tsyringe requires a reflect
 * polyfill"), and the x509 README asks applications to load `reflect-metadata` first. The
 * project has no such dependency, and x509's own registrations only read
 * `design:paramtypes`, for which "none recorded" (undefined) is a valid answer, so this shim
 * stores metadata in a WeakMap and is installed only when no real polyfill is present.
 *
 * Import it (for its side effect) before `@peculiar/x509`; ES modules evaluate imports in order.
 */
type MetadataTarget = object;

interface ReflectMetadataApi {
  getMetadata?: (key: unknown, target: MetadataTarget, property?: string | symbol) => unknown;
  getOwnMetadata?: (key: unknown, target: MetadataTarget, property?: string | symbol) => unknown;
  defineMetadata?: (
    key: unknown,
    value: unknown,
    target: MetadataTarget,
    property?: string | symbol,
  ) => void;
  hasMetadata?: (key: unknown, target: MetadataTarget, property?: string | symbol) => boolean;
  metadata?: (
    key: unknown,
    value: unknown,
  ) => (target: MetadataTarget, property?: string | symbol) => void;
}

const reflect = Reflect as unknown as ReflectMetadataApi;

if (typeof reflect.getMetadata !== 'function') {
  const store = new WeakMap<MetadataTarget, Map<unknown, unknown>>();
  const keyOf = (key: unknown, property: string | symbol | undefined): unknown =>
    property === undefined ? key : `${String(property)}\u0000${String(key)}`;
  const own = (key: unknown, target: MetadataTarget, property?: string | symbol): unknown =>
    store.get(target)?.get(keyOf(key, property));
  const lookup = (key: unknown, target: MetadataTarget, property?: string | symbol): unknown => {
    for (
      let t: MetadataTarget | null = target;
      t !== null;
      t = Object.getPrototypeOf(t) as MetadataTarget | null
    ) {
      const value = own(key, t, property);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  const define = (
    key: unknown,
    value: unknown,
    target: MetadataTarget,
    property?: string | symbol,
  ): void => {
    const map = store.get(target) ?? new Map<unknown, unknown>();
    map.set(keyOf(key, property), value);
    store.set(target, map);
  };
  reflect.getOwnMetadata = own;
  reflect.getMetadata = lookup;
  reflect.defineMetadata = define;
  reflect.hasMetadata = (key, target, property) => lookup(key, target, property) !== undefined;
  reflect.metadata = (key, value) => (target, property) => {
    define(key, value, target, property);
  };
}

export {};
