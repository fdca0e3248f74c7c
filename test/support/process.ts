/**
 * Runs the real entry points as child processes: the server compiled (what `npm start` runs), the
 * command-line scripts through tsx.
 */
import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
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

/**
 * The tests' own build of the server (`node scripts/build.mjs --out .test-dist`), which every
 * spawned server runs. A compiled start costs a server about half the CPU of `node --import tsx
 * src/server.ts` (2.2 s against 4.9 s on this machine: tsx compiles and resolves every module on
 * the way in), and the crash, start-up and several-process tests start dozens. It is the code
 * `npm start` runs, built from the same sources by the same script; not dist/ itself, which
 * test/process/start.test.ts deletes and rebuilds while other files run. Built once per run, when
 * missing or older than src/, by whichever test file asks first: the others wait on a lock
 * directory (taken with mkdir, which only one can do; one left by a killed run is taken over after
 * two minutes).
 */
const TEST_BUILD = '.test-dist';
const BUILD_LOCK = `${ROOT}${TEST_BUILD}.lock`;
let testBuild: Promise<string> | null = null;

async function buildForTests(): Promise<string> {
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(BUILD_LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) rmSync(BUILD_LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    const built = await finished(spawn(process.execPath, ['scripts/build.mjs', '--out', TEST_BUILD, '--if-stale'], { cwd: ROOT }));
    if (built.code !== 0) throw new Error(`the tests' build of the server failed:\n${built.stdout}${built.stderr}`);
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
  return `${TEST_BUILD}/server.js`;
}

/** The compiled server's entry (relative to the checkout), built first when needed. */
export function compiledServer(): Promise<string> {
  testBuild ??= buildForTests().catch((error: unknown) => {
    testBuild = null;
    throw error;
  });
  return testBuild;
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The compiled server started as a child, with what it prints gathered and a way to stop it. */
interface Launched {
  child: ChildProcess;
  output(): string;
  /** Sends a signal (SIGKILL: no shutdown at all) and waits until the process is gone. */
  signal(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the server compiled (above) as ONE process (`node <entry>`), so a signal reaches the server
 * itself: tsx's launcher gave its child 30 ms to report a signal it handles, and on a busy machine it
 * then killed the server and exited 143 in its place.
 */
async function launch(env: NodeJS.ProcessEnv): Promise<Launched> {
  const entry = await compiledServer();
  const child = spawn(process.execPath, [entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return {
    child,
    output: () => output,
    signal: (signal = 'SIGTERM') =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
        child.once('exit', (code) => done(code));
        child.kill(signal);
      }),
  };
}

/**
 * How long a server process may take to start: a hang guard, not a target. tsx compiles the app as it
 * loads, and two servers starting at once beside other test files took past 60 s under a load of
 * 30. Just under the config's 120 s test and hook limits, so a start that never ends fails with
 * the server's own output rather than a bare timeout.
 */
const SERVER_START_MS = 110_000;

/**
 * Starts the server as `npm start` would (port 0, the environment's NODE_ENV, logs at info) and
 * waits until it says where it listens.
 */
export async function startServer(env: Record<string, string>, timeoutMs = SERVER_START_MS): Promise<RunningServer> {
  const server = await launch({ ...process.env, PORT: '0', LOG_LEVEL: 'info', CLOSE_UNDO_SECONDS: '0', ...env });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${server.output()}`)), timeoutMs);
    const onData = () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(server.output());
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    };
    server.child.stdout!.on('data', onData);
    server.child.stderr!.on('data', onData);
    server.child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${server.output()}`));
    });
  });
  return { child: server.child, url, output: server.output, stop: server.signal };
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
 * Starts the server quiet (warnings only), on `port` (default a free one), and waits until /healthz
 * answers.
 */
export async function spawnServer(env: Record<string, string>, options: { port?: number; timeoutMs?: number } = {}): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const server = await launch({ ...process.env, NODE_ENV: 'development', HOST: '127.0.0.1', LOG_LEVEL: 'warn', SECRET_KEY: 'test-secret-key-test-secret-key-0123456789', CLOSE_UNDO_SECONDS: '0', ...env, PORT: String(port) });
  const { child } = server;
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? SERVER_START_MS);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited with ${child.exitCode ?? child.signalCode}:\n${server.output()}`);
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${server.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, child, output: server.output, kill: server.signal };
}
