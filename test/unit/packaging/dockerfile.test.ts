/**
 * What the image build relies on, checked without a Docker engine: the Dockerfile's stages,
 * what it copies from the context (and that .dockerignore lets it through), that the build
 * stage gets every file the bundler reads, the commands it puts on PATH (package.json bin =
 * scripts/bundle-commands.ts's commands = the chart), the runtime user and entrypoint, the OCI
 * labels, no npm and no node_modules at runtime, and that the command bundles (built here into
 * a temporary directory, as `npm run build` does) contain no native addon, no package that
 * compiles on install and no devDependency, and load nothing from node_modules but optional
 * helpers their code falls back from. Both commands are run from the image's layout, against
 * the real broker and API server, by test/integration/packaging/image-layout.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { COMMANDS, bundleCommands } from '../../../scripts/bundle-commands.ts';
import { bundleInputs, type BundleInputs } from '../../helpers/bundle-inputs.ts';
import {
  copySteps,
  finalWorkdir,
  inBuildContext,
  parseDockerfile,
  stageNamed,
  type Instruction,
} from '../../helpers/dockerfile.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  license: string;
  type: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(read('package-lock.json')) as {
  packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }>;
};
const dockerfile = parseDockerfile(read('Dockerfile'));
const ignoreRules = read('.dockerignore').split('\n');
/** Where `npm run build` writes the bundles (relative to the package root). */
const BUNDLE_DIR = 'dist/bin';
/**
 * Specifiers a bundle may still load at runtime, from a node_modules the image does not have:
 * optional helpers whose absence their callers handle. ws: `bufferutil` and `utf-8-validate`
 * (native; left external by scripts/bundle-commands.ts, ws falls back to JavaScript); debug
 * (via @kubernetes/client-node): `supports-color`, required inside a try.
 */
const OPTIONAL_EXTERNALS = new Set(['bufferutil', 'utf-8-validate', 'supports-color']);

const runtime = dockerfile.stages.at(-1)!;
const build = stageNamed(dockerfile, 'build');

function runs(stage: { instructions: Instruction[] }): string[] {
  return stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.rest);
}

