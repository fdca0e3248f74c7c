/**
 * The search index's rebuild (`npm run search:reindex`) beside live writers on PostgreSQL: a
 * writer's triggers add its words (search_words) and refresh its ticket's row (ticket_search); the
 * rebuild replaces both tables. Taking them in the other order than a writer that holds the words
 * table and then touches the index made a lock cycle, and the rebuild, its victim, failed with
 * 40P01. A second connection plays that writer, with a long deadlock_timeout of its own so that
 * PostgreSQL would pick the rebuild as the victim: the rebuild must wait for it, then finish.
 */
import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildSearchIndex } from '../../src/repositories/searchIndex.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { intakeTicket } from '../support/intake.js';
import { ticketFields } from '../files/support.js';
import { eventually, schemaClient } from './backends.js';

async function waitersOn(watcher: pg.Client, pid: number): Promise<number> {
  const { rows } = await watcher.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [pid]);
  return rows[0]!.n;
}

describe('the search index rebuilt beside a writer on postgres', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('postgres');
    await intakeTicket(t.ctx, ticketFields({ title: 'Scanner jammed again' }));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('waits for a writer holding the words table, then rebuilds, instead of failing in a deadlock', async () => {
    const writer = await schemaClient(t.database.url);
    const watcher = await schemaClient(t.database.url);
    try {
      await writer.query(`set deadlock_timeout = '60s'`);
      await writer.query('begin');
      // The writer has added its words (as a trigger of its first statement does)…
      await writer.query(`insert into search_words (word) values ('zzwriterword')`);
      const pid = (await writer.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      const rebuilt = rebuildSearchIndex(t.ctx.handle).then(
        (result) => `rebuilt ${result.tickets}`,
        (error: Error) => `${(error as { code?: string }).code}: ${error.message}`,
      );
      // …the rebuild waits for it…
      await eventually(async () => (await waitersOn(watcher, pid)) === 1, 'the rebuild to wait for the writer');
      // …and the writer now refreshes its ticket's row in the index: it must not be waiting on the rebuild.
      await writer.query('select count(*) from ticket_search');
      await writer.query('commit');
      expect(await rebuilt).toBe('rebuilt 1');
    } finally {
      await watcher.end();
      await writer.end();
    }
    const { rows } = await sql<{ head: string }>`select head from ticket_search`.execute(t.ctx.handle.db);
    expect(rows.map((r) => r.head)).toEqual([expect.stringContaining('Scanner jammed again')]);
  });
});
