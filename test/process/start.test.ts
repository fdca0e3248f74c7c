/**
 * `npm start` (issue 20 item 5) runs the compiled server, building dist/ first when it is missing
 * or older than src/, so the README's `npm install && npm start` works on a fresh clone and an
 * edited checkout never runs stale code.
 */
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { builtinModules } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
// @ts-expect-error: a plain JavaScript script without types
import { EXTERNAL, filesUnder, RUNTIME_IMPORTS } from '../../scripts/build.mjs';
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

/** `entry` and every module it imports statically (`from "./…"`, not `import(…)`), within dist/. */
function staticallyImported(entry: string, seen = new Set<string>()): string[] {
  if (seen.has(entry)) return [...seen];
  seen.add(entry);
  for (const match of readFileSync(entry, 'utf8').matchAll(/(?:from|import)\s*"(\.{1,2}\/[^"]+\.js)"/g)) staticallyImported(join(dirname(entry), match[1]!), seen);
  return [...seen];
}

describe('npm start', () => {
  it('serves from dist/, builds when src/ is newer, and does not rebuild an up-to-date build', async () => {
    // dist/ stamped as built from sources older than any: the next start compiles first. (Not by
    // touching a source, which would make the tests' own build, .test-dist/, stale too and have
    // another file rebuild it under servers starting from it.)
    mkdirSync(join(ROOT, 'dist'), { recursive: true });
    writeFileSync(join(ROOT, 'dist/.built-from-src'), '0\n');
    const first = await start();
    expect(first).toContain('build: dist/ is missing or not built from src/ as it is now; compiling first');
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

  it('is bundled: dist/ loads from node_modules only the packages left out on purpose, and every thread entry finds its module beside it', () => {
    // The first test built dist/ (or found it up to date).
    const files = (filesUnder(join(ROOT, 'dist')) as string[]).filter((file) => /\.m?js$/.test(file) && !file.includes('/public/'));
    const loaded = JSON.parse(readFileSync(join(ROOT, 'dist', RUNTIME_IMPORTS as string), 'utf8')) as string[];
    const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
    const unexpected = loaded.filter((specifier) => !specifier.startsWith('node:') && !builtinModules.includes(packageOf(specifier)) && !(EXTERNAL as string[]).includes(packageOf(specifier)));
    expect(unexpected).toEqual([]);
    // Before bundling, dist/ imported kysely, fastify and zod from node_modules at every start.
    expect(loaded).toEqual(expect.arrayContaining(['better-sqlite3', 'pino']));
    expect(loaded.filter((specifier) => ['kysely', 'fastify', 'zod'].includes(packageOf(specifier)))).toEqual([]);
    // The webhooks' HTTP client (undici) is the delivery thread's: nothing the server's main thread
    // imports at its start may bring it (the endpoint save's host lookup once did, through post.ts).
    const startBundle = staticallyImported(join(ROOT, 'dist', 'server.js'));
    expect(startBundle.length).toBeGreaterThan(1);
    expect(startBundle.filter((file) => readFileSync(file, 'utf8').includes('node_modules/undici')).map((file) => relative(ROOT, file))).toEqual([]);
    expect(files.some((file) => readFileSync(file, 'utf8').includes('node_modules/undici'))).toBe(true);
    const entries = files.filter((file) => file.endsWith('.mjs'));
    expect(entries.map((file) => relative(join(ROOT, 'dist'), file)).sort()).toEqual(['jobs/deliveryThread.mjs', 'mail/inbound/mimeWorker.mjs', 'services/forecastWorker.mjs', 'threadModule.mjs']);
    for (const entry of entries) {
      for (const match of readFileSync(entry, 'utf8').matchAll(/importThreadModule\('([^']+)'/g)) {
        expect(statSync(join(dirname(entry), `${match[1]}.js`)).isFile(), `${entry} → ${match[1]}`).toBe(true);
      }
    }
  });
});
