/**
 * Start-up cost (issue 20 item 5): the compiled server (`npm start`: node dist/server.js) beside
 * today's `tsx src/server.ts` (the baseline, measured in the same run), each started `--runs`
 * times on a fresh SQLite file under `/usr/bin/time -v`:
 * - time to the first answered request: from spawning to the first 200 from GET /healthz (polled
 *   every 10 ms);
 * - idle RSS: the resident memory of the whole process tree (tsx runs the server in a child
 *   process) after `--idle` seconds without requests, summed from /proc. Default 30 s: V8 keeps
 *   the young generation start-up grew (32 MB) until its memory reducer sees the process idle,
 *   10–20 s after the last work; 5 s after start-up the server holds about 40 MB more than at rest;
 * - peak RSS: /usr/bin/time -v's "Maximum resident set size" (the largest single process).
 * Targets: idle RSS ≤ 110 MB and first answer ≤ 1 s for the compiled server.
 *
 * `--smtp`: both start with SMTP_URL set (a real SMTP server in this process), as in production: a
 * mail sender takes its lease before it answers its first request (README "Operations"), and its
 * delivery thread loads the SMTP client.
 *
 *   npm run bench:startup -- [--runs 3] [--idle 30] [--smtp]
 * Build first (npm run build); the bench refuses to measure a stale dist/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtpServer } from '../test/mail/support/smtp.js';
import { freePort } from '../test/support/process.js';
import { fmtMs, median, numberFlag, printTable, verdict } from './lib/report.js';

const ROOT = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const runs = numberFlag(args, 'runs', 3);
const idleSeconds = numberFlag(args, 'idle', 30);
const smtp = args.includes('--smtp') ? await startSmtpServer() : undefined;

interface Sample {
  firstAnswerMs: number;
  idleRssMb: number;
  peakRssMb: number;
}

/** The pids of `pid` and all its descendants. */
function tree(pid: number): number[] {
  const children = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [pid, ...children.flatMap(tree)];
}

function rssMb(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function measure(command: string[]): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'helpdesk-startup-'));
  const port = await freePort();
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-v', ...command], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, ADMIN_PASSWORD: 'bench-password', LOG_LEVEL: 'warn', NODE_ENV: 'development', ...(smtp ? { SMTP_URL: smtp.url } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let firstAnswerMs = NaN;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) {
        firstAnswerMs = performance.now() - started;
        break;
      }
    } catch {
      // Not listening yet.
    }
    if (performance.now() - started > 120_000) throw new Error(`no answer in 2 minutes:\n${output}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  // The tree under /usr/bin/time: the server (and, for tsx, its launcher).
  const idleRssMb = tree(child.pid!).slice(1).reduce((sum, pid) => sum + rssMb(pid), 0);
  for (const pid of tree(child.pid!).slice(1).reverse()) process.kill(pid, 'SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
  const peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(output)?.[1] ?? NaN);
  return { firstAnswerMs, idleRssMb, peakRssMb: peakKb / 1024 };
}

const stamp = join(ROOT, 'dist', '.built-from-src');
if (!existsSync(stamp)) {
  console.error('bench:startup: run npm run build first (dist/ is missing)');
  process.exit(1);
}

const variants: [string, string[]][] = [
  ['tsx src/server.ts (baseline)', [join(ROOT, 'node_modules/.bin/tsx'), 'src/server.ts']],
  ['node dist/server.js (npm start)', [process.execPath, 'dist/server.js']],
];
const results: Sample[][] = variants.map(() => []);
for (let run = 0; run < runs; run++) {
  for (const [i, [, command]] of variants.entries()) results[i]!.push(await measure(command));
}
const summary = results.map((samples) => ({
  firstAnswerMs: median(samples.map((s) => s.firstAnswerMs)),
  idleRssMb: median(samples.map((s) => s.idleRssMb)),
  peakRssMb: median(samples.map((s) => s.peakRssMb)),
}));
await smtp?.close();
console.log(`bench:startup — ${runs} runs each, medians; idle RSS after ${idleSeconds} s${smtp ? '; SMTP_URL set (a mail sender)' : ''}; load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
printTable(
  ['start', 'first answer', 'idle RSS (tree)', 'peak RSS (largest process)'],
  variants.map(([name], i) => [name, fmtMs(summary[i]!.firstAnswerMs), `${summary[i]!.idleRssMb.toFixed(0)} MB`, `${summary[i]!.peakRssMb.toFixed(0)} MB`]),
);
const compiled = summary[1]!;
const baseline = summary[0]!;
console.log(`compiled vs tsx: first answer ${(compiled.firstAnswerMs / baseline.firstAnswerMs).toFixed(2)}×, idle RSS ${(compiled.idleRssMb / baseline.idleRssMb).toFixed(2)}×`);
console.log(`targets: idle RSS ≤ 110 MB — ${verdict(compiled.idleRssMb <= 110)}; first answer ≤ 1 s — ${verdict(compiled.firstAnswerMs <= 1000)}`);
