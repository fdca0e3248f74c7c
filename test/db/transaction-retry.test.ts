/**
 * A plain-transaction writer caught in a deadlock (PostgreSQL 40P01) is run again as a whole, not
 * refused with a 503: the database rolled it back, so nothing of it was written, and the retry
 * writes its message, its email and its webhook event once each. A third connection plays the other
 * writer, taking the two rows in the other order, with a long deadlock_timeout of its own so that
 * PostgreSQL picks the writer as the deadlock's victim.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postStaffMessage } from '../../src/services/conversation.js';
import { createEndpoint } from '../../src/services/webhookEndpoints.js';
import { eventually } from './backends.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { intakeTicket } from '../support/intake.js';
import { eventsFor } from '../support/webhookEvents.js';
import { ticketFields } from '../files/support.js';

describe('a deadlocked staff reply on postgres', () => {
  let t: TestApp;
  let boss: number;
  let endpoint: number;
  beforeAll(async () => {
    t = await startTestApp('postgres');
    boss = await addStaff(t.ctx, 'boss', { role: 'admin' });
    endpoint = (await createEndpoint(t.ctx, null, { url: 'https://hooks.example.com/retry', events: ['message.created'] }, false)).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A connection of its own on the test's schema. */
  async function connection(): Promise<pg.Client> {
    const schema = new URL(t.database.url).searchParams.get('schema')!;
    const client = new pg.Client({ connectionString: t.database.url.split('?')[0] });
    await client.connect();
    await client.query(`set search_path to ${schema}`);
    return client;
  }

  async function waitersOn(watcher: pg.Client, pid: number): Promise<number> {
    const { rows } = await watcher.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [pid]);
    return rows[0]!.n;
  }

  it('is written once after the deadlock, email and webhook event included', async () => {
    const ticket = await intakeTicket(t.ctx, ticketFields({ title: 'Deadlocked' }));
    const other = await connection();
    const watcher = await connection();
    try {
      // The other writer: holds the replying admin's row (the reply's author key waits for it)…
      await other.query(`set deadlock_timeout = '60s'`);
      await other.query('begin');
      await other.query('select id from users where id = $1 for update', [boss]);
      const { rows } = await other.query<{ pid: number }>('select pg_backend_pid() as pid');
      const pid = rows[0]!.pid;
      const reply = postStaffMessage(t.ctx, { id: boss, role: 'admin' }, ticket.id, { kind: 'reply', body: 'Here is your answer.', close: false, seen: null, channel: 'web' }).then(
        () => 'written',
        (error: Error) => `${(error as { code?: string }).code}: ${error.message}`,
      );
      // …the reply has locked the ticket and waits for the admin's row…
      await eventually(async () => (await waitersOn(watcher, pid)) === 1, 'the reply to wait for the other writer');
      // …and the other writer now asks for the ticket: a cycle, and the reply is its victim.
      const otherTicket = other.query('select id from tickets where id = $1 for update', [ticket.id]);
      await otherTicket;
      await other.query('commit');
      expect(await reply).toBe('written');
    } finally {
      await watcher.end();
      await other.end();
    }
    const db = t.ctx.handle.db;
    const messages = await db.selectFrom('messages').select('id').where('ticket_id', '=', ticket.id).where('kind', '=', 'reply').execute();
    expect(messages).toHaveLength(1);
    const emails = await db.selectFrom('outbox').select('id').where('ticket_id', '=', ticket.id).where('kind', '=', 'reply').execute();
    expect(emails).toHaveLength(1);
    const events = (await eventsFor(db, endpoint)).filter((e) => e.event === 'message.created' && e.ticket_id === ticket.id);
    expect(events).toHaveLength(1);
  });
});
