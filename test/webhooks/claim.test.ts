/**
 * The delivery worker's claim of retries (failed tries, an admin's retries) with a backlog: what it takes (the oldest due, at most a few per
 * endpoint, none of a busy one) and how it finds them (through the partial indexes of due
 * deliveries by endpoint and of deliveries being sent, never by reading the whole backlog, which
 * held SQLite's write lock for tens of milliseconds per claim while intake waited).
 */
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { claimDueDeliveries, claimStatement, dueDeliveryIds } from '../../src/repositories/webhookDeliveries.js';
import { insertEndpoint } from '../../src/repositories/webhooks.js';
import { pendingDeliveries } from '../support/webhookEvents.js';
import { giveUpAbandoned } from '../../src/repositories/abandoned.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

const NOW = 1_800_000_000_000;

for (const dialect of DIALECTS) {
  describe(`claiming webhook deliveries from a backlog (${dialect})`, () => {
    let database: TestDatabase;
    let endpoints: number[];
    const db = (): Db => database.handle.db;

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      endpoints = [];
      for (let i = 0; i < 3; i++) endpoints.push((await insertEndpoint(db(), { url: `https://hooks.example.com/${i}`, events: '*', secret: 'whsec_x', active: true, now: NOW })).id);
      // 600 due per endpoint, the oldest first by time (not by id), and 1,800 delivered ones of history.
      for (const [e, endpointId] of endpoints.entries()) {
        const due = Array.from({ length: 600 }, (_, k) => ({ endpointIds: [endpointId], event: 'ticket.created', messageId: `msg_${e}_${k}`, ticketId: null, payload: '{}', now: NOW - 600_000 + (599 - k) * 1_000 + e }));
        await pendingDeliveries(db(), due);
      }
      const history = Array.from({ length: 1_800 }, (_, k) => ({ endpointIds: [endpoints[k % 3]!], event: 'ticket.closed', messageId: `old_${k}`, ticketId: null, payload: '{}', now: NOW - 86_400_000 }));
      await pendingDeliveries(db(), history);
      await db().updateTable('webhook_deliveries').set({ status: 'delivered' }).where('message_id', 'like', 'old_%').execute();
      await sql`analyze`.execute(db());
    });
    afterAll(() => database.drop());

    it('finds the due deliveries and the abandoned sends through their indexes, not the backlog', async () => {
      const explain = dialect === 'sqlite' ? 'explain query plan ' : 'explain ';
      const planOf = async (query: CompiledQuery) =>
        JSON.stringify(
          (
            await db()
              .transaction()
              .execute(async (trx) => {
                // PostgreSQL might still read a table this small whole; forbid that to see which index it picks.
                if (dialect === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
                return trx.executeQuery(CompiledQuery.raw(explain + query.sql, [...query.parameters]));
              })
          ).rows,
        );
      const due = db().selectFrom('webhook_deliveries').select('id').where('id', 'in', dueDeliveryIds(endpoints, NOW, 10, 30)).compile();
      expect(await planOf(due)).toContain('webhook_deliveries_due_by_endpoint');
      expect(await planOf(giveUpAbandoned(db(), 'webhook_deliveries', NOW, 10).compile())).toContain('webhook_deliveries_sending');
      if (dialect === 'postgres') {
        // PostgreSQL claims in one statement: its reads go through the same indexes.
        const plan = await planOf(claimStatement(db(), { now: NOW, limit: 30, perEndpoint: 10, busy: [], leaseUntil: NOW + 60_000, maxAttempts: 10 }).compile());
        // Each endpoint's few due ones through the index by endpoint, and only those rows updated (by id).
        expect(plan).toMatch(/Index Scan using webhook_deliveries_due_by_endpoint[^"]*"},{"QUERY PLAN":" *Index Cond: \(\(endpoint_id = e\.id\)/);
        expect(plan).toMatch(/Index Scan using webhook_deliveries_pkey on webhook_deliveries d [^"]*"},{"QUERY PLAN":" *Index Cond: \(id = due\.id\)/);
        expect(plan).toContain('webhook_deliveries_sending');
        // Each claimed delivery's body from its event, by id.
        expect(plan).toMatch(/Index Scan using webhook_events_pkey on webhook_events ev [^"]*"},{"QUERY PLAN":" *Index Cond: \(id = d\.event_id\)/);
      }
    });

    it('takes the oldest due, at most perEndpoint of each and none of a busy endpoint', async () => {
      const claimed = await claimDueDeliveries(database.handle, { now: NOW, limit: 10, perEndpoint: 4, busy: [endpoints[2]!], leaseUntil: NOW + 60_000, maxAttempts: 10 });
      expect(claimed).toHaveLength(8);
      for (const endpointId of endpoints.slice(0, 2)) {
        const own = claimed.filter((d) => d.endpoint_id === endpointId);
        // The four with the earliest next_attempt_at of that endpoint: the last four it was given.
        expect(own.map((d) => d.message_id).sort()).toEqual([596, 597, 598, 599].map((k) => `msg_${endpoints.indexOf(endpointId)}_${k}`));
        expect(own.every((d) => d.status === 'sending' && d.attempts === 1 && d.next_attempt_at === NOW + 60_000)).toBe(true);
      }
      // Claimed ones are not due again until their lease ends.
      const next = await claimDueDeliveries(database.handle, { now: NOW, limit: 100, perEndpoint: 100, busy: [], leaseUntil: NOW + 60_000, maxAttempts: 10 });
      expect(next.some((d) => claimed.some((c) => c.id === d.id))).toBe(false);
      expect(next).toHaveLength(100);
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`claiming retries with many endpoints (${dialect})`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await freshDatabase(dialect);
    });
    afterAll(() => database.drop());

    it('claims the due retries of 600 active endpoints, the oldest first (SQLite allows 500 terms in one UNION)', async () => {
      const db = database.handle.db;
      const rows = Array.from({ length: 600 }, (_, i) => ({ url: `https://hooks.example.com/${i}`, events: '*', secret: 'whsec_x', active: 1, created_at: NOW }));
      const ids: number[] = [];
      for (let i = 0; i < rows.length; i += 200) ids.push(...(await db.insertInto('webhook_endpoints').values(rows.slice(i, i + 200)).returning('id').execute()).map((r) => r.id));
      // One due retry on each of three endpoints far apart, the last endpoint's the oldest.
      const [first, middle, last] = [ids[0]!, ids[299]!, ids[599]!];
      await pendingDeliveries(db, [
        { endpointIds: [first], event: 'ticket.created', messageId: 'msg_first', ticketId: null, payload: '{}', now: NOW - 1_000 },
        { endpointIds: [middle], event: 'ticket.created', messageId: 'msg_middle', ticketId: null, payload: '{}', now: NOW - 2_000 },
        { endpointIds: [last], event: 'ticket.created', messageId: 'msg_last', ticketId: null, payload: '{}', now: NOW - 3_000 },
      ]);
      const claimed = await claimDueDeliveries(database.handle, { now: NOW, limit: 2, perEndpoint: 4, busy: [], leaseUntil: NOW + 60_000, maxAttempts: 10 });
      expect(claimed.map((d) => d.message_id).sort()).toEqual(['msg_last', 'msg_middle']);
      const rest = await claimDueDeliveries(database.handle, { now: NOW, limit: 10, perEndpoint: 4, busy: [], leaseUntil: NOW + 60_000, maxAttempts: 10 });
      expect(rest.map((d) => d.message_id)).toEqual(['msg_first']);
    });
  });
}
