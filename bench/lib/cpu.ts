/**
 * Where a run's CPU went, by process: the server, PostgreSQL (every process of the cluster: its
 * backends do the statements, its writers the WAL), the webhook receiver. Read from /proc (Linux:
 * a process's user and system time in clock ticks of 10 ms), at the start and the end of a run,
 * and given per request answered. On a two-core machine this says which side a change made
 * cheaper or dearer, where throughput alone says only that something did (it found where
 * webhooks' cost went: docs/performance.md, *Webhooks and intake*).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Each group's processes with their CPU so far, in ms. */
export type CpuSnapshot = ReadonlyMap<string, ReadonlyMap<number, number>>;

/** Linux counts process times in USER_HZ ticks, 100 a second on every architecture it runs on. */
const MS_PER_TICK = 10;

/** A process's user + system time so far in ms; undefined when it is gone (or there is no /proc). */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command's name in parentheses (which may hold spaces): state, then 10 more
    // fields, then utime and stime.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return undefined;
  }
}

/** The processes of the local PostgreSQL cluster (their command lines start with `postgres`). */
export function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'latin1').startsWith('postgres')) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** Each group's processes' CPU so far (processes already gone are left out). */
export function readCpu(groups: Readonly<Record<string, readonly number[]>>): CpuSnapshot {
  const snapshot = new Map<string, Map<number, number>>();
  for (const [group, pids] of Object.entries(groups)) {
    const times = new Map<number, number>();
    for (const pid of pids) {
      const ms = processCpuMs(pid);
      if (ms !== undefined) times.set(pid, ms);
    }
    snapshot.set(group, times);
  }
  return snapshot;
}

/**
 * CPU per request in µs, by group, between two snapshots: a process first seen at the end counts
 * from zero (it started during the run); one gone by the end is left out (what it used is not
 * known). Groups with no process at the end are left out.
 */
export function cpuPerRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number): Record<string, number> {
  const perRequest: Record<string, number> = {};
  if (requests <= 0) return perRequest;
  for (const [group, times] of after) {
    if (times.size === 0) continue;
    let ms = 0;
    for (const [pid, end] of times) ms += Math.max(0, end - (before.get(group)?.get(pid) ?? 0));
    perRequest[group] = (ms * 1000) / requests;
  }
  return perRequest;
}

/** `server 278 · postgres 427 · receiver 77` (µs per request), in the groups' order. */
export function cpuText(perRequest: Readonly<Record<string, number>>): string {
  const parts = Object.entries(perRequest).map(([group, us]) => `${group} ${us.toFixed(0)}`);
  return parts.length === 0 ? '—' : parts.join(' · ');
}
