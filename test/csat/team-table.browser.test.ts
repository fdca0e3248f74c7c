/**
 * The dashboard's "Satisfaction per team" table in Chromium, kept current by the page's script:
 * each row keeps its own team's figures when the teams change while the page is open (a team
 * deleted or renamed, one added), rather than the figures of whichever team now has its place.
 *
 * One dialect is enough here (SQLite): the script does not depend on the engine.
 */
import { describe, expect, it } from 'vitest';
import { findTicketById } from '../../src/repositories/tickets.js';
import { csatToken, rateTicket } from '../../src/services/csat.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { createApiToken } from '../../src/services/tokens.js';
import { adminBrowserSuite, rootIdOf } from '../admin/browser-support.js';
import { ApiClient } from '../api/support.js';
import { addStaff } from '../support/app.js';

const TEST = 'team satisfaction table';

describe("the dashboard's satisfaction per team in Chromium", () => {
  let api: ApiClient;
  let sue: number;
  const suite = adminBrowserSuite(TEST, async (t) => {
    sue = await addStaff(t.ctx, 'sue', { capacity: 5 });
    api = new ApiClient(t.app, (await createApiToken(t.ctx, await rootIdOf(t), 'setup')).token);
    for (const name of ['Billing', 'Sales']) expect((await api.post('/api/v1/teams', { name })).status).toBe(201);
    expect((await api.put('/api/v1/agents/sue/teams', { teams: ['Support', 'Sales'] })).status).toBe(200);
    expect((await api.post('/api/v1/topics', { name: 'Deals', team: 'Sales' })).status).toBe(201);
    await changePresence(t.ctx, sue, 'available');
  });

  /** A Sales ticket, closed by Sue and rated good by its customer. */
  async function ratedSalesTicket(): Promise<void> {
    const created = await api.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'A deal', description: 'Help', priority: 'low', topic: 'Deals' });
    expect(created.body.agent).toBe('sue');
    const id = Number(String(created.body.reference).slice(3));
    await closeTicket(suite.t.ctx, { id: sue, role: 'agent' }, id);
    await rateTicket(suite.t.ctx, csatToken((await findTicketById(suite.t.ctx.handle.db, id))!), { score: 'good', comment: null });
  }

  it('keeps each row on its own team when a team is deleted, renamed or added while the page is open', async () => {
    await ratedSalesTicket();
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      await page.locator('#dashboard[data-charts="ready"]').waitFor();
      const rows = () => page.locator('#team-csat tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      expect(await rows()).toEqual([
        ['Support', '0', '0', '—'],
        ['Billing', '0', '0', '—'],
        ['Sales', '1', '1', '100.0 %'],
      ]);

      // Billing goes: its row must not take Sales' figures (nor Sales' row keep its old ones).
      const billing = (await api.get('/api/v1/teams')).body.items.find((team: { name: string }) => team.name === 'Billing');
      expect((await api.request('DELETE', `/api/v1/teams/${billing.id}`)).status).toBe(204);
      await ratedSalesTicket();
      await expect.poll(rows, { timeout: 15_000 }).toEqual([
        ['Support', '0', '0', '—'],
        ['Sales', '2', '2', '100.0 %'],
      ]);

      // Renamed and added: the rows name the teams the figures are of.
      const sales = (await api.get('/api/v1/teams')).body.items.find((team: { name: string }) => team.name === 'Sales');
      expect((await api.request('PUT', `/api/v1/teams/${sales.id}`, { name: 'Sales EU' })).status).toBe(200);
      expect((await api.post('/api/v1/teams', { name: 'Night shift' })).status).toBe(201);
      await expect.poll(rows, { timeout: 15_000 }).toEqual([
        ['Support', '0', '0', '—'],
        ['Sales EU', '2', '2', '100.0 %'],
        ['Night shift', '0', '0', '—'],
      ]);
    });
  }, 90_000);
});