function only(stage: { instructions: Instruction[] }, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** The bundles as `npm run build` writes them, built into a temporary directory. */
let bundleDir: string;
const inputs = new Map<string, BundleInputs>();

before(async () => {
  bundleDir = mkdtempSync(join(tmpdir(), 'pwo-bundle-'));
  await bundleCommands(join(bundleDir, BUNDLE_DIR));
  for (const name of Object.keys(COMMANDS)) {
    inputs.set(name, bundleInputs(join(bundleDir, BUNDLE_DIR, `${name}.js`), ROOT));
  }
});

after(() => {
  rmSync(bundleDir, { recursive: true, force: true });
});

describe('Dockerfile: stages and base image', () => {
  it('builds in stages build → runtime, the last one being the image', () => {
    assert.deepEqual(
      dockerfile.stages.map((s) => s.name),
      ['build', 'runtime'],
    );
  });

  it('bases every stage on one pinned Node.js 24 Debian slim image, the release the tests use', () => {
    const images = new Set(dockerfile.stages.map((s) => s.from));
    assert.equal(images.size, 1, 'one base image for all stages');
    const [image] = [...images];
    const m =
      /^(?:docker\.io\/library\/)?node:(\d+)\.(\d+)\.(\d+)-(\w+)-slim(?:@sha256:[0-9a-f]{64})?$/.exec(
        image!,
      );
    assert.ok(m, `unpinned or unexpected base image ${image}`);
    assert.equal(m[1], '24');
    // Same release as the `node` devDependency the whole test suite runs on.
    assert.equal(`${m[1]}.${m[2]}.${m[3]}`, pkg.devDependencies.node);
  });
});

describe('Dockerfile: build stage', () => {
  it('installs with npm ci and bundles with npm run build (scripts/bundle-commands.ts)', () => {
    const r = runs(build);
    assert.ok(r.some((c) => /^npm ci\b/.test(c)));
    assert.ok(r.some((c) => /\bnpm run build\b/.test(c)));
    assert.equal(pkg.scripts.build, 'node scripts/bundle-commands.ts');
  });

  it('copies from the context only what exists and .dockerignore lets through', () => {
    const fromContext = copySteps(dockerfile).filter((s) => s.from === undefined);
    assert.ok(fromContext.length > 0);
    for (const step of fromContext) {
      for (const source of step.sources) {
        const rel = posix.normalize(source);
        assert.ok(existsSync(join(ROOT, rel)), `line ${step.line}: ${rel} does not exist`);
        assert.ok(
          inBuildContext(ignoreRules, rel),
          `line ${step.line}: .dockerignore drops ${rel}`,
        );
        if (statSync(join(ROOT, rel)).isDirectory()) {
          // A sample file below it must be in the context too.
          const first = readdirSync(join(ROOT, rel))[0]!;
          assert.ok(inBuildContext(ignoreRules, `${rel}/${first}`));
        }
      }
    }
  });

  it('gives the bundler every file it reads, at the same path below the build WORKDIR', () => {
    const workdir = finalWorkdir(build);
    // Absolute destinations of what the build stage copies from the context, by source.
    const copied = copySteps(dockerfile)
      .filter((s) => s.stage === build && s.from === undefined)
      .flatMap((s) =>
        s.sources.map((x) => {
          const source = posix.normalize(x);
          // `COPY a b ./dir/` puts a and b in dir; `COPY src ./src` makes dir src.
          const dest =
            s.sources.length > 1 || s.dest.endsWith('/') || statSync(join(ROOT, source)).isFile()
              ? posix.join(s.dest, posix.basename(source))
              : s.dest;
          return { source, dest };
        }),
      );
    const lands = (file: string): boolean =>
      copied.some(
        ({ source, dest }) =>
          (file === source || file.startsWith(`${source}/`)) &&
          posix.join(dest, posix.relative(source, file)) === posix.join(workdir, file),
      );
    const script = /^node (\S+\.ts)$/.exec(pkg.scripts.build ?? '')?.[1];
    assert.ok(script, 'npm run build runs one script');
    // The lockfile (npm ci), the bundler's script and its compiler options, and every input
    // outside node_modules that went into the bundles (as read from their source maps).
    const needed = new Set(['package.json', 'package-lock.json', 'tsconfig.json', script]);
    for (const i of inputs.values()) {
      for (const f of i.files) if (!f.startsWith('node_modules/')) needed.add(f);
    }
    // The script's own relative imports (it runs before anything is bundled).
    for (const m of read(script).matchAll(/^import .* from '(\.{1,2}\/[^']+)';$/gm)) {
      needed.add(posix.join(posix.dirname(script), m[1]!));
    }
    assert.ok(needed.has('src/operator/main.ts') && needed.has('src/gateway/main.ts'));
    for (const file of needed) assert.ok(lands(file), `build stage does not copy ${file}`);
  });

  it('keeps the context small: tests, docs, dev scripts, node_modules and dist stay out', () => {
    for (const p of [
      'test/unit/runtime.test.ts',
      'node_modules/ws/package.json',
      'dist/x.js',
      'dist/bin/pulsar-ws-operator.js',
      'scripts/local.ts',
      'bench/operator/run.ts',
      'docs',
      '.git/HEAD',
      'README.md',
    ]) {
      assert.equal(inBuildContext(ignoreRules, p), false, p);
    }
  });

  it('bundles exactly the package.json bin commands, each to dist/bin/<command>.js', () => {
    assert.deepEqual(Object.keys(COMMANDS).sort(), Object.keys(pkg.bin).sort());
    for (const [name, target] of Object.entries(pkg.bin)) {
      assert.equal(target, `${BUNDLE_DIR}/${name}.js`);
    }
  });

  it('writes each bundle executable with the entry module’s #!/usr/bin/env node line', () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      // `env -S` splits the rest into node and its V8 flags (the operator's --optimize-for-size).
      const line = read(entry).split('\n', 1)[0] ?? '';
      assert.match(line, /^#!\/usr\/bin\/env (?:node|-S node(?: --[a-z-]+)+)$/, `${entry} shebang`);
      const file = join(bundleDir, BUNDLE_DIR, `${name}.js`);
      assert.ok(readFileSync(file, 'utf8').startsWith(`${line}\n`), `${file} keeps ${line}`);
      assert.equal(statSync(file).mode & 0o111, 0o111, `${file} is not executable`);
    }
  });
});

