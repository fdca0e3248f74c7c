/**
 * An endpoint deleted while its lane is being posted (§13, PostgreSQL, where the delete and the
 * lane's settle run at once): the delete succeeds and takes the whole log with it, whichever
 * commits first; the settle of a lane whose endpoint is gone writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { addStaff } from '../support/app.js';
import { claimLanes, settleLane } from '../../src/repositories/webhookLanes.js';
import { insertEndpoint, insertWebhookEvents } from '../../src/repositories/webhooks.js';
import { removeEndpoint } from '../../src/services/webhookEndpoints.js';

describe('deleting an endpoint while its lane is posted (postgres)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('postgres');
  });
  afterAll(() => t.close());

  it('deletes the endpoint and its log though the lane settles between the delete of its log and of the endpoint', async () => {
    const db = t.ctx.handle.db;
    const admin = await addStaff(t.ctx, 'root', { role: 'admin' });
    const now = t.ctx.clock.now();
    const { id } = await insertEndpoint(db, { url: 'https://hooks.example.com/gone', events: '*', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', active: true, now });
    await insertWebhookEvents(db, [{ event: 'ticket.created', messageId: `msg_${randomUUID()}`, ticketId: null, payload: '{}', endpointIds: [id], now }]);
    const [lane] = await claimLanes(t.ctx.handle, { now, perLane: 10, busy: [], leaseUntil: now + 60_000 });
    expect(lane?.events).toHaveLength(1);
    // The delete waits, after deleting the log, while the test holds lock 778.
    await sql`create function test_slow_log_delete() returns trigger language plpgsql as $$
      begin perform pg_advisory_lock_shared(778); perform pg_advisory_unlock_shared(778); return null; end $$`.execute(db);
    await sql`create trigger zz_slow_log_delete after delete on webhook_deliveries for each statement execute function test_slow_log_delete()`.execute(db);
    try {
      const outcome = await db.connection().execute(async (conn) => {
        await sql`select pg_advisory_lock(778)`.execute(conn);
        const deleting = removeEndpoint(t.ctx, admin, id).then(
          () => 'deleted',
          (error: unknown) => `failed: ${String(error)}`,
        );
        for (let i = 0; i < 300; i++) {
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = 778 and not granted`.execute(conn);
          if (rows[0]!.n > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        // The lane's posts are done meanwhile: it settles (or waits for the delete, and then writes nothing).
        const settling = settleLane(t.ctx.handle, lane!, lane!.events.map((event) => ({ event, status: 500, delivered: false, error: 'HTTP 500' })), now, now + 60_000);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await sql`select pg_advisory_unlock(778)`.execute(conn);
        const [deleted, settled] = await Promise.all([deleting, settling]);
        return { deleted, settled };
      });
      expect(outcome).toEqual({ deleted: 'deleted', settled: null });
      expect(await db.selectFrom('webhook_endpoints').select('id').where('id', '=', id).execute()).toEqual([]);
      expect(await db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', id).execute()).toEqual([]);
    } finally {
      await sql`drop trigger zz_slow_log_delete on webhook_deliveries`.execute(db);
      await sql`drop function test_slow_log_delete()`.execute(db);
    }
  });
});
