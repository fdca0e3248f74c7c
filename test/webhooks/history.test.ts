/**
 * The webhook history's retention (WEBHOOKS_HISTORY_DAYS; repositories/webhookHistory.ts): what
 * is dropped once older than the cutoff (settled tries, events nothing needs, PostgreSQL's empty
 * commit positions), what is kept whatever its age (tries still to be made and their events,
 * events an active lane has not passed), that lanes go on after it, and the hourly job.
 */
import { CompiledQuery } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { historyCutoff } from '../../src/core/webhooks.js';
import type { Db } from '../../src/db/connect.js';
import { startWebhookHistoryPruning } from '../../src/jobs/webhookHistory.js';
import { eventsToRetry, pruneWebhookHistory } from '../../src/repositories/webhookHistory.js';
import { claimDueDeliveries, retryDelivery } from '../../src/repositories/webhookDeliveries.js';
import { claimLanes, settleLane } from '../../src/repositories/webhookLanes.js';
import { insertEndpoint, insertWebhookEvents, type NewWebhookEvent } from '../../src/repositories/webhooks.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;
const CUTOFF = historyCutoff(NOW, 30);
const OLD = NOW - 40 * DAY;
const RECENT = NOW - DAY;
const LEASE = 60_000;

const event = (messageId: string, endpointIds: readonly number[], at: number): NewWebhookEvent => ({ event: 'ticket.created', messageId, ticketId: null, payload: `{"id":"${messageId}"}`, endpointIds, now: at });

