/**
 * A small Dockerfile reader for the packaging tests (no Docker engine runs here): enough of the
 * syntax the project's Dockerfile uses — comments and parser directives, `\` continuations,
 * global ARG defaults substituted into FROM, stages with names and WORKDIR, instruction flags
 * (`--from=…`) and the exec (JSON) and shell forms.
 */
import { posix } from 'node:path';

/** One instruction, continuations joined. */
export interface Instruction {
  /** Upper-case keyword, e.g. `COPY`. */
  keyword: string;
  /** `--name=value` flags before the arguments. */
  flags: Record<string, string>;
  /** Arguments after the flags, as written. */
  rest: string;
  /** The JSON array of the exec form, when the arguments are one. */
  exec: string[] | undefined;
  /** 1-based line of the keyword. */
  line: number;
}

/** One build stage. */
export interface Stage {
  name: string | undefined;
  /** The FROM image with global ARG defaults substituted. */
  from: string;
  /** FROM as written. */
  fromRaw: string;
  instructions: Instruction[];
}

/** A parsed Dockerfile. */
export interface Dockerfile {
  /** Global ARGs (before the first FROM) and their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** A COPY/ADD: sources and destination, resolved against the stage's WORKDIR. */
export interface CopyStep {
  stage: Stage;
  /** Stage name (or image) with --from, undefined for the build context. */
  from: string | undefined;
  sources: string[];
  /** Absolute destination in the stage's file system. */
  dest: string;
  line: number;
}

/** Parses `text`; throws on a line it cannot read. */
export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.rest);
      if (m === null) throw new Error(`line ${ins.line}: unreadable FROM`);
      const fromRaw = m[1]!;
      const from = fromRaw.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => {
        const v = globalArgs[(a ?? b)!];
        if (v === undefined) throw new Error(`line ${ins.line}: ARG ${a ?? b} has no default`);
        return v;
      });
      stages.push({ name: m[2], from, fromRaw, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: ${ins.keyword} before FROM`);
      const [name, value] = splitOnce(ins.rest, '=');
      globalArgs[name] = unquote(value ?? '');
      continue;
    }
    stage.instructions.push(ins);
  }
  return { globalArgs, stages };
}

/** The stage named `name`; throws when absent. */
export function stageNamed(file: Dockerfile, name: string): Stage {
  const stage = file.stages.find((s) => s.name === name);
  if (stage === undefined) throw new Error(`no stage ${name}`);
  return stage;
}

/** Every COPY and ADD of every stage, with destinations made absolute. */
export function copySteps(file: Dockerfile): CopyStep[] {
  const steps: CopyStep[] = [];
  for (const stage of file.stages) {
    let workdir = '/';
    for (const ins of stage.instructions) {
      if (ins.keyword === 'WORKDIR') workdir = posix.resolve(workdir, ins.rest);
      if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
      const words = ins.exec ?? ins.rest.split(/\s+/);
      const dest = words.at(-1)!;
      steps.push({
        stage,
        from: ins.flags.from,
        sources: words.slice(0, -1),
        dest: posix.resolve(workdir, dest),
        line: ins.line,
      });
    }
  }
  return steps;
}

/** The WORKDIR in effect at the end of `stage` ('/' when none). */
export function finalWorkdir(stage: Stage): string {
  let workdir = '/';
  for (const ins of stage.instructions) {
    if (ins.keyword === 'WORKDIR') workdir = posix.resolve(workdir, ins.rest);
  }
  return workdir;
}

function* instructions(text: string): Generator<Instruction> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!.trim();
    if (first === '' || first.startsWith('#')) continue;
    const line = i + 1;
    let joined = first;
    while (joined.endsWith('\\')) {
      joined = joined.slice(0, -1);
      i++;
      if (i >= lines.length) throw new Error(`line ${line}: continuation at end of file`);
      const next = lines[i]!.trim();
      if (next.startsWith('#')) continue;
      joined += ' ' + next;
    }
    const m = /^(\w+)\s*(.*)$/.exec(joined);
    if (m === null) throw new Error(`line ${line}: unreadable`);
    let rest = m[2]!.trim();
    const flags: Record<string, string> = {};
    for (;;) {
      const f = /^--([\w-]+)=(\S+)\s*/.exec(rest);
      if (f === null) break;
      flags[f[1]!] = f[2]!;
      rest = rest.slice(f[0].length);
    }
    yield { keyword: m[1]!.toUpperCase(), flags, rest, exec: execForm(rest), line };
  }
}

function execForm(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(rest);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s.trim(), undefined] : [s.slice(0, i).trim(), s.slice(i + 1).trim()];
}

function unquote(s: string): string {
  return /^(["']).*\1$/.test(s) ? s.slice(1, -1) : s;
}

/**
 * Whether `path` (relative to the context root, `/`-separated) is sent to the builder under the
 * `.dockerignore` `rules`: the last matching rule wins; `!` re-includes. Patterns are matched
 * per path segment (`*`, `?`), and a pattern matching a directory covers what is below it.
 */
export function inBuildContext(rules: readonly string[], path: string): boolean {
  let included = true;
  for (const raw of rules) {
    const rule = raw.trim();
    if (rule === '' || rule.startsWith('#')) continue;
    const negate = rule.startsWith('!');
    const pattern = posix.normalize((negate ? rule.slice(1) : rule).replace(/^\/+/, ''));
    if (matchesOrIsBelow(pattern, path)) included = negate;
  }
  return included;
}

function matchesOrIsBelow(pattern: string, path: string): boolean {
  const p = pattern.split('/');
  const s = path.split('/');
  if (s.length < p.length) return false;
  return p.every((part, i) => globPart(part, s[i]!));
}

function globPart(pattern: string, segment: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(segment);
}
