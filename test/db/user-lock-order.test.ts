/**
 * An account change that checks the current password locks the account's row (lockUserById) and
 * may then move tickets (an agent left present nowhere goes offline, and with release_on_logout
 * its tickets go back to the queue). A writer of a row naming that account (a reply's author, an
 * event's actor: the foreign key takes a KEY SHARE lock on the user row) that holds one of those
 * tickets made a lock cycle with it: the change waited for the ticket, the writer for the user row.
 * The account's lock must not stop foreign-key checks (PostgreSQL FOR NO KEY UPDATE, which still
 * excludes another change of the account). A second connection plays the writer, with a short
 * lock_timeout: it must not wait for the account change at all.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changePresence } from '../../src/services/presence.js';
import { turnOffSecondFactor } from '../../src/services/twoFactor.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { intakeTicket } from '../support/intake.js';
import { ticketFields } from '../files/support.js';
import { eventually, schemaClient } from './backends.js';

async function waitersOn(watcher: pg.Client, pid: number): Promise<number> {
  const { rows } = await watcher.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [pid]);
  return rows[0]!.n;
}

describe('an account change beside a writer of its ticket on postgres', () => {
  let t: TestApp;
  let ana: number;
  beforeAll(async () => {
    t = await startTestApp('postgres');
    ana = await addStaff(t.ctx, 'ana');
    await t.ctx.handle.db.updateTable('settings').set({ release_on_logout: 1 }).execute();
    await t.ctx.handle.db.updateTable('users').set({ totp_secret: 'JBSWY3DPEHPK3PXP' }).where('id', '=', ana).execute();
    await changePresence(t.ctx, ana, 'available');
  });
  afterAll(async () => {
    await t?.close();
  });

  it("lets the writer's foreign-key check through while the change waits for the writer's ticket", async () => {
    const ticket = await intakeTicket(t.ctx, ticketFields({ title: 'Locked both ways' }));
    expect((await t.ctx.handle.db.selectFrom('tickets').select('agent_id').where('id', '=', ticket.id).executeTakeFirstOrThrow()).agent_id).toBe(ana);
    const writer = await schemaClient(t.database.url);
    const watcher = await schemaClient(t.database.url);
    try {
      await writer.query(`set deadlock_timeout = '60s'`);
      await writer.query(`set lock_timeout = '500ms'`);
      await writer.query('begin');
      // The writer holds Ana's ticket (as a reply to it does)…
      await writer.query('select id from tickets where id = $1 for update', [ticket.id]);
      const pid = (await writer.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      // …Ana turns her second factor off from a token-less call: her sessions end, she goes offline, her ticket is released…
      const change = turnOffSecondFactor(t.ctx, ana, 'password123', { token: undefined, idleMinutes: 30 }).then(
        () => 'done',
        (error: Error) => `${(error as { code?: string }).code}: ${error.message}`,
      );
      await eventually(async () => (await waitersOn(watcher, pid)) === 1, 'the change to wait for the ticket');
      // …and the writer's row names Ana: its foreign-key check must not wait for her account's lock.
      const check = await writer.query('select id from users where id = $1 for key share', [ana]).then(
        (r) => r.rowCount,
        (error: Error) => `${(error as { code?: string }).code}: ${error.message}`,
      );
      expect(check).toBe(1);
      await writer.query('commit');
      expect(await change).toBe('done');
    } finally {
      await watcher.end();
      await writer.end();
    }
    const after = await t.ctx.handle.db.selectFrom('tickets').select(['agent_id', 'status']).where('id', '=', ticket.id).executeTakeFirstOrThrow();
    expect(after.agent_id).toBeNull();
  });
});
