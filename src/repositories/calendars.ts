/**
 * Business-hours calendars (§11): a name and the version in force. A version is written once and
 * never changed or deleted (a ticket's clocks keep counting with the version they started with);
 * saving a calendar writes a new version and points the calendar at it.
 */
import { PostgresAdapter, sql } from 'kysely';
import type { Calendar, CalendarDefinition } from '../core/calendar.js';
import { rowNamed } from '../core/checked.js';
import type { Db } from '../db/connect.js';

/** A stored calendar with its definition in force and when it was created and last changed. */
export interface CalendarRecord extends Calendar {
  versionId: number;
  createdAt: number;
  updatedAt: number;
}

const selectCalendars = (db: Db) =>
  db
    .selectFrom('calendars as c')
    .innerJoin('calendar_versions as v', 'v.id', 'c.version_id')
    .select(['c.id', 'c.name', 'c.version_id', 'c.created_at', 'c.updated_at', 'v.definition']);

type CalendarJoinRow = { id: number; name: string; version_id: number; created_at: number; updated_at: number; definition: string };

const recordOf = (row: CalendarJoinRow): CalendarRecord => ({
  id: row.id,
  name: row.name,
  definition: JSON.parse(row.definition) as CalendarDefinition,
  versionId: row.version_id,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

/** Every calendar by name (a short list an admin keeps by hand). */
export async function listCalendars(db: Db): Promise<CalendarRecord[]> {
  return (await selectCalendars(db).orderBy(sql`lower(c.name)`).orderBy('c.id').execute()).map(recordOf);
}

/** One page of calendars in the order they were created, after `afterId`: up to `limit` rows. */
export async function calendarPage(db: Db, { afterId, limit }: { afterId: number | undefined; limit: number }): Promise<CalendarRecord[]> {
  let query = selectCalendars(db);
  if (afterId !== undefined) query = query.where('c.id', '>', afterId);
  return (await query.orderBy('c.id').limit(limit).execute()).map(recordOf);
}

export async function findCalendar(db: Db, id: number, options: { lock?: boolean } = {}): Promise<CalendarRecord | undefined> {
  // `lock`: inside a transaction about to change it, its row locked until the end (PostgreSQL;
  // SQLite writes one at a time) first, then read by a statement of its own, which sees what a
  // save it waited for committed.
  if (options.lock && db.getExecutor().adapter instanceof PostgresAdapter) await db.selectFrom('calendars').select('id').where('id', '=', id).forUpdate().execute();
  const row = await selectCalendars(db).where('c.id', '=', id).executeTakeFirst();
  return row && recordOf(row);
}

/**
 * The id of a calendar with this name in any letter case, other than `exceptId`, or undefined.
 * Compared here (rowNamed), not by lower(name): SQLite's folds only ASCII, so `Büro` and `BÜRO`
 * passed its unique index there (calendars are few: all are read).
 */
export async function calendarNamed(db: Db, name: string, exceptId: number | null): Promise<number | undefined> {
  let query = db.selectFrom('calendars').select(['id', 'name']);
  if (exceptId !== null) query = query.where('id', '<>', exceptId);
  return rowNamed(await query.execute(), name)?.id;
}

async function insertVersion(db: Db, calendarId: number, definition: CalendarDefinition, now: number): Promise<number> {
  const row = await db.insertInto('calendar_versions').values({ calendar_id: calendarId, definition: JSON.stringify(definition), created_at: now }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/**
 * A new calendar and its first version; run in a transaction. The version needs the calendar's id
 * and the calendar its version's: the version is written first with calendar 0 and given the
 * calendar's id right after, before anyone can see either.
 */
export async function insertCalendar(db: Db, row: { name: string; definition: CalendarDefinition; now: number }): Promise<number> {
  const versionId = await insertVersion(db, 0, row.definition, row.now);
  const { id } = await db.insertInto('calendars').values({ name: row.name, version_id: versionId, created_at: row.now, updated_at: row.now }).returning('id').executeTakeFirstOrThrow();
  await db.updateTable('calendar_versions').set({ calendar_id: id }).where('id', '=', versionId).execute();
  return id;
}

/**
 * Saves calendar `id` under `name`; a changed definition is written as a new version, now in force
 * (an unchanged one keeps its version). Run in a transaction. False when the calendar does not
 * exist (then nothing is written).
 */
export async function updateCalendar(db: Db, id: number, row: { name: string; definition: CalendarDefinition; now: number }): Promise<boolean> {
  const current = await findCalendar(db, id);
  if (!current) return false;
  const changed = JSON.stringify(current.definition) !== JSON.stringify(row.definition);
  const versionId = changed ? await insertVersion(db, id, row.definition, row.now) : current.versionId;
  await db.updateTable('calendars').set({ name: row.name, version_id: versionId, updated_at: row.now }).where('id', '=', id).execute();
  return true;
}

/** Deletes calendar `id` (its versions stay); whether it existed. */
export async function deleteCalendar(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('calendars').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The id of the SLA calendar in the settings; null: 24/7. */
export async function slaCalendarId(db: Db): Promise<number | null> {
  const row = await db.selectFrom('settings').select('calendar_id').where('id', '=', 1).executeTakeFirst();
  return row?.calendar_id ?? null;
}

/** The names of the teams whose own SLA calendar is calendar `id` (§12), by name. */
export async function teamsCountingWith(db: Db, id: number): Promise<string[]> {
  const rows = await db.selectFrom('teams').select('name').where('own_calendar', '=', 1).where('calendar_id', '=', id).orderBy('name').execute();
  return rows.map((r) => r.name);
}

/**
 * For a transaction that is about to make calendar `id` the SLA calendar: its version in force, or
 * undefined when there is no such calendar. On PostgreSQL the row is also locked (shared) until the
 * commit, so a delete running meanwhile waits and then finds the calendar in use; SQLite runs such
 * transactions one at a time anyway.
 */
export async function holdCalendar(db: Db, id: number): Promise<number | undefined> {
  const query = db.selectFrom('calendars').select('version_id').where('id', '=', id);
  return (await (db.getExecutor().adapter instanceof PostgresAdapter ? query.forShare() : query).executeTakeFirst())?.version_id;
}

/** A calendar the settings form offers for the SLA calendar (§11). */
export interface CalendarChoice {
  id: number;
  name: string;
}

/** Every stored calendar, by name in any letter case. */
export async function calendarChoices(db: Db): Promise<CalendarChoice[]> {
  return db.selectFrom('calendars').select(['id', 'name']).orderBy(sql`lower(name)`).orderBy('id').execute();
}
