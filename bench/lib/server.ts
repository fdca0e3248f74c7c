/**
 * The real server (src/server.ts) as a child process on a free port: `node --import tsx`, one
 * process, so its pid is the server's own and /proc/<pid>/status tells its memory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/process.js';
import { BENCH_ADMIN_PASSWORD } from '../seed.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchServer {
  url: string;
  pid: number;
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Peak and current resident memory (VmHWM, VmRSS) in MB. */
  memory(): { peakMb: number; rssMb: number };
  /** SIGTERM, then the exit code (SIGKILL after 20 s). */
  stop(): Promise<number | null>;
}

/** VmHWM and VmRSS of a process, in MB. */
export function processMemory(pid: number): { peakMb: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

/**
 * Starts the server on `databaseUrl` with rate limits off, the benchmark route on, warnings-only
 * logs, and waits until /healthz answers. `nodeArgs` go to node (e.g. --cpu-prof). Through tsx by
 * default; `compiled`: the build `npm start` runs.
 */
export async function startBenchServer(databaseUrl: string, env: Record<string, string> = {}, nodeArgs: string[] = [], options: { compiled?: boolean } = {}): Promise<BenchServer> {
  const port = await freePort();
  // compiled: what `npm start` runs (dist/, built first when missing or older than src/).
  const entry = options.compiled ? ['scripts/start.mjs'] : ['--import', 'tsx', 'src/server.ts'];
  const child = spawn(process.execPath, [...nodeArgs, ...entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
      ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
      RATE_LIMIT: 'off',
      BENCH_ROUTES: 'on',
      LOG_LEVEL: 'warn',
      SMTP_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start within 120 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    child,
    output: () => output,
    memory: () => processMemory(pid),
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done(child.exitCode);
        const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', (code) => {
          clearTimeout(force);
          done(code);
        });
        child.kill('SIGTERM');
      }),
  };
}
