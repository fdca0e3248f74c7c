/** Between presence tests on one database: every agent offline, nobody signed in, no open tickets. */
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import type { Db } from '../../src/db/connect.js';
import { saveSettings } from '../../src/repositories/settings.js';

/** Default settings, open tickets closed, sessions gone, API tokens revoked, everyone offline. */
export async function resetPresence(db: Db, now: number): Promise<void> {
  await saveSettings(db, DEFAULT_SETTINGS);
  await db.updateTable('tickets').set({ status: 'closed', closed_at: now }).where('status', '=', 'open').execute();
  await db.deleteFrom('sessions').execute();
  await db.updateTable('api_tokens').set({ revoked_at: now }).where('revoked_at', 'is', null).execute();
  await db.updateTable('users').set({ presence: 'offline', live_seen_at: null, auto_away_at: null }).execute();
}
