/**
 * What the image build relies on, checked without a Docker engine: the Dockerfile's stages,
 * what it copies from the context (and that .dockerignore lets it through), where the build
 * output lands, the commands it puts on PATH, the runtime user and entrypoint, the OCI labels,
 * and that the production dependency tree has no native addon and nothing that compiles on
 * install. The build itself and `--help` of both commands are run by
 * test/integration/packaging/image-layout.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
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
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};
const dockerfile = parseDockerfile(read('Dockerfile'));
const ignoreRules = read('.dockerignore').split('\n');
const buildTsconfig = JSON.parse(read('tsconfig.build.json')) as {
  extends: string;
  include: string[];
  compilerOptions: { outDir: string; rootDir: string };
};
const OUT_DIR = posix.normalize(buildTsconfig.compilerOptions.outDir);

const runtime = dockerfile.stages.at(-1)!;
const build = stageNamed(dockerfile, 'build');
const deps = stageNamed(dockerfile, 'deps');

function runs(stage: { instructions: Instruction[] }): string[] {
  return stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.rest);
}

function only(stage: { instructions: Instruction[] }, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

describe('Dockerfile: stages and base image', () => {
  it('builds in stages build → deps → runtime, the last one being the image', () => {
    assert.deepEqual(
      dockerfile.stages.map((s) => s.name),
      ['build', 'deps', 'runtime'],
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
  it('installs with npm ci and compiles with npm run build (tsconfig.build.json)', () => {
    const r = runs(build);
    assert.ok(r.some((c) => /^npm ci\b/.test(c)));
    assert.ok(r.some((c) => /\bnpm run build\b/.test(c)));
    assert.match(JSON.stringify(pkg), /"build":"tsc -p tsconfig\.build\.json"/);
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

  it('gives the compiler everything tsconfig.build.json reads', () => {
    const copied = new Set(
      copySteps(dockerfile)
        .filter((s) => s.stage === build && s.from === undefined)
        .flatMap((s) => s.sources.map((x) => posix.normalize(x))),
    );
    const needed = [
      'package.json',
      'package-lock.json',
      'tsconfig.build.json',
      posix.normalize(buildTsconfig.extends),
      ...buildTsconfig.include.map((p) => posix.normalize(p)),
    ];
    for (const n of needed) assert.ok(copied.has(n), `build stage does not copy ${n}`);
    assert.equal(posix.normalize(buildTsconfig.compilerOptions.rootDir), 'src');
  });

  it('keeps the context small: tests, docs, node_modules and dist stay out', () => {
    for (const p of [
      'test/unit/runtime.test.ts',
      'node_modules/ws/package.json',
      'dist/x.js',
      'docs',
      '.git/HEAD',
      'README.md',
    ]) {
      assert.equal(inBuildContext(ignoreRules, p), false, p);
    }
  });

  it('makes exactly the package.json bin targets executable', () => {
    const chmod = runs(build).find((c) => c.includes('chmod'));
    assert.ok(chmod);
    const targets = [...chmod.matchAll(/(\S+\.js)/g)].map((m) => m[1]);
    assert.deepEqual(targets.sort(), Object.values(pkg.bin).sort());
    for (const target of Object.values(pkg.bin)) {
      assert.ok(target.startsWith(`${OUT_DIR}/`), `${target} is not build output`);
      const source = join(ROOT, 'src', target.slice(OUT_DIR.length + 1).replace(/\.js$/, '.ts'));
      assert.match(readFileSync(source, 'utf8'), /^#!\/usr\/bin\/env node\n/, `${source} shebang`);
    }
  });
});

describe('Dockerfile: production dependencies', () => {
  it('installs production dependencies only, without running any install script', () => {
    const install = runs(deps).find((c) => /^npm ci\b/.test(c));
    assert.ok(install);
    assert.match(install, /--omit=dev\b/);
    assert.match(install, /--ignore-scripts\b/);
  });

  it('leaves out every package allowed to run scripts: they are dev-only in the lockfile', () => {
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }>;
    };
    for (const name of Object.keys(pkg.allowScripts ?? {})) {
      assert.ok(name in pkg.devDependencies, `${name} is not a devDependency`);
      assert.equal(lock.packages[`node_modules/${name}`]?.dev, true, `${name} not dev-only`);
    }
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.dev === true) continue;
      assert.notEqual(entry.hasInstallScript, true, `${path} has an install script`);
    }
  });

  it('has no native addon in the production dependency tree', () => {
    const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const dirs = out
      .split('\n')
      .filter((d) => d !== '' && d !== ROOT)
      .map((d) => d.trim());
    // Every production dependency is there, and the `node` devDependency is not.
    assert.ok(dirs.length >= Object.keys(pkg.dependencies).length);
    for (const dep of Object.keys(pkg.dependencies)) {
      assert.ok(dirs.includes(join(ROOT, 'node_modules', dep)), `${dep} missing from the tree`);
    }
    assert.ok(!dirs.includes(join(ROOT, 'node_modules', 'node')));
    const problems: string[] = [];
    for (const dir of dirs) {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        gypfile?: boolean;
        scripts?: Record<string, string>;
      };
      if (manifest.gypfile === true) problems.push(`${dir}: gypfile`);
      if (existsSync(join(dir, 'binding.gyp'))) problems.push(`${dir}: binding.gyp`);
      for (const s of ['preinstall', 'install', 'postinstall']) {
        if (manifest.scripts?.[s] !== undefined) problems.push(`${dir}: ${s} script`);
      }
      for (const f of filesBelow(dir)) if (f.endsWith('.node')) problems.push(f);
    }
    assert.deepEqual(problems, []);
  });
});

describe('Dockerfile: runtime stage', () => {
  const steps = copySteps(dockerfile).filter((s) => s.stage === runtime);
  const appDir = finalWorkdir(runtime);

  it('copies package.json (ESM "type", the version the operator reads two levels above dist/*/)', () => {
    assert.equal(pkg.type, 'module');
    const step = steps.find((s) => s.from === undefined && s.sources.includes('package.json'));
    assert.ok(step);
    assert.equal(posix.resolve(step.dest, 'package.json'), posix.join(appDir, 'package.json'));
    assert.match(
      read('src/operator/options.ts'),
      /new URL\('\.\.\/\.\.\/package\.json', import\.meta\.url\)/,
    );
  });

  it('copies the build output and the production node_modules next to it', () => {
    const dist = steps.find((s) => s.from === 'build');
    assert.ok(dist);
    assert.deepEqual(dist.sources, [posix.join(finalWorkdir(build), OUT_DIR)]);
    assert.equal(dist.dest, posix.join(appDir, OUT_DIR));
    const modules = steps.find((s) => s.from === 'deps');
    assert.ok(modules);
    assert.deepEqual(modules.sources, [posix.join(finalWorkdir(deps), 'node_modules')]);
    assert.equal(modules.dest, posix.join(appDir, 'node_modules'));
    assert.equal(steps.length, 3, 'nothing else is copied into the image');
  });

  it('puts both commands on PATH, named as package.json bin, linked to their dist/ entry', () => {
    const links = only(runtime, 'RUN')
      .map((i) => i.exec)
      .filter((e): e is string[] => e?.[0] === 'ln');
    const byName = new Map(links.map((e) => [posix.basename(e[3]!), e]));
    assert.deepEqual([...byName.keys()].sort(), Object.keys(pkg.bin).sort());
    for (const [name, target] of Object.entries(pkg.bin)) {
      const e = byName.get(name)!;
      assert.equal(e[1], '-s');
      assert.equal(e[2], posix.join(appDir, target));
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

/** Files below `dir`, not descending into nested node_modules (listed by npm on their own). */
function filesBelow(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesBelow(p));
    else out.push(p);
  }
  return out;
}
