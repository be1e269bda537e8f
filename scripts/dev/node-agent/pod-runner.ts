import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type {
  V1Container,
  V1ContainerStatus,
  V1Pod,
  V1PodCondition,
  V1Probe,
} from '@kubernetes/client-node';
import { writeAtomic } from './atomic-writer.ts';
import { expandRefs, resolveEnv, type EnvContext, type KeyValues } from './env.ts';
import { resolveCommand, type ImageRule } from './image-map.ts';
import type { KubeRest } from './kube-rest.ts';
import { mountScript } from './mount-script.ts';
import { runAs } from './run-as.ts';
import { mountPlan, tokenRequests, volumeContent, type VolumeContext } from './volumes.ts';

/** Log sink of the agent: a constant message plus fields. */
export type AgentLog = (msg: string, fields?: Record<string, unknown>) => void;

/** What a {@link PodRunner} needs from the agent. */
export interface PodRunnerDeps {
  rest: KubeRest;
  nodeName: string;
  hostIP: string;
  podIP: string;
  /** Host directory of this pod's volumes and logs. */
  podDir: string;
  rules: readonly ImageRule[];
  /** Where in-cluster clients reach the API server (KUBERNETES_SERVICE_HOST/PORT). */
  apiServer: { host: string; port: number };
  secret(namespace: string, name: string): KeyValues | undefined;
  configMap(namespace: string, name: string): KeyValues | undefined;
  log: AgentLog;
  /** First restart delay and its cap, in ms (the kubelet uses 10 s and 300 s). */
  backoff: { initialMs: number; maxMs: number };
}

interface ContainerState {
  spec: V1Container;
  child: ChildProcess | undefined;
  restartCount: number;
  started: boolean;
  ready: boolean;
  state: V1ContainerStatus['state'];
  lastState: V1ContainerStatus['lastState'];
  stop: AbortController;
  exited: Promise<void>;
}

/** Reads the flag afresh (narrowing would otherwise freeze it across awaits). */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Resolves a probe port (number or container port name). */
function probePort(port: number | string, container: V1Container): number {
  if (typeof port === 'number') return port;
  const named = container.ports?.find((p) => p.name === port);
  if (named !== undefined) return named.containerPort;
  const n = Number(port);
  if (Number.isInteger(n)) return n;
  throw new Error(`probe port "${port}" not found`);
}

/**
 * Runs one pod's containers as local processes, each in a private mount namespace with the
 * pod's volumes bound at their mountPath, probes them, restarts them per restartPolicy with
 * backoff, and reports the pod's status (phase, podIP, conditions, container states).
 */
export class PodRunner {
  #pod: V1Pod;
  readonly #d: PodRunnerDeps;
  readonly #containers: ContainerState[] = [];
  readonly #tokens = new Map<string, { token: string; refreshAt: number }>();
  #terminating = false;
  #startedAt = now();
  #statusWriting: Promise<void> = Promise.resolve();
  #lastStatus = '';
  #configError: string | undefined;
  #volumeFiles = new Map<string, Map<string, Buffer>>();

  constructor(pod: V1Pod, deps: PodRunnerDeps) {
    this.#pod = pod;
    this.#d = deps;
  }

  get podIP(): string {
    return this.#d.podIP;
  }

  get namespace(): string {
    return this.#pod.metadata?.namespace ?? '';
  }

  get name(): string {
    return this.#pod.metadata?.name ?? '';
  }

  get uid(): string {
    return this.#pod.metadata?.uid ?? '';
  }

  /** The latest pod object seen. */
  get pod(): V1Pod {
    return this.#pod;
  }

