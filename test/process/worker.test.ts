/**
 * `npm run worker` (the senders alone, for deployments that run them apart from the web servers)
 * runs as one process, so the SIGTERM a process manager sends reaches it and it finishes what is in
 * flight. Through tsx's launcher it did not: the launcher gives its child 30 ms to report a signal
 * and otherwise kills it outright (SIGKILL), which a worker busy for 30 ms (a batch of emails being
 * rendered) would get, and an email handed to the mail server without its sent mark goes out twice.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runScript } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'helpdesk-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The process ids a process has started (Linux: /proc). */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

describe('npm run worker', () => {
  it('runs as one process and stops cleanly on SIGTERM', async () => {
    const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.worker!;
    const [command, ...args] = script.split(' ');
    expect(command).toBe('node');
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      // A mail server is only reached when there is an email to send: none on a new database.
      env: { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, SECRET_KEY: 'worker-secret-key-worker-secret-key-0123', LOG_LEVEL: 'info', SMTP_URL: 'smtp://127.0.0.1:2525' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!output.includes('outbox worker started') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(output).toContain('outbox worker started');
    // The process signalled is the worker itself: it started no process of its own.
    expect(childrenOf(child.pid!)).toEqual([]);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('outbox worker stopped');
  });

  // It took its share of the shared outbox and marked it `logged`: those customers never got their email.
  it('refuses to start without SMTP_URL, in one line, taking no email', async () => {
    const file = join(dir, 'no-smtp.sqlite');
    const run = await runScript('src/cli/worker.ts', [], { DATABASE_URL: `sqlite:${file}`, SECRET_KEY: 'worker-secret-key-worker-secret-key-0123', SMTP_URL: '' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      'Configuration error: SMTP_URL is required by npm run worker: without a mail server it would only log the emails it takes (never sent); give it the same SMTP_URL and MAIL_FROM as the servers',
    ]);
    expect(existsSync(file)).toBe(false);
  });
});
