/**
 * Webhook lanes (§13, migration 2026-12-13T0900): what a lane's claim reads (its endpoint's events
 * after its cursor, in order, a few at a time, one worker at a time), what its settle writes (the
 * cursor moved and a log row per try, only while the lease is its own), where a new endpoint's
 * cursor starts, and on PostgreSQL that events are read in commit order (one committed late never
 * falls behind a cursor).
 */
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { claimLanes, claimLanesStatement, type LaneClaim, settleLane } from '../../src/repositories/webhookLanes.js';
import { insertEndpoint, insertWebhookEvents, type NewWebhookEvent } from '../../src/repositories/webhooks.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

const NOW = 1_800_000_000_000;
const LEASE = 60_000;

const event = (messageId: string, endpointIds: readonly number[]): NewWebhookEvent => ({ event: 'ticket.created', messageId, ticketId: null, payload: `{"id":"${messageId}"}`, endpointIds, now: NOW });

for (const dialect of DIALECTS) {
  describe(`webhook lanes (${dialect})`, () => {
    let database: TestDatabase;
    const db = (): Db => database.handle.db;
    const claim = (over: Partial<LaneClaim> = {}) => claimLanes(database.handle, { now: NOW, perLane: 10, busy: [], leaseUntil: NOW + LEASE, ...over });
    /** Where an event is in the lanes' order. */
    const placeOf = async (messageId: string) => {
      const e = await db().selectFrom('webhook_events').select(['id', 'txid']).where('message_id', '=', messageId).executeTakeFirstOrThrow();
      const commit = dialect === 'postgres' ? await db().selectFrom('webhook_commits').select('position').where('txid', '=', e.txid).executeTakeFirstOrThrow() : { position: 0 };
      return { position: Number(commit.position), id: e.id };
    };
    const endpoint = async (n: string, active = true) => (await insertEndpoint(db(), { url: `https://hooks.example.com/${n}`, events: '*', secret: 'whsec_x', active, now: NOW })).id;

    beforeAll(async () => {
      database = await freshDatabase(dialect);
    });
    afterAll(() => database.drop());

    it('starts a new endpoint after the events already written, and reads its own in order, a few at a time, past the others', async () => {
      const before = await endpoint('before');
      await insertWebhookEvents(db(), [event('e_old', [before])]);
      const a = await endpoint('a');
      const b = await endpoint('b');
      await db().updateTable('webhook_endpoints').set({ active: 0 }).where('id', '=', before).execute();
      await insertWebhookEvents(db(), [event('e1', [a, b]), event('e2', [b]), event('e3', [a]), event('e4', [b])]);
      const lanes = await claim({ perLane: 3 });
      expect(lanes.map((l) => [l.endpointId, l.events.map((e) => e.message_id), l.read, l.leaseUntil])).toEqual([
        [a, ['e1', 'e3'], 3, NOW + LEASE],
        [b, ['e1', 'e2'], 3, NOW + LEASE],
      ]);
      const third = await placeOf('e3');
      expect(lanes.map((l) => l.through)).toEqual([third, third]);
      // Held: no other claim takes them until the lease runs out.
      expect(await claim()).toEqual([]);
      // Settled, the cursor moves past what was read (e3 too, which is not b's), and the lane is free.
      for (const lane of lanes) expect(await settleLane(database.handle, lane, lane.events.map((e) => ({ event: e, status: 200, delivered: true, error: null })), NOW, NOW + LEASE)).toEqual([]);
      // a's lane reads e4 too, which is not its own: nothing to post, but its cursor moves past it.
      const next = await claim();
      expect(next.map((l) => [l.endpointId, l.events.map((e) => e.message_id), l.through])).toEqual([
        [a, [], await placeOf('e4')],
        [b, ['e4'], await placeOf('e4')],
      ]);
      for (const lane of next) await settleLane(database.handle, lane, [], NOW, NOW + LEASE);
      const log = await db().selectFrom('webhook_deliveries').select(['endpoint_id', 'message_id', 'status', 'attempts', 'response_status']).orderBy('id').execute();
      // The last settle posted nothing (e4 left unposted on purpose): only the first two wrote rows.
      expect(log).toEqual([
        { endpoint_id: a, message_id: 'e1', status: 'delivered', attempts: 1, response_status: 200 },
        { endpoint_id: a, message_id: 'e3', status: 'delivered', attempts: 1, response_status: 200 },
        { endpoint_id: b, message_id: 'e1', status: 'delivered', attempts: 1, response_status: 200 },
        { endpoint_id: b, message_id: 'e2', status: 'delivered', attempts: 1, response_status: 200 },
      ]);
      expect(await claim()).toEqual([]);
      await db().updateTable('webhook_endpoints').set({ active: 0 }).execute();
    });

    it('writes a failed try as a delivery being sent, for the retry path, and ends a run of failures on a 2xx', async () => {
      const e = await endpoint('failing');
      await db().updateTable('webhook_endpoints').set({ failing_since: NOW - 1_000 }).where('id', '=', e).execute();
      await insertWebhookEvents(db(), [event('f1', [e]), event('f2', [e])]);
      const [lane] = await claim();
      const failed = await settleLane(
        database.handle,
        lane!,
        [
          { event: lane!.events[0]!, status: 500, delivered: false, error: 'HTTP 500' },
          { event: lane!.events[1]!, status: 204, delivered: true, error: null },
        ],
        NOW + 5,
        NOW + LEASE,
      );
      const rows = await db().selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', e).orderBy('id').execute();
      expect(rows.map((r) => [r.message_id, r.status, r.attempts, Number(r.next_attempt_at), r.response_status, r.delivered_at === null ? null : Number(r.delivered_at)])).toEqual([
        ['f1', 'sending', 1, NOW + LEASE, 500, null],
        ['f2', 'delivered', 1, NOW + 5, 204, NOW + 5],
      ]);
      expect(failed).toEqual([{ deliveryId: rows[0]!.id, try: expect.objectContaining({ status: 500, error: 'HTTP 500' }) }]);
      expect((await db().selectFrom('webhook_endpoints').select('failing_since').where('id', '=', e).executeTakeFirstOrThrow()).failing_since).toBeNull();
      await db().updateTable('webhook_endpoints').set({ active: 0 }).execute();
    });

    it('settles nothing once the lease ran out and another worker took the lane, which posts the events again', async () => {
      const e = await endpoint('late');
      const other = await endpoint('busy');
      await insertWebhookEvents(db(), [event('l1', [e, other])]);
      // A busy endpoint's lane is not claimed.
      const [first, ...rest] = await claim({ busy: [other] });
      expect([first!.endpointId, rest]).toEqual([e, []]);
      // The first worker stalls past its lease; a second takes the lane with the same events.
      const second = await claim({ now: NOW + LEASE, leaseUntil: NOW + 2 * LEASE, busy: [other] });
      expect(second.map((l) => [l.endpointId, l.events.map((x) => x.message_id)])).toEqual([[e, ['l1']]]);
      expect(await settleLane(database.handle, first!, first!.events.map((x) => ({ event: x, status: 200, delivered: true, error: null })), NOW + LEASE, NOW + 2 * LEASE)).toBeNull();
      expect(await db().selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', e).execute()).toEqual([]);
      expect(await settleLane(database.handle, second[0]!, second[0]!.events.map((x) => ({ event: x, status: 200, delivered: true, error: null })), NOW + LEASE, NOW + 2 * LEASE)).toEqual([]);
      expect((await db().selectFrom('webhook_deliveries').select('message_id').where('endpoint_id', '=', e).execute()).map((r) => r.message_id)).toEqual(['l1']);
      await db().updateTable('webhook_endpoints').set({ active: 0 }).execute();
    });

    if (dialect === 'postgres') {
      it('never lets an event committed late fall behind a cursor: events are read in the order their transactions committed', async () => {
        const e = await endpoint('order');
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let written!: () => void;
        const wrote = new Promise<void>((resolve) => (written = resolve));
        // Transaction A writes its event first (the smaller id) and commits last.
        const a = db()
          .connection()
          .execute(async (conn) => {
            await sql`begin`.execute(conn);
            await insertWebhookEvents(conn, [event('from_a', [e])]);
            written();
            await released;
            await sql`commit`.execute(conn);
          });
        await wrote;
        await insertWebhookEvents(db(), [event('from_b', [e])]);
        // B is committed, A is not: the lane posts B and its cursor moves past it.
        const [first] = await claim();
        expect(first!.events.map((x) => x.message_id)).toEqual(['from_b']);
        expect(await settleLane(database.handle, first!, [{ event: first!.events[0]!, status: 200, delivered: true, error: null }], NOW, NOW + LEASE)).toEqual([]);
        release();
        await a;
        // A's event, with a smaller id than B's, is still ahead of the cursor: it committed after.
        const [second] = await claim();
        expect(second!.events.map((x) => x.message_id)).toEqual(['from_a']);
        expect((await placeOf('from_a')).id).toBeLessThan((await placeOf('from_b')).id);
        expect((await placeOf('from_a')).position).toBeGreaterThan((await placeOf('from_b')).position);
        await settleLane(database.handle, second!, [], NOW, NOW + LEASE);
        await db().updateTable('webhook_endpoints').set({ active: 0 }).execute();
      });

      it('draws commit positions one commit at a time: a transaction that drew a later position is not visible before one that drew an earlier', async () => {
        const e = await endpoint('drawn');
        // A commit whose events are "slow_…" waits, after drawing its position, while the test holds lock 777.
        await sql`create function test_slow_commit() returns trigger language plpgsql as $$
          begin if new.message_id like 'slow%' then perform pg_advisory_lock_shared(777); perform pg_advisory_unlock_shared(777); end if; return null; end $$`.execute(db());
        await sql`create constraint trigger zz_slow_commit after insert on webhook_events deferrable initially deferred for each row execute function test_slow_commit()`.execute(db());
        const gate = await database.handle.db.connection().execute(async (conn) => {
          await sql`select pg_advisory_lock(777)`.execute(conn);
          const waiting = async (objid: number) => {
            for (let i = 0; i < 300; i++) {
              const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = ${objid} and not granted`.execute(conn);
              if (rows[0]!.n > 0) return;
              await new Promise((resolve) => setTimeout(resolve, 10));
            }
            throw new Error(`nothing waited for lock ${objid}`);
          };
          const slow = insertWebhookEvents(db(), [event('slow_1', [e])]);
          await waiting(777);
          // The fast transaction draws the next position while the slow one is still committing.
          const fast = insertWebhookEvents(db(), [event('fast_1', [e])]);
          await new Promise((resolve) => setTimeout(resolve, 200));
          const seen = await claim();
          for (const lane of seen) await settleLane(database.handle, lane, [], NOW, NOW + LEASE);
          await sql`select pg_advisory_unlock(777)`.execute(conn);
          await Promise.all([slow, fast]);
          return seen.flatMap((l) => l.events.map((x) => x.message_id));
        });
        const after = (await claim()).flatMap((l) => l.events.map((x) => x.message_id));
        // Before the slow commit ended nothing was visible ahead of it; then both, in order.
        expect(gate).toEqual([]);
        expect(after).toEqual(['slow_1', 'fast_1']);
        await sql`drop trigger zz_slow_commit on webhook_events`.execute(db());
        await sql`drop function test_slow_commit()`.execute(db());
        await db().updateTable('webhook_endpoints').set({ active: 0 }).execute();
      });

      it('takes no lane whose cursor moved while its claim read (another worker settled it meanwhile): nothing is posted twice', async () => {
        const e = await endpoint('raced');
        await insertWebhookEvents(db(), [event('r1', [e])]);
        const place = await placeOf('r1');
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let moved!: (xid: string) => void;
        const holding = new Promise<string>((resolve) => (moved = resolve));
        // Another worker's settle has moved the cursor past r1 and not yet committed.
        const settle = db()
          .connection()
          .execute(async (conn) => {
            await sql`begin`.execute(conn);
            await sql`update webhook_endpoints set cursor_position = ${place.position}, cursor_id = ${place.id}, lane_until = 0 where id = ${e}`.execute(conn);
            moved((await sql<{ xid: string }>`select pg_current_xact_id()::text as xid`.execute(conn)).rows[0]!.xid);
            await released;
            await sql`commit`.execute(conn);
          });
        const xid = await holding;
        // This claim reads the old cursor (r1 after it), then waits for the endpoint's row…
        const claiming = claim();
        for (let i = 0; ; i++) {
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'transactionid' and transactionid = ${xid}::xid and not granted`.execute(db());
          if (rows[0]!.n > 0) break;
          if (i > 200) throw new Error('the claim never waited for the row');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        release();
        await settle;
        // …which the settle changed: the lane is not taken, and r1 is not posted again.
        expect(await claiming).toEqual([]);
        expect(await claim()).toEqual([]);
        await db().updateTable('webhook_endpoints').set({ active: 0 }).execute();
      });

      it('gives a transaction one commit position however many events it wrote, and none to one rolled back', async () => {
        const count = async () => Number((await db().selectFrom('webhook_commits').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
        const before = await count();
        await db()
          .transaction()
          .execute(async (trx) => {
            await insertWebhookEvents(trx, [event('many_1', [1]), event('many_2', [1])]);
            await insertWebhookEvents(trx, [event('many_3', [1])]);
          });
        expect(await count()).toBe(before + 1);
        await expect(
          db()
            .transaction()
            .execute(async (trx) => {
              await insertWebhookEvents(trx, [event('undone', [1])]);
              throw new Error('rolled back');
            }),
        ).rejects.toThrow('rolled back');
        expect(await count()).toBe(before + 1);
      });

      it('reads a lane through the events in order, not the whole table', async () => {
        // 2,000 events in 400 transactions of five, as intake's batches write them.
        for (let t = 0; t < 400; t++) await insertWebhookEvents(db(), Array.from({ length: 5 }, (_, k) => event(`bulk_${t}_${k}`, [1])));
        await sql`analyze`.execute(db());
        const query = claimLanesStatement({ now: NOW, perLane: 32, busy: [], leaseUntil: NOW + LEASE }).compile(db());
        const plan = JSON.stringify(
          (
            await db()
              .transaction()
              .execute(async (trx) => {
                await sql`set local enable_seqscan = off`.execute(trx);
                return trx.executeQuery(CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]));
              })
          ).rows,
        );
        expect(plan).toContain('webhook_commits_pkey');
        // Each commit's events after the cursor, by the index on (txid, id), a few at most.
        expect(plan).toMatch(/Limit [^"]*"},{"QUERY PLAN":" *-> {2}Index Scan using webhook_events_by_txid[^"]*"},{"QUERY PLAN":" *Index Cond: \(\(txid = c\.txid\) AND \(id > /);
        // Sorted as read, a commit at a time (never every event after the cursor sorted at once).
        expect(plan).not.toMatch(/"QUERY PLAN":" *-> {2}Sort /);
      });
    }
  });
}