  /** PIDs of the running container processes. */
  pids(): number[] {
    return this.#containers.flatMap((c) =>
      c.child?.pid !== undefined && c.child.exitCode === null ? [c.child.pid] : [],
    );
  }

  /** True when every container passes its readiness probe. */
  get ready(): boolean {
    return this.#containers.length > 0 && this.#containers.every((c) => c.ready);
  }

  #isTerminating(): boolean {
    return this.#terminating;
  }

  /** Takes a newer version of the pod object. */
  update(pod: V1Pod): void {
    this.#pod = pod;
  }

  /** Prepares volumes and starts every container; retries preparation until it succeeds. */
  async start(): Promise<void> {
    this.#startedAt = now();
    for (;;) {
      if (this.#terminating) return;
      try {
        await this.refreshVolumes();
        this.#configError = undefined;
        break;
      } catch (err) {
        this.#configError = (err as Error).message;
        this.#d.log('pod volumes not ready', { pod: this.#key(), err: this.#configError });
        this.#writeStatus();
        await delay(2000);
      }
    }
    for (const spec of this.#pod.spec?.containers ?? []) {
      const c: ContainerState = {
        spec,
        child: undefined,
        restartCount: 0,
        started: false,
        ready: false,
        state: { waiting: { reason: 'ContainerCreating' } },
        lastState: {},
        stop: new AbortController(),
        exited: Promise.resolve(),
      };
      this.#containers.push(c);
      this.#runContainer(c).catch((err: unknown) => {
        c.state = { waiting: { reason: 'RunContainerError', message: (err as Error).message } };
        this.#d.log('container run failed', { pod: this.#key(), err: (err as Error).message });
        this.#writeStatus();
      });
    }
    this.#writeStatus();
  }

  #key(): string {
    return `${this.namespace}/${this.name}`;
  }

  #envContext(): EnvContext {
    const ns = this.namespace;
    return {
      pod: this.#pod,
      podIP: this.#d.podIP,
      hostIP: this.#d.hostIP,
      nodeName: this.#d.nodeName,
      secret: (n) => this.#d.secret(ns, n),
      configMap: (n) => this.#d.configMap(ns, n),
    };
  }

  async #fetchTokens(): Promise<void> {
    const sa = this.#pod.spec?.serviceAccountName ?? 'default';
    for (const [audience, seconds] of tokenRequests(this.#pod)) {
      const key = `${audience}|${seconds}`;
      const held = this.#tokens.get(key);
      if (held !== undefined && held.refreshAt > Date.now()) continue;
      const res = await this.#d.rest.request<{ status?: { token?: string } }>(
        'POST',
        `/api/v1/namespaces/${this.namespace}/serviceaccounts/${sa}/token`,
        {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            audiences: audience === '' ? [] : [audience],
            expirationSeconds: seconds,
            boundObjectRef: {
              apiVersion: 'v1',
              kind: 'Pod',
              name: this.name,
              uid: this.#pod.metadata?.uid,
            },
          },
        },
      );
      const token = res.status?.token;
      if (token === undefined) throw new Error('TokenRequest returned no token');
      // The kubelet refreshes at 80% of the lifetime.
      this.#tokens.set(key, { token, refreshAt: Date.now() + seconds * 800 });
    }
  }

  /**
   * (Re)writes every file-backed volume from the current Secrets, ConfigMaps and tokens; a
   * changed volume is swapped atomically, so running processes see the new files.
   */
  async refreshVolumes(): Promise<void> {
    await this.#fetchTokens();
    const ctx: VolumeContext = {
      ...this.#envContext(),
      token: (aud, secs) => this.#tokens.get(`${aud}|${secs}`)?.token,
    };
    for (const v of this.#pod.spec?.volumes ?? []) {
      const content = volumeContent(v, ctx);
      const dir = this.#volumeDir(v.name);
      if (content.kind === 'files') {
        if (writeAtomic(dir, content.files, content.mode) && this.#volumeFiles.has(v.name)) {
          this.#d.log('volume updated', { pod: this.#key(), volume: v.name });
        }
        this.#volumeFiles.set(v.name, content.files);
      } else if (content.kind === 'emptyDir') {
        mkdirSync(dir, { recursive: true });
        // World-writable like the kubelet's emptyDir, so a non-root container can use it.
        chmodSync(dir, 0o777);
      }
    }
  }

  #volumeDir(name: string): string {
    const v = this.#pod.spec?.volumes?.find((x) => x.name === name);
    if (v?.hostPath !== undefined) return v.hostPath.path;
    return path.join(this.#d.podDir, 'volumes', name);
  }

  async #runContainer(c: ContainerState): Promise<void> {
    const restartPolicy = this.#pod.spec?.restartPolicy ?? 'Always';
    let backoff = this.#d.backoff.initialMs;
    const logFile = path.join(this.#d.podDir, `${c.spec.name}.log`);
    while (!this.#terminating) {
      let argv: string[];
      let env: Record<string, string>;
      let script: string;
      try {
        const envVars = resolveEnv(c.spec, this.#envContext());
        const resolved = resolveCommand(
          c.spec.image ?? '',
          c.spec.command?.map((s) => expandRefs(s, envVars)),
          c.spec.args?.map((s) => expandRefs(s, envVars)),
          this.#d.rules,
          this.#d.podIP,
        );
        argv = resolved.argv;
        env = {
          PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
          HOSTNAME: this.name,
          HOME: '/root',
          KUBERNETES_SERVICE_HOST: this.#d.apiServer.host,
          KUBERNETES_SERVICE_PORT: String(this.#d.apiServer.port),
          KUBERNETES_SERVICE_PORT_HTTPS: String(this.#d.apiServer.port),
          ...envVars,
          ...resolved.extraEnv,
        };
        script = mountScript(
          mountPlan(this.#pod, c.spec),
          (v) => this.#volumeDir(v),
          (step) =>
            step.subPath !== '' &&
            statSync(path.join(this.#volumeDir(step.volume), step.subPath)).isFile(),
          c.spec.workingDir ?? '/',
          runAs(this.#pod, c.spec, resolved.imageUser),
          { paths: resolved.hostPaths, keepDir: path.join(this.#d.podDir, 'keep') },
        );
      } catch (err) {
        c.state = {
          waiting: { reason: 'CreateContainerConfigError', message: (err as Error).message },
        };
        this.#d.log('container config error', {
          pod: this.#key(),
          container: c.spec.name,
          err: (err as Error).message,
        });
        this.#writeStatus();
        await delay(3000);
        continue;
      }
      const log = openSync(logFile, 'a');
      const child = spawn(
        'unshare',
        ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh', ...argv],
        { env, stdio: ['ignore', log, log], detached: true },
      );
      closeSync(log);
      c.child = child;
      c.stop = new AbortController();
      const startedAt = now();
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
        child.on('exit', (code, signal) => {
          resolve({ code, signal });
        });
        child.on('error', () => {
          resolve({ code: 127, signal: null });
        });
      });
      c.exited = exited.then(() => undefined);
      c.state = { running: { startedAt: startedAt as unknown as Date } };
      c.started = c.spec.startupProbe === undefined;
      c.ready = false;
      this.#d.log('container started', {
        pod: this.#key(),
        container: c.spec.name,
        pid: child.pid,
        podIP: this.#d.podIP,
      });
      this.#writeStatus();
      void this.#probeLoop(c, child, c.stop.signal);
      const t0 = Date.now();
      const { code, signal } = await exited;
      c.stop.abort();
      c.child = undefined;
      c.ready = false;
      c.started = false;
      const exitCode = code ?? (signal === 'SIGKILL' ? 137 : 143);
      c.lastState = {
        terminated: {
          exitCode,
          reason: exitCode === 0 ? 'Completed' : 'Error',
          startedAt: startedAt as unknown as Date,
          finishedAt: now() as unknown as Date,
          ...(signal !== null ? { signal: 0 } : {}),
        },
      };
      this.#d.log('container exited', {
        pod: this.#key(),
        container: c.spec.name,
        exitCode,
        signal,
      });
      if (this.#isTerminating()) {
        c.state = c.lastState;
        this.#writeStatus();
        return;
      }
      const restart =
        restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && exitCode !== 0);
      if (!restart) {
        c.state = c.lastState;
        this.#writeStatus();
        return;
      }
      // A container that ran for a while starts over with the shortest delay, as the kubelet does.
      if (Date.now() - t0 > 60_000) backoff = this.#d.backoff.initialMs;
      c.restartCount++;
      c.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${backoff}ms restarting failed container`,
        },
      };
      this.#writeStatus();
      await delay(backoff);
      backoff = Math.min(backoff * 2, this.#d.backoff.maxMs);
    }
  }

  /** Startup, then readiness and liveness probes, on the spec's schedule, until `signal`. */
  async #probeLoop(c: ContainerState, child: ChildProcess, signal: AbortSignal): Promise<void> {
    const sleep = (ms: number): Promise<boolean> => delay(ms, true, { signal }).catch(() => false);
    const startup = c.spec.startupProbe;
    if (startup !== undefined) {
      if (!(await sleep((startup.initialDelaySeconds ?? 0) * 1000))) return;
      let failures = 0;
      while (!c.started) {
        if (await this.#probe(startup, c.spec)) {
          c.started = true;
          this.#writeStatus();
          break;
        }
        failures++;
        if (failures >= (startup.failureThreshold ?? 3)) {
          this.#d.log('startup probe failed; restarting', {
            pod: this.#key(),
            container: c.spec.name,
          });
          this.#kill(child, 'SIGTERM');
          return;
        }
        if (!(await sleep((startup.periodSeconds ?? 10) * 1000))) return;
      }
    }
    const readiness = c.spec.readinessProbe;
    const liveness = c.spec.livenessProbe;
    void this.#livenessLoop(c, child, liveness, signal);
    if (readiness === undefined) {
      c.ready = true;
      this.#writeStatus();
      return;
    }
    if (!(await sleep((readiness.initialDelaySeconds ?? 0) * 1000))) return;
    let ok = 0;
    let bad = 0;
    while (!signal.aborted) {
      const pass = await this.#probe(readiness, c.spec);
      if (isAborted(signal)) return;
      if (pass) {
        ok++;
        bad = 0;
        if (!c.ready && ok >= (readiness.successThreshold ?? 1)) {
          c.ready = true;
          this.#writeStatus();
        }
      } else {
        bad++;
        ok = 0;
        if (c.ready && bad >= (readiness.failureThreshold ?? 3)) {
          c.ready = false;
          this.#writeStatus();
        }
      }
      if (!(await sleep((readiness.periodSeconds ?? 10) * 1000))) return;
    }
  }

  async #livenessLoop(
    c: ContainerState,
    child: ChildProcess,
    probe: V1Probe | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    if (probe === undefined) return;
    const sleep = (ms: number): Promise<boolean> => delay(ms, true, { signal }).catch(() => false);
    if (!(await sleep((probe.initialDelaySeconds ?? 0) * 1000))) return;
    let bad = 0;
    while (!signal.aborted && !this.#terminating) {
      if (await this.#probe(probe, c.spec)) bad = 0;
      else if (++bad >= (probe.failureThreshold ?? 3)) {
        this.#d.log('liveness probe failed; restarting', {
          pod: this.#key(),
          container: c.spec.name,
        });
        await this.#stopProcess(child, this.#pod.spec?.terminationGracePeriodSeconds ?? 30);
        return;
      }
      if (!(await sleep((probe.periodSeconds ?? 10) * 1000))) return;
    }
  }

  /** One probe attempt: httpGet (2xx/3xx), tcpSocket (connects) or exec (exit 0, in the pod's namespace). */
  async #probe(probe: V1Probe, container: V1Container): Promise<boolean> {
    const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
    try {
      if (probe.httpGet !== undefined) {
        const g = probe.httpGet;
        const port = probePort(g.port, container);
        const mod = g.scheme === 'HTTPS' ? https : http;
        return await new Promise<boolean>((resolve) => {
          const req = mod.get(
            {
              host: g.host ?? this.#d.podIP,
              port,
              path: g.path ?? '/',
              timeout: timeoutMs,
              headers: Object.fromEntries((g.httpHeaders ?? []).map((h) => [h.name, h.value])),
              rejectUnauthorized: false,
            },
            (res) => {
              res.resume();
              const s = res.statusCode ?? 0;
              resolve(s >= 200 && s < 400);
            },
          );
          req.on('timeout', () => req.destroy());
          req.on('error', () => {
            resolve(false);
          });
        });
      }
      if (probe.tcpSocket !== undefined) {
        const port = probePort(probe.tcpSocket.port, container);
        return await new Promise<boolean>((resolve) => {
          const s = net.connect({
            host: probe.tcpSocket?.host ?? this.#d.podIP,
            port,
            timeout: timeoutMs,
          });
          s.on('connect', () => {
            s.destroy();
            resolve(true);
          });
          s.on('timeout', () => {
            s.destroy();
            resolve(false);
          });
          s.on('error', () => {
            resolve(false);
          });
        });
      }
      if (probe.exec?.command !== undefined) {
        const pid = this.#containers.find((x) => x.spec === container)?.child?.pid;
        if (pid === undefined) return false;
        const cmd = probe.exec.command;
        return await new Promise<boolean>((resolve) => {
          const p = spawn('nsenter', ['--target', String(pid), '--mount', '--', ...cmd], {
            stdio: 'ignore',
            timeout: timeoutMs,
          });
          p.on('exit', (code) => {
            resolve(code === 0);
          });
          p.on('error', () => {
            resolve(false);
          });
        });
      }
    } catch {
      return false;
    }
    return true;
  }

  #kill(child: ChildProcess, sig: NodeJS.Signals): void {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      // The container runs in its own process group: signal every process in it.
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  }

  async #stopProcess(child: ChildProcess, graceSeconds: number): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) =>
      child.once('exit', () => {
        resolve();
      }),
    );
    this.#kill(child, 'SIGTERM');
    const timer = delay(graceSeconds * 1000, 'timeout');
    if ((await Promise.race([gone.then(() => 'exited'), timer])) === 'timeout') {
      this.#kill(child, 'SIGKILL');
      await gone;
    }
  }

  /**
   * Stops every container: SIGTERM, then SIGKILL after `graceSeconds`, as the kubelet does on
   * pod deletion. No restarts follow.
   */
  async terminate(graceSeconds: number): Promise<void> {
    this.#terminating = true;
    await Promise.all(
      this.#containers.map(async (c) => {
        if (c.child !== undefined) await this.#stopProcess(c.child, graceSeconds);
        await c.exited;
      }),
    );
    await this.#statusWriting;
  }

  #buildStatus(): Record<string, unknown> {
    const ts = now();
    const containersReady = this.ready;
    const anyRunning = this.#containers.some((c) => c.state?.running !== undefined);
    const allDone =
      this.#containers.length > 0 &&
      this.#containers.every((c) => c.state?.terminated !== undefined);
    const phase = allDone
      ? this.#containers.every((c) => c.state?.terminated?.exitCode === 0)
        ? 'Succeeded'
        : 'Failed'
      : anyRunning || this.#containers.some((c) => c.restartCount > 0)
        ? 'Running'
        : 'Pending';
    const cond = (type: string, ok: boolean, reason?: string): V1PodCondition => ({
      type,
      status: ok ? 'True' : 'False',
      lastTransitionTime: this.#transition(type, ok, ts) as unknown as Date,
      ...(ok || reason === undefined ? {} : { reason }),
    });
    const containerStatuses: V1ContainerStatus[] = this.#containers.map((c) => ({
      name: c.spec.name,
      image: c.spec.image ?? '',
      imageID: c.spec.image ?? '',
      containerID: c.child?.pid !== undefined ? `local://${c.child.pid}` : undefined,
      ready: c.ready,
      started: c.started,
      restartCount: c.restartCount,
      state: c.state,
      lastState: c.lastState,
    }));
    return {
      phase,
      hostIP: this.#d.hostIP,
      hostIPs: [{ ip: this.#d.hostIP }],
      podIP: this.#d.podIP,
      podIPs: [{ ip: this.#d.podIP }],
      startTime: this.#startedAt,
      qosClass: 'Burstable',
      conditions: [
        cond('PodScheduled', true),
        cond('Initialized', true),
        cond('ContainersReady', containersReady, 'ContainersNotReady'),
        cond('Ready', containersReady, 'ContainersNotReady'),
      ],
      containerStatuses:
        containerStatuses.length > 0
          ? containerStatuses
          : (this.#pod.spec?.containers ?? []).map((s) => ({
              name: s.name,
              image: s.image ?? '',
              imageID: '',
              ready: false,
              restartCount: 0,
              started: false,
              state: {
                waiting: {
                  reason:
                    this.#configError === undefined
                      ? 'ContainerCreating'
                      : 'CreateContainerConfigError',
                  ...(this.#configError === undefined ? {} : { message: this.#configError }),
                },
              },
            })),
    };
  }

  readonly #transitions = new Map<string, { ok: boolean; at: string }>();

  #transition(type: string, ok: boolean, ts: string): string {
    const prev = this.#transitions.get(type);
    if (prev !== undefined && prev.ok === ok) return prev.at;
    this.#transitions.set(type, { ok, at: ts });
    return ts;
  }

  /** Writes the status again if it changed or the last write failed (periodic resync). */
  syncStatus(): void {
    this.#writeStatus();
  }

  /** Writes the status when it changed; writes are serialised and coalesced. */
  #writeStatus(): void {
    this.#statusWriting = this.#statusWriting.then(async () => {
      const status = this.#buildStatus();
      const text = JSON.stringify(status);
      if (text === this.#lastStatus) return;
      try {
        await this.#d.rest.mergePatch(
          `/api/v1/namespaces/${this.namespace}/pods/${this.name}/status`,
          { status },
        );
        this.#lastStatus = text;
      } catch (err) {
        this.#d.log('pod status write failed', { pod: this.#key(), err: (err as Error).message });
      }
    });
  }
}
