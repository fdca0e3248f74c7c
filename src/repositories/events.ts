import type { Db } from '../db/connect.js';
import type { TicketEventsTable } from '../db/schema.js';
import type { Insertable } from 'kysely';

export async function insertEvent(db: Db, event: Insertable<TicketEventsTable>): Promise<void> {
  await insertEvents(db, [event]);
}

/** Several events in one statement, in the order given. */
export async function insertEvents(db: Db, events: readonly Insertable<TicketEventsTable>[]): Promise<void> {
  if (events.length > 0) await db.insertInto('ticket_events').values([...events]).execute();
}

/** A ticket's timeline, oldest first, with the people's names. */
export async function timelineOf(db: Db, ticketId: number) {
  return db
    .selectFrom('ticket_events as e')
    .leftJoin('users as f', 'f.id', 'e.from_agent_id')
    .leftJoin('users as t', 't.id', 'e.to_agent_id')
    .leftJoin('users as a', 'a.id', 'e.actor_id')
    .select([
      'e.id',
      'e.type',
      'e.at',
      'e.metric',
      'f.username as from_username',
      'f.display_name as from_name',
      't.username as to_username',
      't.display_name as to_name',
      'a.username as actor_username',
      'a.display_name as actor_name',
    ])
    .where('e.ticket_id', '=', ticketId)
    .orderBy('e.id')
    .execute();
}

export type TimelineEntry = Awaited<ReturnType<typeof timelineOf>>[number];

/** The last event that moved ticket `ticketId` away from agent `agentId` (to another agent, or back to the queue), with names; undefined: it never did. */
export async function lastMoveAwayFrom(db: Db, ticketId: number, agentId: number) {
  return db
    .selectFrom('ticket_events as e')
    .leftJoin('users as t', 't.id', 'e.to_agent_id')
    .leftJoin('users as a', 'a.id', 'e.actor_id')
    .select(['e.type', 'e.at', 't.display_name as to_name', 'a.display_name as actor_name'])
    .where('e.ticket_id', '=', ticketId)
    .where('e.from_agent_id', '=', agentId)
    .where('e.type', 'in', ['reassigned', 'requeued'])
    .orderBy('e.id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