describe('command bundles', () => {
  it('have no native addon and no package that compiles or runs scripts on install', () => {
    const problems: string[] = [];
    for (const [name, i] of inputs) {
      assert.ok(i.packages.length > 0, `${name}: no package bundled`);
      for (const f of i.files) if (f.endsWith('.node')) problems.push(`${name}: ${f}`);
      for (const dir of i.packages) {
        const manifest = JSON.parse(read(`${dir}/package.json`)) as {
          gypfile?: boolean;
          scripts?: Record<string, string>;
        };
        if (manifest.gypfile === true) problems.push(`${dir}: gypfile`);
        if (existsSync(join(ROOT, dir, 'binding.gyp'))) problems.push(`${dir}: binding.gyp`);
        for (const s of ['preinstall', 'install', 'postinstall']) {
          if (manifest.scripts?.[s] !== undefined) problems.push(`${dir}: ${s} script`);
        }
        if (lock.packages[dir]?.hasInstallScript === true) problems.push(`${dir}: install script`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('bundle production dependencies only, never a devDependency', () => {
    for (const [name, i] of inputs) {
      for (const dir of i.packages) {
        assert.ok(lock.packages[dir], `${name}: ${dir} is not in the lockfile`);
        assert.notEqual(lock.packages[dir].dev, true, `${name}: bundles devDependency ${dir}`);
      }
    }
    // Each direct dependency the commands import is inside (the gateway: ws, pino...).
    const all = new Set([...inputs.values()].flatMap((i) => i.packages));
    for (const dep of ['ws', 'pino', 'prom-client', '@kubernetes/client-node']) {
      assert.ok(all.has(`node_modules/${dep}`), `${dep} not bundled`);
    }
  });

  it('load nothing from node_modules at runtime but optional helpers (the image has none)', () => {
    // The scan sees what esbuild leaves external: ws's optional helper, external by config.
    assert.ok(inputs.get('pulsar-ws-gateway')?.external.includes('bufferutil'));
    for (const [name, i] of inputs) {
      const unexpected = i.external.filter((s) => !OPTIONAL_EXTERNALS.has(s));
      assert.deepEqual(unexpected, [], `${name} loads ${unexpected.join(', ')} at runtime`);
    }
  });

  it('leave out every package allowed to run install scripts: they are dev-only', () => {
    for (const name of Object.keys(pkg.allowScripts ?? {})) {
      assert.ok(name in pkg.devDependencies, `${name} is not a devDependency`);
      assert.equal(lock.packages[`node_modules/${name}`]?.dev, true, `${name} not dev-only`);
    }
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.dev === true) continue;
      assert.notEqual(entry.hasInstallScript, true, `${path} has an install script`);
    }
  });
});

describe('Dockerfile: runtime stage', () => {
  const steps = copySteps(dockerfile).filter((s) => s.stage === runtime);
  const appDir = finalWorkdir(runtime);

  it('copies package.json (ESM "type", the version the operator reads two levels above dist/bin/)', () => {
    assert.equal(pkg.type, 'module');
    const step = steps.find((s) => s.from === undefined && s.sources.includes('package.json'));
    assert.ok(step);
    assert.equal(posix.resolve(step.dest, 'package.json'), posix.join(appDir, 'package.json'));
    assert.match(
      read('src/operator/options.ts'),
      /new URL\('\.\.\/\.\.\/package\.json', import\.meta\.url\)/,
    );
  });

  it('copies the bundles and package.json only: no node_modules in the image', () => {
    const bundles = steps.find((s) => s.from === 'build');
    assert.ok(bundles);
    assert.deepEqual(bundles.sources, [posix.join(finalWorkdir(build), BUNDLE_DIR)]);
    assert.equal(bundles.dest, posix.join(appDir, BUNDLE_DIR));
    assert.equal(steps.length, 2, 'nothing else is copied into the image');
    for (const step of steps) {
      for (const p of [...step.sources, step.dest]) assert.doesNotMatch(p, /node_modules/);
    }
  });

  it('ships no package manager: npm, npx, corepack and yarn are removed, none runs', () => {
    const rm = runs(runtime).find((c) => /^rm -rf\b/.test(c));
    assert.ok(rm, 'the runtime stage removes the package managers');
    for (const p of [
      '/usr/local/lib/node_modules/npm',
      '/usr/local/lib/node_modules/corepack',
      '/usr/local/bin/npm',
      '/usr/local/bin/npx',
      '/usr/local/bin/corepack',
      '/usr/local/bin/yarn',
    ]) {
      assert.ok(rm.split(/\s+/).includes(p), `${p} is not removed`);
    }
    // Nothing else installs, runs a package manager or writes a node_modules.
    for (const r of runs(runtime)) {
      if (r !== rm) assert.doesNotMatch(r, /\b(npm|npx|corepack|yarn)\b|node_modules/, r);
    }
  });

  it('puts both commands on PATH, named as package.json bin, linked to their bundle', () => {
    const links = only(runtime, 'RUN')
      .map((i) => i.exec)
      .filter((e): e is string[] => e?.[0] === 'ln');
    const byName = new Map(links.map((e) => [posix.basename(e[3]!), e]));
    assert.deepEqual([...byName.keys()].sort(), Object.keys(pkg.bin).sort());
    for (const [name, target] of Object.entries(pkg.bin)) {
      const e = byName.get(name)!;
      assert.equal(e[1], '-s');
      assert.equal(e[2], posix.join(appDir, target));
      assert.equal(e[2], posix.join(appDir, BUNDLE_DIR, `${name}.js`));
      assert.equal(posix.dirname(e[3]!), '/usr/local/bin', 'on the base image PATH');
    }
  });

  it('has the commands the operator and the chart run', () => {
    assert.match(read('src/operator/resources/deployment.ts'), /command: \['pulsar-ws-gateway'\]/);
    assert.ok('pulsar-ws-gateway' in pkg.bin);
    assert.ok('pulsar-ws-operator' in pkg.bin);
    const chart = 'charts/pulsar-websocket-operator/templates/deployment.yaml';
    if (existsSync(join(ROOT, chart))) {
      assert.match(read(chart), /command: \["pulsar-ws-operator"\]/);
    }
  });

  it('runs as the numeric non-root user the gateway pods use', () => {
    const users = only(runtime, 'USER');
    assert.equal(users.length, 1);
    const m = /^(\d+):(\d+)$/.exec(users[0]!.rest);
    assert.ok(m, 'numeric uid:gid, so runAsNonRoot can be verified');
    assert.notEqual(m[1], '0');
    const id = /const NON_ROOT_ID = (\d+);/.exec(read('src/operator/resources/deployment.ts'));
    assert.equal(m[1], id?.[1]);
    assert.equal(m[2], id?.[1]);
    const userAt = runtime.instructions.indexOf(users[0]!);
    assert.ok(
      runtime.instructions.slice(userAt).every((i) => i.keyword !== 'RUN'),
      'nothing runs as that user at build time',
    );
  });

  it('starts without a shell: exec-form ENTRYPOINT (a bin command) and CMD, no shell health check', () => {
    const entry = only(runtime, 'ENTRYPOINT');
    assert.equal(entry.length, 1);
    assert.ok(entry[0]!.exec, 'exec form (the base image entrypoint is a shell script)');
    assert.ok(entry[0]!.exec.length >= 1 && entry[0]!.exec[0]! in pkg.bin);
    for (const cmd of only(runtime, 'CMD')) assert.ok(cmd.exec, 'CMD in exec form');
    assert.equal(only(runtime, 'SHELL').length, 0);
    for (const h of only(runtime, 'HEALTHCHECK')) assert.doesNotMatch(h.rest, /CMD-SHELL|CMD [^[]/);
  });

  it('writes nowhere but /tmp: HOME is /tmp, no VOLUME, files owned by root', () => {
    const env = only(runtime, 'ENV')
      .map((i) => i.rest)
      .join(' ');
    assert.match(env, /\bHOME=\/tmp\b/);
    assert.match(env, /\bNODE_ENV=production\b/);
    assert.equal(only(runtime, 'VOLUME').length, 0);
    for (const step of steps)
      assert.equal(
        step.stage.instructions.find((i) => i.line === step.line)?.flags.chown,
        undefined,
      );
    assert.match(read('src/operator/resources/deployment.ts'), /readOnlyRootFilesystem: true/);
    assert.match(read('src/operator/resources/gateway-config.ts'), /tmpDir: '\/tmp'/);
  });

  it('carries the OCI labels, licence and version from package.json', () => {
    const labels = only(runtime, 'LABEL')
      .map((i) => i.rest)
      .join(' ');
    for (const key of [
      'title',
      'description',
      'licenses',
      'version',
      'revision',
      'source',
      'base.name',
    ]) {
      assert.match(
        labels,
        new RegExp(`org\\.opencontainers\\.image\\.${key.replace('.', '\\.')}=`),
      );
    }
    assert.match(labels, new RegExp(`licenses="${pkg.license}"`));
    const version = only(runtime, 'ARG').find((a) => a.rest.startsWith('VERSION='));
    assert.equal(
      version?.rest,
      `VERSION=${(JSON.parse(read('package.json')) as { version: string }).version}`,
    );
  });
});
