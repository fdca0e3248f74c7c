/** Runs the real entry points (through tsx) as child processes. */
import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script to completion; `input`, when given, is written to its standard input, which is then closed. */
export function runScript(script: string, args: string[], env: Record<string, string>, input?: string): Promise<Finished> {
  return finished(spawn(TSX, [script, ...args], { cwd: ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'warn' } }), input);
}

/** What a child process printed and how it ended, `input` given on its standard input. */
export function finished(child: ChildProcessWithoutNullStreams, input?: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    if (input !== undefined) child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `src/server.ts` on a free port and waits until it listens. As ONE process (`node --import
 * tsx`), so a signal reaches the server itself: tsx's launcher gives its child 30 ms to report a
 * signal it handles, and on a busy machine it then killed the server and exited 143 in its place.
 */
export function startServer(env: Record<string, string>, timeoutMs = 30_000): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', CLOSE_UNDO_SECONDS: '0', ...env } });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1]!,
          output: () => output,
          stop: (signal = 'SIGTERM') =>
            new Promise((done) => {
              if (child.exitCode !== null) return done(child.exitCode);
              child.once('exit', (code) => done(code));
              child.kill(signal);
            }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** Sends a signal (SIGKILL: no shutdown at all) and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * A TCP port nothing listens on right now, for a server started a little later (a child process, or
 * an app whose own address must be known before it starts). Taken at random below the kernel's
 * range of ephemeral ports (`ip_local_port_range`): a port the kernel handed out (port 0) could be
 * given again meanwhile to an outgoing connection of another test file (a database connection, an
 * HTTP client), and the server's listen then failed with EADDRINUSE. Below that range only another
 * test's choice can collide, and the probe skips a port in use.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const low = 10_000;
  const high = (ephemeralLow ?? 32_768) - 1;
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port found between ${low} and ${high}`);
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * Starts src/server.ts as ONE process (`node --import tsx`, so a signal reaches the server itself,
 * not a launcher that would leave it running), quiet (warnings only), on `port` (default a free
 * one), and waits until /healthz answers.
 */
export async function spawnServer(env: Record<string, string>, options: { port?: number; timeoutMs?: number } = {}): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'development', HOST: '127.0.0.1', LOG_LEVEL: 'warn', SECRET_KEY: 'test-secret-key-test-secret-key-0123456789', CLOSE_UNDO_SECONDS: '0', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited with ${child.exitCode ?? child.signalCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    child,
    output: () => output,
    kill: (signal = 'SIGTERM') =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
        child.once('exit', (code) => done(code));
        child.kill(signal);
      }),
  };
}
