// Frozen: this migration must never import application code, and never change once released.
import type { Kysely } from 'kysely';

/**
 * A team's own SLA (§12: "an optional calendar and targets that override the settings"):
 * - `own_calendar` 1: the team's tickets count with `calendar_id` (null: 24/7); 0: with the
 *   settings' calendar, whatever it is when a clock starts (calendar_id then null).
 * - `sla_targets`: the team's targets as JSON, seconds per metric and priority
 *   (`{"resolution":{"high":60,…},"first_response":{…},"next_reply":{…}}`, null where a metric has
 *   no target); null: the settings' targets.
 * Existing teams get neither, so every clock runs as before until an admin gives a team its own.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('teams').addColumn('own_calendar', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('teams').addColumn('calendar_id', 'integer').execute();
  await db.schema.alterTable('teams').addColumn('sla_targets', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['sla_targets', 'calendar_id', 'own_calendar']) await db.schema.alterTable('teams').dropColumn(column).execute();
}
