/**
 * The substring search (repositories/textSearch.ts) behind the admin browser's `q` on users (and
 * emails and inbound mail): any letter case, with `%`, `_` and `\` matched literally, the same on
 * both engines. Tickets are searched by the search index: test/db/search.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { listUsersPage } from '../../src/repositories/adminLists.js';
import { insertUser } from '../../src/repositories/users.js';
import { containsPattern } from '../../src/repositories/textSearch.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';


describe('containsPattern', () => {
  it('lower-cases and escapes the three LIKE metacharacters', () => {
    expect(containsPattern('A%b_C\\d')).toBe('%a\\%b\\_c\\\\d%');
    expect(containsPattern("o'brien")).toBe("%o'brien%");
  });
});

for (const dialect of DIALECTS) {
  describe(`text search in the admin browser's users list (${dialect})`, () => {
    let database: TestDatabase;
    let db: Db;

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      db = database.handle.db;
      await insertUser(db, { username: 'under_score', display_name: 'Per%cent', email: 'u@team.test', password_hash: 'x', role: 'agent', capacity: 5, presence: 'offline', last_assigned_at: null, active: 1, created_at: 0 });
      await insertUser(db, { username: 'underxscore', display_name: 'Percent', email: 'v@team.test', password_hash: 'x', role: 'agent', capacity: 5, presence: 'offline', last_assigned_at: null, active: 1, created_at: 0 });
      await insertUser(db, { username: 'elodie', display_name: 'Élodie Ørsted', email: 'elodie@team.test', password_hash: 'x', role: 'agent', capacity: 5, presence: 'offline', last_assigned_at: null, active: 1, created_at: 0 });
    });

    afterAll(async () => {
      await database.drop();
    });

    it('the users list matches username and display name literally too', async () => {
      expect((await listUsersPage(db, { q: '_' }, { limit: 50 })).rows.map((u) => u.username)).toEqual(['under_score']);
      expect((await listUsersPage(db, { q: '%' }, { limit: 50 })).rows.map((u) => u.username)).toEqual(['under_score']);
    });

    // SQLite's lower() folds ASCII only: "élodie" missed "Élodie" there, while PostgreSQL found it.
    it('matches letters beyond ASCII in any letter case, as PostgreSQL does', async () => {
      for (const q of ['élodie', 'ÉLODIE', 'ørsted', 'ØRSTED', 'Élodie Ø']) {
        expect((await listUsersPage(db, { q }, { limit: 50 })).rows.map((u) => u.username), q).toEqual(['elodie']);
      }
    });
  });
}