for (const dialect of DIALECTS) {
  describe(`the webhook history's retention (${dialect})`, () => {
    let database: TestDatabase;
    const db = (): Db => database.handle.db;
    const open = async () => (database = await freshDatabase(dialect));
    afterEach(() => database?.drop());

    const endpoint = async (n: string) => (await insertEndpoint(db(), { url: `https://hooks.example.com/${n}`, events: '*', secret: 'whsec_x', active: true, now: OLD })).id;
    /** Posts what an endpoint's lane waits for, each try answered as `answer` says (default 204), and settles it. */
    const settle = async (endpointId: number, answer: (messageId: string) => number = () => 204) => {
      const others = (await db().selectFrom('webhook_endpoints').select('id').where('id', '!=', endpointId).execute()).map((e) => e.id);
      for (const lane of await claimLanes(database.handle, { now: NOW, perLane: 1_000, busy: others, leaseUntil: NOW + LEASE })) {
        const tries = lane.events.map((e) => ({ event: e, status: answer(e.message_id), delivered: answer(e.message_id) < 300, error: answer(e.message_id) < 300 ? null : 'HTTP 500' }));
        await settleLane(database.handle, lane, tries, NOW, NOW + LEASE);
      }
    };
    const eventIds = async () => (await db().selectFrom('webhook_events').select('message_id').orderBy('id').execute()).map((e) => e.message_id);
    const log = async () => (await db().selectFrom('webhook_deliveries').select(['message_id', 'status']).orderBy('id').execute()).map((d) => `${d.message_id} ${d.status}`);
    const commits = async () => (dialect === 'postgres' ? (await db().selectFrom('webhook_commits').select('position').execute()).length : 0);

    it('drops settled tries and the events nothing needs once older than the cutoff, and keeps tries still to be made with their events', async () => {
      await open();
      const a = await endpoint('a');
      await insertWebhookEvents(db(), [event('o1', [a], OLD), event('o2', [a], OLD), event('o3', [a], OLD)]);
      await insertWebhookEvents(db(), [event('n1', [a], RECENT)]);
      // o2's try fails (a row being sent, for the retry path); o3's is given up later.
      await settle(a, (id) => (id === 'o2' ? 500 : 204));
      await db().updateTable('webhook_deliveries').set({ status: 'failed' }).where('message_id', '=', 'o3').execute();
      expect(await log()).toEqual(['o1 delivered', 'o2 sending', 'o3 failed', 'n1 delivered']);

      expect(await pruneWebhookHistory(database.handle, CUTOFF)).toEqual({ deliveries: 2, events: 2, commits: 0 });
      expect(await log()).toEqual(['o2 sending', 'n1 delivered']);
      expect(await eventIds()).toEqual(['o2', 'n1']);
      // o2's commit still holds o2; n1's is newer.
      expect(await commits()).toBe(dialect === 'postgres' ? 2 : 0);

      // Once o2's try is settled too, both go at the next pass; nothing else does.
      await db().updateTable('webhook_deliveries').set({ status: 'delivered' }).where('message_id', '=', 'o2').execute();
      expect(await pruneWebhookHistory(database.handle, CUTOFF)).toEqual({ deliveries: 1, events: 1, commits: dialect === 'postgres' ? 1 : 0 });
      expect(await pruneWebhookHistory(database.handle, CUTOFF)).toEqual({ deliveries: 0, events: 0, commits: 0 });
      expect(await log()).toEqual(['n1 delivered']);
      expect(await eventIds()).toEqual(['n1']);
    });

    it('keeps old events an active lane has not passed; a disabled endpoint holds none, and its lane goes on after them', async () => {
      await open();
      const a = await endpoint('a');
      const b = await endpoint('b');
      await insertWebhookEvents(db(), [event('e1', [a], OLD)]);
      await insertWebhookEvents(db(), [event('e2', [b], OLD)]);
      await insertWebhookEvents(db(), [event('r1', [a], RECENT)]);
      await settle(a);
      // b's lane has not read e1 or e2 yet: both stay, however old (a's try of e1 is settled: it goes).
      expect(await pruneWebhookHistory(database.handle, CUTOFF)).toEqual({ deliveries: 1, events: 0, commits: 0 });
      expect(await eventIds()).toEqual(['e1', 'e2', 'r1']);

      await db().updateTable('webhook_endpoints').set({ active: 0 }).where('id', '=', b).execute();
      expect(await pruneWebhookHistory(database.handle, CUTOFF)).toEqual({ deliveries: 0, events: 2, commits: dialect === 'postgres' ? 2 : 0 });
      expect(await eventIds()).toEqual(['r1']);

      // Turned on again, b's lane reads what came after: the events dropped are not missed.
      await db().updateTable('webhook_endpoints').set({ active: 1 }).where('id', '=', b).execute();
      await insertWebhookEvents(db(), [event('e3', [a, b], NOW)]);
      const lanes = await claimLanes(database.handle, { now: NOW, perLane: 10, busy: [], leaseUntil: NOW + LEASE });
      expect(lanes.map((l) => [l.endpointId, l.events.map((e) => e.message_id)])).toEqual([
        [a, ['e3']],
        [b, ['e3']],
      ]);
    });

    it('goes through more history than a batch, a batch at a time', async () => {
      await open();
      const a = await endpoint('a');
      for (let t = 0; t < 5; t++) await insertWebhookEvents(db(), Array.from({ length: 5 }, (_, i) => event(`o${t}.${i}`, [a], OLD + t)));
      await insertWebhookEvents(db(), [event('n1', [a], RECENT), event('n2', [a], RECENT)]);
      await settle(a);
      expect(await pruneWebhookHistory(database.handle, CUTOFF, 4)).toEqual({ deliveries: 25, events: 25, commits: dialect === 'postgres' ? 5 : 0 });
      expect(await log()).toEqual(['n1 delivered', 'n2 delivered']);
      expect(await eventIds()).toEqual(['n1', 'n2']);
      expect(await commits()).toBe(dialect === 'postgres' ? 1 : 0);
    });

    if (dialect === 'sqlite') {
      it('finds the events of tries still to be made in the index of such tries, not in the whole log', async () => {
        await open();
        const query = eventsToRetry(db()).compile();
        const plan = await db().executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]));
        expect(plan.rows.map((r) => r.detail)).toEqual(['SCAN webhook_deliveries USING INDEX webhook_deliveries_due_by_endpoint']);
      });

      it('never drops the newest event or log row, whose ids SQLite would hand out again', async () => {
        await open();
        const a = await endpoint('a');
        await insertWebhookEvents(db(), [event('o1', [a], OLD), event('o2', [a], OLD)]);
        await settle(a);
        const newest = await db().selectFrom('webhook_events').select('id').where('message_id', '=', 'o2').executeTakeFirstOrThrow();
        expect(await pruneWebhookHistory(database.handle, CUTOFF)).toEqual({ deliveries: 1, events: 1, commits: 0 });
        expect(await eventIds()).toEqual(['o2']);
        expect(await log()).toEqual(['o2 delivered']);
        // The next event comes after it, so a's cursor (at o2) does not skip it.
        await insertWebhookEvents(db(), [event('n1', [a], NOW)]);
        const [lane] = await claimLanes(database.handle, { now: NOW, perLane: 10, busy: [], leaseUntil: NOW + LEASE });
        expect(lane!.events.map((e) => [e.message_id, e.id > newest.id])).toEqual([['n1', true]]);
      });
      it('keeps the event of the newest log row it keeps, so that row can still be retried with its body', async () => {
        await open();
        const a = await endpoint('a');
        await insertWebhookEvents(db(), [event('o1', [a], OLD)]);
        await settle(a);
        // A newer event a's lane passes without a try (its filter no longer takes it): no log row.
        await insertWebhookEvents(db(), [event('o2', [a], OLD)]);
        await db().updateTable('webhook_endpoints').set({ events: 'ticket.closed' }).where('id', '=', a).execute();
        await settle(a);
        expect(await log()).toEqual(['o1 delivered']);
        await pruneWebhookHistory(database.handle, CUTOFF);
        // The log row stays (the newest), and so must the body its Retry posts.
        expect(await log()).toEqual(['o1 delivered']);
        const orphans = await db().selectFrom('webhook_deliveries as d').leftJoin('webhook_events as ev', 'ev.id', 'd.event_id').select('d.message_id').where('ev.id', 'is', null).execute();
        expect(orphans.map((o) => o.message_id)).toEqual([]);
        // Retried, it goes out with its body (without the event it posted "undefined", signed).
        const [row] = await db().selectFrom('webhook_deliveries').select('id').execute();
        expect(await retryDelivery(db(), a, row!.id, NOW)).toBe(true);
        const claimed = await claimDueDeliveries(database.handle, { now: NOW, limit: 10, perEndpoint: 10, busy: [], leaseUntil: NOW + LEASE, maxAttempts: 8 });
        expect(claimed.map((d) => d.payload)).toEqual(['{"id":"o1"}']);
      });
    }

    if (dialect === 'postgres') {
      it('keeps the events of a commit that its rearmost lane has read only partly, past its cursor', async () => {
        await open();
        const a = await endpoint('a');
        const b = await endpoint('b');
        await insertWebhookEvents(db(), ['p1', 'p2', 'p3', 'p4'].map((id) => event(id, [a, b], OLD)));
        await settle(a);
        const [partly] = await claimLanes(database.handle, { now: NOW, perLane: 2, busy: [a], leaseUntil: NOW + LEASE });
        await settleLane(database.handle, partly!, partly!.events.map((e) => ({ event: e, status: 204, delivered: true, error: null })), NOW, NOW + LEASE);
        expect(await pruneWebhookHistory(database.handle, CUTOFF)).toEqual({ deliveries: 6, events: 2, commits: 0 });
        expect(await eventIds()).toEqual(['p3', 'p4']);
        const [rest] = await claimLanes(database.handle, { now: NOW, perLane: 10, busy: [a], leaseUntil: NOW + LEASE });
        expect(rest!.events.map((e) => e.message_id)).toEqual(['p3', 'p4']);
      });

      it('drops events written before the lanes (no commit position) by their age too', async () => {
        await open();
        await db()
          .insertInto('webhook_events')
          .values([
            { message_id: 'legacy-old', event: 'ticket.created', ticket_id: null, payload: '{}', created_at: OLD, endpoint_ids: '', txid: 0 },
            { message_id: 'legacy-new', event: 'ticket.created', ticket_id: null, payload: '{}', created_at: RECENT, endpoint_ids: '', txid: 0 },
          ])
          .execute();
        expect(await pruneWebhookHistory(database.handle, CUTOFF)).toEqual({ deliveries: 0, events: 1, commits: 1 });
        expect(await eventIds()).toEqual(['legacy-new']);
      });
    }
  });
}

