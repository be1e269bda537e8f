import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { REPO_ROOT } from '../../scripts/dev/paths.ts';
import { runScript } from '../../scripts/dev/run-script.ts';

/** Path of the chart in this repository. */
export const CHART_DIR = path.join(REPO_ROOT, 'charts/pulsar-websocket-operator');

let helmBinary: Promise<string> | undefined;

/**
 * The helm binary, built from the Go module proxy by scripts/build-helm.sh on first use
 * (cached by version under PWO_CACHE_DIR). Memoised per process; call it from a `before` hook.
 */
export function ensureHelm(): Promise<string> {
  helmBinary ??= runScript(path.join(REPO_ROOT, 'scripts/build-helm.sh'));
  return helmBinary;
}

let helmHome: string | undefined;

/** The per-process helm home (cache, config, data, values files), removed when the process exits. */
function home(): string {
  if (helmHome === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pwo-helm-'));
    process.on('exit', () => {
      rmSync(dir, { recursive: true, force: true });
    });
    helmHome = dir;
  }
  return helmHome;
}

/**
 * Helm keeps a cache, a config and a data directory; a private set per process keeps the
 * user's real ones untouched and runs independent of each other.
 */
function helmEnv(kubeconfig: string | undefined): NodeJS.ProcessEnv {
  const dir = home();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HELM_CACHE_HOME: path.join(dir, 'cache'),
    HELM_CONFIG_HOME: path.join(dir, 'config'),
    HELM_DATA_HOME: path.join(dir, 'data'),
  };
  if (kubeconfig !== undefined) env['KUBECONFIG'] = kubeconfig;
  return env;
}

/** An error from a helm command, with its stderr. */
export class HelmError extends Error {
  readonly code = 'HELM_ERR_COMMAND';
  readonly stderr: string;
  constructor(message: string, stderr: string) {
    super(message);
    this.stderr = stderr;
  }
}

/** Runs `helm <args>` and resolves with its stdout; rejects with {@link HelmError} on failure. */
export async function helm(args: string[], opts: { kubeconfig?: string } = {}): Promise<string> {
  const bin = await ensureHelm();
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      { env: helmEnv(opts.kubeconfig), maxBuffer: 64 * 1024 * 1024, cwd: REPO_ROOT },
      (err, stdout, stderr) => {
        if (err === null) resolve(stdout);
        else
          reject(
            new HelmError(
              `helm ${args.join(' ')} failed (${err.message.split('\n')[0] ?? ''}):\n${stderr}`,
              stderr,
            ),
          );
      },
    );
  });
}

/** Writes `values` to a temporary file for `--values` (JSON is YAML). */
export function valuesFile(values: object): string {
  const dir = path.join(home(), 'values');
  mkdirSync(dir, { recursive: true });
  const file = path.join(
    dir,
    `values-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.json`,
  );
  writeFileSync(file, JSON.stringify(values));
  return file;
}

/** A Kubernetes object as rendered by the chart. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

/** Options of {@link helmTemplate}. */
export interface TemplateOptions {
  release?: string;
  namespace?: string;
  /** Values merged over values.yaml. */
  values?: object;
  /** Include the CRDs of crds/ (`--include-crds`). */
  includeCrds?: boolean;
  /** Extra API versions the capabilities report (`--api-versions`). */
  apiVersions?: string[];
}

/** `helm template` of the chart, parsed into objects (empty documents dropped). */
export async function helmTemplate(opts: TemplateOptions = {}): Promise<RenderedObject[]> {
  const text = await helmTemplateText(opts);
  return (loadAll(text) as (RenderedObject | null)[]).filter(
    (d): d is RenderedObject => d !== null && typeof d === 'object',
  );
}

/** `helm template` of the chart, as text. */
export function helmTemplateText(opts: TemplateOptions = {}): Promise<string> {
  const args = [
    'template',
    opts.release ?? 'pulsar-websocket-operator',
    CHART_DIR,
    '--namespace',
    opts.namespace ?? 'pulsar-ws-operator-system',
  ];
  if (opts.includeCrds === true) args.push('--include-crds');
  if (opts.values !== undefined) args.push('--values', valuesFile(opts.values));
  for (const v of opts.apiVersions ?? []) args.push('--api-versions', v);
  return helm(args);
}
