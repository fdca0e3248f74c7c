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
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { addStaff, listenOnFreePort, startTestApp, type TestApp, TEST_CONFIG } from '../support/app.js';
import { Cast, launchBrowser } from '../support/browser.js';
import { FakeClock } from '../support/clock.js';

const TEST = 'dashboard feed down';
const FEED = '**/adminapp/dashboard/data.json*';

describe('the admin dashboard when its feed stops answering', () => {
  let t: TestApp;
  let browser: Browser;
  let cast: Cast;
  let api: ApiClient;
  const clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp('sqlite', { clock }), launchBrowser()]);
    cast = new Cast(browser, await listenOnFreePort(t), TEST);
    const root = await addStaff(t.ctx, 'root', { role: 'admin' });
    api = new ApiClient(t.app, (await createApiToken(t.ctx, root, 'setup')).token);
  });

  afterAll(async () => {
    for (const context of cast?.contexts ?? []) await context.close();
    await browser?.close();
    await t?.close();
  });

  it('says its figures are not updated while the feed fails, and stops saying it once it answers', async () => {
    const page = await cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await cast.photographedOnFailure(async () => {
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
    const page = await cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await cast.photographedOnFailure(async () => {
      await page.goto('/adminapp/dashboard/?team=Night%20shift');
      await page.locator('#dashboard[data-charts="ready"]').waitFor();
      expect((await api.request('DELETE', `/api/v1/teams/${created.body.id}`)).status).toBe(204);
      await expect.poll(() => page.locator('body').textContent(), { timeout: 15_000 }).toContain('Unknown team');
    });
  }, 60_000);

  // Last: it ends the session.
  it('shows the login form once the session has ended, leading back to the dashboard', async () => {
    const page = await cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await cast.photographedOnFailure(async () => {
      await page.goto('/adminapp/dashboard/?window=7d');
      await page.locator('#dashboard[data-charts="ready"]').waitFor();
      clock.advance((TEST_CONFIG.sessionIdleMinutes + 1) * 60_000);
      await page.waitForURL(/\/agents\/login\//, { timeout: 15_000 });
      expect(new URL(page.url()).searchParams.get('next')).toBe('/adminapp/dashboard/?window=7d');
    });
  }, 60_000);
});
