/**
 * Files that arrive on several messages at once (§10.1, §3's "any number of concurrent requests"):
 * each distinct content is one `files` row, so two messages carrying the same new files wait for
 * each other on that row's unique key. On PostgreSQL they must take those keys in one order, or two
 * such messages deadlock and one is refused (503) though nothing was wrong with it. (SQLite has one
 * writer at a time: messages never wait for each other inside a transaction there.)
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Of } from '../../src/repositories/attachments.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { eventually, schemaClient } from '../db/backends.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { TicketIntake } from '../../src/services/intake.js';
import { intakeTicket } from '../support/intake.js';
import { ticketFields } from './support.js';

describe('the same new files on two messages at once, on postgres', () => {
  let t: TestApp;
  let boss: number;
  beforeAll(async () => {
    t = await startTestApp('postgres');
    boss = await addStaff(t.ctx, 'boss', { role: 'admin' });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A connection of its own on the test's schema, which holds a file's key uncommitted. */
  const holder = () => schemaClient(t.database.url);

  /** Backends waiting for `pid`'s locks, or for a backend that waits for them. */
  async function waitingOn(client: pg.Client, pid: number): Promise<number> {
    const { rows } = await client.query<{ n: number }>(
      `with direct as (select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid)))
       select count(*)::int as n from pg_stat_activity s
       where s.pid in (select pid from direct) or exists (select 1 from direct d where d.pid = any(pg_blocking_pids(s.pid)))`,
      [pid],
    );
    return rows[0]!.n;
  }

  it('are both written, whatever order each message lists them in (no deadlock, no 503)', async () => {
    const [first, second] = [await intakeTicket(t.ctx, ticketFields({ title: 'First' })), await intakeTicket(t.ctx, ticketFields({ title: 'Second' }))];
    const file = (name: string) => ({ filename: `${name}.pdf`, contentType: 'application/pdf', content: Buffer.from(`%PDF-1.4 ${name} ${first.id}\n`) });
    const [x, y, z] = [file('x'), file('y'), file('z')];
    const note = (ticketId: number, files: (typeof x)[]) =>
      postStaffMessage(t.ctx, { id: boss, role: 'admin' }, ticketId, { kind: 'note', body: 'Files attached.', close: false, seen: null, channel: 'web', files });
    // A third writer has z's key, not yet committed: both messages get as far as z and wait there,
    // one holding x, the other y. When the third rolls back they go on, each towards the other's.
    const third = await holder();
    try {
      await third.query('begin');
      await third.query('insert into files (sha256, size, content, created_at) values ($1, $2, $3, $4)', [sha256Of(z.content), z.content.length, z.content, Date.now()]);
      const { rows } = await third.query<{ pid: number }>('select pg_backend_pid() as pid');
      // Read from a connection outside any transaction: pg_stat_activity is a snapshot per transaction.
      const watcher = await holder();
      try {
        const posts = Promise.allSettled([note(first.id, [x, z, y]), note(second.id, [y, z, x])]);
        await eventually(async () => (await waitingOn(watcher, rows[0]!.pid)) === 2, 'both messages to wait, for the third writer or for each other');
        await third.query('rollback');
        const settled = await posts;
        expect(settled.map((s) => (s.status === 'rejected' ? String((s.reason as Error).message) : 'written'))).toEqual(['written', 'written']);
      } finally {
        await watcher.end();
      }
    } finally {
      await third.end();
    }
    const names = await t.ctx.handle.db.selectFrom('attachments').select(['ticket_id', 'filename']).where('ticket_id', 'in', [first.id, second.id]).orderBy('id').execute();
    expect(names.filter((a) => a.ticket_id === first.id).map((a) => a.filename)).toEqual(['x.pdf', 'z.pdf', 'y.pdf']);
    expect(names.filter((a) => a.ticket_id === second.id).map((a) => a.filename)).toEqual(['y.pdf', 'z.pdf', 'x.pdf']);
    const stored = await t.ctx.handle.db.selectFrom('files').select('sha256').where('sha256', 'in', [x, y, z].map((f) => sha256Of(f.content))).execute();
    expect(stored).toHaveLength(3);
  });

  it('are written when new tickets committed together carry them too (one order across the batch)', async () => {
    // Contents whose keys sort a < m < b, found by trying: the order of keys is what is tested.
    const content = (name: string, n: number) => Buffer.from(`%PDF-1.4 ${name} ${n}\n`);
    const keyed = (name: string, test: (key: string) => boolean) => {
      for (let n = 0; ; n++) if (test(sha256Of(content(name, n)))) return { filename: `${name}.pdf`, contentType: 'application/pdf', content: content(name, n) };
    };
    const a = keyed('a', (k) => k < '4');
    const b = keyed('b', (k) => k > 'c');
    const m = keyed('m', (k) => k > '6' && k < '9');
    const ticket = await intakeTicket(t.ctx, ticketFields({ title: 'Noted' }));
    const third = await holder();
    const watcher = await holder();
    const intake = new TicketIntake(t.ctx);
    try {
      await third.query('begin');
      await third.query('insert into files (sha256, size, content, created_at) values ($1, $2, $3, $4)', [sha256Of(m.content), m.content.length, m.content, Date.now()]);
      const { rows } = await third.query<{ pid: number }>('select pg_backend_pid() as pid');
      // A note with a, m and b takes a, then waits for the third writer's m.
      const noted = postStaffMessage(t.ctx, { id: boss, role: 'admin' }, ticket.id, { kind: 'note', body: 'Files attached.', close: false, seen: null, channel: 'web', files: [a, m, b] }).then(
        () => 'written',
        (error: Error) => error.message,
      );
      await eventually(async () => (await waitingOn(watcher, rows[0]!.pid)) === 1, 'the note to wait for the third writer');
      // Two forms at once, committed together: the first carries b, the second a (held by the note).
      const forms = Promise.allSettled([
        intake.submit(ticketFields({ title: 'With b' }), { files: [b] }),
        intake.submit(ticketFields({ title: 'With a' }), { files: [a] }),
      ]);
      await eventually(async () => (await waitingOn(watcher, rows[0]!.pid)) === 2, 'the forms to wait for the note');
      // Past PostgreSQL's deadlock_timeout (1 s) the forms' wait has been checked, and found no cycle
      // while the note waits for the third writer; the note's next wait is the one that is checked.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await third.query('rollback');
      expect(await noted).toBe('written');
      expect((await forms).map((f) => f.status)).toEqual(['fulfilled', 'fulfilled']);
    } finally {
      await watcher.end();
      await third.end();
    }
  });
});
