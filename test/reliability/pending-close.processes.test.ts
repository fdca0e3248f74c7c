/**
 * The close undo window (issue 23 item 1) with real server processes on one database, each running
 * its pending-close job: closes asked for through either process commit exactly once (one closed
 * event, one closed email each) soon after their window; and a pending close survives the death of
 * every process (SIGKILL before its instant) and is committed, once, by the processes started next.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../src/services/context.js';
import { addStaff } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { historyViolations } from '../support/invariants.js';
import { type BlankDatabase, blankDatabase, HttpClient, sleep } from '../support/load.js';
import { type ServerProcess, spawnServer } from '../support/process.js';

const TICKETS = 8;
// Long enough for all eight closes to be asked before the first falls due: with 2 s, a loaded
// machine (load 30) committed the first closes while the last were still being asked.
const WINDOW_SECONDS = 10;

for (const dialect of DIALECTS) {
  describe(`pending closes with 2 server processes on one ${dialect} database`, () => {
    let database: BlankDatabase;
    let servers: ServerProcess[] = [];
    const env = () => ({ DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password', RATE_LIMIT: 'off', CLOSE_UNDO_SECONDS: String(WINDOW_SECONDS) });
    const start = async () => (servers = await Promise.all([spawnServer(env()), spawnServer(env())]));

    beforeAll(async () => {
      database = await blankDatabase(dialect);
      await start();
    });
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.kill('SIGTERM')));
      await database.drop();
    });

    async function createTickets(count: number): Promise<void> {
      for (let i = 0; i < count; i++) {
        const response = await fetch(`${servers[i % 2]!.url}/api/v1/tickets`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Carla', email: `carla${i}@example.com`, title: `Ticket ${i}`, description: 'Help.', priority: 'medium' }),
        });
        expect(response.status).toBe(201);
      }
    }

    /** Ana logs in on the first process (the session works on both: it is a row). */
    async function login(): Promise<HttpClient> {
      const client = new HttpClient(servers[0]!.url);
      const csrf = await client.csrf('/agents/login/');
      expect((await client.request('POST', '/agents/login/', { form: { _csrf: csrf, username: 'ana', password: 'password123' } })).status).toBe(303);
      return client;
    }

    /** Clicks Close on every open ticket of the dashboard, alternating between the processes. */
    async function closeAll(client: HttpClient): Promise<number[]> {
      const dashboard = await client.get('/agents/dashboard/');
      const ids = [...dashboard.text.matchAll(/action="\/agents\/tickets\/(\d+)\/close\/"/g)].map((m) => Number(m[1]));
      const csrf = /name="_csrf" value="([^"]+)"/.exec(dashboard.text)![1]!;
      for (const [i, id] of ids.entries()) {
        client.baseUrl = servers[i % 2]!.url;
        expect((await client.request('POST', `/agents/tickets/${id}/close/`, { form: { _csrf: csrf } })).status).toBe(303);
      }
      client.baseUrl = servers[0]!.url;
      return ids;
    }

    /** Waits (generously: a job's pass on a loaded machine) until every one of `ids` is closed, then a while more for a second commit to show. */
    async function untilClosed(ids: number[]): Promise<void> {
      const { db } = database.open();
      const open = async () => (await db.selectFrom('tickets').select('id').where('id', 'in', ids).where('status', '!=', 'closed').execute()).length;
      for (const deadline = Date.now() + 60_000; (await open()) > 0 && Date.now() < deadline; ) await sleep(200);
      await sleep(2500);
    }

    async function expectClosedOnce(ids: number[]): Promise<void> {
      const { db } = database.open();
      const rows = await db.selectFrom('tickets').select(['id', 'status', 'closed_at', 'close_due_at']).where('id', 'in', ids).execute();
      expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'closed'));
      const events = await db.selectFrom('ticket_events').select('ticket_id').where('type', '=', 'closed').where('ticket_id', 'in', ids).execute();
      expect(events.map((e) => e.ticket_id).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
      const emails = await db.selectFrom('outbox').select('ticket_id').where('kind', '=', 'closed').where('ticket_id', 'in', ids).execute();
      expect(emails).toHaveLength(ids.length);
      expect(await historyViolations(db)).toEqual([]);
    }

    it(`commits ${TICKETS} closes asked through both processes once each, after the window`, async () => {
      const handle = database.open();
      const ctx: ServiceContext = { handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' };
      await addStaff(ctx, 'ana', { capacity: 50 });
      const client = await login();
      await createTickets(TICKETS);
      const asked = Date.now();
      const ids = await closeAll(client);
      expect(ids).toHaveLength(TICKETS);
      const pending = await handle.db.selectFrom('tickets').select(['status', 'close_due_at']).where('id', 'in', ids).execute();
      expect(pending.every((t) => t.status === 'open' && t.close_due_at !== null)).toBe(true);
      await untilClosed(ids);
      await expectClosedOnce(ids);
      const closedAt = await handle.db.selectFrom('tickets').select(['closed_at', 'close_due_at']).where('id', 'in', ids).execute();
      // The close time is the commit's: after the click plus the window.
      for (const t of closedAt) expect(t.closed_at!).toBeGreaterThanOrEqual(asked + WINDOW_SECONDS * 1000);
    }, 180_000);

    it('keeps a pending close through the death of every process and commits it once after the restart', async () => {
      const client = await login();
      await createTickets(4);
      const ids = await closeAll(client);
      expect(ids).toHaveLength(4);
      await Promise.all(servers.map((s) => s.kill('SIGKILL')));
      await sleep(WINDOW_SECONDS * 1000 + 500);
      const { db } = database.open();
      const stranded = await db.selectFrom('tickets').select(['status', 'close_due_at']).where('id', 'in', ids).execute();
      expect(stranded.every((t) => t.status === 'open' && t.close_due_at !== null && t.close_due_at < Date.now())).toBe(true);
      await start();
      await untilClosed(ids);
      await expectClosedOnce(ids);
    }, 180_000);
  });
}
