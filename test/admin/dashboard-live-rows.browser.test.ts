/**
 * The admin dashboard's live updates in Chromium: shares are written as the page writes them
 * (src/core/shares.ts: below 1 never `100.0 %`, above 0 never `0.0 %`). The feed is answered with
 * such shares (the figures themselves are tested on both engines elsewhere).
 *
 * One dialect is enough here (SQLite): the script does not depend on the engine.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../support/clock.js';
import { adminBrowserSuite } from './browser-support.js';

const TEST = 'dashboard live rows';
const FEED = '**/adminapp/dashboard/data.json*';

describe('the admin dashboard’s live rows and shares', () => {
  const clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
  const suite = adminBrowserSuite(TEST, async () => {}, { clock });

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
