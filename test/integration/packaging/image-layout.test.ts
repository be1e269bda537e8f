/**
 * The image without a Docker engine: compiles src/ as the Dockerfile's build stage does
 * (tsconfig.build.json; dist/ is reused when it is newer than every source, otherwise the build
 * goes to a temporary outDir so parallel runs do not race), lays the result out as the runtime
 * stage does (/app/package.json, /app/dist, /app/node_modules with the production dependencies
 * only, the bin links in a PATH directory, the chmod of the build stage), and runs both commands
 * by name with `--help`, as Kubernetes runs `command: ['pulsar-ws-gateway']`.
 *
 * Node runs with --preserve-symlinks so a package is resolved from the layout's own
 * node_modules: a runtime import of a devDependency fails here as it would in the image.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { promisify } from 'node:util';
import { copySteps, finalWorkdir, parseDockerfile, stageNamed } from '../../helpers/dockerfile.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};
const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.stages.at(-1)!;
const APP = finalWorkdir(runtime);
/** A version only the layout's package.json carries: proves the operator reads that file. */
const LAYOUT_VERSION = `${pkg.version}-layout-test`;

let work: string;
let outDir: string;
/** The image's root file system, as far as the commands need it. */
let rootfs: string;

/** Newest mtime of the files below `dir` with `ext`, and their paths relative to `dir`. */
function scan(dir: string, ext: string): { newest: number; oldest: number; files: string[] } {
  let newest = 0;
  let oldest = Infinity;
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(ext)) {
        const t = statSync(p).mtimeMs;
        newest = Math.max(newest, t);
        oldest = Math.min(oldest, t);
        files.push(relative(dir, p));
      }
    }
  };
  walk(dir);
  return { newest, oldest, files };
}

/** dist/ holds a .js for every source and is newer than every source and build config. */
function distIsFresh(): boolean {
  const dist = join(ROOT, 'dist');
  if (!existsSync(dist)) return false;
  const src = scan(join(ROOT, 'src'), '.ts');
  const out = scan(dist, '.js');
  const have = new Set(out.files);
  const configs = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map(
    (f) => statSync(join(ROOT, f)).mtimeMs,
  );
  return (
    src.files.every((f) => have.has(f.replace(/\.ts$/, '.js'))) &&
    out.oldest >= Math.max(src.newest, ...configs)
  );
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'pwo-image-'));
  if (distIsFresh()) {
    outDir = join(ROOT, 'dist');
    process.stdout.write('# image-layout: reusing fresh dist/\n');
  } else {
    outDir = join(work, 'build-out');
    process.stdout.write('# image-layout: compiling src/ (tsconfig.build.json) to a temp outDir\n');
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    // Exit status matters: a failing `npm run build` fails the image build.
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], {
      cwd: ROOT,
      timeout: 600_000,
    });
  }
  rootfs = join(work, 'rootfs');
  const app = join(rootfs, APP);
  mkdirSync(app, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ ...manifest, version: LAYOUT_VERSION }),
  );
  // COPY --from=build /build/dist ./dist
  const fromBuild = copySteps(dockerfile).find((s) => s.stage === runtime && s.from === 'build')!;
  const buildDir = finalWorkdir(stageNamed(dockerfile, 'build'));
  assert.equal(posix.dirname(fromBuild.sources[0]!), buildDir);
  cpSync(outDir, join(rootfs, fromBuild.dest), { recursive: true });
  // COPY --from=deps /app/node_modules ./node_modules: the production tree only.
  const modules = join(app, 'node_modules');
  mkdirSync(modules);
  const prod = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .split('\n')
    .map((d) => relative(join(ROOT, 'node_modules'), d.trim()))
    .filter((d) => d !== '' && !d.startsWith('..') && !d.includes('node_modules'));
  for (const name of prod) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  // RUN npm run build && chmod 0755 <bin targets> (build stage), as the image keeps the mode.
  for (const target of Object.values(pkg.bin)) chmodSync(join(app, target), 0o755);
  // RUN ["ln", "-s", <target>, <link>]
  for (const ins of runtime.instructions) {
    const e = ins.exec;
    if (ins.keyword !== 'RUN' || e?.[0] !== 'ln') continue;
    mkdirSync(join(rootfs, posix.dirname(e[3]!)), { recursive: true });
    symlinkSync(join(rootfs, e[2]!), join(rootfs, e[3]!));
  }
  mkdirSync(join(rootfs, 'tmp'));
});

after(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Runs `command` by name on the layout's PATH (plus the directory of this Node.js). */
async function runCommand(
  command: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: `${join(rootfs, 'usr/local/bin')}:${dirname(process.execPath)}`,
    HOME: join(rootfs, 'tmp'),
    NODE_ENV: 'production',
    NODE_OPTIONS: '--preserve-symlinks',
  };
  try {
    const { stdout, stderr } = await run(command, args, { env, cwd: '/', timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('image layout', () => {
  it('the build writes every file the runtime stage links as a command', () => {
    for (const target of Object.values(pkg.bin)) {
      assert.ok(existsSync(join(rootfs, APP, target)), `${target} missing after the build`);
      assert.match(readFileSync(join(rootfs, APP, target), 'utf8'), /^#!\/usr\/bin\/env node\n/);
    }
  });

  it('pulsar-ws-gateway starts from dist/ by name and prints its usage', async () => {
    const r = await runCommand('pulsar-ws-gateway', ['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: pulsar-ws-gateway /);
  });

  it('pulsar-ws-operator starts from dist/ by name, prints its usage and the image version', async () => {
    const r = await runCommand('pulsar-ws-operator', ['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: pulsar-ws-operator /);
    // The default gateway image tag comes from /app/package.json (two levels above dist/*/).
    assert.ok(r.stdout.includes(`:${LAYOUT_VERSION})`), r.stdout);
  });

  it('the ENTRYPOINT command is one of them', async () => {
    const entry = runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')?.exec;
    assert.ok(entry);
    const r = await runCommand(entry[0]!, [...entry.slice(1), '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Usage: ${entry[0]!} `));
  });

  it('a bad flag exits non-zero with a message, not a crash', async () => {
    const r = await runCommand('pulsar-ws-gateway', ['--no-such-flag', 'x']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no-such-flag/);
  });
});