describe('the hourly pruning of the webhook history', () => {
  let database: TestDatabase;
  afterEach(() => database?.drop());

  it('drops what is older than its days soon after the start, then once per interval, and says so in the log', async () => {
    database = await freshDatabase('sqlite');
    const db = database.handle.db;
    const a = (await insertEndpoint(db, { url: 'https://hooks.example.com/a', events: '*', secret: 'whsec_x', active: true, now: OLD })).id;
    await insertWebhookEvents(db, [event('old', [a], NOW - 8 * DAY), event('new', [a], NOW - 6 * DAY), event('newest', [a], NOW)]);
    await db.updateTable('webhook_endpoints').set({ cursor_id: 1_000_000 }).execute();
    const logged: { fields: Record<string, unknown>; message: string }[] = [];
    const logger = { info: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }), warn: () => {}, error: () => {} };
    const events = async () => (await db.selectFrom('webhook_events').select('message_id').orderBy('id').execute()).map((e) => e.message_id);
    // The first pass a moment after the start, long before its interval.
    let now = NOW;
    const job = startWebhookHistoryPruning(database.handle, 7, logger, { clock: { now: () => now }, firstAfterMs: 20, everyMs: 300 });
    try {
      await expect.poll(events, { timeout: 5000 }).toEqual(['new', 'newest']);
      await expect.poll(() => logged.length).toBe(1);
      expect(logged).toEqual([{ fields: { deliveries: 0, events: 1, commits: 0, days: 7 }, message: 'webhooks: history older than its retention dropped' }]);
      // Then one pass per interval: two days on, 'new' is older than 7 days.
      now = NOW + 2 * DAY;
      await expect.poll(events, { timeout: 5000 }).toEqual(['newest']);
    } finally {
      await job.stop();
    }
    expect(logged).toHaveLength(2);
  });
});
