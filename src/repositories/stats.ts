import { sql } from 'kysely';
import type { Db } from '../db/connect.js';

/** Pending / open (assigned) / closed counts in one aggregate query. */
export async function countByState(db: Db): Promise<{ pending: number; open: number; closed: number }> {
  const row = await db
    .selectFrom('tickets')
    .select([
      sql<number>`coalesce(sum(case when status = 'open' and agent_id is null then 1 else 0 end), 0)`.as('pending'),
      sql<number>`coalesce(sum(case when status = 'open' and agent_id is not null then 1 else 0 end), 0)`.as('open'),
      sql<number>`coalesce(sum(case when status = 'closed' then 1 else 0 end), 0)`.as('closed'),
    ])
    .executeTakeFirstOrThrow();
  return { pending: Number(row.pending), open: Number(row.open), closed: Number(row.closed) };
}
