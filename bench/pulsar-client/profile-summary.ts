/**
 * Summarizes the V8 CPU profiles (`--cpu-prof`) of our benchmark processes: self time per function
 * and per source file, so the report can say where our client spends its time without opening
 * DevTools.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../scripts/dev/paths.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  return file.startsWith(REPO_ROOT) ? path.relative(REPO_ROOT, file) : file || '(native)';
}

/** Top functions and files by self time over every profile in `dir`, as Markdown lists. */
export function summarizeProfiles(dir: string, top = 20): string {
  if (!existsSync(dir)) return 'No CPU profiles.';
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  for (const f of files) {
    const prof = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile;
    const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
    for (let i = 0; i < prof.samples.length; i++) {
      const node = nodes.get(prof.samples[i]!);
      const dt = prof.timeDeltas[i] ?? 0;
      if (node === undefined) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      // The idle loop is waiting, not work.
      if (functionName === '(idle)') continue;
      total += dt;
      const file = shortUrl(url);
      const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
      byFn.set(key, (byFn.get(key) ?? 0) + dt);
      byFile.set(file, (byFile.get(file) ?? 0) + dt);
    }
  }
  const list = (m: Map<string, number>): string[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, us]) => `- ${((100 * us) / total).toFixed(1)}% ${(us / 1000).toFixed(0)} ms — ${k}`,
      );
  return [
    `CPU profile of our processes (${files.length} profiles, ${(total / 1e6).toFixed(1)} s busy):`,
    '',
    'By function (self time):',
    ...list(byFn),
    '',
    'By file (self time):',
    ...list(byFile),
  ].join('\n');
}
