// What the benchmarks measure the machine with: CPU shares per process from /proc, a wait for a
// quiet machine before a case, and latency percentiles.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** CPU time over wall time, in % of one core. */
export type CpuShares = { server: number; postgres: number; bench: number; other: number };

export interface CpuMeterOptions {
  /** The server under test; none when the case has no server. */
  serverPid?: number;
  /** Processes that count as the bench's own (this process always does). */
  benchPids?: number[];
  /** PostgreSQL backends of this database count as "postgres". */
  database?: string | null;
}

/**
 * Reads CPU ticks (1/100 s) from /proc, on Linux only (elsewhere `stop` gives null). "other" is
 * everything else, kernel included: more than a few % means something else ran on the machine
 * and disturbed the case.
 */
export function startCpuMeter(options: CpuMeterOptions) {
  type Kind = 'server' | 'postgres' | 'bench';
  const benchPids = new Set([process.pid, ...(options.benchPids ?? [])]);
  const kindOf = (pid: string): Kind | null => {
    if (benchPids.has(Number(pid))) return 'bench';
    if (Number(pid) === options.serverPid) return 'server';
    // A backend's command line names its database: "postgres: user database host(port) state".
    if (!options.database) return null;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${options.database} `) ? 'postgres' : null;
  };
  const sample = () => {
    const processes = new Map<string, { kind: Kind; ticks: number }>();
    for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
      try {
        const kind = kindOf(pid);
        if (!kind) continue;
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
        processes.set(pid, { kind, ticks: Number(fields[11]) + Number(fields[12]) }); // utime + stime
      } catch {} // the process ended in between
    }
    return { machine: machineTicks(), processes };
  };
  const start = existsSync('/proc/stat') ? sample() : null;
  const startWall = performance.now();
  return {
    stop(): CpuShares | null {
      if (!start) return null;
      const end = sample();
      const wallS = (performance.now() - startWall) / 1000;
      const used = { server: 0, postgres: 0, bench: 0 };
      for (const [pid, { kind, ticks }] of end.processes) {
        used[kind] += (ticks - (start.processes.get(pid)?.ticks ?? 0)) / wallS; // new backends start at 0
      }
      const all = (end.machine - start.machine) / wallS;
      return { ...used, other: Math.max(0, all - used.server - used.postgres - used.bench) };
    },
  };
}

/** Busy ticks of all CPUs since boot: the first line of /proc/stat but idle and iowait. */
function machineTicks(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1, 9).map(Number);
  return fields.reduce((sum, ticks, i) => (i === 3 || i === 4 ? sum : sum + ticks), 0);
}

/** On a shared machine, waits (at most `maxMs`) for a quiet second before a case starts. */
export async function waitForQuietMachine(maxMs = 60_000): Promise<void> {
  if (!existsSync('/proc/stat')) return; // not Linux
  for (const deadline = Date.now() + maxMs; Date.now() < deadline; ) {
    const before = machineTicks();
    await sleep(1000);
    if (machineTicks() - before < 20) return; // less than 20% of one core
  }
  console.warn('warning: the machine stayed busy; measuring anyway');
}

export function percentiles(latencies: number[]): { p50: number; p99: number } {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
