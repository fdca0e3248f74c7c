/**
 * npm run user:create as a real process: a password read from standard input (--password-stdin),
 * so it never sits in shell history or the process list; bad input refused before anything is
 * written. (The interactive prompt needs a terminal; the generated password is in test/process.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { login } from '../../src/services/auth.js';
import { systemClock } from '../../src/services/context.js';
import { runScript } from '../support/process.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A new SQLite file for one test. */
function databaseUrl(): string {
  const dir = mkdtempSync(join(tmpdir(), 'helpdesk-cli-'));
  dirs.push(dir);
  return `sqlite:${join(dir, 'db.sqlite')}`;
}

/** Runs user:create on `url` with `stdin` as its standard input. */
function userCreate(url: string, args: string[], stdin: string) {
  return runScript('src/cli/user-create.ts', args, { DATABASE_URL: url }, stdin);
}

/** Tries `password` for `username` with the product's login; the usernames in the database. */
async function inspect(url: string, username: string, password: string): Promise<{ loggedIn: boolean; usernames: string[] }> {
  const handle = connect(url);
  try {
    await migrateToLatest(handle.db);
    const ctx = { handle, clock: systemClock, publicUrl: 'http://helpdesk.test' };
    const loggedIn = await login(ctx, username, password, { idleMinutes: 480 }).then(
      () => true,
      (error: unknown) => {
        if (error instanceof Error && error.message === 'Wrong username or password.') return false;
        throw error;
      },
    );
    const usernames = (await handle.db.selectFrom('users').select('username').orderBy('username').execute()).map((u) => u.username);
    return { loggedIn, usernames };
  } finally {
    await handle.destroy();
  }
}

describe('user:create --password-stdin', () => {
  it('takes the first line of standard input, without its line break, as the password', async () => {
    const url = databaseUrl();
    const created = await userCreate(url, ['--username', 'Dana', '--password-stdin'], ' a long secret with spaces \r\nsecond line\n');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout.trim().split('\n')).toEqual(['Created agent "dana".']);
    expect(created.stdout).not.toContain('secret');
    expect(await inspect(url, 'dana', ' a long secret with spaces ')).toEqual({ loggedIn: true, usernames: ['dana'] });
    expect((await inspect(url, 'dana', 'a long secret with spaces')).loggedIn).toBe(false);
  });

  it('also takes a last line without a line break', async () => {
    const url = databaseUrl();
    expect((await userCreate(url, ['--username', 'erin', '--password-stdin', '--role', 'admin'], 'correct horse battery')).code).toBe(0);
    expect(await inspect(url, 'erin', 'correct horse battery')).toEqual({ loggedIn: true, usernames: ['erin'] });
  });

  it.each([
    ['empty standard input', ''],
    ['an empty first line', '\nnot this one\n'],
    ['a first line of only a carriage return', '\r\n'],
  ])('refuses %s with a clear message and a failing exit code, and writes nothing', async (_what, stdin) => {
    const url = databaseUrl();
    const refused = await userCreate(url, ['--username', 'dana', '--password-stdin'], stdin);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim()).toBe('Not created: --password-stdin read an empty password (the first line of standard input is empty).');
    expect((await inspect(url, 'dana', 'not this one')).usernames).toEqual([]);
  });

  it('refuses a short password like every other way of setting one, and writes nothing', async () => {
    const url = databaseUrl();
    const refused = await userCreate(url, ['--username', 'dana', '--password-stdin'], 'short\n');
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe('Not created: Password: at least 8 characters.');
    expect((await inspect(url, 'dana', 'short')).usernames).toEqual([]);
  });

  it.each([
    [['--username', 'dana', '--password-stdin', '--password', 'a-long-secret'], 'Give only one of --password and --password-stdin.'],
    [['--username', 'dana', '--password'], '--password needs a value (better: --password-stdin, or no option for a prompt).'],
    [['--username', 'dana', '--password-stdin', 'extra'], '--password-stdin takes no value: the password is read from standard input.'],
  ])('refuses %j as a usage error (exit 2), writing nothing', async (args, message) => {
    const url = databaseUrl();
    const refused = await userCreate(url, args, 'a-long-secret\n');
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')[0]).toBe(message);
    expect((await inspect(url, 'dana', 'a-long-secret')).usernames).toEqual([]);
  });
});
