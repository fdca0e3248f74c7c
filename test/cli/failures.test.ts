/**
 * Every operations command as a real process, when its database cannot be opened: one line on
 * stderr naming what failed (never a stack trace or a driver's error object) and a non-zero exit
 * code (src/cli/run.ts). And a SQLite file that does not exist is refused, not created, by the
 * commands that only work on an existing help desk; user:create and the worker may start one.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../../src/core/nodeVersion.js';
import { TEST_PG_URL } from '../support/db.js';
import { runScript } from '../support/process.js';

// SMTP_URL: the worker refuses to start without one (a mail server is reached only to send).
const ENV = { SECRET_KEY: 'test-secret-key-test-secret-key-0123456789', SMTP_URL: 'smtp://127.0.0.1:2525' };

/** Each command with the arguments it needs to reach its database (and standard input). */
const COMMANDS: [name: string, script: string, args: string[], input: string | undefined][] = [
  ['token:create', 'src/cli/token-create.ts', ['--username', 'admin'], undefined],
  ['user:create', 'src/cli/user-create.ts', ['--username', 'dana', '--password-stdin'], 'a long enough password\n'],
  ['outbox', 'src/cli/outbox.ts', [], undefined],
  ['search:reindex', 'src/cli/search-reindex.ts', [], undefined],
  ['worker', 'src/cli/worker.ts', [], undefined],
  ['mail:ingest', 'src/cli/mail-ingest.ts', [], 'From: a@customer.example\r\nTo: help@helpdesk.example\r\nSubject: Hi\r\n\r\nHello\r\n'],
];

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function missingPostgresDatabase(): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/helpdesk_no_such_db_${process.pid}`;
  url.search = '';
  return url.href;
}

describe('operations commands whose database cannot be opened', () => {
  const url = missingPostgresDatabase();
  const database = new URL(url).pathname.slice(1);

  it.each(COMMANDS)('%s says so in one line and exits non-zero', async (name, script, args, input) => {
    const run = await runScript(script, args, { ...ENV, DATABASE_URL: url }, input);
    const lines = run.stderr.trim().split('\n');
    const expected = `Could not open the database: database "${database}" does not exist`;
    if (name === 'mail:ingest') {
      // The mail server keeps the mail and tries again on 75 (EX_TEMPFAIL).
      expect(run.code).toBe(75);
      expect(lines).toEqual([`mail:ingest could not store the mail (the mail server will try again): ${expected}`]);
    } else {
      expect(run.code).toBe(1);
      expect(lines).toEqual([expected]);
    }
    expect(run.stdout).toBe('');
  });

  it('names a refused connection (no server on the port) the same way', async () => {
    const closed = new URL(url);
    closed.port = '1';
    const run = await runScript('src/cli/search-reindex.ts', [], { ...ENV, DATABASE_URL: closed.href });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Could not open the database: connect ECONNREFUSED .*:1\b/)]);
  });
});

// The server checked the Node.js version at start; the commands did not, so on an old Node a
// command (user:create comes before the first start, the worker runs for ever beside the servers)
// went on and failed wherever the first missing API was. Here an old Node is what the check sees.
describe('operations commands on a Node.js the help desk does not support', () => {
  const OLD_NODE = 'v18.19.0';
  // %22 is a double quote: NODE_OPTIONS would take a real one for its own.
  const preload = `--import=data:text/javascript,Object.defineProperty(process,%22version%22,{value:%22${OLD_NODE}%22})`;

  it.each(COMMANDS)('%s says so in one line, before opening the database, and exits non-zero', async (name, script, args, input) => {
    const dir = mkdtempSync(join(tmpdir(), 'helpdesk-old-node-'));
    dirs.push(dir);
    const file = join(dir, 'helpdesk.sqlite');
    const run = await runScript(script, args, { ...ENV, DATABASE_URL: `sqlite:${file}`, NODE_OPTIONS: preload }, input);
    const problem = nodeVersionProblem(OLD_NODE)!;
    expect(problem).toMatch(/^Helpdesk needs Node\.js 20\.19\+/);
    if (name === 'mail:ingest') {
      expect(run.code).toBe(75);
      expect(run.stderr.trim().split('\n')).toEqual([`mail:ingest could not store the mail (the mail server will try again): ${problem}`]);
    } else {
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([problem]);
    }
    expect(existsSync(file)).toBe(false);
  });
});

describe('a SQLite file that does not exist', () => {
  const base = mkdtempSync(join(tmpdir(), 'helpdesk-cli-missing-'));
  dirs.push(base);

  it.each(COMMANDS.filter(([name]) => name !== 'user:create' && name !== 'worker'))('%s refuses it and creates nothing, not even its folder', async (name, script, args, input) => {
    const folder = join(base, name.replace(':', '-'));
    const file = join(folder, 'typo.sqlite');
    const run = await runScript(script, args, { ...ENV, DATABASE_URL: `sqlite:${file}` }, input);
    expect(run.code).toBe(name === 'mail:ingest' ? 75 : 1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining(`Could not open the database: ${file} does not exist, and this command creates none (check DATABASE_URL`)]);
    expect(existsSync(folder)).toBe(false);
  });

  it('user:create starts one (the first accounts may come before the server’s first start)', async () => {
    const file = join(base, 'new', 'helpdesk.sqlite');
    const run = await runScript('src/cli/user-create.ts', ['--username', 'dana', '--password-stdin'], { ...ENV, DATABASE_URL: `sqlite:${file}` }, 'a long enough password\n');
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(existsSync(file)).toBe(true);
  });
});
