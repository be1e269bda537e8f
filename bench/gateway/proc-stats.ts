/**
 * CPU time and resident memory of a process under test, read from Linux's /proc (the benchmark
 * runs on Linux; elsewhere these return undefined and the report says so).
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux we run on). */
const USER_HZ = 100;

/** User + system CPU seconds the process has used so far, or undefined if unreadable. */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after its closing paren are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 (1-based) of the whole line: 12 and 13 here.
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** Resident set size in bytes (VmRSS), or undefined if unreadable. */
export function rssBytesOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** Samples CPU seconds over an interval: call `stop()` for the CPU share (1.0 = one core). */
export function cpuMeter(pid: number): { stop(): { cpuS: number; cores: number } } {
  const c0 = cpuSecondsOf(pid) ?? NaN;
  const t0 = performance.now();
  return {
    stop() {
      const cpuS = (cpuSecondsOf(pid) ?? NaN) - c0;
      return { cpuS, cores: cpuS / ((performance.now() - t0) / 1000) };
    },
  };
}
