/** bench/lib/cpu.ts: per-request CPU by process group, from /proc. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type CpuSnapshot, cpuPerRequest, cpuText, postgresPids, processCpuMs, readCpu } from '../../bench/lib/cpu.js';

const snapshot = (groups: Record<string, [number, number][]>): CpuSnapshot => new Map(Object.entries(groups).map(([g, pids]) => [g, new Map(pids)]));

describe('cpuPerRequest', () => {
  it.each([
    { name: 'one process', before: { server: [[1, 1_000]] }, after: { server: [[1, 3_000]] }, requests: 1_000, expected: { server: 2_000 } },
    { name: 'summed over a group', before: { postgres: [[1, 100], [2, 200]] }, after: { postgres: [[1, 600], [2, 700]] }, requests: 500, expected: { postgres: 2_000 } },
    { name: 'a process started during the run counts from zero', before: { postgres: [[1, 100]] }, after: { postgres: [[1, 200], [3, 300]] }, requests: 100, expected: { postgres: 4_000 } },
    { name: 'a process gone by the end is left out', before: { postgres: [[1, 100], [2, 900]] }, after: { postgres: [[1, 300]] }, requests: 100, expected: { postgres: 2_000 } },
    { name: 'a group without processes is left out', before: { server: [[1, 0]], receiver: [] }, after: { server: [[1, 10]], receiver: [] }, requests: 10, expected: { server: 1_000 } },
    { name: 'no requests: nothing to divide', before: { server: [[1, 0]] }, after: { server: [[1, 10]] }, requests: 0, expected: {} },
  ] as { name: string; before: Record<string, [number, number][]>; after: Record<string, [number, number][]>; requests: number; expected: Record<string, number> }[])(
    '$name',
    ({ before, after, requests, expected }) => {
      expect(cpuPerRequest(snapshot(before), snapshot(after), requests)).toEqual(expected);
    },
  );

  it('says it in one line, in the groups’ order', () => {
    expect(cpuText({ server: 278.4, postgres: 427.6, receiver: 77 })).toBe('server 278 · postgres 428 · receiver 77');
    expect(cpuText({})).toBe('—');
  });
});

describe('reading /proc', () => {
  it('counts this process’s CPU as it works (waiting for the counter, not the clock: a busy machine runs us less)', () => {
    const before = readCpu({ me: [process.pid] });
    const node = process.cpuUsage();
    const start = processCpuMs(process.pid)!;
    const deadline = Date.now() + 10_000;
    while (processCpuMs(process.pid)! - start < 200 && Date.now() < deadline);
    const spent = cpuPerRequest(before, readCpu({ me: [process.pid] }), 1).me!;
    const byNode = process.cpuUsage(node);
    expect(spent).toBeGreaterThanOrEqual(200_000);
    // What Node itself counts for the process (µs), within two ticks and the other threads' share.
    expect(Math.abs(spent - (byNode.user + byNode.system))).toBeLessThan(40_000);
  });

  it('leaves out a process that is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid!;
    await new Promise((resolve) => child.once('exit', resolve));
    expect(processCpuMs(pid)).toBeUndefined();
    expect(readCpu({ child: [pid] }).get('child')!.size).toBe(0);
  });

  it('finds the local PostgreSQL cluster’s processes (CI starts it)', () => {
    const pids = postgresPids();
    expect(pids.length).toBeGreaterThan(0);
    // Backends of other test files come and go: one may be gone between the listing and the read
    // (a clean-clone CI run failed on that). The cluster's own processes stay, and are readable.
    expect(pids.filter((pid) => processCpuMs(pid) !== undefined).length).toBeGreaterThan(0);
  });
});
