import type { Settings } from '../core/settings.js';
import type { Db } from '../db/connect.js';
import type { Selectable } from 'kysely';
import type { SettingsTable } from '../db/schema.js';

/** The one settings row as the core's Settings. */
export async function loadSettings(db: Db): Promise<Settings> {
  return settingsFromRow(await db.selectFrom('settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow());
}

/** A settings row's columns as the core's Settings. */
export function settingsFromRow(row: Omit<Selectable<SettingsTable>, 'id'>): Settings {
  return {
    sla: { high: row.sla_high_seconds, medium: row.sla_medium_seconds, low: row.sla_low_seconds },
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
      default_capacity: settings.defaultCapacity,
      queue_order: settings.queueOrder,
      release_on_logout: settings.releaseOnLogout ? 1 : 0,
      email_priority: settings.emailPriority,
    })
    .where('id', '=', 1)
    .execute();
}
