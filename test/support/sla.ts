/** §11 fixtures: calendars straight into their tables, and the default settings as the API shows them. */
import { type CalendarDefinition, WEEKDAYS } from '../../src/core/calendar.js';
import type { Db } from '../../src/db/connect.js';

/** Monday to Friday 09:00–17:00 in Berlin, no holidays. */
export const OFFICE_HOURS: CalendarDefinition = {
  timeZone: 'Europe/Berlin',
  hours: Object.fromEntries(WEEKDAYS.map((day) => [day, day === 'sat' || day === 'sun' ? [] : [{ start: 540, end: 1020 }]])) as CalendarDefinition['hours'],
  holidays: [],
};

/** A stored calendar with one version; returns its id. */
export async function addCalendar(db: Db, name: string, definition: CalendarDefinition = OFFICE_HOURS, now = Date.now()): Promise<number> {
  const version = await db.insertInto('calendar_versions').values({ calendar_id: 0, definition: JSON.stringify(definition), created_at: now }).returning('id').executeTakeFirstOrThrow();
  const calendar = await db.insertInto('calendars').values({ name, version_id: version.id, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
  await db.updateTable('calendar_versions').set({ calendar_id: calendar.id }).where('id', '=', version.id).execute();
  return calendar.id;
}

/** The settings of a new desk as GET /api/v1/settings shows them (SPEC §11). */
export const DEFAULT_SETTINGS_JSON = {
  sla: {
    high: { resolution: '1m', first_response: null, next_reply: null },
    medium: { resolution: '4m', first_response: null, next_reply: null },
    low: { resolution: '1h', first_response: null, next_reply: null },
  },
  calendar: '24/7',
  pause_while_waiting: false,
  warn_at_percent: null,
  default_capacity: 5,
  queue_order: 'oldest',
  release_on_logout: false,
  email_priority: 'medium',
};
