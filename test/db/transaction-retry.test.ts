/**
 * A plain-transaction writer caught in a deadlock (PostgreSQL 40P01) is run again as a whole, not
 * refused with a 503: the database rolled it back, so nothing of it was written, and the retry
 * writes its message, its email and its webhook event once each. A third connection plays the other
 * writer, taking the two rows in the other order, with a long deadlock_timeout of its own so that
 * PostgreSQL picks the writer as the deadlock's victim.
 */
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { inTransaction } from '../../src/db/transaction.js';
import { enqueueEmail } from '../../src/repositories/outbox.js';
import { insertWebhookEvents } from '../../src/repositories/webhooks.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { createEndpoint } from '../../src/services/webhookEndpoints.js';
import { changePresence } from '../../src/services/presence.js';
import { eventually, schemaClient } from './backends.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { intakeTicket } from '../support/intake.js';
import { eventsFor } from '../support/webhookEvents.js';
import { ticketFields } from '../files/support.js';

/** How many backends wait for a lock `pid` holds. */
async function waitersOn(watcher: pg.Client, pid: number): Promise<number> {
  const { rows } = await watcher.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [pid]);
  return rows[0]!.n;
}

async function backendPid(client: pg.Client): Promise<number> {
  return (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
}

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

  it('is written once after the deadlock, email and webhook event included', async () => {
    const ticket = await intakeTicket(t.ctx, ticketFields({ title: 'Deadlocked' }));
    const other = await schemaClient(t.database.url);
    const watcher = await schemaClient(t.database.url);
    try {
      // The other writer: holds the replying admin's row (the reply's author key waits for it)…
      await other.query(`set deadlock_timeout = '60s'`);
      await other.query('begin');
      await other.query('select id from users where id = $1 for update', [boss]);
      const pid = await backendPid(other);
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

describe('the retry of a whole transaction on postgres', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase('postgres');
    await sql`create table lock_rows (id integer primary key)`.execute(database.handle.db);
    await sql`insert into lock_rows (id) values (1), (2)`.execute(database.handle.db);
  });
  afterAll(async () => {
    await database?.drop();
  });

  const lockRow = (trx: Db, id: number) => sql`select id from lock_rows where id = ${id} for update`.execute(trx);

  it('runs it again after a deadlock that struck after it queued an email and a webhook event, and keeps one of each', async () => {
    const to = `deadlock-${Date.now()}@example.test`;
    const other = await schemaClient(database.url);
    const watcher = await schemaClient(database.url);
    let tries = 0;
    try {
      await other.query(`set deadlock_timeout = '60s'`);
      await other.query('begin');
      await other.query('select id from lock_rows where id = 2 for update');
      const pid = await backendPid(other);
      const done = inTransaction(database.handle, async (trx) => {
        tries++;
        await enqueueEmail(trx, { ticketId: null, kind: 'password_reset', to, content: { subject: 'Reset', text: 'Reset', html: '<p>Reset</p>' }, now: Date.now() });
        await insertWebhookEvents(trx, [{ event: 'test.retry', messageId: `msg_${to}`, ticketId: null, payload: '{}', endpointIds: [], now: Date.now() }]);
        await lockRow(trx, 1);
        await lockRow(trx, 2);
        return tries;
      });
      await eventually(async () => (await waitersOn(watcher, pid)) === 1, 'the transaction to wait for row 2');
      // Row 1 is the transaction's: a cycle, which PostgreSQL breaks by rolling the transaction back.
      await other.query('select id from lock_rows where id = 1 for update');
      await other.query('commit');
      expect(await done).toBe(2);
    } finally {
      await watcher.end();
      await other.end();
    }
    const db = database.handle.db;
    expect(await db.selectFrom('outbox').select('id').where('to_address', '=', to).execute()).toHaveLength(1);
    expect(await db.selectFrom('webhook_events').select('id').where('message_id', '=', `msg_${to}`).execute()).toHaveLength(1);
  });

  it('never runs it again after its connection was lost (COMMIT might have gone through)', async () => {
    let tries = 0;
    const failed = inTransaction(database.handle, async (trx) => {
      tries++;
      await lockRow(trx, 1);
      await sql`select pg_terminate_backend(pg_backend_pid())`.execute(trx);
    }).then(
      () => 'committed',
      (error: Error) => (error as { code?: string }).code ?? error.message,
    );
    expect(await failed).not.toBe('committed');
    expect(tries).toBe(1);
    // The pool goes on with a new connection.
    expect(await inTransaction(database.handle, async (trx) => (await lockRow(trx, 2)).rows.length)).toBe(1);
  });
});

describe('a presence change caught in a deadlock at its commit, on postgres', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('postgres');
    await createEndpoint(t.ctx, null, { url: 'https://hooks.example.com/presence', events: ['ticket.assigned'] }, false);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is announced once, by the try that committed', async () => {
    const agent = await addStaff(t.ctx, 'ana');
    const waiting = await intakeTicket(t.ctx, ticketFields({ title: 'Waiting for Ana' }));
    const announced: [number, string][] = [];
    const ctx = { ...t.ctx, onPresence: (id: number, presence: string) => void announced.push([id, presence]) };
    const other = await schemaClient(t.database.url);
    const watcher = await schemaClient(t.database.url);
    try {
      // The other side holds the lock a transaction with webhook events takes as it commits
      // (webhook_commits' position), then asks for the routing lock the presence change holds.
      await other.query(`set deadlock_timeout = '60s'`);
      await other.query('begin');
      await other.query('select pg_advisory_xact_lock(4243, hashtext(current_schema()))');
      const pid = await backendPid(other);
      const changed = changePresence(ctx, agent, 'available');
      await eventually(async () => (await waitersOn(watcher, pid)) === 1, 'the presence change to wait at its commit');
      await other.query('select pg_advisory_xact_lock(4242, hashtext(current_schema()))');
      await other.query('commit');
      await changed;
    } finally {
      await watcher.end();
      await other.end();
    }
    expect(announced).toEqual([[agent, 'available']]);
    const ticket = await t.ctx.handle.db.selectFrom('tickets').select('agent_id').where('id', '=', waiting.id).executeTakeFirstOrThrow();
    expect(ticket.agent_id).toBe(agent);
  });
});
