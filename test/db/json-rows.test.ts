/**
 * jsonRows (src/db/jsonRows.ts), PostgreSQL's multi-row insert of intake: the statement's text is
 * the same for any number of rows, and every value arrives as given, through JSON, in its column's
 * own type (a lone surrogate as U+FFFD, as pg encodes a parameter; a column no row names keeps its
 * default).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonRows } from '../../src/db/jsonRows.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { randomTickets, rng } from './summaries-support.js';

describe('jsonRows (postgres)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase('postgres');
  });
  afterAll(() => database.drop());

  const message = (ticketId: number, body: string, mailKey?: string | null) => ({
    ticket_id: ticketId,
    kind: 'customer' as const,
    author_id: null,
    author_name: 'O\'Brien "the customer"',
    body,
    channel: 'web' as const,
    created_at: 1_780_000_000_123,
    ...(mailKey === undefined ? {} : { mail_key: mailKey }),
  });

  it('one text for any number of rows, and every value stored as given', async () => {
    const db = database.handle.db;
    const [ticket] = await db.insertInto('tickets').values(randomTickets(rng(1), 1, Date.now(), [], [])).returning('id').execute();
    const insert = (rows: ReturnType<typeof message>[]) => {
      const { columns, select } = jsonRows('messages', rows);
      return db.insertInto('messages').columns(columns).expression(select).returning(['body', 'author_name', 'author_id', 'created_at', 'automatic', 'mail_key']);
    };
    const bodies = ['plain', 'back\\slash and "quotes"\nand a line', '{"looks": ["like", "json"]}', 'emoji 🎫 whole', 'half \uD800 pair', ''];
    const one = insert([message(ticket!.id, 'x')]).compile();
    const many = insert(bodies.map((b) => message(ticket!.id, b))).compile();
    expect(many.sql).toBe(one.sql);
    expect(many.parameters).toHaveLength(1);

    const stored = await insert(bodies.map((b, i) => message(ticket!.id, b, i === 0 ? `<m${i}@example.com>` : undefined))).execute();
    expect(stored.map((m) => m.body)).toEqual(bodies.map((b) => b.replace('\uD800', '\uFFFD')));
    expect(stored.every((m) => m.author_name === 'O\'Brien "the customer"' && m.author_id === null && m.created_at === 1_780_000_000_123)).toBe(true);
    // `automatic` is named by no row: its default (0). `mail_key` by one: null in the others.
    expect(stored.map((m) => [m.automatic, m.mail_key])).toEqual(bodies.map((_, i) => [0, i === 0 ? '<m0@example.com>' : null]));
  });
});
