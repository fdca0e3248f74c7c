/**
 * Webhook lanes under concurrency (§13, §3's spirit for the outbox): many transactions writing
 * events at once, committing in another order than they drew their ids (each waits a random while
 * before its commit, and on PostgreSQL pauses again within it, after its position is drawn), a fifth
 * rolled back, while three workers share the lanes of two endpoints with small claims. With no process dying, every committed event reaches each endpoint exactly
 * once, in one log row; nothing of a rolled-back change is sent; no lane is left behind.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookBacklog } from '../../src/repositories/webhookLanes.js';
import { insertEndpoint, insertWebhookEvents } from '../../src/repositories/webhooks.js';
import { WebhookWorker } from '../../src/webhooks/worker.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { seededRandom } from '../../src/core/prng.js';
import { type Receiver, startReceiver, verified } from '../support/webhookReceiver.js';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const WRITERS = 24;
const TRANSACTIONS_EACH = 6;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

for (const dialect of DIALECTS) {
  describe(`webhook lanes under concurrent changes and workers (${dialect})`, () => {
    let database: TestDatabase;
    let receiver: Receiver;

    beforeAll(async () => {
      database = await freshDatabase(dialect, { poolSize: WRITERS + 6 });
      receiver = await startReceiver();
    });
    afterAll(async () => {
      await receiver.close();
      await database.drop();
    });

    it('sends each committed event once to each endpoint and nothing of a rolled-back change', async () => {
      const { handle } = database;
      const endpoints = [];
      for (const path of ['/one', '/two']) endpoints.push(await insertEndpoint(handle.db, { url: receiver.url(path), events: '*', secret: SECRET, active: true, now: Date.now() }));
      const ids = endpoints.map((e) => e.id);
      if (dialect === 'postgres') {
        // A pause in each commit after its position is drawn (deferred triggers fire in name
        // order): the window in which a later transaction, with a later position, could become
        // visible first, were positions not drawn under the lock held through the commit.
        await sql`create function test_commit_pause() returns trigger language plpgsql as $$ begin perform pg_sleep(random() * 0.004); return null; end $$`.execute(handle.db);
        await sql`create constraint trigger zz_commit_pause after insert on webhook_events deferrable initially deferred for each row execute function test_commit_pause()`.execute(handle.db);
      }
      const workers = Array.from(
        { length: 3 },
        () => new WebhookWorker({ handle, clock: { now: () => Date.now() }, logger: quiet, publicUrl: 'http://helpdesk.test', allowPrivate: true, timeoutMs: 5_000, perEndpoint: 4, postsPerEndpoint: 2, pollMs: 20, gatherMs: 5 }),
      );
      for (const w of workers) w.start();
      const random = seededRandom(dialect === 'sqlite' ? 7 : 11);
      const committed: string[] = [];
      const rolledBack: string[] = [];
      try {
        await Promise.all(
          Array.from({ length: WRITERS }, async (_, writer) => {
            for (let k = 0; k < TRANSACTIONS_EACH; k++) {
              const names = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, n) => `msg_${writer}_${k}_${n}`);
              const undo = random() < 0.2;
              const pause = Math.floor(random() * 15);
              try {
                await handle.db.transaction().execute(async (trx) => {
                  await insertWebhookEvents(trx, names.map((messageId) => ({ event: 'ticket.created', messageId, ticketId: null, payload: JSON.stringify({ type: 'ticket.created', id: messageId }), endpointIds: ids, now: Date.now() })));
                  // Hold the transaction open: later writers draw larger ids and may commit first.
                  if (dialect === 'postgres') await sql`select pg_sleep(${pause / 1000})`.execute(trx);
                  if (undo) throw new Error('undone');
                });
                committed.push(...names);
              } catch (error) {
                if (!(error instanceof Error) || error.message !== 'undone') throw error;
                rolledBack.push(...names);
              }
            }
          }),
        );
        for (let i = 0; (await webhookBacklog(handle)) > 0; i++) {
          if (i > 600) throw new Error('the lanes never drained');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
      expect(committed.length).toBeGreaterThan(100);
      expect(rolledBack.length).toBeGreaterThan(0);
      for (const [i, path] of ['/one', '/two'].entries()) {
        // Each request signed (the library's verifier), named by its event's webhook-id.
        const sent = receiver.on(path).map((r) => (verified(r, SECRET), String(r.headers['webhook-id'])));
        expect(sent.sort(), path).toEqual([...committed].sort());
        const log = await handle.db.selectFrom('webhook_deliveries').select(['message_id', 'status']).where('endpoint_id', '=', ids[i]!).execute();
        expect(log.map((d) => d.message_id).sort(), path).toEqual([...committed].sort());
        expect(log.every((d) => d.status === 'delivered')).toBe(true);
      }
    }, 120_000);
  });
}
