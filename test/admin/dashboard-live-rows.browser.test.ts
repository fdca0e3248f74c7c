/**
 * The admin dashboard's live updates in Chromium: Satisfaction per team appears when a second team
 * is made while the page is open, and gains a row for the ratings of a team deleted meanwhile (the
 * rows add up to the total); shares are written as the page writes them (src/core/shares.ts: below
 * 1 never `100.0 %`, above 0 never `0.0 %`), checked against a feed answered with such shares.
 *
 * One dialect is enough here (SQLite): the script does not depend on the engine.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findTicketById } from '../../src/repositories/tickets.js';
import { csatToken, rateTicket } from '../../src/services/csat.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { addStaff } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { adminBrowserSuite, rootIdOf } from './browser-support.js';

const TEST = 'dashboard live rows';
const FEED = '**/adminapp/dashboard/data.json*';

describe('the admin dashboard’s live rows and shares', () => {
  const clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
  let api: ApiClient;
  let sue: number;
  const suite = adminBrowserSuite(
    TEST,
    async (t) => {
      sue = await addStaff(t.ctx, 'sue', { capacity: 5 });
      api = new ApiClient(t.app, (await createApiToken(t.ctx, await rootIdOf(t), 'setup')).token);
      await changePresence(t.ctx, sue, 'available');
    },
    { clock },
  );

  /** A ticket (of `topic`, else the default one) closed by Sue and rated good. */
  async function ratedTicket(topic?: string): Promise<void> {
    const created = await api.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Help', description: 'Help', priority: 'low', ...(topic ? { topic } : {}) });
    expect(created.body.agent).toBe('sue');
    const id = Number(String(created.body.reference).slice(3));
    await closeTicket(suite.t.ctx, { id: sue, role: 'agent' }, id);
    await rateTicket(suite.t.ctx, csatToken((await findTicketById(suite.t.ctx.handle.db, id))!), { score: 'good', comment: null });
  }

  /** Satisfaction per team as shown: each row's cells, or null while the table is not shown. */
  const teamRows = (page: Page) =>
    page.evaluate(() => {
      const table = document.getElementById('team-csat');
      if (!table || table.closest('[hidden]') !== null) return null;
      return [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
    });

  it('adds the satisfaction table and the new team’s row when a second team is made while the page is open', async () => {
    await ratedTicket();
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      await page.locator('#dashboard[data-charts="ready"]').waitFor();
      // One team: the table would only repeat the Satisfaction card.
      expect(await teamRows(page)).toBeNull();
      expect((await api.post('/api/v1/teams', { name: 'Night shift' })).status).toBe(201);
      await expect.poll(() => teamRows(page), { timeout: 15_000 }).toEqual([
        ['Support', '1', '1', '100.0 %'],
        ['Night shift', '0', '0', '—'],
      ]);
    });
  }, 60_000);

  it('adds a row for the ratings of a team deleted while the page is open, so the rows still add up', async () => {
    expect((await api.put('/api/v1/agents/sue/teams', { teams: ['Support', 'Night shift'] })).status).toBe(200);
    const late = await api.post('/api/v1/topics', { name: 'Late', team: 'Night shift' });
    expect(late.status).toBe(201);
    await ratedTicket('Late');
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      await page.locator('#dashboard[data-charts="ready"]').waitFor();
      expect(await teamRows(page)).toEqual([
        ['Support', '1', '1', '100.0 %'],
        ['Night shift', '1', '1', '100.0 %'],
      ]);
      expect((await api.request('DELETE', `/api/v1/topics/${late.body.id}`)).status).toBe(204);
      const night = (await api.get('/api/v1/teams')).body.items.find((team: { name: string }) => team.name === 'Night shift');
      expect((await api.request('DELETE', `/api/v1/teams/${night.id}`)).status).toBe(204);
      await expect.poll(() => teamRows(page), { timeout: 15_000 }).toEqual([
        ['Support', '1', '1', '100.0 %'],
        ['Teams since deleted', '1', '1', '100.0 %'],
      ]);
      expect(await page.locator('[data-kpi="csat.rated"]').textContent()).toBe('2');
    });
  }, 60_000);

  it('writes a share just below 1 as 99.9 % and one just above 0 as 0.1 %, as the page does', async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      await page.locator('#dashboard[data-charts="ready"]').waitFor();
      await page.route(FEED, async (route) => {
        const response = await route.fetch();
        const feed = (await response.json()) as { sla: { breach_rate: number }; csat: { rated: number; good: number; score: number | null } };
        feed.sla.breach_rate = 0.00001;
        feed.csat = { rated: 10_000, good: 9_999, score: 0.9999 };
        await route.fulfill({ response, json: feed });
      });
      await expect.poll(() => page.locator('[data-kpi="csat.score"]').textContent(), { timeout: 15_000 }).toBe('99.9 %');
      expect(await page.locator('[data-kpi="sla.breach_rate"]').textContent()).toBe('0.1 %');
      await page.unroute(FEED);
    });
  }, 60_000);
});
