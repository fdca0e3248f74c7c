// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, sql } from 'kysely';

/**
 * A deleted topic's tickets keep its id from now on (as a deleted team's keep the team's), so their
 * pages and the export can say "(deleted topic)" rather than the "no topic" of an empty id. Until
 * now the deletion cleared the id; and every ticket has had a topic since topics came (the teams
 * migration gave the old ones topic 1, intake always finds one, the last topic on the form cannot be
 * deleted), so an empty one is a topic deleted before this: it gets 0, an id no topic has (ids start
 * at 1), which reads "(deleted topic)". Which topic it was is lost.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`update tickets set topic_id = 0 where topic_id is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update tickets set topic_id = null where topic_id = 0`.execute(db);
}
