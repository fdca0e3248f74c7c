/**
 * SLA countdowns (§4: "pages show the time left (or overdue) counting down live") count from the
 * server's clock, not the browser's: a laptop whose clock is ten minutes fast must not show a
 * ticket with four minutes left as "Overdue by 6 min" (nor a slow one an overdue ticket as in
 * time). The pages say what time the server rendered them at; app.js counts from there.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, Client, submitViaForm } from '../support/app.js';
import { launchBrowser } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { type LiveApp, startLiveApp } from './support.js';

const TEN_MINUTES = 10 * 60_000;

describe('SLA countdowns in a browser whose clock is wrong', () => {
  let database: TestDatabase;
  let live: LiveApp;
  let browser: Browser;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    live = await startLiveApp(database.handle, database.url);
    await addStaff(live.ctx, 'alice', { capacity: 5 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await live.close();
    await database.drop();
  });

  /** Alice's dashboard in a browser whose Date.now() is `skewMs` off. */
  async function dashboardWithSkew(skewMs: number): Promise<Page> {
    const context = await browser.newContext();
    await context.addInitScript((skew: number) => {
      const real = Date.now.bind(Date);
      Date.now = () => real() + skew;
    }, skewMs);
    const page = await context.newPage();
    await page.goto(`${live.baseUrl}/agents/login/`);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'password123');
    await Promise.all([page.waitForURL('**/agents/dashboard/'), page.click('button[type=submit]')]);
    return page;
  }

  it('shows the medium ticket’s four minutes as time left with the browser ten minutes fast or slow', async () => {
    // Alice must be available to get the ticket: her login makes her so.
    const fast = await dashboardWithSkew(TEN_MINUTES);
    const slow = await dashboardWithSkew(-TEN_MINUTES);
    await submitViaForm(new Client(live.app), { title: 'Counted from the server', priority: 'medium' });
    for (const page of [fast, slow]) {
      await page.reload();
      const countdown = page.locator('#open-tickets .countdown').first();
      // Give app.js a tick to rewrite the server's text with its own count.
      await page.waitForTimeout(1500);
      expect(await countdown.textContent()).toMatch(/^(4 min|3 min( \d+ s)?|\d+ s) left$/);
      await page.context().close();
    }
  });
});
