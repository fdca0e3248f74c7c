/**
 * The webhooks' figures for `/metrics`: per endpoint, whether it is active, failing or disabled,
 * how many events wait in its lane (counted up to WAITING_COUNTED) and since when the first of
 * them waits, and how many of its tries wait to be retried. One statement: the lanes are read from
 * their cursors and the retries through the index of tries to make, never the whole log or all
 * events, however many millions there are.
 */
import { sql } from 'kysely';
import { WAITING_COUNTED } from '../core/webhooks.js';
import type { DbHandle } from '../db/connect.js';
import { inReadSnapshot } from '../db/transaction.js';
import { oldestWaitingOf, waitingInLaneOf } from './webhookLanes.js';
import { toBeTried } from './abandoned.js';

export interface EndpointFigures {
  id: number;
  state: 'active' | 'failing' | 'disabled' | 'off';
  /** Events waiting in its lane (0 unless active), up to WAITING_COUNTED. */
  waiting: number;
  /** When the first of them was written; null when none waits. */
  oldestWaitingAt: number | null;
  /** Tries waiting for their retry or being retried. */
  retries: { pending: number; sending: number };
}

export async function webhookFigures(handle: DbHandle): Promise<EndpointFigures[]> {
  // toBeTried() first, so SQLite reads the partial index of tries to make (see abandoned.ts).
  const retries = (status: 'pending' | 'sending') => sql<number>`(select count(*) from webhook_deliveries d where d.endpoint_id = e.id and ${toBeTried('d.status')} and d.status = ${sql.lit(status)})`;
  const statement = sql<{ id: number; active: number; failing_since: number | null; disabled_at: number | null; waiting: number | string; oldest_at: number | string | null; pending: number | string; sending: number | string }>`select e.id, e.active, e.failing_since, e.disabled_at,
      case when e.active = 1 then ${waitingInLaneOf(handle.dialect, WAITING_COUNTED)} else 0 end as waiting,
      case when e.active = 1 then ${oldestWaitingOf(handle.dialect)} end as oldest_at,
      ${retries('pending')} as pending, ${retries('sending')} as sending
    from webhook_endpoints e order by e.id`;
  // PostgreSQL estimates each lane's count at a thousand events per commit (a commit holds a few),
  // which passes its JIT threshold with three endpoints: read with JIT off (inReadSnapshot).
  const { rows } = await inReadSnapshot(handle.db, (t) => statement.execute(t));
  return rows.map((r) => ({
    id: r.id,
    state: r.active !== 1 ? (r.disabled_at !== null ? 'disabled' : 'off') : r.failing_since !== null ? 'failing' : 'active',
    waiting: Number(r.waiting),
    oldestWaitingAt: r.oldest_at === null ? null : Number(r.oldest_at),
    retries: { pending: Number(r.pending), sending: Number(r.sending) },
  }));
}
