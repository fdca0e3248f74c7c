/**
 * The admin dashboard when its feed stops answering (README, "SLA monitor and live updates"): a
 * dashboard left on a screen must not go on showing old figures as if they were current.
 * - The feed fails (a server error, offline): the page says, in words, since when its figures
 *   are not updated, and says nothing once a refresh succeeds again.
 * - The session ended (idle expiry, a logout elsewhere): the page shows the login form, which
 *   leads back to this dashboard (not to its JSON feed), as the agent dashboard does.
 * - The dashboard is gone (its team deleted): the page is loaded again and says why.
 *
 * One dialect is enough here (SQLite): the script does not depend on the engine.
 */
import { describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { TEST_CONFIG } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { adminBrowserSuite, rootIdOf } from './browser-support.js';

const TEST = 'dashboard feed down';
const FEED = '**/adminapp/dashboard/data.json*';

describe('the admin dashboard when its feed stops answering', () => {
  let api: ApiClient;
  const clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
  const suite = adminBrowserSuite(
    TEST,
    async (t) => {
      api = new ApiClient(t.app, (await createApiToken(t.ctx, await rootIdOf(t), 'setup')).token);
    },
    { clock },
  );

  it('says its figures are not updated while the feed fails, and stops saying it once it answers', async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      await page.locator('#dashboard[data-charts="ready"]').waitFor();
      const stale = page.locator('#dashboard-stale');
      expect(await stale.isVisible()).toBe(false);
      await page.route(FEED, (route) => route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"Try again."}}' }));
      await expect.poll(() => stale.isVisible(), { timeout: 15_000 }).toBe(true);
      expect(await stale.textContent()).toMatch(/^Not updated since \d\d:\d\d:\d\d UTC: these figures may be out of date\. Trying again every 5 seconds\.$/);
      await page.unroute(FEED);
      await expect.poll(() => stale.isVisible(), { timeout: 15_000 }).toBe(false);
    });
  }, 60_000);

  it("says so when its team is deleted, instead of showing that team's last figures", async () => {
    const created = await api.post('/api/v1/teams', { name: 'Night shift' });
    expect(created.status).toBe(201);
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      await page.goto('/adminapp/dashboard/?team=Night%20shift');
      await page.locator('#dashboard[data-charts="ready"]').waitFor();
      expect((await api.request('DELETE', `/api/v1/teams/${created.body.id}`)).status).toBe(204);
      await expect.poll(() => page.locator('body').textContent(), { timeout: 15_000 }).toContain('Unknown team');
    });
  }, 60_000);

  // Last: it ends the session.
  it('shows the login form once the session has ended, leading back to the dashboard', async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      await page.goto('/adminapp/dashboard/?window=7d');
      await page.locator('#dashboard[data-charts="ready"]').waitFor();
      clock.advance((TEST_CONFIG.sessionIdleMinutes + 1) * 60_000);
      await page.waitForURL(/\/agents\/login\//, { timeout: 15_000 });
      expect(new URL(page.url()).searchParams.get('next')).toBe('/adminapp/dashboard/?window=7d');
    });
  }, 60_000);
});
