/**
 * Webhooks with 3 real server processes on one PostgreSQL database (§13), each running its webhook
 * worker, one killed with SIGKILL while posts are in flight: every ticket.created reaches the
 * receiver, signed (checked with the standardwebhooks verifier), under one webhook-id per ticket.
 * A post the dead process had in flight is sent again by another once its lease runs out (same
 * webhook-id: receivers drop the repeat, as the Standard Webhooks spec asks); no change gets a
 * second id, and none is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../src/services/context.js';
import { createEndpoint } from '../../src/services/webhookEndpoints.js';
import { type BlankDatabase, blankDatabase, sleep } from '../support/load.js';
import { type ServerProcess, spawnServer } from '../support/process.js';
import { type Receiver, startReceiver, verified } from '../support/webhookReceiver.js';

const TICKETS = 30;

describe('webhooks with 3 server processes on one postgres database, one killed', () => {
  let database: BlankDatabase;
  let servers: ServerProcess[] = [];
  let receiver: Receiver;

  beforeAll(async () => {
    database = await blankDatabase('postgres');
    receiver = await startReceiver();
    // Slow answers, so that posts are in flight when the process dies.
    receiver.answer = () => ({ status: 204, delayMs: 150 });
    const env = { DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password', RATE_LIMIT: 'off', WEBHOOKS_ALLOW_PRIVATE: 'on', WEBHOOKS_TIMEOUT_SECONDS: '1' };
    servers = [await spawnServer(env)];
    servers.push(...(await Promise.all([spawnServer(env), spawnServer(env)])));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill('SIGTERM')));
    await receiver.close();
    await database.drop();
  });

  it(`delivers each of ${TICKETS} tickets created through the 3 processes under one webhook-id, through a SIGKILL`, async () => {
    const handle = database.open();
    const ctx: ServiceContext = { handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' };
    const endpoint = await createEndpoint(ctx, null, { url: receiver.url('/hook'), events: ['ticket.created'] }, true);
    const alive = [...servers];
    for (let i = 0; i < TICKETS; i++) {
      if (i === TICKETS / 2) {
        // Mid-stream, while the receiver still holds posts open.
        await receiver.waitFor('/hook', 1);
        await servers[0]!.kill('SIGKILL');
        alive.splice(alive.indexOf(servers[0]!), 1);
      }
      const server = alive[i % alive.length]!;
      const response = await fetch(`${server.url}/api/v1/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Carla', email: `carla${i}@example.com`, title: `Hooked ${i}`, description: 'Help.', priority: 'medium' }),
      });
      expect(response.status).toBe(201);
    }
    const tickets = (await handle.db.selectFrom('tickets').select('id').orderBy('id').execute()).map((t) => `HD-${t.id}`);
    expect(tickets).toHaveLength(TICKETS);
    // Everything arrives (a post lost with the dead process comes again after its 6 s lease).
    const until = Date.now() + 60_000;
    const idsOf = new Map<string, Set<string>>();
    for (;;) {
      idsOf.clear();
      for (const request of receiver.on('/hook')) {
        const body = verified(request, endpoint.secret);
        expect(body.type).toBe('ticket.created');
        const reference = String(body.data.reference);
        idsOf.set(reference, (idsOf.get(reference) ?? new Set()).add(String(request.headers['webhook-id'])));
      }
      if (idsOf.size === TICKETS || Date.now() > until) break;
      await sleep(200);
    }
    expect([...idsOf.keys()].sort()).toEqual([...tickets].sort());
    for (const [reference, ids] of idsOf) expect(ids.size, reference).toBe(1);
    // The database agrees: one delivery per ticket (its lane writes it once settled), all delivered in the end.
    const until2 = Date.now() + 30_000;
    let rows: { status: string }[] = [];
    do {
      rows = await handle.db.selectFrom('webhook_deliveries').select('status').execute();
      if (rows.length >= TICKETS && rows.every((r) => r.status === 'delivered')) break;
      await sleep(200);
    } while (Date.now() < until2);
    expect(rows).toHaveLength(TICKETS);
    expect(rows.every((r) => r.status === 'delivered')).toBe(true);
  }, 180_000);
});
