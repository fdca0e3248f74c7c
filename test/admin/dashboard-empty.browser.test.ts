/**
 * The admin dashboard of a desk with nothing to show yet, in Chromium, and the same page once there
 * is something: a new desk's admin opens it first, and it stays open while agents are registered
 * and the first tickets come in (the page keeps itself current, README "Admin pages").
 *
 * One dialect is enough here (SQLite): the script does not depend on the engine.
 */
import { describe, expect, it } from 'vitest';
import { createTickets } from '../../src/services/tickets.js';
import { addStaff } from '../support/app.js';
import { adminBrowserSuite } from './browser-support.js';

const TEST = 'dashboard empty';

describe('the admin dashboard of an empty desk in Chromium', () => {
  const suite = adminBrowserSuite(TEST);

  // The "No agents yet" note was drawn by the server only: the script added the first agent's row
  // beside it and left it there, so the page said there were no agents above an agent.
  it('stops saying there are no agents once the first one appears', async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      await page.locator('#dashboard[data-charts="ready"]').waitFor();
      const none = page.getByText('No agents yet.');
      expect(await none.isVisible()).toBe(true);
      await addStaff(suite.t.ctx, 'ana');
      await page.locator('tr[data-agent="ana"]').waitFor({ timeout: 15_000 });
      expect(await none.isVisible()).toBe(false);
    });
  }, 60_000);

  // Chart.js draws a pie of three zeros as nothing and a bar chart without bars as bare axes: the
  // dashboard of a new desk (or a quiet window) showed five blank boxes, which read as charts that
  // failed to load rather than as "nothing yet".
  it('says in each chart when it has nothing to draw, and draws it once it has', async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      await page.locator('#dashboard[data-charts="ready"]').waitFor();
      const note = (chart: string) => page.locator(`figure:has(#${chart})`).getByText(/^No .* in this window\.$/);
      expect(await note('chart-states').textContent()).toBe('No tickets in this window.');
      expect(await note('chart-closed').textContent()).toBe('No ticket closed in this window.');
      expect(await note('chart-breaches').textContent()).toBe('No breach in this window.');
      expect(await note('chart-targets').textContent()).toBe('No target met or breached in this window.');
      expect(await note('chart-csat').textContent()).toBe('No rating in this window.');
      for (const chart of ['chart-states', 'chart-closed', 'chart-breaches', 'chart-targets', 'chart-csat']) expect(await note(chart).isVisible(), chart).toBe(true);
      // The first ticket: the pie has a slice, the others still have nothing to draw.
      await createTickets(suite.t.ctx, [{ name: 'Cleo', email: 'cleo@customer.example', title: 'First', description: 'Hello', priority: 'low' }]);
      await expect.poll(() => note('chart-states').isVisible(), { timeout: 15_000 }).toBe(false);
      expect(await note('chart-closed').isVisible()).toBe(true);
    });
  }, 60_000);
});
