import type { Settings } from '../core/settings.js';
import type { Db } from '../db/connect.js';
import { type Selectable, sql } from 'kysely';
import type { SettingsTable } from '../db/schema.js';

/** The one settings row as the core's Settings. */
export async function loadSettings(db: Db): Promise<Settings> {
  return settingsFromRow(await db.selectFrom('settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow());
}

/** A settings row's columns as the core's Settings. */
export function settingsFromRow(row: Omit<Selectable<SettingsTable>, 'id'>): Settings {
  return {
    sla: { high: row.sla_high_seconds, medium: row.sla_medium_seconds, low: row.sla_low_seconds },
    firstResponse: { high: row.first_response_high_seconds, medium: row.first_response_medium_seconds, low: row.first_response_low_seconds },
    nextReply: { high: row.next_reply_high_seconds, medium: row.next_reply_medium_seconds, low: row.next_reply_low_seconds },
    calendarId: row.calendar_id,
    pauseWhileWaiting: row.pause_while_waiting === 1,
    warnAtPercent: row.warn_at_percent,
    defaultCapacity: row.default_capacity,
    queueOrder: row.queue_order,
    releaseOnLogout: row.release_on_logout === 1,
    emailPriority: row.email_priority,
  };
}

export async function saveSettings(db: Db, settings: Settings): Promise<void> {
  await db
    .updateTable('settings')
    .set({
      sla_high_seconds: settings.sla.high,
      sla_medium_seconds: settings.sla.medium,
      sla_low_seconds: settings.sla.low,
      first_response_high_seconds: settings.firstResponse.high,
      first_response_medium_seconds: settings.firstResponse.medium,
      first_response_low_seconds: settings.firstResponse.low,
      next_reply_high_seconds: settings.nextReply.high,
      next_reply_medium_seconds: settings.nextReply.medium,
      next_reply_low_seconds: settings.nextReply.low,
      calendar_id: settings.calendarId,
      pause_while_waiting: settings.pauseWhileWaiting ? 1 : 0,
      warn_at_percent: settings.warnAtPercent,
      default_capacity: settings.defaultCapacity,
      queue_order: settings.queueOrder,
      release_on_logout: settings.releaseOnLogout ? 1 : 0,
      email_priority: settings.emailPriority,
    })
    .where('id', '=', 1)
    .execute();
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

/** The version in force of calendar `calendarId`; undefined when no such calendar exists. */
export async function calendarVersionOf(db: Db, calendarId: number): Promise<number | undefined> {
  const row = await db.selectFrom('calendars').select('version_id').where('id', '=', calendarId).executeTakeFirst();
  return row?.version_id;
}
