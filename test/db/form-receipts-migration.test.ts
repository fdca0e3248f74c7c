/** Migration 2026-12-15T0900: the form receipts table, its key unique, and its `down` leaving the migration able to run again. */
import { expect, it } from 'vitest';
import { describeMigration, migrateTo, migrator } from './migration-support.js';

const BEFORE = '2026-12-14T0900-pending-team-summary';
const NAME = '2026-12-15T0900-form-receipts';

describeMigration(NAME, (db, dialect) => {
  it('keeps one receipt per key; down drops it and up makes it again', async () => {
    const m = await migrator(db(), dialect);
    await migrateTo(m, NAME);
    await db().insertInto('form_receipts').values({ form_key: 'k'.repeat(22), made: 'webhook:1', created_at: 1 }).execute();
    await expect(db().insertInto('form_receipts').values({ form_key: 'k'.repeat(22), made: 'webhook:2', created_at: 2 }).execute()).rejects.toThrow();
    await migrateTo(m, BEFORE);
    await expect(db().selectFrom('form_receipts').selectAll().execute()).rejects.toThrow();
    await migrateTo(m, NAME);
    expect(await db().selectFrom('form_receipts').selectAll().execute()).toEqual([]);
  });
});
