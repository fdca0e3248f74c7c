/**
 * One team's dashboard in Chromium: the agents table the script keeps current links each agent's
 * counts to that agent's tickets *of the team* (as the server drew them), also after a refresh
 * redrew a cell. The links' counts are checked against the lists in dashboard-team-links.test.ts.
 *
 * One dialect is enough here (SQLite): the script does not depend on the engine.
 */
import { describe, expect, it } from 'vitest';
import { changePresence } from '../../src/services/presence.js';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { addStaff } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { adminBrowserSuite, rootIdOf } from './browser-support.js';

const TEST = 'team dashboard links';
const TEAM = 'Billing & Co';

describe("one team's dashboard in Chromium", () => {
  let api: ApiClient;
  const clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
  const suite = adminBrowserSuite(
    TEST,
    async (t) => {
      const bob = await addStaff(t.ctx, 'bob', { capacity: 5 });
      api = new ApiClient(t.app, (await createApiToken(t.ctx, await rootIdOf(t), 'setup')).token);
      expect((await api.post('/api/v1/teams', { name: TEAM })).status).toBe(201);
      expect((await api.put('/api/v1/agents/bob/teams', { teams: [TEAM] })).status).toBe(200);
      expect((await api.post('/api/v1/topics', { name: 'Invoices', team: TEAM })).status).toBe(201);
      await changePresence(t.ctx, bob, 'available');
    },
    { clock },
  );

  it("keeps the agents' links on the team's tickets when a refresh redraws their cells", async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      await page.goto(`/adminapp/dashboard/?team=${encodeURIComponent(TEAM)}`);
      const links = () => page.locator('#agent-rows tr[data-agent="bob"] a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      const team = `team=${encodeURIComponent(TEAM)}`;
      expect(await links()).toEqual([`/admin/tickets/?agent=bob&${team}`, `/admin/tickets/?agent=bob&status=open&${team}`, `/admin/tickets/?agent=bob&status=closed&${team}`, `/admin/tickets/?agent=bob&breached=yes&${team}`]);

      // A ticket of the team goes to bob: the script redraws his Open cell.
      const created = await api.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Invoice', description: 'Help', priority: 'low', topic: 'Invoices' });
      expect(created.body.agent).toBe('bob');
      await expect.poll(() => page.locator('#agent-rows tr[data-agent="bob"] td[data-col="open"]').textContent(), { timeout: 15_000 }).toBe('1');
      expect(await links()).toEqual([`/admin/tickets/?agent=bob&${team}`, `/admin/tickets/?agent=bob&status=open&${team}`, `/admin/tickets/?agent=bob&status=closed&${team}`, `/admin/tickets/?agent=bob&breached=yes&${team}`]);
    });
  }, 60_000);
});
