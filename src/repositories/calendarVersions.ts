/**
 * The saved calendar definitions SLA clocks count with (§11). A version never changes once written
 * (an edit writes a new one), so each is read from the database once per database handle and kept.
 */
import type { CalendarDefinition, SlaCalendar } from '../core/calendar.js';
import type { ClockCalendar } from '../core/slaClocks.js';
import type { Settings } from '../core/settings.js';
import type { Db, DbHandle } from '../db/connect.js';
import { settingsFromRow } from './settings.js';
import { targetsFromText, ticketClockOf } from '../core/teamSla.js';

const cached = new WeakMap<DbHandle, Map<number, CalendarDefinition>>();

/** The definition of calendar version `versionId`; null (24/7) for null. */
export async function calendarOfVersion(handle: DbHandle, db: Db, versionId: number | null): Promise<SlaCalendar> {
  if (versionId === null) return null;
  let versions = cached.get(handle);
  if (!versions) cached.set(handle, (versions = new Map()));
  const known = versions.get(versionId);
  if (known) return known;
  const row = await db.selectFrom('calendar_versions').select('definition').where('id', '=', versionId).executeTakeFirst();
  if (!row) throw new Error(`calendar version ${versionId} is missing`);
  const definition = JSON.parse(row.definition) as CalendarDefinition;
  versions.set(versionId, definition);
  return definition;
}

/** The calendar new clocks start with, given the settings' calendar version (null: 24/7). */
export async function clockCalendarOf(handle: DbHandle, db: Db, versionId: number | null): Promise<ClockCalendar> {
  return { versionId, calendar: await calendarOfVersion(handle, db, versionId) };
}

/** The SLA calendar of the settings as it is now (null: 24/7): one query, the definition cached. */
export async function settingsCalendar(handle: DbHandle, db: Db): Promise<SlaCalendar> {
  const row = await db
    .selectFrom('settings as s')
    .leftJoin('calendars as c', 'c.id', 's.calendar_id')
    .select('c.version_id as calendar_version_id')
    .where('s.id', '=', 1)
    .executeTakeFirst();
  return calendarOfVersion(handle, db, row?.calendar_version_id ?? null);
}

/**
 * The settings and the calendar a clock of a ticket of team `teamId` starts with now: the team's
 * own targets and calendar where it has them (§12, core/teamSla.ts), else the desk's. One query,
 * the definitions cached.
 */
export async function loadClockSettings(handle: DbHandle, db: Db, teamId: number): Promise<{ settings: Settings; clock: ClockCalendar }> {
  const row = await db
    .selectFrom('settings as s')
    .leftJoin('calendars as c', 'c.id', 's.calendar_id')
    .leftJoin('teams as t', (join) => join.on('t.id', '=', teamId))
    .leftJoin('calendars as tc', 'tc.id', 't.calendar_id')
    .selectAll('s')
    .select(['c.version_id as calendar_version_id', 't.own_calendar', 't.sla_targets', 'tc.version_id as team_calendar_version_id'])
    .where('s.id', '=', 1)
    .executeTakeFirstOrThrow();
  const deskClock = await clockCalendarOf(handle, db, row.calendar_version_id ?? null);
  const ownCalendar = Number(row.own_calendar ?? 0) === 1;
  const team = { targets: targetsFromText(row.sla_targets), clock: ownCalendar ? await clockCalendarOf(handle, db, row.team_calendar_version_id ?? null) : null };
  return ticketClockOf(settingsFromRow(row), deskClock, team);
}
