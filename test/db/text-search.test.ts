/**
 * One substring search (repositories/textSearch.ts) behind the API list's and the admin browser's
 * `q`: any letter case, with `%`, `_` and `\` matched literally, the same on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { listTicketsPage, listUsersPage } from '../../src/repositories/adminLists.js';
import { listTickets } from '../../src/repositories/ticketQueries.js';
import { insertTickets } from '../../src/repositories/tickets.js';
import { insertUser } from '../../src/repositories/users.js';
import { containsPattern } from '../../src/repositories/textSearch.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

const NOW = Date.UTC(2026, 10, 27, 9, 0, 0);
const TITLES = ['100% sure', '100 percent sure', 'a_b', 'axb', 'back\\slash', 'backslash', 'MiXeD Case', "O'Brien"];

describe('containsPattern', () => {
  it('lower-cases and escapes the three LIKE metacharacters', () => {
    expect(containsPattern('A%b_C\\d')).toBe('%a\\%b\\_c\\\\d%');
    expect(containsPattern("o'brien")).toBe("%o'brien%");
  });
});

for (const dialect of DIALECTS) {
  describe(`text search in the API list and the admin browser (${dialect})`, () => {
    let database: TestDatabase;
    let db: Db;

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      db = database.handle.db;
      await insertUser(db, { username: 'under_score', display_name: 'Per%cent', email: 'u@team.test', password_hash: 'x', role: 'agent', capacity: 5, presence: 'offline', last_assigned_at: null, active: 1, created_at: 0 });
      await insertUser(db, { username: 'underxscore', display_name: 'Percent', email: 'v@team.test', password_hash: 'x', role: 'agent', capacity: 5, presence: 'offline', last_assigned_at: null, active: 1, created_at: 0 });
      await insertTickets(
        db,
        TITLES.map((title, i) => ({
          token: `search-${i}`,
          customer_name: 'C',
          customer_email: i === 0 ? 'Big_Customer@Example.com' : 'c@example.com',
          title,
          description: 'D',
          priority: 'low' as const,
          status: 'open' as const,
          agent_id: null,
          created_at: NOW,
          assigned_at: null,
          closed_at: null,
          sla_due_at: NOW + 60_000,
          sla_breached_at: null,
        })),
      );
    });

    afterAll(async () => {
      await database.drop();
    });

    const titlesOf = (rows: readonly { title: string }[]) => rows.map((r) => r.title).sort();

    it.each([
      ['%', ['100% sure']],
      ['_', ['a_b', '100% sure']], // the second by its customer's email
      ['\\', ['back\\slash']],
      ['mixed case', ['MiXeD Case']],
      ["o'b", ["O'Brien"]],
      ['BIG_CUSTOMER', ['100% sure']],
    ])('q=%s finds %j in both lists', async (q, expected) => {
      const api = await listTickets(db, { id: 0, role: 'admin' }, { q, limit: 50, now: NOW });
      const admin = await listTicketsPage(db, { q }, NOW, { limit: 50 });
      expect(titlesOf(api)).toEqual([...expected].sort());
      expect(titlesOf(admin.rows)).toEqual([...expected].sort());
    });

    it('the users list matches username and display name literally too', async () => {
      expect((await listUsersPage(db, { q: '_' }, { limit: 50 })).rows.map((u) => u.username)).toEqual(['under_score']);
      expect((await listUsersPage(db, { q: '%' }, { limit: 50 })).rows.map((u) => u.username)).toEqual(['under_score']);
    });
  });
}
