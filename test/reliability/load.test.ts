/**
 * Load across processes (issue 6 point 2), the small version: two real server processes on one
 * database take concurrent ticket creations (form and API) while agents log in and out, go away and
 * come back and close tickets (sometimes twice at once), all over HTTP, with I2/I3 watched on
 * committed states throughout; afterwards I1–I5 hold and the outbox has sent every email once.
 * `npm run bench:load` is the big version (1,000 creations, 30 agents, 3 processes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../src/services/context.js';
import { addStaff } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { type BlankDatabase, blankDatabase, invariantViolations, runLoad, waitForOutbox, watchCapacity } from '../support/load.js';
import { type ServerProcess, spawnServer } from '../support/process.js';

const PROCESSES = 2;
const TICKETS = 150;
const AGENTS = 6;

for (const dialect of DIALECTS) {
  describe(`${PROCESSES} server processes on one ${dialect} database`, () => {
    let database: BlankDatabase;
    let servers: ServerProcess[] = [];

    beforeAll(async () => {
      database = await blankDatabase(dialect);
      // Started together on an empty database: both migrate and look for the first admin at once.
      servers = await Promise.all(Array.from({ length: PROCESSES }, () => spawnServer({ DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password', RATE_LIMIT: 'off' })));
    });
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.kill('SIGTERM')));
      await database.drop();
    });

    it(`keeps I1–I5 with ${TICKETS} concurrent creations and ${AGENTS} agents acting over HTTP`, async () => {
      const handle = database.open();
      const ctx: ServiceContext = { handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' };
      const agents = [];
      for (let i = 0; i < AGENTS; i++) {
        await addStaff(ctx, `agent${i}`, { capacity: 2 + (i % 3) });
        agents.push({ username: `agent${i}`, password: 'password123' });
      }
      expect(await handle.db.selectFrom('users').select('username').where('role', '=', 'admin').execute()).toEqual([{ username: 'admin' }]);

      const watcher = watchCapacity(handle);
      const result = await runLoad({ urls: () => servers.map((s) => s.url), tickets: TICKETS, concurrency: 20, agents, agentRounds: 8, seed: dialect === 'sqlite' ? 3 : 5 });
      const watched = await watcher.stop();

      expect(result.failures).toEqual([]);
      expect(result.unanswered).toEqual({});
      expect(result.accepted).toHaveLength(TICKETS);
      expect(watched.checks).toBeGreaterThan(3);
      expect(watched.violations).toEqual([]);
      expect(await invariantViolations(handle, result.accepted)).toEqual([]);
      const tickets = await handle.db.selectFrom('tickets').select(['status', 'agent_id']).execute();
      expect(tickets).toHaveLength(TICKETS);
      // The run did what it says: tickets closed along the way, some twice at once.
      expect(result.closes).toBeGreaterThan(10);
      expect(tickets.filter((t) => t.status === 'closed')).toHaveLength(result.closes);

      // §5: every email sent, each once (log mode: a row is sent on its first try or not at all).
      const outbox = await waitForOutbox(handle, 30_000);
      expect(outbox.pending ?? 0).toBe(0);
      expect(outbox.sending ?? 0).toBe(0);
      expect(outbox.failed ?? 0).toBe(0);
      const retried = await handle.db.selectFrom('outbox').select('id').where('attempts', '!=', 1).execute();
      expect(retried).toEqual([]);
      console.log(`${dialect}: ${result.requests} requests in ${(result.elapsedMs / 1000).toFixed(1)} s, ${result.closes} closes, ${result.doubleCloses} double clicks, ${watched.checks} I2/I3 checks`, result.answers);
    });
  });
}
