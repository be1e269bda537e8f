/**
 * What a command bundle (`dist/bin/<command>.js`, scripts/bundle-commands.ts) is made of and
 * what it still loads at runtime, read from the bundle and its linked source map — for the
 * packaging tests, which check that the image needs no node_modules and ships no native addon.
 */
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, relative, resolve } from 'node:path';

/** A bundle's inputs and its runtime imports. */
export interface BundleInputs {
  /** Every input file, relative to `root` (`src/...`, `node_modules/...`). */
  files: string[];
  /**
   * The npm packages bundled, as directories relative to `root` (the lockfile's keys, e.g.
   * `node_modules/pino` or `node_modules/a/node_modules/b`).
   */
  packages: string[];
  /** Specifiers the bundle still require()s or imports at runtime that are not Node built-ins. */
  external: string[];
}

/**
 * Reads `bundle` (a .js file) and `bundle.map`. Input paths in the map are relative to the
 * map's directory; they are returned relative to `root` (the repository the bundle was built from).
 */
export function bundleInputs(bundle: string, root: string): BundleInputs {
  const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
  const files = map.sources.map((s) => relative(root, resolve(dirname(bundle), s)));
  const packages = new Set<string>();
  for (const file of files) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (m !== null) packages.add(m[1]!);
  }
  const code = readFileSync(bundle, 'utf8');
  const specifiers = new Set<string>();
  // require("x") (esbuild writes __require for what it leaves external), import("x"),
  // import ... from "x", import "x": what esbuild left unbundled.
  const patterns = [
    /(?<![\w$])(?:__)?require\(\s*["']([^"']+)["']\s*\)/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /^\s*import\s+(?:[^'"]*?\s+from\s+)?["']([^"']+)["']/gm,
    /^\s*export\s+[^'"]*?\s+from\s+["']([^"']+)["']/gm,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) specifiers.add(m[1]!);
  // esbuild resolves every relative path at build time (or fails), so a relative specifier in
  // the output is text inside bundled code's comments (undici's JSDoc `import('./x')` types).
  const external = [...specifiers].filter((s) => !isBuiltin(s) && !s.startsWith('.')).sort();
  return { files, packages: [...packages].sort(), external };
}
