/**
 * The operations commands' command lines (src/cli/args.ts): a mistyped or unknown option, a value
 * given to a flag or a stray word is a usage error (one line naming it, the usage, exit code 2)
 * before anything is opened or written, and `--help` prints the usage and does nothing else.
 * Before, the commands skipped what they did not know: `token:create -- --username admin --inboud`
 * (or `--inbound yes`) created a full API token instead of an inbound-mail-only one, and
 * `search:reindex -- --help` rebuilt the index.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { runScript } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'helpdesk-cli-args-'));
const URL_ = `sqlite:${join(dir, 'helpdesk.sqlite')}`;
const ENV = { DATABASE_URL: URL_, SECRET_KEY: 'test-secret-key-test-secret-key-0123456789', SMTP_URL: 'smtp://127.0.0.1:2525' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const created = await runScript('src/cli/user-create.ts', ['--username', 'admin', '--role', 'admin', '--password-stdin'], ENV, 'a long enough password\n');
  expect([created.code, created.stderr]).toEqual([0, '']);
});

/** What the commands could have written: tokens and accounts. */
async function written(): Promise<{ tokens: number; users: string[] }> {
  const handle = connect(URL_);
  try {
    const tokens = await handle.db.selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const users = await handle.db.selectFrom('users').select('username').orderBy('username').execute();
    return { tokens: Number(tokens.n), users: users.map((u) => u.username) };
  } finally {
    await handle.destroy();
  }
}

describe('a command line a command does not understand', () => {
  it.each([
    ['token:create', 'src/cli/token-create.ts', ['--username', 'admin', '--inboud'], 'Unknown option --inboud.'],
    ['token:create', 'src/cli/token-create.ts', ['--username', 'admin', '--inbound', 'yes'], 'Unexpected argument "yes".'],
    ['token:create', 'src/cli/token-create.ts', ['--username', 'admin', '--name'], '--name needs a value.'],
    ['user:create', 'src/cli/user-create.ts', ['--username', 'dana', '--password-stdin', '--rol', 'admin'], 'Unknown option --rol.'],
    ['user:create', 'src/cli/user-create.ts', ['--username', 'dana', '--password-stdin', '--capacity'], '--capacity needs a value.'],
    ['search:reindex', 'src/cli/search-reindex.ts', ['--full'], 'Unknown option --full.'],
    ['search:reindex', 'src/cli/search-reindex.ts', ['now'], 'Unexpected argument "now".'],
    ['worker', 'src/cli/worker.ts', ['--once'], 'Unknown option --once.'],
    // The last one won without a word: an admin made where a line said agent, or the other way round.
    ['user:create', 'src/cli/user-create.ts', ['--username', 'dana', '--password-stdin', '--role', 'agent', '--role', 'admin'], '--role is given twice.'],
    ['token:create', 'src/cli/token-create.ts', ['--username', 'admin', '--inbound', '--inbound'], '--inbound is given twice.'],
  ])('%s %j: one line naming it, the usage, exit 2, nothing written', async (_name, script, args, message) => {
    const before = await written();
    const run = await runScript(script, args, ENV, 'a long enough password\n');
    const lines = run.stderr.trim().split('\n');
    expect([run.code, lines[0]]).toEqual([2, message]);
    expect(lines[1]).toMatch(/^Usage: npm run /);
    expect(lines).toHaveLength(2);
    expect(run.stdout).toBe('');
    expect(await written()).toEqual(before);
  });
});

describe('--help', () => {
  it.each([
    ['token:create', 'src/cli/token-create.ts', ['--username', 'admin', '--help']],
    ['user:create', 'src/cli/user-create.ts', ['--username', 'dana', '--password-stdin', '-h']],
    ['search:reindex', 'src/cli/search-reindex.ts', ['--help']],
    ['worker', 'src/cli/worker.ts', ['--help']],
  ])('%s prints its usage and does nothing else (exit 0)', async (_name, script, args) => {
    const before = await written();
    const run = await runScript(script, args, ENV, 'a long enough password\n');
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/^Usage: npm run \S+/);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(await written()).toEqual(before);
  });
});
