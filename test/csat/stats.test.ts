/**
 * The §13 figures after real ratings through the app, on both engines: GET /api/v1/stats and the
 * dashboard's feed and page show csat { rated, good, score } for the window and per agent; a rating
 * counts in the windows that hold its ticket's creation, and a change moves the figures rather than
 * adding a rating.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reassignTicket } from '../../src/services/admin.js';
import { csatToken } from '../../src/services/csat.js';
import { closeTicket } from '../../src/services/tickets.js';
import { createApiToken } from '../../src/services/tokens.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import { newTicket } from '../admin/support.js';
import { ApiClient } from '../api/support.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';

const DAY = 86_400_000;
const csat = (rated: number, good: number, score: number | null) => ({ rated, good, score });

for (const dialect of DIALECTS) {
  describe(`satisfaction figures (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock();
    let api: ApiClient;
    let admin: Client;
    const ids: Record<string, number> = {};

    /** A ticket closed by `agent`, rated through the rating page. */
    async function rated(agent: 'alice' | 'bob', score: 'good' | 'bad'): Promise<number> {
      const id = await newTicket(t.ctx);
      await reassignTicket(t.ctx, ids.root!, id, agent);
      await closeTicket(t.ctx, { id: ids[agent]!, role: 'agent' }, id);
      await rate(id, score);
      return id;
    }
    async function rate(id: number, score: 'good' | 'bad'): Promise<void> {
      const path = `/tickets/rate/${csatToken((await findTicketById(t.ctx.handle.db, id))!)}/`;
      const customer = new Client(t.app);
      const page = await customer.get(`${path}?score=${score}`);
      expect((await customer.post(path, { score, _csrf: csrfFrom(page.body) })).statusCode).toBe(303);
    }
    const stats = async (window: string) => {
      const response = await api.get(`/api/v1/stats?window=${window}`);
      expect(response.status).toBe(200);
      return response.body as { csat: unknown; agents: { username: string; csat: unknown }[] };
    };
    const perAgent = (body: Awaited<ReturnType<typeof stats>>) => Object.fromEntries(body.agents.map((a) => [a.username, a.csat]));

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      ids.root = await addStaff(t.ctx, 'root', { role: 'admin' });
      ids.alice = await addStaff(t.ctx, 'alice', { capacity: 50 });
      ids.bob = await addStaff(t.ctx, 'bob', { capacity: 50 });
      await addStaff(t.ctx, 'carol', { capacity: 50 });
      api = new ApiClient(t.app, (await createApiToken(t.ctx, ids.root, 'stats')).token);
      admin = new Client(t.app);
    });
    afterAll(async () => t?.close());

    it('count per window and per agent in the API, the feed and the dashboard', async () => {
      // Two days ago: alice good. Today: alice bad, bob good, an unrated close by bob.
      await rated('alice', 'good');
      clock.advance(2 * DAY);
      const changed = await rated('alice', 'good');
      await rated('bob', 'good');
      const unrated = await newTicket(t.ctx);
      await reassignTicket(t.ctx, ids.root!, unrated, 'bob');
      await closeTicket(t.ctx, { id: ids.bob!, role: 'agent' }, unrated);
      // A change is no new rating: good → bad moves one from good.
      await rate(changed, 'bad');

      const day = await stats('24h');
      expect(day.csat).toEqual(csat(2, 1, 0.5));
      expect(perAgent(day)).toEqual({ alice: csat(1, 0, 0), bob: csat(1, 1, 1), carol: csat(0, 0, null) });
      for (const window of ['7d', '30d', 'all']) {
        const body = await stats(window);
        expect(body.csat, window).toEqual(csat(3, 2, 0.6667));
        expect(perAgent(body), window).toEqual({ alice: csat(2, 1, 0.5), bob: csat(1, 1, 1), carol: csat(0, 0, null) });
      }
      // A window with no ticket rates nothing.
      clock.advance(10 * DAY);
      expect((await stats('7d')).csat).toEqual(csat(0, 0, null));

      // (The clock went past the session's idle limit: log in again.)
      await admin.login('root');
      const feed = (await admin.get('/adminapp/dashboard/data.json?window=all')).json();
      expect(feed.csat).toEqual(csat(3, 2, 0.6667));
      const page = await admin.get('/adminapp/dashboard/?window=all');
      expect(page.body).toMatch(/data-kpi="csat.rated"[^>]*>3</);
      expect(page.body).toMatch(/data-kpi="csat.score"[^>]*>66.7 %</);
      expect(page.body).toMatch(/data-col="csat"[^>]*>50.0 % of 2</);
      expect(page.body).toContain('id="chart-csat"');
    });
  });
}
