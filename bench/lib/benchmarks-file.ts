/**
 * Shared by the benchmark scripts: writing their section of BENCHMARKS.md and describing the
 * machine's Java.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../scripts/dev/paths.ts';
import { progress } from '../../scripts/dev/progress.ts';

/**
 * Replaces the section of BENCHMARKS.md that starts with the line `heading` (up to the next
 * `## ` heading) by `section`, or appends it when absent. Only an exact heading line matches,
 * so `## X: reading the numbers` is never taken for `## X`.
 */
export function writeBenchmarkSection(heading: string, section: string): void {
  const file = path.join(REPO_ROOT, 'BENCHMARKS.md');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const start = text.indexOf(heading + '\n');
  if (start === -1) {
    text = `${text.trimEnd()}\n\n${section}`;
  } else {
    const next = text.indexOf('\n## ', start + heading.length);
    text = text.slice(0, start) + section + (next === -1 ? '' : text.slice(next + 1));
  }
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
  progress('bench', `wrote ${file}`);
}

/** The first line of `java -version`, or `java: unknown version`. */
export function javaVersionLine(): string {
  // java prints its version on stderr; a shell merges it into what execFileSync returns.
  try {
    return (
      execFileSync('sh', ['-c', 'java -version 2>&1'], { encoding: 'utf8' }).split('\n')[0] ?? ''
    );
  } catch {
    return 'java: unknown version';
  }
}
