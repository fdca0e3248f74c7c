/**
 * npm run outbox as a real process: it lists what is not delivered and puts failed emails back in
 * the queue through the same service as the admin's retry button; ids it cannot retry are refused
 * with a message and exit code 1, and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/services/context.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { runScript } from '../support/process.js';

/** A desk on a fresh database with three tickets' emails (ids in order). */
async function threeEmails(): Promise<{ database: TestDatabase; ids: number[] }> {
  const database = await freshDatabase('sqlite');
  const ctx = { handle: database.handle, clock: systemClock, publicUrl: 'http://helpdesk.test' };
  for (const title of ['One', 'Two', 'Three']) await intakeTicket(ctx, { name: 'C', email: 'c@example.com', title, description: 'D', priority: 'low' });
  const rows = await database.handle.db.selectFrom('outbox').select('id').orderBy('id').execute();
  return { database, ids: rows.map((r) => r.id) };
}

let database: TestDatabase;
let ids: number[] = [];

beforeAll(async () => {
  ({ database, ids } = await threeEmails());
  // The first two gave up (as after their last try); the third is still waiting for the worker.
  await database.handle.db.updateTable('outbox').set({ status: 'failed', attempts: 6, last_error: '550 mailbox unavailable' }).where('id', 'in', ids.slice(0, 2)).execute();
});
afterAll(() => database.drop());

const outbox = (...args: string[]) => runScript('src/cli/outbox.ts', args, { DATABASE_URL: database.url });
const statuses = async () => (await database.handle.db.selectFrom('outbox').select('status').orderBy('id').execute()).map((r) => r.status);

describe('npm run outbox', () => {
  it('lists the undelivered emails with their last error', async () => {
    const run = await outbox();
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^${ids[0]}\\s+failed\\s+created\\s+6\\b.*550 mailbox unavailable`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^${ids[2]}\\s+pending\\b`, 'm'));
  });

  it('refuses an unknown id and an email that has not failed, changing nothing', async () => {
    const unknown = await outbox('retry', '999999');
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('there is no email 999999')]);
    const pending = await outbox('retry', String(ids[2]));
    expect([pending.code, pending.stderr]).toEqual([1, expect.stringContaining(`email ${ids[2]} is pending, not failed`)]);
    expect(await statuses()).toEqual(['failed', 'failed', 'pending']);
  });

  it('puts one failed email back, then every other failed one', async () => {
    const one = await outbox('retry', String(ids[0]));
    expect([one.code, one.stdout]).toEqual([0, expect.stringContaining(`Email ${ids[0]} put back in the queue`)]);
    expect(await statuses()).toEqual(['pending', 'failed', 'pending']);
    const rest = await outbox('retry', '--all-failed');
    expect([rest.code, rest.stdout]).toEqual([0, expect.stringContaining('1 failed email(s) put back in the queue.')]);
    expect(await statuses()).toEqual(['pending', 'pending', 'pending']);
  });
});

describe('npm run outbox, emails only logged (a process without SMTP_URL took them)', () => {
  let logged: TestDatabase;
  let loggedIds: number[] = [];

  beforeAll(async () => {
    ({ database: logged, ids: loggedIds } = await threeEmails());
    await logged.handle.db.updateTable('outbox').set({ status: 'logged', attempts: 1, sent_at: Date.now() }).execute();
  });
  afterAll(() => logged.drop());

  const run = (smtpUrl: string, ...args: string[]) => runScript('src/cli/outbox.ts', args, { DATABASE_URL: logged.url, SMTP_URL: smtpUrl });
  const loggedStatuses = async () => (await logged.handle.db.selectFrom('outbox').select('status').orderBy('id').execute()).map((r) => r.status);

  it('lists them with --status logged', async () => {
    const listed = await run('', '--status', 'logged');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${loggedIds[0]}\\s+logged\\s+created\\b`, 'm'));
  });

  it('refuses to retry them without SMTP_URL (they would only be logged again), changing nothing', async () => {
    const one = await run('', 'retry', String(loggedIds[0]));
    expect([one.code, one.stderr.trim()]).toEqual([1, `Email ${loggedIds[0]} was only logged, not sent, and SMTP_URL is unset here: set it (as on every process sharing the database), then retry.`]);
    const all = await run('', 'retry', '--all-logged');
    expect([all.code, all.stderr.trim()]).toEqual([1, 'Logged emails not retried: SMTP_URL is unset here: set it (as on every process sharing the database), then retry.']);
    expect(await loggedStatuses()).toEqual(['logged', 'logged', 'logged']);
  });

  it('with SMTP_URL puts one back in the queue, then every other one', async () => {
    const one = await run('smtp://127.0.0.1:2525', 'retry', String(loggedIds[0]));
    expect([one.code, one.stdout]).toEqual([0, expect.stringContaining(`Email ${loggedIds[0]} put back in the queue`)]);
    expect(await loggedStatuses()).toEqual(['pending', 'logged', 'logged']);
    const rest = await run('smtp://127.0.0.1:2525', 'retry', '--all-logged');
    expect([rest.code, rest.stdout]).toEqual([0, expect.stringContaining('2 logged email(s) put back in the queue.')]);
    expect(await loggedStatuses()).toEqual(['pending', 'pending', 'pending']);
  });
});

// The command line is checked before anything is opened, as every command's is (README, Operations:
// Commands): a mistake is one line naming it, the usage, exit code 2, and nothing changes. Before,
// outbox took words it did not need without a word (`retry 5 --all-failed` put every failed email
// back, not email 5), and its usage errors exited 1 like a refused id.
describe('a command line npm run outbox does not understand', () => {
  let failed: TestDatabase;
  let failedIds: number[] = [];

  beforeAll(async () => {
    ({ database: failed, ids: failedIds } = await threeEmails());
    await failed.handle.db.updateTable('outbox').set({ status: 'failed', attempts: 6 }).execute();
  });
  afterAll(() => failed.drop());

  const failedStatuses = async () => (await failed.handle.db.selectFrom('outbox').select('status').orderBy('id').execute()).map((r) => r.status);

  it.each([
    [['retry', '1', '--all-failed'], 'retry takes an email id or --all-failed or --all-logged, not both.'],
    [['retry', '1', '2'], 'Unexpected argument "2".'],
    [['list', 'extra'], 'Unexpected argument "extra".'],
    [['--all-failed', '--status', 'failed'], '--status and --limit go with the list, not with retry.'],
    [['list', '--all-failed'], '--all-failed goes with retry, not with the list.'],
    [['--limit', '1e3'], '--limit must be a whole number from 1 to 100000.'],
    [['--limit', '0'], '--limit must be a whole number from 1 to 100000.'],
    [['--stauts', 'failed'], 'Unknown option --stauts.'],
    [['--status'], '--status needs a value.'],
    [['--status', 'gone'], '--status must be one of pending, sending, sent, logged, skipped, failed, bounced, all.'],
    [['resend'], 'Unknown command "resend".'],
  ])('%j: one line naming it, the usage, exit 2, nothing changed', async (args, message) => {
    const run = await runScript('src/cli/outbox.ts', args.map((a) => (a === '1' ? String(failedIds[0]) : a === '2' ? String(failedIds[1]) : a)), { DATABASE_URL: failed.url });
    const lines = run.stderr.trim().split('\n');
    expect([run.code, lines[0]]).toEqual([2, message]);
    expect(lines[1]).toMatch(/^Usage: npm run outbox /);
    expect(lines).toHaveLength(2);
    expect(run.stdout).toBe('');
    expect(await failedStatuses()).toEqual(['failed', 'failed', 'failed']);
  });
});
