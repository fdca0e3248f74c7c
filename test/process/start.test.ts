/**
 * `npm start` (issue 20 item 5) runs the compiled server, building dist/ first when it is missing
 * or older than src/, so the README's `npm install && npm start` works on a fresh clone and an
 * edited checkout never runs stale code.
 */
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, ROOT } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'helpdesk-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `node scripts/start.mjs` (what `npm start` runs) until /healthz answers; returns its output. */
async function start(): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, ADMIN_PASSWORD: 'start-password', LOG_LEVEL: 'info', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 90_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
      const answer = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
      if (answer?.ok) break;
      if (Date.now() > deadline) throw new Error(`no answer:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Logs are JSON lines when stdout is not a terminal.
    expect(output).toMatch(/^\{"level":30,.*"msg":"Server listening at http:\/\/127\.0\.0\.1:\d+"\}$/m);
    return output;
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

describe('npm start', () => {
  it('serves from dist/, builds when src/ is newer, and does not rebuild an up-to-date build', async () => {
    // A source file newer than any build: the next start compiles first.
    const source = join(ROOT, 'src/core/logLine.ts');
    const now = new Date();
    utimesSync(source, now, now);
    const first = await start();
    expect(first).toContain('build: dist/ is missing or older than src/; compiling first');
    expect(first).toMatch(/build: src\/ compiled to dist\/ in [\d.]+ s/);
    expect(statSync(join(ROOT, 'dist/server.js')).isFile()).toBe(true);
    const second = await start();
    expect(second).not.toContain('compiling first');
  });

  it("runs the mail parser's thread from dist/ on the compiled parser (not the sources, which dist/ lacks)", async () => {
    // The first test built dist/ (or found it up to date).
    const worker = new Worker(join(ROOT, 'dist/mail/inbound/mimeWorker.mjs'));
    try {
      const answers: unknown[] = [];
      const failed = new Promise<never>((_, reject) => worker.once('error', reject));
      const next = () => Promise.race([failed, new Promise((resolve) => worker.once('message', resolve))]);
      answers.push(await next());
      const raw = Buffer.from('From: Dora <dora@customer.example>\r\nTo: support@helpdesk.example\r\nSubject: Printer\r\nMessage-ID: <1@customer.example>\r\n\r\nIt jams.\r\n');
      worker.postMessage({ id: 1, raw: new Uint8Array(raw) });
      answers.push(await next());
      expect(answers[0]).toEqual({ ready: true });
      expect(answers[1]).toMatchObject({ id: 1, mail: { subject: 'Printer', text: expect.stringContaining('It jams.') } });
    } finally {
      await worker.terminate();
    }
  });
});
