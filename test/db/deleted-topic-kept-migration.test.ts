/**
 * Migration 2026-12-22T0900: a ticket whose topic was deleted before deletions kept the id (an empty
 * topic id: every ticket had a topic until then) gets 0, an id no topic has, which its pages and
 * the export read as "(deleted topic)"; a ticket with its topic keeps it; down empties them again.
 */
import { expect, it } from 'vitest';
import { describeMigration, migrateTo, migrator } from './migration-support.js';
import { randomTickets, rng } from './summaries-support.js';

const BEFORE = '2026-12-21T0930-audit-who';
const NAME = '2026-12-22T0900-deleted-topic-kept';

describeMigration(NAME, (db, dialect) => {
  it('marks the tickets of topics deleted before it, keeps the rest, and down clears the mark', async () => {
    const m = await migrator(db(), dialect);
    await migrateTo(m, BEFORE);
    const [lost, kept] = randomTickets(rng(7), 2, Date.now(), [], []);
    await db().insertInto('tickets').values([{ ...lost!, topic_id: null }, { ...kept!, topic_id: 1 }]).returning('id').execute();
    const topics = async () => (await db().selectFrom('tickets').select(['id', 'topic_id']).orderBy('id').execute()).map((row) => row.topic_id);
    await migrateTo(m, NAME);
    expect(await topics()).toEqual([0, 1]);
    await migrateTo(m, BEFORE);
    expect(await topics()).toEqual([null, 1]);
  });
});
