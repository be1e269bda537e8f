#!/usr/bin/env node
/**
 * `npm run build`: bundles each command (src/gateway/main.ts, src/operator/main.ts) with its
 * production dependencies into one ESM file, `dist/bin/<command>.js`, the files the image runs.
 *
 * Why a bundle rather than tsc's one-file-per-module output plus node_modules: the operator's
 * resident memory. `@kubernetes/client-node` ships ~2,700 generated model modules that its
 * entry points load eagerly; as separate ES modules they cost the operator ~50 MiB of RSS
 * before it reads a single object (measured: importing the compiled operator 141 MiB RSS,
 * the bundle 90 MiB). Bundling also lets the image ship without node_modules.
 *
 * Whitespace and syntax are minified, identifiers are not, so stack traces keep function names
 * (source maps, written next to the bundles, give the original files with
 * `--enable-source-maps`). Dropping the comments matters more than it seems: V8 keeps each
 * module's source text on the heap, and a single non-ASCII character in a dependency's comment
 * (undici has `’` and `§`) turns the whole 4 MiB bundle into a two-byte string (8 MiB live
 * heap in the operator, measured in a heap snapshot); esbuild's default ASCII charset escapes
 * the rest.
 *
 * Usage: node scripts/bundle-commands.ts [--outdir dist/bin]
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(import.meta.dirname, '..');

/** The commands, by package.json `bin` name, and their entry modules. */
export const COMMANDS: Readonly<Record<string, string>> = {
  'pulsar-ws-gateway': 'src/gateway/main.ts',
  'pulsar-ws-operator': 'src/operator/main.ts',
};

/**
 * The Node.js flags a command's entry module asks for on its `#!/usr/bin/env -S node --flag`
 * line (the operator's `--optimize-for-size`; none for a plain `#!/usr/bin/env node`). The
 * bundle keeps that line, so run by name it gets them; whoever starts it as `node <file>` (the
 * local node agent, the benchmark's `--entry src`) passes these to stay faithful.
 */
export function nodeFlagsOf(command: string): string[] {
  const entry = COMMANDS[command];
  if (entry === undefined) throw new Error(`unknown command ${command}`);
  const first = readFileSync(join(ROOT, entry), 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env -S node((?: --[a-z-]+)+)$/.exec(first);
  return m?.[1] === undefined ? [] : m[1].trim().split(' ');
}

/**
 * Bundles every command into `outDir` (relative to the repository root unless absolute).
 * The bundles must sit two levels below the package root: the operator reads its version from
 * `../../package.json` relative to its own module.
 * @returns the absolute paths of the written bundles.
 */
export async function bundleCommands(outDir = 'dist/bin'): Promise<string[]> {
  const out = resolve(ROOT, outDir);
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: Object.entries(COMMANDS).map(([name, entry]) => ({ in: entry, out: name })),
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    sourcemap: 'linked',
    minifyWhitespace: true,
    minifySyntax: true,
    charset: 'ascii',
    // Licence comments of dependencies go to <bundle>.LEGAL.txt beside each bundle.
    legalComments: 'linked',
    // CommonJS dependencies (pino, prom-client, js-yaml's consumers...) call require() for Node
    // built-ins; an ES module has no require, so give the bundle one.
    banner: {
      js: "import { createRequire as __pwoCreateRequire } from 'node:module';\nconst require = __pwoCreateRequire(import.meta.url);",
    },
    // ws's optional native helpers are not installed (no native addons in the product); ws
    // already falls back to JavaScript when they are missing.
    external: ['bufferutil', 'utf-8-validate'],
    logLevel: 'warning',
    metafile: true,
  });
  if (result.errors.length > 0)
    throw new Error(`esbuild failed with ${String(result.errors.length)} errors`);
  const files = Object.keys(COMMANDS).map((name) => join(out, `${name}.js`));
  for (const file of files) {
    // See the module comment: one non-ASCII character doubles the source's heap size.
    const at = readFileSync(file).findIndex((byte) => byte > 0x7f);
    if (at >= 0) {
      throw new Error(
        `${file}: non-ASCII byte at offset ${String(at)} (in a template literal or a kept comment); V8 would hold the whole bundle as a two-byte string`,
      );
    }
  }
  return files;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist/bin' } } });
  const files = await bundleCommands(values.outdir);
  for (const f of files) process.stdout.write(`${f}\n`);
}
