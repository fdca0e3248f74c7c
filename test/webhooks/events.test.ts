/**
 * Each webhook event's body is stored once (`webhook_events`, migration 2026-12-12T0900), naming the
 * endpoints that take it (migration 2026-12-13T0900, the lanes): what a change writes, what a lane
 * reads, what a rolled-back change leaves (nothing), and both migrations over what was written
 * before them (one event per webhook-id, and back down with each delivery's body restored; the
 * lanes' cursors after the events already delivered as rows, and back down with the events no lane
 * had posted as pending deliveries).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { claimDueDeliveries } from '../../src/repositories/webhookDeliveries.js';
import { insertEndpoint, insertWebhookEvents, type NewWebhookEvent } from '../../src/repositories/webhooks.js';
import { claimLanes, settleLane } from '../../src/repositories/webhookLanes.js';
import { migrateTo, migrator } from '../db/migration-support.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

const NOW = 1_800_000_000_000;
const BEFORE = '2026-12-11T0900-outbox-due-ordered';
const NAME = '2026-12-12T0900-webhook-events';
const LANES = '2026-12-13T0900-webhook-lanes';

const body = (n: number) => JSON.stringify({ type: 'ticket.created', timestamp: '2027-01-15T08:00:00.000Z', data: { reference: `HD-${n}`, title: `Printer ${n} “on fire” \\ ${'x'.repeat(n)}` } });

for (const dialect of DIALECTS) {
  describe(`webhook events stored once (${dialect})`, () => {
    let database: TestDatabase;
    const db = (): Db => database.handle.db;
    const endpoints: number[] = [];

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      for (let i = 0; i < 3; i++) endpoints.push((await insertEndpoint(db(), { url: `https://hooks.example.com/${i}`, events: '*', secret: 'whsec_x', active: true, now: NOW })).id);
    });
    afterAll(() => database.drop());

    it('writes an event with its body once, naming the endpoints that take it, and no delivery; each lane reads it with its body', async () => {
      const events: NewWebhookEvent[] = [
        { event: 'ticket.created', messageId: 'msg_a', ticketId: 7, payload: body(1), endpointIds: endpoints, now: NOW },
        { event: 'ticket.closed', messageId: 'msg_b', ticketId: null, payload: body(2), endpointIds: [endpoints[1]!], now: NOW + 1 },
      ];
      await database.handle.db.transaction().execute((trx) => insertWebhookEvents(trx, events));
      const stored = await db().selectFrom('webhook_events').selectAll().orderBy('id').execute();
      expect(stored.map((e) => [e.message_id, e.event, e.ticket_id, e.payload, Number(e.created_at), e.endpoint_ids])).toEqual([
        ['msg_a', 'ticket.created', 7, body(1), NOW, `,${endpoints.join(',')},`],
        ['msg_b', 'ticket.closed', null, body(2), NOW + 1, `,${endpoints[1]},`],
      ]);
      expect(await counts(db())).toEqual([2, 0]);

      const lanes = await claimLanes(database.handle, { now: NOW + 1, perLane: 10, busy: [], leaseUntil: NOW + 60_000 });
      expect(lanes.map((l) => [l.endpointId, l.url, l.events.map((e) => [e.message_id, e.payload]), l.read, l.through.id])).toEqual(
        endpoints.map((e, i) => [e, `https://hooks.example.com/${i}`, i === 1 ? [['msg_a', body(1)], ['msg_b', body(2)]] : [['msg_a', body(1)]], 2, stored[1]!.id]),
      );
    });

    it('leaves neither events nor deliveries when the change rolls back', async () => {
      const before = await counts(db());
      const write = database.handle.db.transaction().execute(async (trx) => {
        await insertWebhookEvents(trx, [{ event: 'ticket.created', messageId: 'msg_rolled_back', ticketId: 8, payload: body(3), endpointIds: endpoints, now: NOW }]);
        throw new Error('the change fails after its events');
      });
      await expect(write).rejects.toThrow('the change fails after its events');
      expect(await counts(db())).toEqual(before);
    });
  });

  describe(`migration ${NAME} (${dialect})`, () => {
    let database: TestDatabase;
    const db = (): Db => database.handle.db;
    beforeAll(async () => {
      database = await freshDatabase(dialect);
    });
    afterAll(() => database.drop());

    it('gives deliveries written before it one event per webhook-id with their body, goes down with each body restored, and up again', async () => {
      const m = await migrator(db(), dialect);
      await migrateTo(m, BEFORE);
      const endpoints: number[] = [];
      for (let i = 0; i < 3; i++) endpoints.push(await oldEndpoint(db(), i));
      // Deliveries as that schema held them: each with its own copy of the event's body.
      const old = [
        ...endpoints.map((e, i) => ({ endpoint: e, message: 'msg_1', event: 'ticket.created', ticket: 1, payload: body(1), status: ['delivered', 'pending', 'failed'][i]!, at: NOW })),
        ...endpoints.slice(0, 2).map((e) => ({ endpoint: e, message: 'msg_2', event: 'message.created', ticket: 1, payload: body(2), status: 'sending', at: NOW + 5 })),
        { endpoint: endpoints[2]!, message: 'msg_3', event: 'ticket.closed', ticket: null, payload: body(3), status: 'pending', at: NOW + 9 },
      ];
      for (const d of old) {
        await sql`insert into webhook_deliveries (endpoint_id, event, message_id, ticket_id, payload, status, attempts, next_attempt_at, created_at)
          values (${d.endpoint}, ${d.event}, ${d.message}, ${d.ticket}, ${d.payload}, ${d.status}, 1, ${d.at}, ${d.at})`.execute(db());
      }

      await migrateTo(m, NAME);
      const events = await db().selectFrom('webhook_events').selectAll().orderBy('id').execute();
      expect(events.map((e) => [e.message_id, e.event, e.ticket_id, e.payload, Number(e.created_at)])).toEqual([
        ['msg_1', 'ticket.created', 1, body(1), NOW],
        ['msg_2', 'message.created', 1, body(2), NOW + 5],
        ['msg_3', 'ticket.closed', null, body(3), NOW + 9],
      ]);
      const idOf = new Map(events.map((e) => [e.message_id, e.id]));
      const deliveries = await db().selectFrom('webhook_deliveries').selectAll().orderBy('id').execute();
      expect(deliveries.map((d) => [d.endpoint_id, d.message_id, d.event_id, d.status])).toEqual(old.map((d) => [d.endpoint, d.message, idOf.get(d.message), d.status]));
      expect(await columnsOf(db(), dialect, 'webhook_deliveries')).not.toContain('payload');

      await migrateTo(m, BEFORE);
      const restored = await sql<{ message_id: string; payload: string }>`select message_id, payload from webhook_deliveries order by id`.execute(db());
      expect(restored.rows.map((r) => [r.message_id, r.payload])).toEqual(old.map((d) => [d.message, d.payload]));
      expect(await columnsOf(db(), dialect, 'webhook_deliveries')).not.toContain('event_id');

      await migrateTo(m, NAME);
      expect(await db().selectFrom('webhook_events').select('message_id').orderBy('id').execute()).toEqual(['msg_1', 'msg_2', 'msg_3'].map((message_id) => ({ message_id })));
    });
  });

  describe(`migration ${LANES} (${dialect})`, () => {
    let database: TestDatabase;
    const db = (): Db => database.handle.db;
    beforeAll(async () => {
      database = await freshDatabase(dialect);
    });
    afterAll(() => database.drop());

    it('puts each lane after the events already written as deliveries, and going down turns the events no lane posted into pending deliveries', async () => {
      const m = await migrator(db(), dialect);
      await migrateTo(m, NAME);
      const endpoints: number[] = [];
      for (let i = 0; i < 2; i++) endpoints.push(await oldEndpoint(db(), i));
      // Written as that schema did: an event and a pending delivery per endpoint.
      const old = await sql<{ id: number }>`insert into webhook_events (message_id, event, ticket_id, payload, created_at) values ('msg_old', 'ticket.created', 1, ${body(1)}, ${NOW}) returning id`.execute(db());
      for (const e of endpoints) {
        await sql`insert into webhook_deliveries (endpoint_id, event_id, event, message_id, ticket_id, status, attempts, next_attempt_at, created_at)
          values (${e}, ${old.rows[0]!.id}, 'ticket.created', 'msg_old', 1, 'pending', 0, ${NOW}, ${NOW})`.execute(db());
      }

      await migrateTo(m, LANES);
      const claim = { now: NOW, perLane: 10, busy: [], leaseUntil: NOW + 60_000 };
      // The old event is the retry path's (its deliveries are rows), not the lanes'.
      expect(await claimLanes(database.handle, claim)).toEqual([]);
      expect((await claimDueDeliveries(database.handle, { now: NOW, limit: 10, perEndpoint: 10, busy: [], leaseUntil: NOW + 60_000, maxAttempts: 8 })).map((d) => [d.endpoint_id, d.message_id, d.payload])).toEqual(
        endpoints.map((e) => [e, 'msg_old', body(1)]),
      );
      // New events go through the lanes: the first is posted and settled, the second is not yet.
      await insertWebhookEvents(db(), [
        { event: 'ticket.created', messageId: 'msg_new', ticketId: 2, payload: body(2), endpointIds: endpoints, now: NOW + 1 },
        { event: 'ticket.closed', messageId: 'msg_later', ticketId: 2, payload: body(3), endpointIds: [endpoints[1]!], now: NOW + 2 },
      ]);
      const [first] = await claimLanes(database.handle, { ...claim, perLane: 1 });
      expect(first!.events.map((e) => e.message_id)).toEqual(['msg_new']);
      expect(await settleLane(database.handle, first!, [{ event: first!.events[0]!, status: 204, delivered: true, error: null }], NOW + 3, NOW + 60_000)).toEqual([]);

      await migrateTo(m, NAME);
      const deliveries = await db().selectFrom('webhook_deliveries').select(['endpoint_id', 'message_id', 'status']).orderBy('id').execute();
      expect(deliveries.map((d) => [d.endpoint_id, d.message_id, d.status])).toEqual([
        ...endpoints.map((e) => [e, 'msg_old', 'sending']),
        [first!.endpointId, 'msg_new', 'delivered'],
        // Not yet posted: pending again, as that schema would have written them.
        ...(first!.endpointId === endpoints[0] ? [[endpoints[1], 'msg_new', 'pending']] : []),
        [endpoints[1], 'msg_later', 'pending'],
      ]);
      expect(await columnsOf(db(), dialect, 'webhook_endpoints')).not.toContain('cursor_id');
      expect(await columnsOf(db(), dialect, 'webhook_events')).not.toContain('txid');

      await migrateTo(m, LANES);
      expect(await claimLanes(database.handle, claim)).toEqual([]);
    });
  });
}

/** An endpoint as the schemas before the lanes held it (insertEndpoint writes the lanes' cursor). */
async function oldEndpoint(db: Db, i: number): Promise<number> {
  const { rows } = await sql<{ id: number }>`insert into webhook_endpoints (url, events, secret, active, created_at) values (${`https://hooks.example.com/${i}`}, '*', 'whsec_x', 1, ${NOW}) returning id`.execute(db);
  return rows[0]!.id;
}

async function counts(db: Db): Promise<number[]> {
  const events = await db.selectFrom('webhook_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const deliveries = await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return [Number(events.n), Number(deliveries.n)];
}

async function columnsOf(db: Db, dialect: string, table: string): Promise<string[]> {
  const { rows } =
    dialect === 'postgres'
      ? await sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ${table}`.execute(db)
      : await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db);
  return rows.map((r) => r.name);
}
