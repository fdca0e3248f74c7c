/** Calendar fixtures (§11) shared by the API, page and access tests. */
import type { Db } from '../../src/db/connect.js';

/** A valid calendar body of the API: Berlin office hours with a lunch break and Christmas. */
export function berlinOffice(name = 'Berlin office') {
  const day: [string, string][] = [
    ['09:00', '12:00'],
    ['13:00', '17:00'],
  ];
  return {
    name,
    time_zone: 'Europe/Berlin',
    hours: { mon: day, tue: day, wed: day, thu: day, fri: [['09:00', '12:00'], ['22:00', '06:00']] as [string, string][], sat: [], sun: [] },
    holidays: [
      { from: '2026-12-24', to: '2026-12-26', yearly: true },
      { from: '2026-05-01', to: '2026-05-01', yearly: false },
    ],
  };
}

/** Every row of both calendar tables, in order: compare before and after a refused request. */
export async function calendarTables(db: Db) {
  const [calendars, versions] = await Promise.all([
    db.selectFrom('calendars').selectAll().orderBy('id').execute(),
    db.selectFrom('calendar_versions').selectAll().orderBy('id').execute(),
  ]);
  return { calendars, versions };
}

/** Makes calendar `id` the SLA calendar (null: 24/7), as the settings would. */
export async function useAsSlaCalendar(db: Db, id: number | null): Promise<void> {
  await db.updateTable('settings').set({ calendar_id: id }).where('id', '=', 1).execute();
}
