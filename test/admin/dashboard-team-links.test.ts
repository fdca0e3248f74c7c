/**
 * One team's dashboard (`?team=`, §12) shows that team's figures, and README ("Every count links to
 * its list") promises each count leads to the list of exactly those tickets: here every ticket-list
 * link of the page is followed and its rows counted against the number it is on. A team whose name
 * needs encoding (`&`, a space) keeps the links honest about escaping too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { addStaff, type Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, agentClient } from './support.js';

const TEAM = 'Billing & Co';
const TICKET = { name: 'Dora', email: 'dora@customer.example', description: 'Help', priority: 'low' };

/** Each ticket-list link of a page with the number it shows: [href as the browser reads it, number]. */
function ticketListLinks(html: string): [string, number][] {
  return [...html.matchAll(/<a href="(\/admin\/tickets\/[^"#]*)"[^>]*>(\d+)<\/a>/g)].map((m) => [m[1]!.replaceAll('&amp;', '&'), Number(m[2])]);
}

const rowsOf = (html: string) => (html.match(/<tr data-id="/g) ?? []).length;

for (const dialect of DIALECTS) {
  describe(`one team's dashboard links its counts to the team's lists (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    const clock = new FakeClock(Date.UTC(2026, 11, 3, 9, 0, 0));

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      await addStaff(t.ctx, 'alice', { capacity: 5 });
      await addStaff(t.ctx, 'bob', { capacity: 5 });
      const root = await adminClient(t);
      admin = root.client;
      const api = new ApiClient(t.app, (await createApiToken(t.ctx, root.id, 'setup')).token);
      expect((await api.post('/api/v1/teams', { name: TEAM })).status).toBe(201);
      expect((await api.put('/api/v1/agents/bob/teams', { teams: [TEAM, 'Support'] })).status).toBe(200);
      expect((await api.post('/api/v1/topics', { name: 'Invoices', team: TEAM })).status).toBe(201);
      await agentClient(t, 'bob');
      // Bob (in both teams) takes all five: two of the team's, three of Support's.
      for (const [title, topic] of [['Invoice one', 'Invoices'], ['Invoice two', 'Invoices'], ['Printer', undefined], ['Scanner', undefined], ['Fax', undefined]] as const) {
        const created = await api.post('/api/v1/tickets', { ...TICKET, title, ...(topic ? { topic } : {}) });
        expect(created.status).toBe(201);
        clock.advance(1000);
      }
      // Past the low priority's hour: every open ticket is overdue, in both teams.
      clock.advance(2 * 3_600_000);
    });
    afterAll(() => t.close());

    it("each count's list holds as many tickets as the count, the team's only", async () => {
      const page = await admin.get(`/adminapp/dashboard/?team=${encodeURIComponent(TEAM)}`);
      expect(page.statusCode).toBe(200);
      const links = ticketListLinks(page.body);
      // Total, the states, the breaches and the agents' rows are all links to ticket lists.
      expect(links.length).toBeGreaterThan(10);
      const total = links.find(([href]) => href === `/admin/tickets/?team=${encodeURIComponent(TEAM)}`);
      expect(total?.[1], 'the Total card links to the team’s tickets').toBe(2);
      const wrong: string[] = [];
      for (const [href, count] of links) {
        const list = await admin.get(href);
        expect(list.statusCode, href).toBe(200);
        if (rowsOf(list.body) !== count) wrong.push(`${href}: the page says ${count}, the list holds ${rowsOf(list.body)}`);
      }
      expect(wrong).toEqual([]);
    });
  });
}
